import { collectGarbage } from '../heap';
import { canonicalNode, nodeFromPath } from '../logs/nodes';
import { type ResolvedInstant, type ResolvedTime, type TimeSource, isoMicros, wallMs } from '../logs/time';
import type { LogFormat, LogRecord, LogTime } from '../logs/types';
import { type ErrorAnatomy, type Finding, type OccurrenceSet, type OccurrenceStore, SAMPLE_PER_SET } from './types';

/**
 * Findings as OccurrenceSets: one per (file, node, pod, container, signature) — and per component and
 * format, which the diagnosis tells apart (the kubelet's view of a failure against the runtime's).
 * Every occurrence's line, count, time, text, column and span lives in one store per file, typed arrays
 * with the occurrences of each set side by side: a cluster's event list of 400,000 events costs a few
 * dozen bytes per event plus a small object per set, instead of a Finding, a LogRecord and their
 * strings per event. `findingAt` gives any occurrence back as the Finding it was (its record keeps what
 * the diagnosis and `--json` read — not the message, severity or first time, which only the editor's
 * own findings need).
 */

const HAS_YEAR = 1;
/** The line says second 60 (a leap second): wall ms roll over into the next minute, the flag keeps it. */
const LEAP_SECOND = 2;
const WRITTEN = HAS_YEAR | LEAP_SECOND;
const TIME_SOURCES: TimeSource[] = ['line', 'option', 'file'];
/** Bits 2-3: where the resolved time's year came from; bits 4-5: its zone (index in TIME_SOURCES). */
const YEAR_FROM_SHIFT = 2;
const ZONE_FROM_SHIFT = 4;
/**
 * Full findings kept per file, over all its sets (each set keeps at most SAMPLE_PER_SET): an event list
 * can hold a set per event, and the sample must stay a sample.
 */
export const SAMPLE_PER_FILE = 4096;

/** The wall-clock reading as ms (as if UTC; year 2000, a leap year, for lines without one), micros in the fraction. */
function wallOf(t: LogTime): number {
  return wallMs(t, t.year ?? 2000) - Math.floor(t.micros / 1000) + t.micros / 1000;
}

function sourceFlags(resolved: ResolvedInstant | null): number {
  return resolved ? (TIME_SOURCES.indexOf(resolved.yearFrom) << YEAR_FROM_SHIFT) | (TIME_SOURCES.indexOf(resolved.zoneFrom) << ZONE_FROM_SHIFT) : 0;
}

/** The time as written of the store's occurrence k. */
function writtenAt(store: OccurrenceStore, k: number): LogTime | null {
  return writtenFrom(store.wallMs[k]!, store.offsets[k]!, store.flags[k]!);
}

/** The time as written, from its wall ms, offset and flags. */
function writtenFrom(w: number, offset: number, flags: number): LogTime | null {
  if (Number.isNaN(w)) return null;
  const seconds = Math.floor(w / 1000) * 1000;
  const micros = Math.round((w - seconds) * 1000);
  const d = new Date(seconds);
  // `wallMs` sets the date after the time: second 60 carried into the next minute (or past midnight,
  // to 00:00:00 of the same date). The time of day one second back gives the written fields again.
  let day = seconds - Math.floor(seconds / 86_400_000) * 86_400_000;
  if (flags & LEAP_SECOND) day = (day + 86_400_000 - 1000) % 86_400_000;
  return {
    year: flags & HAS_YEAR ? d.getUTCFullYear() : null,
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: Math.floor(day / 3_600_000),
    minute: Math.floor(day / 60_000) % 60,
    second: flags & LEAP_SECOND ? 60 : Math.floor(day / 1000) % 60,
    micros,
    offsetMinutes: Number.isNaN(offset) ? null : offset,
  };
}

/** The time as the line wrote it. */
export function wallTimeAt(set: OccurrenceSet, i: number): LogTime | null {
  return writtenAt(set.store, set.start + i);
}

/** Whether the line wrote a year. */
export function hasYearAt(set: OccurrenceSet, i: number): boolean {
  return (set.store.flags[set.start + i]! & HAS_YEAR) !== 0;
}

/** The resolved instant of an occurrence (year and zone from the line, the options or the file), or null. */
export function timeAt(set: OccurrenceSet, i: number): ResolvedTime | null {
  const k = set.start + i;
  const us = set.store.epochUs[k]!;
  if (Number.isNaN(us)) return null;
  const flags = set.store.flags[k]!;
  return { epochMicros: us, iso: isoMicros(us), yearFrom: TIME_SOURCES[(flags >> YEAR_FROM_SHIFT) & 3]!, zoneFrom: TIME_SOURCES[(flags >> ZONE_FROM_SHIFT) & 3]! };
}

/** Occurrence `i` of a set as the Finding it was recognised as. */
export function findingAt(set: OccurrenceSet, i: number): Finding {
  const s = set.store;
  const k = set.start + i;
  const wallTime = writtenAt(s, k);
  return {
    file: set.file,
    line: s.lines[k]!,
    signature: set.signature,
    match: { start: s.matches[2 * k]!, end: s.matches[2 * k + 1]! },
    record: {
      format: set.format,
      payloadFormat: set.format,
      time: wallTime,
      severity: 'unknown',
      component: set.component,
      pod: set.pod,
      namespace: set.namespace,
      container: set.container,
      count: s.counts[k]!,
      message: '',
      ...(set.recordNode !== undefined ? { node: set.recordNode } : {}),
    },
    wallTime,
    time: timeAt(set, i),
    text: s.texts[k]!,
    textColumn: s.columns[k]!,
    ...extrasAt(s, k),
  };
}

