import { nodeOf } from '../logs/nodes';
import { type StoreOwners, findingAt, setsOf, storesOf } from '../signatures/occurrences';
import type { Recognition } from '../signatures/recognise';
import type { ErrorAnatomy, OccurrenceSet, OccurrenceStore } from '../signatures/types';
import { type Clock, type PlacedFinding, placeFinding } from './clock';
import { ClusterTable } from './clusters';
import { findingTimes } from './diagnose';
import type { Cluster } from './types';

/** The contract's JSON for one finding (../shared/contract.md), plus namespace, node and count; times on the diagnosis's clock. */
export function findingJson(p: PlacedFinding, clock: Clock) {
  const f = p.finding;
  return {
    file: f.file,
    line: f.line,
    signature: f.signature,
    ...findingTimes(p, clock),
    pod: f.record.pod,
    namespace: f.record.namespace,
    container: f.record.container,
    count: f.record.count,
    node: nodeOf(f),
    text: f.text,
    // A runtime error's wrappings, innermost error and the versions its wording holds (contract, turn 3).
    ...(f.anatomy ? { layers: f.anatomy.layers, innermost: f.anatomy.innermost, versions: f.anatomy.versions } : {}),
    // The other lines of the same event (a kernel OOM report, one exec logged twice): one finding, not several.
    ...(f.related?.length ? { related: f.related } : {}),
  };
}

/**
 * Output is handed on in pieces of about this many bytes: small enough that a piece's buffer is freed
 * soon after the output took it. A 64 KiB piece measured as fast as 256 KiB ones on a pipe and a file.
 */
const PIECE = 1 << 16;

/** JSON.stringify's escapes for the ASCII characters it escapes ("\n", "\u001f"), by code; '' for those written as they are. */
const ESCAPES: string[] = Array.from({ length: 128 }, (_, c) => {
  const j = JSON.stringify(String.fromCharCode(c));
  return j.length === 3 ? '' : j.slice(1, -1);
});
/** 1 for an ASCII character written as it is. */
const PLAIN = Uint8Array.from(ESCAPES, (e) => (e === '' ? 1 : 0));
const HEX = '0123456789abcdef';

/**
 * The document's bytes, made in a buffer and handed on in pieces. Everything is written straight into
 * the buffer: strings as JSON.stringify would write them, encoded as UTF-8 by a loop over their
 * characters (a text is one pass: no string of it quoted, no Buffer of it encoded); the parts that
 * repeat (a set's names with the keys around them) are encoded once and copied. Making the findings'
 * parts as small Buffers and copying each with a call cost most of `--json`'s time.
 */
export class ByteWriter {
  private buf: Buffer;
  private n = 0;
  /** With `recycle`: the buffer of the piece before the last, written into again (see `take`). */
  private spare: Buffer | null = null;

  /**
   * `recycle`: the reader is done with a piece before it asks for the next but one (it writes each piece
   * before asking for the next, as the CLI does). Then two buffers take turns: a new buffer per piece was
   * ~3,500 dead 80 KB array buffers on a 228 MB document, which V8 frees only at a collection — 40 MB of
   * them at once, the largest part of the CLI's peak while writing.
   */
  constructor(
    private readonly piece = PIECE,
    private readonly recycle = false,
  ) {
    this.buf = Buffer.allocUnsafe(piece + (piece >> 2));
  }

  /** Room for `m` more bytes: the buffer grows for a part larger than its room (pieces are cut between parts). */
  room(m: number): void {
    if (this.n + m <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(2 * this.buf.length, this.n + m));
    this.buf.copy(bigger, 0, 0, this.n);
    this.buf = bigger;
  }

  /** Bytes encoded before. */
  bytes(b: Uint8Array): void {
    const m = b.length;
    this.room(m);
    const buf = this.buf;
    let n = this.n;
    // Most parts are a few dozen bytes: a loop is cheaper than a native copy's call.
    if (m < 48) for (let j = 0; j < m; j++) buf[n++] = b[j]!;
    else {
      buf.set(b, n);
      n += m;
    }
    this.n = n;
  }

  byte(c: number): void {
    this.room(1);
    this.buf[this.n++] = c;
  }

