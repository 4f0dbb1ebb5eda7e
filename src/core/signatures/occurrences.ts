import { canonicalNode, nodeFromPath } from '../logs/nodes';
import { type ResolvedTime, type TimeSource, isoMicros, wallMs } from '../logs/time';
import type { LogFormat, LogTime } from '../logs/types';
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

function sourceFlags(resolved: ResolvedTime | null): number {
  return resolved ? (TIME_SOURCES.indexOf(resolved.yearFrom) << YEAR_FROM_SHIFT) | (TIME_SOURCES.indexOf(resolved.zoneFrom) << ZONE_FROM_SHIFT) : 0;
}

/** The time as written of the store's occurrence k. */
function writtenAt(store: OccurrenceStore, k: number): LogTime | null {
  const w = store.wallMs[k]!;
  if (Number.isNaN(w)) return null;
  const flags = store.flags[k]!;
  const seconds = Math.floor(w / 1000) * 1000;
  const micros = Math.round((w - seconds) * 1000);
  const d = new Date(seconds);
  // `wallMs` sets the date after the time: second 60 carried into the next minute (or past midnight,
  // to 00:00:00 of the same date). The time of day one second back gives the written fields again.
  let day = seconds - Math.floor(seconds / 86_400_000) * 86_400_000;
  if (flags & LEAP_SECOND) day = (day + 86_400_000 - 1000) % 86_400_000;
  const offset = store.offsets[k]!;
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
  for (const { store, setAt } of storesInOrder(sets)) {
    // The store's own order, skipping the occurrences of sets not asked for.
    for (let o = 0; o < store.byOrder.length; o++) {
      const k = store.byOrder[o]!;
      const s = setAt[k];
      if (s) visit(s, k - s.start);
    }
  }
}

/**
 * The stores of some sets as they first appear, each with the set of each of its occurrences asked for
 * (by store index; undefined for the others): `forEachInOrder` as a loop a caller can pause (a
 * generator of output waiting for its reader).
 */
export function* storesInOrder(sets: readonly OccurrenceSet[]): Generator<{ store: OccurrenceStore; setAt: (OccurrenceSet | undefined)[] }, void, undefined> {
  const byStore = new Map<OccurrenceStore, Set<OccurrenceSet>>();
  for (const s of sets) {
    const mine = byStore.get(s.store);
    if (mine) mine.add(s);
    else byStore.set(s.store, new Set([s]));
  }
  for (const [store, mine] of byStore) {
    const setAt = new Array<OccurrenceSet | undefined>(store.lines.length);
    for (const s of mine) setAt.fill(s, s.start, s.start + s.size);
    yield { store, setAt };
  }
}

/** The occurrences of some sets as Findings, in input order: for evidence that weighs each one. */
export function findingsOf(sets: readonly OccurrenceSet[]): Finding[] {
  const out: Finding[] = [];
  forEachInOrder(sets, (s, i) => out.push(findingAt(s, i)));
  return out;
}

/** The sample of the sets beyond the file's SAMPLE_PER_FILE: one empty array for all of them, frozen. */
const NO_SAMPLE: Finding[] = Object.freeze([]) as unknown as Finding[];

/** A set: its fields, and the agreed per-set arrays as views of its file's store. */
class StoredSet implements OccurrenceSet {
  sample: Finding[] = NO_SAMPLE;
  constructor(
    readonly file: string,
    readonly signature: string,
    readonly node: string | null,
    readonly pod: string | null,
    readonly namespace: string | null,
    readonly container: string | null,
    readonly component: string,
    readonly format: LogFormat,
    readonly recordNode: string | null | undefined,
    public count: number,
    public store: OccurrenceStore,
    public start: number,
    public size: number,
  ) {}
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

/** Builds the sets of one file's findings as they are made, in order. */
/** Where a set's occurrences are until its file is read to the end (`finish` gives it its store). */
const UNFINISHED = Object.freeze({}) as OccurrenceStore;

export class OccurrenceBuilder {
  /**
   * The sets as they are made, by id (the order of their first occurrence), and their ids by key. A set
   * is made with its first occurrence and filled as the file is read: a list can hold a set per event,
   * and keeping a record of each set beside it (its first Finding, once) was most of the reading's memory.
   */
  private readonly setsById: StoredSet[] = [];
  private readonly byKey = new Map<string, number>();
  /** The last occurrence of each sampled set (its sample's last finding), by id. */
  private readonly lasts = new Map<number, Finding>();
  private readonly canonical = new Map<string | null | undefined, string | null>();
  private readonly fileNodes = new Map<string, string | null>();
  /** Small numbers for the strings a set's key is made of (the readers share those strings: cheap to look up). */
  private readonly ids = new Map<string | null | undefined, number>();
  private n = 0;
  private sampled = 0;
  // One array per field, each of one element type, grown together: a generic column class made every
  // write polymorphic, the slowest part of reading an event list.
  private lines = new Uint32Array(256);
  private counts = new Uint32Array(256);
  private wall = new Float64Array(256);
  private offsets = new Float32Array(256);
  private epoch = new Float64Array(256);
  private flags = new Uint8Array(256);
  private setIds = new Uint32Array(256);
  private columns = new Uint32Array(256);
  private matches = new Uint32Array(512);
  private readonly texts: string[] = [];
  // Per occurrence, what few carry: the anatomy as an index into the distinct ones (the reader returns
  // one object per distinct message), 0 for none; the event's other lines and its id, by input index.
  private anatomyIds = new Uint32Array(256);
  private readonly anatomies: ErrorAnatomy[] = [];
  private readonly anatomyIndex = new Map<ErrorAnatomy, number>();
  private readonly related = new Map<number, number[]>();
  private readonly events = new Map<number, string>();
  private lastTime: LogTime | null = null;
  private lastWall = NaN;

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