/** What few occurrences carry besides their line: a runtime error's anatomy, the event's other lines, its id. */
export function extrasAt(s: OccurrenceStore, k: number): Pick<Finding, 'anatomy' | 'related' | 'event'> {
  const a = s.anatomyIds[k]!;
  const related = s.related.get(k);
  const event = s.events.get(k);
  return { ...(a > 0 ? { anatomy: s.anatomies[a - 1]! } : {}), ...(related ? { related } : {}), ...(event !== undefined ? { event } : {}) };
}

/**
 * Every occurrence of some sets in input order: store (file) by store as the sets' stores first
 * appear, and in each in the order the findings were made. The visitor gets the set and its index.
 */
export function forEachInOrder(sets: readonly OccurrenceSet[], visit: (set: OccurrenceSet, i: number) => void): void {
  for (const { store, sets: mine, owner } of storesOf(sets)) {
    let asked = 0;
    for (const s of mine) asked += s.size;
    if (asked * 8 < store.byOrder.length) {
      // A few of the store's occurrences (the runtime errors among an event list's probe failures): their
      // places in input order, sorted, rather than the whole store's order read all over.
      const orders = new Uint32Array(asked);
      let x = 0;
      for (const s of mine) for (let i = 0; i < s.size; i++) orders[x++] = store.order[s.start + i]!;
      orders.sort();
      for (let y = 0; y < orders.length; y++) {
        // A set asked for twice: its places once.
        if (y > 0 && orders[y] === orders[y - 1]) continue;
        const k = store.byOrder[orders[y]!]!;
        const i = owner[k]!;
        visit(mine[i]!, k - mine[i]!.start);
      }
      continue;
    }
    // The store's own order, skipping the occurrences of sets not asked for.
    for (let o = 0; o < store.byOrder.length; o++) {
      const k = store.byOrder[o]!;
      const i = owner[k]!;
      if (i >= 0) visit(mine[i]!, k - mine[i]!.start);
    }
  }
}

/** Each file's (store's) rank in the input, as the sets' first occurrences give it. */
export function storeRanks(sets: readonly OccurrenceSet[]): Map<OccurrenceStore, number> {
  const ranks = new Map<OccurrenceStore, number>();
  for (const s of sets) if (!ranks.has(s.store)) ranks.set(s.store, ranks.size);
  return ranks;
}

/** A store, the sets asked for of it, and per place in the store the index of its set among them (-1: not asked for). */
export interface StoreOwners {
  store: OccurrenceStore;
  sets: OccurrenceSet[];
  owner: Int32Array;
}

/**
 * The stores of some sets as they first appear, each with the owner of each of its places: an index per
 * occurrence, and the sets listed, not an array of sets filled set by set with the sets kept in a Set
 * each — on a list with a set per pod (155,149 sets) making that took as long as gathering every
 * finding's columns for `--json`.
 */
export function storesOf(sets: readonly OccurrenceSet[]): StoreOwners[] {
  const byStore = new Map<OccurrenceStore, OccurrenceSet[]>();
  for (const s of sets) {
    const mine = byStore.get(s.store);
    if (mine) mine.push(s);
    else byStore.set(s.store, [s]);
  }
  return [...byStore].map(([store, mine]) => {
    const owner = new Int32Array(store.lines.length).fill(-1);
    // A set asked for twice covers the same places twice: the last one listed stands, as the same set.
    for (let i = 0; i < mine.length; i++) owner.fill(i, mine[i]!.start, mine[i]!.start + mine[i]!.size);
    return { store, sets: mine, owner };
  });
}

/** The occurrences of some sets as Findings, in input order: for evidence that weighs each one. */
export function findingsOf(sets: readonly OccurrenceSet[]): Finding[] {
  const out: Finding[] = [];
  forEachInOrder(sets, (s, i) => out.push(findingAt(s, i)));
  return out;
}

/** The sample of the sets beyond the file's SAMPLE_PER_FILE: one empty array for all of them, frozen. */
const NO_SAMPLE: Finding[] = Object.freeze([]) as unknown as Finding[];

// A set's strings as ids into its table's `strings`, FIELDS per set: setKey's parts (KEY of them, what
// tells sets apart), then the canonical node, which follows from the record's node and the file.
const FILE = 0;
const RECORD_NODE = 1;
const NAMESPACE = 2;
const POD = 3;
const CONTAINER = 4;
const SIGNATURE = 5;
const COMPONENT = 6;
const FORMAT = 7;
const KEY = 8;
const NODE = 8;
const FIELDS = 9;

/** A finding of the sample, or the record of one that was never made into a Finding (made when the sample is read). */
type Sampled = Finding | LogRecord;

function isFinding(x: Sampled): x is Finding {
  return 'textColumn' in x;
}

/**
 * What the sets of one store share: their strings, each set's as FIELDS ids, its count, start and size,
 * and their samples. A list of 400,000 events makes some 155,000 sets: each is then an object of two
 * fields (40 bytes) and 34 bytes here, where fourteen fields (136 bytes), a boxed count and a sample
 * array were a third of what reading it kept.
 */