  /** A string of ASCII characters that JSON writes as they are (digits, a key's quotes and colon): no check. */
  ascii(s: string): void {
    const m = s.length;
    this.room(m);
    const buf = this.buf;
    let n = this.n;
    for (let i = 0; i < m; i++) buf[n++] = s.charCodeAt(i);
    this.n = n;
  }

  /** Any string, as UTF-8 (what `Buffer.from(s, 'utf8')` gives: a lone surrogate becomes U+FFFD). */
  utf8(s: string): void {
    this.room(3 * s.length);
    this.n += (this.buf as Buffer & { utf8Write(s: string, at: number): number }).utf8Write(s, this.n);
  }

  /** A string as `JSON.stringify(s)` writes it (lone surrogates as \udxxx), in UTF-8. */
  json(s: string): void {
    const m = s.length;
    // At most six bytes per UTF-16 unit: "\u001f", a lone surrogate's "\udc00", or three of UTF-8.
    this.room(2 + 6 * m);
    const buf = this.buf;
    let n = this.n;
    buf[n++] = 0x22;
    for (let i = 0; i < m; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x80) {
        if (PLAIN[c] === 1) buf[n++] = c;
        else {
          const e = ESCAPES[c]!;
          for (let j = 0; j < e.length; j++) buf[n++] = e.charCodeAt(j);
        }
      } else if (c < 0x800) {
        buf[n++] = 0xc0 | (c >> 6);
        buf[n++] = 0x80 | (c & 0x3f);
      } else if (c < 0xd800 || c > 0xdfff) {
        buf[n++] = 0xe0 | (c >> 12);
        buf[n++] = 0x80 | ((c >> 6) & 0x3f);
        buf[n++] = 0x80 | (c & 0x3f);
      } else {
        const d = i + 1 < m ? s.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
          const p = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          buf[n++] = 0xf0 | (p >> 18);
          buf[n++] = 0x80 | ((p >> 12) & 0x3f);
          buf[n++] = 0x80 | ((p >> 6) & 0x3f);
          buf[n++] = 0x80 | (p & 0x3f);
          i++;
        } else {
          // A lone surrogate: JSON.stringify writes it escaped, in lower-case hex.
          buf[n++] = 0x5c;
          buf[n++] = 0x75;
          for (let shift = 12; shift >= 0; shift -= 4) buf[n++] = HEX.charCodeAt((c >> shift) & 15);
        }
      }
    }
    buf[n++] = 0x22;
    this.n = n;
  }

  /** A non-negative integer in decimal, at least `width` digits (zeros in front); other numbers as String() writes them. */
  int(x: number, width = 1): void {
    if (!(x >= 0 && x <= 0xffffffff && x === Math.floor(x))) {
      if (Number.isSafeInteger(x) && x >= 0) this.ascii(String(x).padStart(width, '0'));
      else this.ascii(String(x));
      return;
    }
    let digits = 1;
    for (let t = x; t >= 10; t = (t / 10) >>> 0) digits++;
    const w = width > digits ? width : digits;
    this.room(w);
    const buf = this.buf;
    let at = this.n + w - 1;
    for (let k = 0; k < w; k++) {
      const q = (x / 10) >>> 0;
      buf[at--] = 0x30 + (x - q * 10);
      x = q;
    }
    this.n += w;
  }

  /** Whether a piece is ready. */
  get full(): boolean {
    return this.n >= this.piece;
  }

  /** Bytes written since the last `take`. */
  get length(): number {
    return this.n;
  }

  /**
   * What was written since the last `take` (whole characters: only whole encodings are written). Bytes,
   * not a string: the output wants bytes. Handed over, not copied: a writer may hold it until its reader
   * takes it (a pipe).
   */
  take(): Buffer {
    const piece = this.buf.subarray(0, this.n);
    const reused = this.recycle ? this.spare : null;
    if (this.recycle) this.spare = this.buf;
    this.buf = reused ?? Buffer.allocUnsafe(this.piece + (this.piece >> 2));
    this.n = 0;
    return piece;
  }
}