  private id(s: string | null | undefined): number {
    let id = this.ids.get(s);
    if (id === undefined) {
      id = this.ids.size;
      this.ids.set(s, id);
    }
    return id;
  }

  private grow(): void {
    const more = <T extends Uint32Array | Float64Array | Float32Array | Uint8Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(a.length * 2);
      b.set(a);
      return b;
    };
    this.lines = more(this.lines);
    this.counts = more(this.counts);
    this.wall = more(this.wall);
    this.offsets = more(this.offsets);
    this.epoch = more(this.epoch);
    this.flags = more(this.flags);
    this.setIds = more(this.setIds);
    this.columns = more(this.columns);
    this.matches = more(this.matches);
    this.anatomyIds = more(this.anatomyIds);
  }

  /** Adds a finding as an occurrence; returns its index, for `relate`. */
  add(f: Finding): number {
    const r = f.record;
    // setKey's parts as numbers (a node undefined and a node null apart, as setKey keeps them), one
    // character each while they fit: this runs once per occurrence, and numbers written out in decimal
    // were the costliest part of it. (The decimal form, with its commas, never has 8 characters.)
    const fi = this.id(f.file);
    const b = this.id(r.node);
    const c = this.id(r.namespace);
    const d = this.id(r.pod);
    const e = this.id(r.container);
    const g = this.id(f.signature);
    const h = this.id(r.component);
    const k = this.id(r.format);
    const key = (fi | b | c | d | e | g | h | k) < 0x10000 ? String.fromCharCode(fi, b, c, d, e, g, h, k) : `${fi},${b},${c},${d},${e},${g},${h},${k}`;
    let id = this.byKey.get(key);
    if (id === undefined) {
      id = this.setsById.length;
      this.byKey.set(key, id);
      const set = new StoredSet(f.file, f.signature, this.nodeOf(r.node, f.file), r.pod, r.namespace, r.container, r.component, r.format, r.node, 0, UNFINISHED, 0, 0);
      // Sets made after the file's sample is full keep none (one shared empty sample).
      if (this.sampled < SAMPLE_PER_FILE) set.sample = [];
      this.setsById.push(set);
    }
    const p = this.setsById[id]!;
    p.count += r.count;
    p.size += 1;
    if (p.sample !== NO_SAMPLE && p.sample.length < SAMPLE_PER_SET && this.sampled < SAMPLE_PER_FILE) {
      p.sample.push(f);
      this.sampled += 1;
    } else if (p.sample.length > 0) this.lasts.set(id, f);
    const i = this.n++;
    if (i === this.lines.length) this.grow();
    const t = f.wallTime;
    this.lines[i] = f.line;
    this.counts[i] = r.count;
    // Findings of one second share their time object (the readers share them): converted once.
    if (t !== this.lastTime) {
      this.lastTime = t;
      this.lastWall = t ? wallOf(t) : NaN;
    }
    this.wall[i] = this.lastWall;
    this.offsets[i] = t?.offsetMinutes ?? NaN;
    this.epoch[i] = f.time ? f.time.epochMicros : NaN;
    this.flags[i] = (t?.year != null ? HAS_YEAR : 0) | (t?.second === 60 ? LEAP_SECOND : 0) | sourceFlags(f.time);
    this.setIds[i] = id;
    this.columns[i] = f.textColumn;
    this.matches[2 * i] = f.match.start;
    this.matches[2 * i + 1] = f.match.end;
    this.texts.push(f.text);
    let a = 0;
    if (f.anatomy) {
      a = this.anatomyIndex.get(f.anatomy) ?? 0;
      if (a === 0) {
        this.anatomies.push(f.anatomy);
        a = this.anatomies.length;
        this.anatomyIndex.set(f.anatomy, a);
      }
    }
    this.anatomyIds[i] = a;
    if (f.related?.length) this.related.set(i, [...f.related]);
    if (f.event !== undefined) this.events.set(i, f.event);
    return i;
  }