class SetTable {
  private readonly samples = new Map<number, Finding[]>();
  constructor(
    readonly store: OccurrenceStore,
    private readonly strings: readonly (string | null | undefined)[],
    /** 16 bits each while the store has at most 65,536 distinct strings (all but contrived inputs). */
    private readonly fields: Uint16Array | Uint32Array,
    readonly counts: Float64Array,
    readonly starts: Uint32Array,
    readonly sizes: Uint32Array,
    /** Sets below `sampleFrom.length - 1` have a sample: set s keeps `sampleAt[sampleFrom[s]…sampleFrom[s + 1]]` (store indexes). */
    private readonly sampleFrom: Uint32Array,
    private readonly sampleAt: Uint32Array,
    private readonly sampleItems: readonly Sampled[],
    /** Then the set's last occurrence (store index, -1 for none), when the sample did not take it. */
    private readonly lastAt: Int32Array,
    private readonly lastItems: readonly (Sampled | undefined)[],
  ) {}

  field(id: number, f: number): string | null | undefined {
    return this.strings[this.fields[id * FIELDS + f]!];
  }

  /** Read-only (`setStringId`): set `id`'s field `f` as its index in `strings`. */
  fieldId(id: number, f: number): number {
    return this.fields[id * FIELDS + f]!;
  }

  /** Read-only (`setStrings`): the strings the sets' fields index, one list per store. */
  get stringList(): readonly (string | null | undefined)[] {
    return this.strings;
  }

  /** Set `set`'s sample, made on first use: neither the diagnosis nor `--json` reads it, and a file's is up to 8,192 Findings. */
  sampleOf(set: StoredSet): Finding[] {
    const id = set.id;
    if (id >= this.sampleFrom.length - 1) return NO_SAMPLE;
    let out = this.samples.get(id);
    if (!out) {
      out = [];
      for (let x = this.sampleFrom[id]!; x < this.sampleFrom[id + 1]!; x++) out.push(sampleFinding(set, this.sampleAt[x]!, this.sampleItems[x]!));
      const last = this.lastItems[id];
      if (last) out.push(sampleFinding(set, this.lastAt[id]!, last));
      this.samples.set(id, out);
    }
    return out;
  }
}

/**
 * A sampled occurrence as the Finding it was recognised as: the Finding itself when one was made (its time
 * resolved if it was not), else made from its record and the store, as the recogniser would have made it.
 */
function sampleFinding(set: StoredSet, k: number, item: Sampled): Finding {
  const i = k - set.start;
  if (isFinding(item)) {
    if (item.time === null && item.wallTime) item.time = timeAt(set, i);
    return item;
  }
  const s = set.store;
  return {
    file: set.file,
    line: s.lines[k]!,
    signature: set.signature,
    match: { start: s.matches[2 * k]!, end: s.matches[2 * k + 1]! },
    record: item,
    wallTime: item.time,
    time: item.time ? timeAt(set, i) : null,
    text: s.texts[k]!,
    textColumn: s.columns[k]!,
    ...extrasAt(s, k),
  };
}

/** A set: its id in its table, which holds what it is; its arrays as views of its store. */
class StoredSet implements OccurrenceSet {
  constructor(
    private readonly table: SetTable,
    readonly id: number,
  ) {}
  /** Read-only, for `setStrings`/`setStringId`. */
  get tableOf(): SetTable {
    return this.table;
  }
  get store(): OccurrenceStore {
    return this.table.store;
  }
  get count(): number {
    return this.table.counts[this.id]!;
  }
  get start(): number {
    return this.table.starts[this.id]!;
  }
  get size(): number {
    return this.table.sizes[this.id]!;
  }
  get file(): string {
    return this.table.field(this.id, FILE) as string;
  }
  get signature(): string {
    return this.table.field(this.id, SIGNATURE) as string;
  }
  get node(): string | null {
    return this.table.field(this.id, NODE) as string | null;
  }
  get pod(): string | null {
    return this.table.field(this.id, POD) as string | null;
  }
  get namespace(): string | null {
    return this.table.field(this.id, NAMESPACE) as string | null;
  }
  get container(): string | null {
    return this.table.field(this.id, CONTAINER) as string | null;
  }
  get component(): string {
    return this.table.field(this.id, COMPONENT) as string;
  }
  get format(): LogFormat {
    return this.table.field(this.id, FORMAT) as LogFormat;
  }
  get recordNode(): string | null | undefined {
    return this.table.field(this.id, RECORD_NODE);
  }
  get sample(): Finding[] {
    return this.table.sampleOf(this);
  }
  /** Made when asked: a set per event would otherwise hold a string per event. */
  get key(): string {
    return setKey(this.file, this.recordNode, this.namespace, this.pod, this.container, this.signature, this.component, this.format);
  }
  private view<T extends Uint32Array | Float64Array | Float32Array | Uint8Array>(a: T): T {
    return a.subarray(this.start, this.start + this.size) as T;
  }
  get lines() {
    return this.view(this.store.lines);
  }
  get counts() {
    return this.view(this.store.counts);
  }
  get wallMs() {
    return this.view(this.store.wallMs);
  }
  get offsets() {
    return this.view(this.store.offsets);
  }
  get epochUs() {
    return this.view(this.store.epochUs);
  }
  get flags() {
    return this.view(this.store.flags);
  }
  get order() {
    return this.view(this.store.order);
  }
  get columns() {
    return this.view(this.store.columns);
  }
  get matches() {
    return this.store.matches.subarray(2 * this.start, 2 * (this.start + this.size));
  }
}

/** The set a finding belongs to: what the agreed key names, and the component and format the diagnosis tells apart. */
function setKey(file: string, node: string | null | undefined, namespace: string | null, pod: string | null, container: string | null, signature: string, component: string, format: string): string {
  return `${file}\u0000${node ?? ''}\u0000${namespace ?? ''}/${pod ?? ''}\u0000${container ?? ''}\u0000${signature}\u0000${component}\u0000${format}\u0000${node === undefined ? 'u' : node === null ? 'n' : ''}`;
}

