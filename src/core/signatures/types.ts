import type { ResolvedTime } from '../logs/time';
import type { LogFormat, LogRecord, LogTime } from '../logs/types';

/** One entry of the signature catalog (see catalog.schema.json). */
export interface Signature {
  id: string;
  title: string;
  component?: string;
  severity: 'error' | 'warning' | 'info';
  literals: string[];
  requires?: string[];
  patterns: string[];
  flags?: string;
  explanation: string;
  /** The hops the error passes through on its way into the log, origin first. */
  travels?: string[];
  likelyCauses?: string[];
  chain?: 'reader' | 'writer' | 'start' | null;
  cause?: string;
  /** The causes (contract ids) that can print this signature; empty for look-alikes. */
  causes?: string[];
  /** Where the wording is printed upstream (catalog.schema.json: printedBy). */
  printedBy?: { program: string; file: string; line?: number; version: string; call: string }[];
  /** For evidence lines that are not runtime errors: the observation (causes.json) they feed. */
  observation?: string;
  /**
   * Lines that tell of one event together (catalog.schema.json `event`): closed by a `closes` literal, or
   * once it has `lines` lines (dockerd's stdout and stderr copies of one exec), within `maxLines` lines
   * and `withinMs` of its first.
   */
  event?: { opens?: string[]; closes?: string[]; lines?: number; withinMs?: number; maxLines: number; why: string };
  nextSteps?: string[];
}

/** A recognised line: where it is, which signature, and what the line says. */
export interface Finding {
  file: string;
  /** 1-based line number. */
  line: number;
  signature: string;
  /**
   * The matched span within `text` (UTF-16 columns), for highlighting; in the line it is at
   * `textColumn` + these. Findings of one message may share it: read-only.
   */
  match: { start: number; end: number };
  record: LogRecord;
  /** The line's time as written (year/zone may be missing). */
  wallTime: LogTime | null;
  /** A real instant, when year and zone are known. */
  time: ResolvedTime | null;
  /** The line, cut to a readable length for very long lines. */
  text: string;
  /**
   * The UTF-16 column of the line where `text` begins: 0, except where the text is a window of a line
   * too long to show, a compact event list's line holding every event (the text is the event's
   * `"message":"…"` member).
   */
  textColumn: number;
  /** A runtime error's wrappings and innermost error, from the message index (contract: layers, innermost, versions). */
  anatomy?: ErrorAnatomy;
  /**
   * The other lines of the same event (1-based, in the same file), when the signature's event spans
   * several lines (the kernel's OOM report): they are this finding, not findings of their own.
   */
  related?: number[];
  /**
   * The event's own id when its lines name one (catalog keyedEvents: `exec-id:<id>`): the same exec in the
   * kubelet's and containerd's logs is one event across files too.
   */
  event?: string;
}

/**
 * The programs a runtime error passes through, innermost last (../shared/contract.md, "layers").
 * `cri` is the CRI client/plugin boundary (kubelet's remote runtime or containerd's CRI plugin
 * wording), `kernel` the system call's own error text.
 */
export type ProgramId =
  | 'kubelet'
  | 'cri'
  | 'dockerd'
  | 'containerd'
  | 'shim'
  | 'go-runc'
  | 'runc'
  | 'crio'
  | 'conmon'
  | 'crun'
  | 'kernel';

/** Where a message index entry was printed: a file of its program's tree, the line, the enclosing function. */
export interface MessageOrigin {
  /** Path inside the program's repository, e.g. `libcontainer/process_linux.go`. */
  file: string;
  line: number;
  function: string;
}

/** One wrapping of a runtime error, matched to the format string that printed it. */
export interface Layer {
  program: ProgramId;
  /** This layer's part of the line (its own words, the inner layers cut off). */
  text: string;
  /** The format string's site in the newest version that has it; null when no index entry matched. */
  origin: MessageOrigin | null;
  /** The versions of `program` that contain the format, e.g. "1.1.0–1.1.15"; null when unknown. */
  versions: string | null;
  /** The origin upstream: its file at the line in the newest tag that has it (https://github.com/…/blob/TAG/FILE#LN). */
  upstream?: string;
}