  /** A later line of the same event as occurrence `i` (Finding.related). */
  relate(i: number, line: number): void {
    const mine = this.related.get(i);
    if (mine) mine.push(line);
    else this.related.set(i, [line]);
  }

  /** Resolves every occurrence's time once the file's hints are known (`resolve` gets the time as written). */
  resolveTimes(resolve: (t: LogTime) => ResolvedTime | null): void {
    const view = { wallMs: this.wall, offsets: this.offsets, flags: this.flags } as OccurrenceStore;
    let last: ResolvedTime | null = null;
    let lastK = -1;
    for (let k = 0; k < this.n; k++) {
      const w = this.wall[k]!;
      if (Number.isNaN(w)) continue;
      const o = this.offsets[k]!;
      const flags = this.flags[k]! & WRITTEN;
      // Findings of one second share a time: resolved once.
      const same = lastK >= 0 && w === this.wall[lastK] && (o === this.offsets[lastK] || (Number.isNaN(o) && Number.isNaN(this.offsets[lastK]!))) && flags === (this.flags[lastK]! & WRITTEN);
      if (!same) last = resolve(writtenAt(view, k)!);
      lastK = k;
      this.epoch[k] = last ? last.epochMicros : NaN;
      this.flags[k] = flags | sourceFlags(last);
    }
  }

  /** The sets, in the order of their first occurrence, their file's store holding each set's occurrences side by side. */
  finish(): OccurrenceSet[] {
    const n = this.n;
    const pending = this.setsById;
    // A counting sort by set, stable: each set's occurrences stay in input order.
    const starts = new Uint32Array(pending.length + 1);
    pending.forEach((p, id) => (starts[id + 1] = p.size));
    for (let s = 0; s < pending.length; s++) starts[s + 1] = starts[s + 1]! + starts[s]!;
    const next = starts.slice(0, pending.length);
    const byOrder = new Uint32Array(n);
    const ids = this.setIds;
    for (let i = 0; i < n; i++) byOrder[i] = next[ids[i]!]!++;
    this.setIds = new Uint32Array(0);
    // Each column is copied into its place and the builder's own let go before the next: the store
    // and the builder's columns (sized for growth) are not held in full at once.
    const permute = <T extends Uint32Array | Float64Array | Float32Array | Uint8Array>(from: T, make: (n: number) => T): T => {
      const to = make(n);
      for (let i = 0; i < n; i++) to[byOrder[i]!] = from[i]!;
      return to;
    };
    const lines = permute(this.lines, (m) => new Uint32Array(m));
    this.lines = new Uint32Array(0);
    const counts = permute(this.counts, (m) => new Uint32Array(m));
    this.counts = new Uint32Array(0);
    const wallMs = permute(this.wall, (m) => new Float64Array(m));
    this.wall = new Float64Array(0);
    const offsets = permute(this.offsets, (m) => new Float32Array(m));
    this.offsets = new Float32Array(0);
    const epochUs = permute(this.epoch, (m) => new Float64Array(m));
    this.epoch = new Float64Array(0);
    const flags = permute(this.flags, (m) => new Uint8Array(m));
    this.flags = new Uint8Array(0);
    const columns = permute(this.columns, (m) => new Uint32Array(m));
    this.columns = new Uint32Array(0);
    const anatomyIds = permute(this.anatomyIds, (m) => new Uint32Array(m));
    this.anatomyIds = new Uint32Array(0);
    const matches = new Uint32Array(2 * n);
    const texts = new Array<string>(n);
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      const k = byOrder[i]!;
      matches[2 * k] = this.matches[2 * i]!;
      matches[2 * k + 1] = this.matches[2 * i + 1]!;
      texts[k] = this.texts[i]!;
      order[k] = i;
    }
    this.matches = new Uint32Array(0);
    this.texts.length = 0;
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
    pending.forEach((set, id) => {
      set.store = store;
      set.start = starts[id]!;
      const sampled = set.sample;
      const last = this.lasts.get(id);
      if (last) set.sample = [...sampled, last];
      // The sample holds the recognised Findings themselves: the first ones, then the last occurrence.
      set.sample.forEach((x, j) => {
        if (x.time === null && x.wallTime) x.time = timeAt(set, j < sampled.length ? j : set.size - 1);
      });
      store.sets.push(set);
    });
    return store.sets;
  }
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