type Column = Uint32Array | Float64Array | Float32Array | Uint8Array;

/** `a` in a new array of `size` elements of its type. */
function grown<T extends Column>(a: T, size: number): T {
  const b = new (a.constructor as new (n: number) => T)(size);
  b.set(a);
  return b;
}

// The occurrences' columns are chunks of CHUNK elements: growing copies nothing, and the columns of a
// list of 400,000 events waste at most a chunk each where doubling arrays left up to half of 49 MB unused.
const CHUNK_BITS = 14;
const CHUNK = 1 << CHUNK_BITS;
const MASK = CHUNK - 1;
/** The first chunk starts this small and doubles up to CHUNK: a file with three findings allocates little. */
const FIRST = 64;

/**
 * The set an occurrence went to last, with its key, for the next occurrence of the same distinct
 * message (the recogniser keeps one per message). An event list's messages mostly name their pod (a
 * probe's URL holds its IP), so the next event of a message is mostly of the same set: compared by its
 * strings (the reader shares them), it is found without the five lookups and the probe of the table.
 */
export interface SetHint {
  builder: OccurrenceBuilder | null;
  file: string;
  signature: string;
  node: string | null | undefined;
  pod: string | null | undefined;
  namespace: string | null | undefined;
  container: string | null | undefined;
  component: string;
  format: string;
  id: number;
}

/** A hint that matches nothing yet. */
export function newSetHint(): SetHint {
  return { builder: null, file: '', signature: '', node: null, pod: null, namespace: null, container: null, component: '', format: '', id: -1 };
}

/** Builds the sets of one file's findings as they are made, in order. */
export class OccurrenceBuilder {
  /** Small numbers for the strings of the sets' keys (the readers share those strings: cheap to look up). */
  private readonly ids = new Map<string | null | undefined, number>();
  private readonly strings: (string | null | undefined)[] = [];
  /** The last file, component and format, and their ids. */
  private readonly known: (string | undefined)[] = [undefined, undefined, undefined];
  private readonly knownIds = new Uint32Array(3);
  private readonly nodeIds = new Map<string | null | undefined, number>();
  private readonly namespaceIds = new Map<string | null | undefined, number>();
  private readonly containerIds = new Map<string | null | undefined, number>();
  private readonly signatureIds = new Map<string | null | undefined, number>();
  private readonly canonical = new Map<string | null | undefined, string | null>();
  private readonly fileNodes = new Map<string, string | null>();
  // Per set, by id (the order of its first occurrence): its key's ids (32 bytes, aligned: one cache line
  // read to compare) and its count. No object per set until `finish`, which counts the sets' sizes and
  // works out their nodes. The sets by their key's ids: open addressing, 1 + id, 0 for free.
  private setsMade = 0;
  private keys = new Uint32Array(KEY * 16);
  private setCounts = new Float64Array(16);
  private slots = new Int32Array(64);
  // Per occurrence, in input order: one field per column for the chunk being written (one element type
  // each, every write monomorphic), the chunks so far, and the index where the next chunk starts.
  private n = 0;
  private limit = FIRST;
  private lineC = new Uint32Array(FIRST);
  private countC = new Uint32Array(FIRST);
  private wallC = new Float64Array(FIRST);
  private offsetC = new Float32Array(FIRST);
  private flagC = new Uint8Array(FIRST);
  private setC = new Uint32Array(FIRST);
  private columnC = new Uint32Array(FIRST);
  private matchC = new Uint32Array(2 * FIRST);
  private textC: string[] = [];
  private lineChunks: (Uint32Array | null)[] = [this.lineC];
  private countChunks: (Uint32Array | null)[] = [this.countC];
  private wallChunks: (Float64Array | null)[] = [this.wallC];
  private offsetChunks: (Float32Array | null)[] = [this.offsetC];
  private flagChunks: (Uint8Array | null)[] = [this.flagC];
  private setChunks: (Uint32Array | null)[] = [this.setC];
  private columnChunks: (Uint32Array | null)[] = [this.columnC];
  private matchChunks: (Uint32Array | null)[] = [this.matchC];
  private textChunks: (string[] | null)[] = [this.textC];
  // Made only for chunks where some occurrence has one: a resolved time given with its Finding (the
  // recogniser resolves times in `finish`), an anatomy (1 + its index in `anatomies`; 0 for none).
  private epochChunks: (Float64Array | undefined | null)[] = [];
  private anatomyChunks: (Uint32Array | undefined | null)[] = [];
  private readonly anatomies: ErrorAnatomy[] = [];
  private readonly anatomyIndex = new Map<ErrorAnatomy, number>();
  // By input index, for the few occurrences that have them: the event's other lines and its id.
  private readonly related = new Map<number, number[]>();
  private readonly events = new Map<number, string>();
  // The sample: sets below `sampledSets` have one (those made before the file's SAMPLE_PER_FILE was
  // reached); the occurrences kept (input index, set, Finding or record) and each set's last one.
  private sampled = 0;
  private sampledSets = 0;
  private readonly sampleLengths: number[] = [];
  private readonly keptAt: number[] = [];
  private readonly keptSets: number[] = [];
  private readonly keptItems: Sampled[] = [];
  private readonly lastAt: number[] = [];
  private readonly lastItems: Sampled[] = [];
  // Occurrences of one second share their time object (the readers share them): converted once.
  private lastTime: LogTime | null = null;
  private lastWall = NaN;
  private lastOffset = NaN;
  private lastFlags = 0;