/** A JSON string's encoding, once: what findings share (a file's name, a pod's) is copied, not encoded again. */
function encoded(parts: (string | { json: string | null })[]): Buffer {
  const w = new ByteWriter(256);
  for (const p of parts) {
    if (typeof p === 'string') w.ascii(p);
    else if (p.json === null) w.ascii('null');
    else w.json(p.json);
  }
  return Buffer.from(w.take());
}

/**
 * Encodings kept per distinct key, up to a bound (a list can hold a set per event; its names repeat, a
 * bad input's need not): past it, the oldest half is forgotten.
 */
class Encodings<K> {
  private map = new Map<K, Buffer>();
  private lastKey: K | undefined;
  private last: Buffer | undefined;
  constructor(private readonly make: (k: K) => Buffer, private readonly bound = 4096) {}

  get(k: K): Buffer {
    // The finding before often had the same (one file, one node in a row of a node's log).
    if (k === this.lastKey && this.last !== undefined) return this.last;
    let b = this.map.get(k);
    if (b === undefined) {
      b = this.make(k);
      if (this.map.size >= this.bound) this.map = new Map([...this.map].slice(this.bound >> 1));
      this.map.set(k, b);
    }
    this.lastKey = k;
    this.last = b;
    return b;
  }
}

const FINDING_END = Buffer.from('\n    }');

/** How many findings' columns are gathered at a time. */
const GATHER = 2048;

/**
 * The columns of GATHER findings in output order, gathered from the store before they are written. The
 * output's order (the input's) visits the store's arrays all over (a set's occurrences are side by side
 * there); read in a loop that does nothing else, the reads overlap, where the writer waited for each
 * in turn.
 */
class Columns {
  readonly at = new Uint32Array(GATHER);
  readonly sets = new Array<OccurrenceSet | undefined>(GATHER);
  readonly lines = new Uint32Array(GATHER);
  readonly counts = new Uint32Array(GATHER);
  readonly epochUs = new Float64Array(GATHER);
  readonly anatomyIds = new Uint32Array(GATHER);
  readonly texts = new Array<string>(GATHER);

  /** Findings `from` to `from + n` of the store's order, of the sets asked for (`owners`). */
  gather(store: OccurrenceStore, owners: StoreOwners, from: number, n: number): void {
    const { at, sets, lines, counts, epochUs, anatomyIds, texts } = this;
    const byOrder = store.byOrder;
    const owner = owners.owner;
    for (let j = 0; j < n; j++) at[j] = byOrder[from + j]!;
    for (let j = 0; j < n; j++) {
      const o = owner[at[j]!]!;
      sets[j] = o < 0 ? undefined : owners.sets[o];
    }
    for (let j = 0; j < n; j++) lines[j] = store.lines[at[j]!]!;
    for (let j = 0; j < n; j++) counts[j] = store.counts[at[j]!]!;
    for (let j = 0; j < n; j++) epochUs[j] = store.epochUs[at[j]!]!;
    for (let j = 0; j < n; j++) anatomyIds[j] = store.anatomyIds[at[j]!]!;
    for (let j = 0; j < n; j++) texts[j] = store.texts[at[j]!]!;
  }
}

/**
 * Writes findings as `findingJson` would, one occurrence at a time (a plain method: the hot loop of
 * `--json`). A finding is at most a dozen copies and loops: the parts of its set (file; signature;
 * pod, namespace and container; node), each with the keys around it, encoded once; its line, count
 * and time written as digits (its date and second encoded once per second); its text encoded in place.
 */
class FindingWriter {
  /** No finding written yet. */
  none = true;
  private anatomies = new Map<ErrorAnatomy, Buffer>();
  private second = NaN;
  private secondBytes = FINDING_END;
  private readonly heads = new Encodings<string>((file) => encoded(['\n    {\n      "file": ', { json: file }, ',\n      "line": ']));
  private readonly signatures = new Encodings<string>((sig) => encoded([',\n      "signature": ', { json: sig }, ',\n      "time": ']));
  private readonly nodes = new Encodings<string | null>((node) => encoded([',\n      "node": ', { json: node }, ',\n      "text": ']));
  /** By pod, the encodings of its namespaces and containers with the keys around them. */
  private readonly who = new Map<string | null, { namespace: string | null; container: string | null; bytes: Buffer }[]>();
  private lastSet: OccurrenceSet | null = null;
  private lastWho: Buffer = FINDING_END;