/** The error at the bottom of the wrappings: what the system call did, on what, and how it failed. */
export interface InnermostError {
  /** `write`, `open`, `read`, `fork/exec`, `pthread_create`, `unshare`, `keyctl`… or null. */
  operation: string | null;
  /** The path, pipe or object operated on (`/sys/fs/cgroup/…/cgroup.procs`, `init-p`), or null. */
  object: string | null;
  /** The errno's symbolic name (`ENOENT`), when the text is one of Go's errno texts (or EOF). */
  errno: string | null;
  /** The error's own words as printed (`no such file or directory`). */
  text: string;
}

/**
 * What the message index makes of a runtime error line. Findings of runtime errors carry it
 * (curated signatures and `runtime-error` alike); other findings leave it undefined.
 */
export interface ErrorAnatomy {
  /** Outermost first. */
  layers: Layer[];
  innermost: InnermostError | null;
  /** Per program, the versions consistent with every layer of that program ("1.1.0–1.1.15"). */
  versions: Partial<Record<ProgramId, string>>;
}

/**
 * Occurrences of one signature in one file for one (node, pod, container): what findings cost at
 * cluster scale. Every count, line and time is kept (typed arrays, not one object per line); full
 * `Finding`s only for a bounded sample. The diagnosis, the timeline and the views read these;
 * `--json`'s `findings` are streamed from the input as they are produced, not built from these.
 */
export interface OccurrenceSet {
  /** `file \0 node \0 namespace/pod \0 container \0 signature`: stable within a run. */
  key: string;
  file: string;
  signature: string;
  node: string | null;
  pod: string | null;
  namespace: string | null;
  container: string | null;
  /** Events, counting aggregated ones (`x31`) as what they stand for. */
  count: number;
  /** One entry per recognised line, in input order. */
  lines: Uint32Array;
  /** Each line's own count (1 for log lines, `x31`/`series.count` for events). */
  counts: Uint32Array;
  /**
   * Each line's time as node-local wall milliseconds (`Date.UTC` of the written fields, year 2000 when the
   * line has none; the fraction holds the microseconds), NaN when none.
   */
  wallMs: Float64Array;
  /** Each line's offset from UTC in minutes as written, NaN when the line has no zone. */
  offsets: Float32Array;
  /** The first findings in full (at most `SAMPLE_PER_SET`), then the last one. */
  sample: Finding[];
  anatomy?: ErrorAnatomy;
  // Added for the diagnosis and `--json` to read sets alone (each finding given back by `findingAt`):
  /** The records' component and format: the key tells them apart (the kubelet's view of a failure against the runtime's). */
  component: string;
  format: LogFormat;
  /** The node as the records wrote it (`node` is its canonical name, or the file's folder's). */
  recordNode?: string | null;
  /** Each line's resolved instant in µs since the epoch (year and zone from the line, the options or the file), NaN when unknown. */
  readonly epochUs: Float64Array;
  /** Per line: bit 0 the line has a year, bit 1 a leap second, bits 2-5 where the resolved year and zone came from. */
  readonly flags: Uint8Array;
  /** Each line's place among all findings of its file (sets of one file merge back into input order by it). */
  readonly order: Uint32Array;
  /** Each line's `textColumn`, and its match span as start, end pairs. */
  readonly columns: Uint32Array;
  readonly matches: Uint32Array;
  /**
   * Where the arrays live: one store per file holds every occurrence of its sets, each set's lines
   * contiguous from `start`. The arrays above are views of it; loops over many sets read the store.
   */
  store: OccurrenceStore;
  start: number;
  size: number;
}

/** The occurrences of one file, set by set (see OccurrenceSet.store); texts one per occurrence, shared strings. */
export interface OccurrenceStore {
  lines: Uint32Array;
  counts: Uint32Array;
  wallMs: Float64Array;
  offsets: Float32Array;
  epochUs: Float64Array;
  flags: Uint8Array;
  order: Uint32Array;
  columns: Uint32Array;
  matches: Uint32Array;
  texts: string[];
  /** For each finding of the file in input order: its place in the store. */
  byOrder: Uint32Array;
  /** The sets, in the order of their first occurrence. */
  sets: OccurrenceSet[];
  /** Each occurrence's anatomy as 1 + its index in `anatomies` (the distinct ones), 0 for none. */
  anatomyIds: Uint32Array;
  anatomies: ErrorAnatomy[];
  /** By place in the store, for the few occurrences that have them: Finding.related and Finding.event. */
  related: Map<number, number[]>;
  events: Map<number, string>;
}

/** How many full findings an OccurrenceSet keeps: enough for hovers, lenses and the report's quotes. */
export const SAMPLE_PER_SET = 64;