  /** A set's node: the record's, by its canonical name, else the one its file's folder names (each worked out once). */
  private nodeOf(node: string | null | undefined, file: string): string | null {
    let n = this.canonical.get(node);
    if (n === undefined) {
      n = canonicalNode(node);
      this.canonical.set(node, n);
    }
    if (n !== null) return n;
    let f = this.fileNodes.get(file);
    if (f === undefined) {
      f = nodeFromPath(file);
      this.fileNodes.set(file, f);
    }
    return f;
  }

  /**
   * `id` through a map of one field's strings. A node, namespace, container or signature is one of a
   * few thousand at most, where `ids` holds every pod too (172,000 of a recorder's 400,000-item list):
   * a lookup in the small map stays in the cache, one in the large one missed it (~60 ms of ~300).
   */
  private fieldId(ids: Map<string | null | undefined, number>, s: string | null | undefined): number {
    let id = ids.get(s);
    if (id === undefined) {
      id = this.id(s);
      ids.set(s, id);
    }
    return id;
  }

  private id(s: string | null | undefined): number {
    let id = this.ids.get(s);
    if (id === undefined) {
      id = this.strings.length;
      this.ids.set(s, id);
      this.strings.push(s);
    }
    return id;
  }

  /** Adds a finding as an occurrence; returns its index, for `relate`. */
  add(f: Finding): number {
    const i = this.put(f.file, f.line, f.signature, f.match.start, f.match.end, f.record, f.wallTime, f.time, f.text, f.textColumn, f.anatomy, f.event, f);
    if (f.related?.length) this.related.set(i, [...f.related]);
    return i;
  }

  /**
   * Adds an occurrence from what its Finding would be made of, making none: its record (whose time is
   * the time as written, resolved in `finish`), its matched span in `text`, and what few carry.
   * Returns its index, for `relate`.
   */
  addOccurrence(file: string, line: number, signature: string, start: number, end: number, record: LogRecord, text: string, textColumn: number, anatomy: ErrorAnatomy | undefined, event: string | undefined, hint?: SetHint): number {
    return this.put(file, line, signature, start, end, record, record.time, null, text, textColumn, anatomy, event, record, hint);
  }

  private put(file: string, line: number, signature: string, start: number, end: number, r: LogRecord, t: LogTime | null, time: ResolvedTime | null, text: string, textColumn: number, anatomy: ErrorAnatomy | undefined, event: string | undefined, item: Sampled, hint?: SetHint): number {
    let id: number;
    if (hint !== undefined && hint.builder === this && hint.file === file && hint.signature === signature && hint.node === r.node && hint.pod === r.pod && hint.namespace === r.namespace && hint.container === r.container && hint.component === r.component && hint.format === r.format) id = hint.id;
    else {
      id = this.setOf(file, signature, r);
      if (hint !== undefined) {
        hint.builder = this;
        hint.file = file;
        hint.signature = signature;
        hint.node = r.node;
        hint.pod = r.pod;
        hint.namespace = r.namespace;
        hint.container = r.container;
        hint.component = r.component;
        hint.format = r.format;
        hint.id = id;
      }
    }
    this.setCounts[id] += r.count;

    const i = this.n++;
    if (i === this.limit) this.room();
    if (id < this.sampledSets) {
      if (this.sampleLengths[id]! < SAMPLE_PER_SET && this.sampled < SAMPLE_PER_FILE) {
        this.sampleLengths[id]! += 1;
        this.sampled += 1;
        this.keptAt.push(i);
        this.keptSets.push(id);
        this.keptItems.push(item);
      } else {
        this.lastAt[id] = i;
        this.lastItems[id] = item;
      }
    }
    const j = i & MASK;
    if (t !== this.lastTime) {
      this.lastTime = t;
      this.lastWall = t ? wallOf(t) : NaN;
      this.lastOffset = t?.offsetMinutes ?? NaN;
      this.lastFlags = (t?.year != null ? HAS_YEAR : 0) | (t?.second === 60 ? LEAP_SECOND : 0);
    }
    this.lineC[j] = line;
    this.countC[j] = r.count;
    this.wallC[j] = this.lastWall;
    this.offsetC[j] = this.lastOffset;
    this.flagC[j] = time ? this.lastFlags | sourceFlags(time) : this.lastFlags;
    if (time) (this.epochChunks[i >> CHUNK_BITS] ?? this.epochChunk(i))[j] = time.epochMicros;
    this.setC[j] = id;
    this.columnC[j] = textColumn;
    this.matchC[2 * j] = start;
    this.matchC[2 * j + 1] = end;
    this.textC.push(text);
    if (anatomy) {
      let n = this.anatomyIndex.get(anatomy);
      if (n === undefined) {
        this.anatomies.push(anatomy);
        n = this.anatomies.length;
        this.anatomyIndex.set(anatomy, n);
      }
      (this.anatomyChunks[i >> CHUNK_BITS] ?? this.anatomyChunk(i))[j] = n;
    }
    if (event !== undefined) this.events.set(i, event);
    return i;
  }