  constructor(
    private readonly out: ByteWriter,
    private readonly clock: Clock,
  ) {}

  /** A new file: anatomies are written once per file's store. */
  nextFile(): void {
    this.anatomies = new Map();
  }

  /** `,\n "pod": …, "namespace": …, "container": …, "count": ` of a set: per distinct pod, namespace and container. */
  private whoOf(set: OccurrenceSet): Buffer {
    if (set === this.lastSet) return this.lastWho;
    let list = this.who.get(set.pod);
    if (list === undefined) {
      if (this.who.size >= 65536) this.who.clear();
      list = [];
      this.who.set(set.pod, list);
    }
    let bytes: Buffer | undefined;
    for (const e of list) {
      if (e.namespace === set.namespace && e.container === set.container) {
        bytes = e.bytes;
        break;
      }
    }
    if (bytes === undefined) {
      bytes = encoded([',\n      "pod": ', { json: set.pod }, ',\n      "namespace": ', { json: set.namespace }, ',\n      "container": ', { json: set.container }, ',\n      "count": ']);
      if (list.length >= 64) list.length = 0;
      list.push({ namespace: set.namespace, container: set.container, bytes });
    }
    this.lastSet = set;
    this.lastWho = bytes;
    return bytes;
  }

  /** Occurrence `k` of `set`'s store. */
  write(set: OccurrenceSet, k: number, c: Columns, j: number): void {
    const out = this.out;
    if (!this.none) {
      out.bytes(FINDING_END);
      out.byte(0x2c); // ,
    }
    this.none = false;
    out.bytes(this.heads.get(set.file));
    out.int(c.lines[j]!);
    out.bytes(this.signatures.get(set.signature));
    const us = c.epochUs[j]!;
    if (!Number.isNaN(us)) {
      // As isoMicros writes it: the whole second, then the fraction as six digits.
      const sec = Math.floor(us / 1_000_000);
      if (sec !== this.second) {
        this.second = sec;
        this.secondBytes = Buffer.from(`"${new Date(sec * 1000).toISOString().slice(0, 19)}.`, 'latin1');
      }
      out.bytes(this.secondBytes);
      out.int(us - sec * 1_000_000, 6);
      out.byte(0x5a); // Z
      out.byte(0x22); // "
    } else {
      // No instant of its own: placed on the diagnosis's clock, or node-local.
      const t = findingTimes(placeFinding(findingAt(set, k - set.start), this.clock), this.clock);
      if (t.time === null) out.ascii('null');
      else out.json(t.time);
      if (t.localTime !== undefined) {
        out.ascii(',\n      "localTime": ');
        out.json(t.localTime);
      }
    }
    out.bytes(this.whoOf(set));
    out.int(c.counts[j]!);
    out.bytes(this.nodes.get(set.node));
    // JSON.stringify's own loop and one native encode beat a loop over the text's characters here (a text is read once, from wherever it is in memory).
    out.utf8(JSON.stringify(c.texts[j]!));
    if (c.anatomyIds[j] !== 0 || set.store.related.size !== 0) this.extras(set.store, k);
  }

  /** The members after `text` of an occurrence's finding (findingJson's anatomy and related lines): an anatomy is encoded once per distinct one. */
  private extras(s: OccurrenceStore, k: number): void {
    const a = s.anatomyIds[k]!;
    const at = (v: unknown) => JSON.stringify(v, null, 2).replace(/\n/g, '\n      ');
    if (a > 0) {
      const anatomy = s.anatomies[a - 1]!;
      let bytes = this.anatomies.get(anatomy);
      if (bytes === undefined) {
        // As JSON.stringify writes findingJson's members: one left undefined is left out.
        bytes = Buffer.from((['layers', 'innermost', 'versions'] as const).map((key) => (anatomy[key] === undefined ? '' : `,\n      "${key}": ${at(anatomy[key])}`)).join(''), 'utf8');
        this.anatomies.set(anatomy, bytes);
      }
      this.out.bytes(bytes);
    }
    const related = s.related.get(k);
    if (related?.length) this.out.utf8(`,\n      "related": ${at(related)}`);
  }

  /** After the last finding. */
  end(): void {
    if (!this.none) this.out.bytes(FINDING_END);
  }
}