  /**
   * The id of the set of (file, signature, the record's node, pod, namespace, container, component and
   * format): found by its key's ids in the table (a node undefined and a node null apart, as setKey
   * keeps them), without a key string made per occurrence; made when it is new.
   */
  private setOf(file: string, signature: string, r: LogRecord): number {
    // The file, component and format are mostly the last occurrence's: their ids are kept at hand.
    if (file !== this.known[0]) this.knownIds[0] = this.id((this.known[0] = file));
    if (r.component !== this.known[1]) this.knownIds[1] = this.id((this.known[1] = r.component));
    if (r.format !== this.known[2]) this.knownIds[2] = this.id((this.known[2] = r.format));
    const a = this.knownIds[0]!;
    const b = this.fieldId(this.nodeIds, r.node);
    const c = this.fieldId(this.namespaceIds, r.namespace);
    const d = this.id(r.pod);
    const e = this.fieldId(this.containerIds, r.container);
    const g = this.fieldId(this.signatureIds, signature);
    const h = this.knownIds[1]!;
    const k = this.knownIds[2]!;
    let x = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b);
    x = Math.imul(x ^ b, 0x85ebca6b) ^ c;
    x = Math.imul(x ^ (x >>> 15), 0xc2b2ae35) ^ d;
    x = Math.imul(x ^ (x >>> 13), 0x85ebca6b) ^ e;
    x = Math.imul(x ^ (x >>> 15), 0xc2b2ae35) ^ g;
    x = Math.imul(x ^ (x >>> 13), 0x85ebca6b) ^ (h << 16) ^ k;
    x ^= x >>> 16;
    const slots = this.slots;
    const mask = slots.length - 1;
    const fields = this.keys;
    let slot = x & mask;
    let id = -1;
    for (let s = slots[slot]!; s !== 0; s = slots[slot]!) {
      const o = (s - 1) * KEY;
      if (fields[o] === a && fields[o + 1] === b && fields[o + 2] === c && fields[o + 3] === d && fields[o + 4] === e && fields[o + 5] === g && fields[o + 6] === h && fields[o + 7] === k) {
        id = s - 1;
        break;
      }
      slot = (slot + 1) & mask;
    }
    if (id < 0) id = this.newSet(slot, a, b, c, d, e, g, h, k);
    return id;
  }

  /** A set made for a key not seen before, in free slot `slot`; returns its id. */
  private newSet(slot: number, a: number, b: number, c: number, d: number, e: number, g: number, h: number, k: number): number {
    const id = this.setsMade++;
    if (id === this.setCounts.length) {
      this.keys = grown(this.keys, 2 * this.keys.length);
      this.setCounts = grown(this.setCounts, 2 * this.setCounts.length);
    }
    const o = id * KEY;
    const f = this.keys;
    f[o] = a;
    f[o + 1] = b;
    f[o + 2] = c;
    f[o + 3] = d;
    f[o + 4] = e;
    f[o + 5] = g;
    f[o + 6] = h;
    f[o + 7] = k;
    this.slots[slot] = id + 1;
    // Half full at most: probes stay short.
    if (2 * this.setsMade > this.slots.length) this.rehash();
    // Sets made after the file's sample is full keep none.
    if (this.sampled < SAMPLE_PER_FILE) {
      this.sampledSets = id + 1;
      this.sampleLengths.push(0);
      this.lastAt.push(-1);
    }
    return id;
  }

  private rehash(): void {
    const slots = new Int32Array(2 * this.slots.length);
    const mask = slots.length - 1;
    const f = this.keys;
    for (let id = 0; id < this.setsMade; id++) {
      const o = id * KEY;
      let x = Math.imul(f[o]! ^ 0x9e3779b9, 0x85ebca6b);
      x = Math.imul(x ^ f[o + 1]!, 0x85ebca6b) ^ f[o + 2]!;
      x = Math.imul(x ^ (x >>> 15), 0xc2b2ae35) ^ f[o + 3]!;
      x = Math.imul(x ^ (x >>> 13), 0x85ebca6b) ^ f[o + 4]!;
      x = Math.imul(x ^ (x >>> 15), 0xc2b2ae35) ^ f[o + 5]!;
      x = Math.imul(x ^ (x >>> 13), 0x85ebca6b) ^ (f[o + 6]! << 16) ^ f[o + 7]!;
      x ^= x >>> 16;
      let slot = x & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = id + 1;
    }
    this.slots = slots;
  }

  /** Room for occurrence `this.limit`: the first chunk doubles up to CHUNK, then each chunk is a new one. */
  private room(): void {
    const i = this.limit;
    if (i < CHUNK) {
      const size = Math.min(2 * i, CHUNK);
      this.lineChunks[0] = this.lineC = grown(this.lineC, size);
      this.countChunks[0] = this.countC = grown(this.countC, size);
      this.wallChunks[0] = this.wallC = grown(this.wallC, size);
      this.offsetChunks[0] = this.offsetC = grown(this.offsetC, size);
      this.flagChunks[0] = this.flagC = grown(this.flagC, size);
      this.setChunks[0] = this.setC = grown(this.setC, size);
      this.columnChunks[0] = this.columnC = grown(this.columnC, size);
      this.matchChunks[0] = this.matchC = grown(this.matchC, 2 * size);
      const epoch = this.epochChunks[0];
      if (epoch) {
        const more = grown(epoch, size);
        more.fill(NaN, i);
        this.epochChunks[0] = more;
      }
      const anatomy = this.anatomyChunks[0];
      if (anatomy) this.anatomyChunks[0] = grown(anatomy, size);
      this.limit = size;
      return;
    }
    this.lineChunks.push((this.lineC = new Uint32Array(CHUNK)));
    this.countChunks.push((this.countC = new Uint32Array(CHUNK)));
    this.wallChunks.push((this.wallC = new Float64Array(CHUNK)));
    this.offsetChunks.push((this.offsetC = new Float32Array(CHUNK)));
    this.flagChunks.push((this.flagC = new Uint8Array(CHUNK)));
    this.setChunks.push((this.setC = new Uint32Array(CHUNK)));
    this.columnChunks.push((this.columnC = new Uint32Array(CHUNK)));
    this.matchChunks.push((this.matchC = new Uint32Array(2 * CHUNK)));
    this.textChunks.push((this.textC = []));
    this.limit = i + CHUNK;
  }

  /** The chunk of the sparse epoch column holding occurrence `i`, made now: NaN (no time) but `i`'s. */
  private epochChunk(i: number): Float64Array {
    const made = new Float64Array(i < CHUNK ? this.limit : CHUNK).fill(NaN);
    this.epochChunks[i >> CHUNK_BITS] = made;
    return made;
  }

  /** The chunk of the sparse anatomy column holding occurrence `i`, made now: 0 (none) but `i`'s. */
  private anatomyChunk(i: number): Uint32Array {
    const made = new Uint32Array(i < CHUNK ? this.limit : CHUNK);
    this.anatomyChunks[i >> CHUNK_BITS] = made;
    return made;
  }

  /** A later line of the same event as occurrence `i` (Finding.related). */
  relate(i: number, line: number): void {
    const mine = this.related.get(i);
    if (mine) mine.push(line);
    else this.related.set(i, [line]);
  }

  /**
   * The sets, in the order of their first occurrence, their file's store holding each set's occurrences
   * side by side. `resolve`, when given, resolves each occurrence's time as written once the file's
   * hints are known (it replaces the times its Finding came with).
   */
  finish(resolve?: (t: LogTime) => ResolvedInstant | null): OccurrenceSet[] {
    const n = this.n;
    const setsMade = this.setsMade;
    // Each set's key and node: 16 bits a string while they fit.
    const keys = this.keys;
    const nodes = new Uint32Array(setsMade);
    for (let id = 0; id < setsMade; id++) nodes[id] = this.id(this.nodeOf(this.strings[keys[id * KEY + RECORD_NODE]!], this.strings[keys[id * KEY + FILE]!] as string));
    const fields = this.strings.length <= 0x10000 ? new Uint16Array(setsMade * FIELDS) : new Uint32Array(setsMade * FIELDS);
    for (let id = 0; id < setsMade; id++) {
      for (let f = 0; f < KEY; f++) fields[id * FIELDS + f] = keys[id * KEY + f]!;
      fields[id * FIELDS + NODE] = nodes[id]!;
    }
    // The table of sets is let go before the store is made.
    const setCounts = this.setCounts.slice(0, setsMade);
    this.keys = new Uint32Array(0);
    this.slots = new Int32Array(0);
    this.setCounts = new Float64Array(0);
    // ...and collected, with the reading's garbage, before the store's columns are made beside the
    // builder's: on a recorder's list of 400,000 items (344,000 sets) the set table alone was 25 MB,
    // and making the store took the RSS from 213 to 253 MB without it, 228 MB with it (a large heap
    // only: collectGarbage leaves a small one be).
    collectGarbage();
    // A counting sort by set, stable: each set's occurrences stay in input order.
    const sizes = new Uint32Array(setsMade);
    for (let c = 0, base = 0; base < n; c++, base += CHUNK) {
      const ids = this.setChunks[c]!;
      for (let j = 0, m = Math.min(CHUNK, n - base); j < m; j++) sizes[ids[j]!]! += 1;
    }
    const starts = new Uint32Array(setsMade + 1);
    for (let s = 0; s < setsMade; s++) starts[s + 1] = starts[s]! + sizes[s]!;
    const next = starts.slice(0, setsMade);
    const byOrder = new Uint32Array(n);
    const order = new Uint32Array(n);
    forChunks(this.setChunks, n, (ids, base, m) => {
      for (let j = 0; j < m; j++) {
        const k = next[ids[j]!]!++;
        byOrder[base + j] = k;
        order[k] = base + j;
      }
    });
    // Each column is copied into its place and the builder's chunks let go as they are copied: the store
    // and the builder's columns are not held in full at once.
    const lines = new Uint32Array(n);
    forChunks(this.lineChunks, n, (from, base, m) => {
      for (let j = 0; j < m; j++) lines[byOrder[base + j]!] = from[j]!;
    });
    const counts = new Uint32Array(n);
    forChunks(this.countChunks, n, (from, base, m) => {
      for (let j = 0; j < m; j++) counts[byOrder[base + j]!] = from[j]!;
    });
    // Times are resolved in input order, where the occurrences of one second follow each other (resolved once).
    const epochUs = new Float64Array(n);
    const flags = new Uint8Array(n);
    let last: ResolvedInstant | null = null;
    let lastW = NaN;
    let lastO = NaN;
    let lastF = -1;
    forChunks(this.flagChunks, n, (written, base, m, c) => {
      const wall = this.wallChunks[c]!;
      const offsets = this.offsetChunks[c]!;
      const epoch = this.epochChunks[c];
      for (let j = 0; j < m; j++) {
        const k = byOrder[base + j]!;
        const w = wall[j]!;
        if (!resolve || Number.isNaN(w)) {
          epochUs[k] = epoch ? epoch[j]! : NaN;
          flags[k] = written[j]!;
          continue;
        }
        const o = offsets[j]!;
        const f = written[j]! & WRITTEN;
        if (w !== lastW || f !== lastF || !(o === lastO || (Number.isNaN(o) && Number.isNaN(lastO)))) {
          last = resolve(writtenFrom(w, o, f)!);
          lastW = w;
          lastO = o;
          lastF = f;
        }
        epochUs[k] = last ? last.epochMicros : NaN;
        flags[k] = f | sourceFlags(last);
      }
      this.epochChunks[c] = null;
    });
    const wallMs = new Float64Array(n);
    forChunks(this.wallChunks, n, (from, base, m) => {
      for (let j = 0; j < m; j++) wallMs[byOrder[base + j]!] = from[j]!;
    });
    const offsets = new Float32Array(n);
    forChunks(this.offsetChunks, n, (from, base, m) => {
      for (let j = 0; j < m; j++) offsets[byOrder[base + j]!] = from[j]!;
    });
    const columns = new Uint32Array(n);
    forChunks(this.columnChunks, n, (from, base, m) => {
      for (let j = 0; j < m; j++) columns[byOrder[base + j]!] = from[j]!;
    });
    const matches = new Uint32Array(2 * n);
    forChunks(this.matchChunks, n, (from, base, m) => {
      for (let j = 0; j < m; j++) {
        const k = byOrder[base + j]!;
        matches[2 * k] = from[2 * j]!;
        matches[2 * k + 1] = from[2 * j + 1]!;
      }
    });
    const texts = new Array<string>(n);
    forChunks(this.textChunks, n, (from, base, m) => {
      for (let j = 0; j < m; j++) texts[byOrder[base + j]!] = from[j]!;
    });
    const anatomyIds = new Uint32Array(n);
    forChunks(this.anatomyChunks, n, (from, base, m) => {
      if (from) for (let j = 0; j < m; j++) anatomyIds[byOrder[base + j]!] = from[j]!;
    });
    this.lineC = this.countC = this.setC = this.columnC = this.matchC = new Uint32Array(0);
    this.wallC = new Float64Array(0);
    this.offsetC = new Float32Array(0);
    this.flagC = new Uint8Array(0);
    this.textC = [];
    const store: OccurrenceStore = {
      lines,
      counts,
      wallMs,
      offsets,
      epochUs,
      flags,
      order,
      columns,
      matches,
      texts,
      byOrder,
      sets: [],
      anatomyIds,
      anatomies: this.anatomies,
      related: new Map([...this.related].map(([i, lines]) => [byOrder[i]!, lines])),
      events: new Map([...this.events].map(([i, e]) => [byOrder[i]!, e])),
    };
    // The sample, set by set (a counting sort again), at its places in the store.
    const sampledSets = this.sampledSets;
    const sampleFrom = new Uint32Array(sampledSets + 1);
    for (let s = 0; s < sampledSets; s++) sampleFrom[s + 1] = sampleFrom[s]! + this.sampleLengths[s]!;
    const at = sampleFrom.slice(0, sampledSets);
    const sampleAt = new Uint32Array(this.keptAt.length);
    const sampleItems = new Array<Sampled>(this.keptAt.length);
    this.keptAt.forEach((i, x) => {
      const y = at[this.keptSets[x]!]!++;
      sampleAt[y] = byOrder[i]!;
      sampleItems[y] = this.keptItems[x]!;
    });
    const lastAt = Int32Array.from(this.lastAt, (i) => (i < 0 ? -1 : byOrder[i]!));
    const table = new SetTable(store, this.strings, fields, setCounts, starts, sizes, sampleFrom, sampleAt, sampleItems, lastAt, this.lastItems);
    const sets = new Array<OccurrenceSet>(setsMade);
    for (let id = 0; id < setsMade; id++) sets[id] = new StoredSet(table, id);
    store.sets = sets;
    return sets;
  }
}

/**
 * Visits a chunked column's chunks (chunk c holds occurrences from c * CHUNK on; `m` of them are
 * occurrences) and lets each go once visited.
 */
function forChunks<T>(chunks: (T | undefined | null)[], n: number, visit: (chunk: T, base: number, m: number, c: number) => void): void {
  for (let c = 0, base = 0; base < n; c++, base += CHUNK) {
    visit(chunks[c] as T, base, Math.min(CHUNK, n - base), c);
    chunks[c] = null;
  }
  chunks.length = 0;
}

/** The sets of findings already made (an editor document's, a test's), in their order. */
export function occurrenceSets(findings: readonly Finding[]): OccurrenceSet[] {
  const b = new OccurrenceBuilder();
  for (const f of findings) b.add(f);
  return b.finish();
}

/** A recognition's sets: the ones it built, or those of its findings (a recognition made by hand). */
export function setsOf(r: { findings: readonly Finding[]; sets?: readonly OccurrenceSet[] }): readonly OccurrenceSet[] {
  return r.sets ?? occurrenceSets(r.findings);
}

// Read-only views for passes over many sets (the clusters' table): nothing here builds or changes a set.

/** The fields `setStringId` numbers, by name. */
export const SET_STRING_FIELDS = { signature: SIGNATURE, node: NODE, namespace: NAMESPACE, pod: POD, container: CONTAINER } as const;

/**
 * The strings a set's fields are numbers into (one list for the sets of a store, equal strings one
 * number), or null for a set not made by an OccurrenceBuilder: a pass over a hundred thousand sets
 * compares the numbers, `setStringId`, and looks each string up once per store.
 */
export function setStrings(set: OccurrenceSet): readonly (string | null | undefined)[] | null {
  return set instanceof StoredSet ? set.tableOf.stringList : null;
}

/** A set's field (SET_STRING_FIELDS) as its index in `setStrings(set)`; only for a set `setStrings` gives a list for. */
export function setStringId(set: OccurrenceSet, field: number): number {
  const s = set as StoredSet;
  return s.tableOf.fieldId(s.id, field);
}