/** Spaces of each depth of indentation, after a newline. */
const INDENTS: Buffer[] = [];
function indentOf(depth: number): Buffer {
  let b = INDENTS[depth];
  if (b === undefined) {
    b = Buffer.from(`\n${'  '.repeat(depth)}`, 'latin1');
    INDENTS[depth] = b;
  }
  return b;
}

/**
 * Plain data as `JSON.stringify(value, null, 2)` writes it, at `depth` levels of indentation, into the
 * writer: no string of it is made. What only JSON.stringify knows (toJSON, a boxed value) is left to it.
 */
function writeValue(out: ByteWriter, value: unknown, depth: number, keys: Encodings<string>): void {
  if (value === null) out.ascii('null');
  else if (typeof value === 'string') out.json(value);
  else if (typeof value === 'number') out.ascii(Number.isFinite(value) ? String(value) : 'null');
  else if (typeof value === 'boolean') out.ascii(value ? 'true' : 'false');
  else if (Array.isArray(value)) {
    if (value.length === 0) {
      out.ascii('[]');
      return;
    }
    const inner = indentOf(depth + 1);
    for (let k = 0; k < value.length; k++) {
      out.byte(k === 0 ? 0x5b : 0x2c);
      out.bytes(inner);
      const item: unknown = value[k];
      // JSON.stringify writes null for an item it cannot write (undefined, a function).
      if (item === undefined || typeof item === 'function' || typeof item === 'symbol') out.ascii('null');
      else writeValue(out, item, depth + 1, keys);
    }
    out.bytes(indentOf(depth));
    out.byte(0x5d);
  } else if (typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON !== 'function' && !(value instanceof Number || value instanceof String || value instanceof Boolean)) {
    const o = value as Record<string, unknown>;
    let first = true;
    for (const key of Object.keys(o)) {
      const v = o[key];
      if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
      out.byte(first ? 0x7b : 0x2c);
      first = false;
      out.bytes(indentOf(depth + 1));
      out.bytes(keys.get(key));
      writeValue(out, v, depth + 1, keys);
    }
    if (first) out.ascii('{}');
    else {
      out.bytes(indentOf(depth));
      out.byte(0x7d);
    }
  } else {
    const text = JSON.stringify(value, null, 2);
    out.utf8(text === undefined ? 'null' : text.replace(/\n/g, `\n${'  '.repeat(depth)}`));
  }
}

const CLUSTER_KEYS = ['signature', 'title', 'node', 'pod', 'container', 'count', 'files', 'firstSeen', 'lastSeen', 'perHour'].map((key) => Buffer.from(`${key === 'signature' ? '{' : ','}\n      "${key}": `, 'latin1'));
const CLUSTER_FILE = Buffer.from('\n        ', 'latin1');
const CLUSTER_FILES_END = Buffer.from('\n      ]', 'latin1');
const CLUSTER_END = Buffer.from('\n    }', 'latin1');

function stringOrNull(out: ByteWriter, v: string | null): void {
  if (v === null) out.ascii('null');
  else out.json(v);
}

/** A number as JSON writes it. */
function number(out: ByteWriter, v: number): void {
  if (v >= 0 && v <= 0xffffffff && v === Math.floor(v)) out.int(v);
  else out.ascii(Number.isFinite(v) ? String(v) : 'null');
}

/** A cluster as an item of `clusters` (`writeValue` at depth 2, without looking up its keys: a list has a hundred thousand). */
function writeCluster(out: ByteWriter, c: Cluster): void {
  const k = CLUSTER_KEYS;
  out.bytes(k[0]!);
  out.json(c.signature);
  out.bytes(k[1]!);
  out.json(c.title);
  out.bytes(k[2]!);
  stringOrNull(out, c.node);
  out.bytes(k[3]!);
  stringOrNull(out, c.pod);
  out.bytes(k[4]!);
  stringOrNull(out, c.container);
  out.bytes(k[5]!);
  number(out, c.count);
  out.bytes(k[6]!);
  if (c.files.length === 0) out.ascii('[]');
  else {
    for (let i = 0; i < c.files.length; i++) {
      out.byte(i === 0 ? 0x5b : 0x2c);
      out.bytes(CLUSTER_FILE);
      out.json(c.files[i]!);
    }
    out.bytes(CLUSTER_FILES_END);
  }
  out.bytes(k[7]!);
  stringOrNull(out, c.firstSeen);
  out.bytes(k[8]!);
  stringOrNull(out, c.lastSeen);
  out.bytes(k[9]!);
  if (c.perHour === null) out.ascii('null');
  else number(out, c.perHour);
  out.bytes(CLUSTER_END);
}

/** A list written item by item as it is made (a cluster's event list has a hundred thousand clusters): `length` items, in order. */
export interface StreamedList<T> extends Iterable<T> {
  readonly length: number;
}

function isStreamed(v: unknown): v is StreamedList<unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function' && typeof (v as { length?: unknown }).length === 'number';
}

/**
 * `diagnose --json`'s document, in pieces of about `piece` bytes as it is made: `findings` first,
 * every occurrence of every recognition in input order, then the members of `rest` in their order. No
 * object of every finding and no string of the whole document is ever built, and the next piece is
 * made only when the caller asks for it: a writer that must wait for its reader (a pipe to `jq`)
 * waits before asking, and what it holds stays one piece. The bytes are those of
 * `JSON.stringify({ findings, ...rest }, null, 2)` and a newline, each finding being `findingJson`;
 * `rest` holds plain data (no toJSON), or StreamedLists (a ClusterTable), written as the arrays of their items.
 * `recycle`: the caller is done with each piece before it asks for the next but one (ByteWriter), and
 * the pieces' buffers are reused; without it every piece is a buffer of its own (a caller may keep them).
 */
export function* diagnosisJson(recognitions: readonly Recognition[], clock: Clock, rest: Record<string, unknown>, piece = PIECE, recycle = false): Generator<Buffer, void, undefined> {
  const out = new ByteWriter(piece, recycle);
  out.ascii('{\n  "findings": [');
  const findings = new FindingWriter(out, clock);
  const columns = new Columns();
  for (const r of recognitions) {
    findings.nextFile();
    for (const owners of storesOf(setsOf(r))) {
      const store = owners.store;
      const total = store.byOrder.length;
      for (let from = 0; from < total; from += GATHER) {
        const n = Math.min(GATHER, total - from);
        columns.gather(store, owners, from, n);
        for (let j = 0; j < n; j++) {
          const set = columns.sets[j];
          if (!set) continue;
          if (out.full) yield out.take();
          findings.write(set, columns.at[j]!, columns, j);
        }
      }
    }
  }
  const none = findings.none;
  findings.end();
  out.ascii(none ? ']' : '\n  ]');

  // The other members, a list's items one at a time (an event list's clusters are as many as its pods).
  const keys = new Encodings<string>((key) => encoded([{ json: key }, ': ']), 256);
  for (const [key, value] of Object.entries(rest)) {
    if (value === undefined || typeof value === 'function' || typeof value === 'symbol') continue;
    out.ascii(',\n  ');
    out.bytes(keys.get(key));
    const list = isStreamed(value) || Array.isArray(value);
    if (!list || value.length === 0) writeValue(out, list ? [] : value, 1, keys);
    else {
      let k = 0;
      for (const item of value) {
        out.byte(k++ === 0 ? 0x5b : 0x2c);
        out.bytes(indentOf(2));
        if (value instanceof ClusterTable) writeCluster(out, item as Cluster);
        else if (item === undefined || typeof item === 'function' || typeof item === 'symbol') out.ascii('null');
        else writeValue(out, item, 2, keys);
        if (out.full) yield out.take();
      }
      out.ascii('\n  ]');
    }
    if (out.full) yield out.take();
  }
  out.ascii('\n}\n');
  yield out.take();
}

/** `diagnosisJson` handed to a writer that takes what it is given at once (a string, a file opened for sync writes). */
export function writeDiagnosisJson(write: (s: string) => void, recognitions: readonly Recognition[], clock: Clock, rest: Record<string, unknown>, piece = PIECE): void {
  // Each piece is decoded before the next is made: its buffer can be written into again.
  for (const bytes of diagnosisJson(recognitions, clock, rest, piece, true)) write(bytes.toString('utf8'));
}
