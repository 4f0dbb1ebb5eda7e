import { canonicalNode, nodeFromPath } from '../logs/nodes';
import { type ResolvedTime, type TimeSource, isoMicros, wallMs } from '../logs/time';
import type { LogTime } from '../logs/types';
import { type Finding, type OccurrenceSet, SAMPLE_PER_SET } from './types';

/**
 * Findings as OccurrenceSets: one per (file, node, pod, container, signature) — and per component and
 * format, which the diagnosis tells apart (the kubelet's view of a failure against the runtime's) —
 * with every occurrence's line, count, time, text, column and span in typed arrays. A cluster's event
 * list of 400,000 events costs a few dozen bytes per event and one object per set instead of a
 * Finding, a LogRecord and their strings per event. `findingAt` gives any occurrence back as the
 * Finding it was (the record keeps what the diagnosis and `--json` read: not the message, severity or
 * first time, which only the editor's own findings need).
 */

const HAS_YEAR = 1;
/** The line says second 60 (a leap second): wall ms roll over into the next minute, the flag keeps it. */
const LEAP_SECOND = 2;
const TIME_SOURCES: TimeSource[] = ['line', 'option', 'file'];
/** Bits 2-3: where the resolved time's year came from; bits 4-5: its zone (index in TIME_SOURCES). */
const YEAR_FROM_SHIFT = 2;
const ZONE_FROM_SHIFT = 4;

/** The wall-clock reading as ms (as if UTC; year 2000, a leap year, for lines without one), micros in the fraction. */
function wallOf(t: LogTime): number {
  return wallMs(t, t.year ?? 2000) - Math.floor(t.micros / 1000) + t.micros / 1000;
}

function timeFlags(t: LogTime | null, resolved: ResolvedTime | null): number {
  let flags = 0;
  if (t?.year != null) flags |= HAS_YEAR;
  if (t?.second === 60) flags |= LEAP_SECOND;
  if (resolved) flags |= (TIME_SOURCES.indexOf(resolved.yearFrom) << YEAR_FROM_SHIFT) | (TIME_SOURCES.indexOf(resolved.zoneFrom) << ZONE_FROM_SHIFT);
  return flags;
}

/** The time as the line wrote it, from a set's arrays. */
export function wallTimeAt(set: OccurrenceSet, i: number): LogTime | null {
  const w = set.wallMs[i]!;
  if (Number.isNaN(w)) return null;
  const flags = set.flags[i]!;
  const seconds = Math.floor(w / 1000) * 1000;
  const micros = Math.round((w - seconds) * 1000);
  const leap = (flags & LEAP_SECOND) !== 0;
  const d = new Date(seconds - (leap ? 1000 : 0));
  const offset = set.offsets[i]!;
  return {
    year: flags & HAS_YEAR ? d.getUTCFullYear() : null,
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: leap ? 60 : d.getUTCSeconds(),
    micros,
    offsetMinutes: Number.isNaN(offset) ? null : offset,
  };
}

/** The resolved instant of an occurrence (year and zone from the line, the options or the file), or null. */
export function timeAt(set: OccurrenceSet, i: number): ResolvedTime | null {
  const us = set.epochUs[i]!;
  if (Number.isNaN(us)) return null;
  const flags = set.flags[i]!;
  return { epochMicros: us, iso: isoMicros(us), yearFrom: TIME_SOURCES[(flags >> YEAR_FROM_SHIFT) & 3]!, zoneFrom: TIME_SOURCES[(flags >> ZONE_FROM_SHIFT) & 3]! };
}

/** Occurrence `i` of a set as the Finding it was recognised as. */
export function findingAt(set: OccurrenceSet, i: number): Finding {
  const wallTime = wallTimeAt(set, i);
  return {
    file: set.file,
    line: set.lines[i]!,
    signature: set.signature,
    match: { start: set.matches[2 * i]!, end: set.matches[2 * i + 1]! },
    record: {
      format: set.format,
      payloadFormat: set.format,
      time: wallTime,
      severity: 'unknown',
      component: set.component,
      pod: set.pod,
      namespace: set.namespace,
      container: set.container,
      count: set.counts[i]!,
      message: '',
      ...(set.recordNode !== undefined ? { node: set.recordNode } : {}),
    },
    wallTime,
    time: timeAt(set, i),
    text: set.texts[set.textIndex[i]!]!,
    textColumn: set.columns[i]!,
  };
}

/**
 * Every occurrence of some sets in input order: file by file as the sets' files first appear, and in
 * each file in the order the findings were made. The visitor gets the set and the index.
 */
export function forEachInOrder(sets: readonly OccurrenceSet[], visit: (set: OccurrenceSet, i: number) => void): void {
  const byFile = new Map<string, OccurrenceSet[]>();
  for (const s of sets) {
    const list = byFile.get(s.file);
    if (list) list.push(s);
    else byFile.set(s.file, [s]);
  }
  for (const list of byFile.values()) {
    if (list.length === 1) {
      const s = list[0]!;
      for (let i = 0; i < s.lines.length; i++) visit(s, i);
      continue;
    }
    // A k-way merge on `order` (each set is in order already); a binary heap of the sets' heads.
    const at = new Uint32Array(list.length);
    const heap = list.map((_, k) => k).filter((k) => list[k]!.lines.length > 0);
    const head = (k: number) => list[k]!.order[at[k]!]!;
    const down = (from: number) => {
      for (let p = from; ; ) {
        const l = 2 * p + 1;
        const r = l + 1;
        let m = p;
        if (l < heap.length && head(heap[l]!) < head(heap[m]!)) m = l;
        if (r < heap.length && head(heap[r]!) < head(heap[m]!)) m = r;
        if (m === p) return;
        [heap[p], heap[m]] = [heap[m]!, heap[p]!];
        p = m;
      }
    };
    for (let p = (heap.length >> 1) - 1; p >= 0; p--) down(p);
    while (heap.length > 0) {
      const k = heap[0]!;
      const s = list[k]!;
      visit(s, at[k]!);
      at[k] = at[k]! + 1;
      if (at[k]! >= s.lines.length) {
        heap[0] = heap[heap.length - 1]!;
        heap.pop();
      }
      down(0);
    }
  }
}

/** The occurrences of some sets as Findings, in input order: for evidence that weighs each one. */
export function findingsOf(sets: readonly OccurrenceSet[]): Finding[] {
  const out: Finding[] = [];
  forEachInOrder(sets, (s, i) => out.push(findingAt(s, i)));
  return out;
}

/** A growable typed array. */
class Column<T extends Uint32Array | Float64Array | Float32Array | Uint8Array> {
  data: T;
  constructor(private readonly make: (n: number) => T) {
    this.data = make(4);
  }
  set(i: number, v: number): void {
    if (i >= this.data.length) {
      const bigger = this.make(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[i] = v;
  }
  /** The first n values, in an array of exactly that length (the spare capacity is given back). */
  done(n: number): T {
    return this.data.length === n ? this.data : (this.data.slice(0, n) as T);
  }
}

class SetBuilder {
  n = 0;
  count = 0;
  readonly lines = new Column((n) => new Uint32Array(n));
  readonly counts = new Column((n) => new Uint32Array(n));
  readonly wall = new Column((n) => new Float64Array(n));
  readonly offsets = new Column((n) => new Float32Array(n));
  readonly epoch = new Column((n) => new Float64Array(n));
  readonly flags = new Column((n) => new Uint8Array(n));
  readonly order = new Column((n) => new Uint32Array(n));
  readonly textIndex = new Column((n) => new Uint32Array(n));
  readonly columns = new Column((n) => new Uint32Array(n));
  readonly matches = new Column((n) => new Uint32Array(n));
  readonly texts = new Map<string, number>();
  readonly sample: Finding[] = [];
  last: Finding | null = null;
  constructor(
    readonly key: string,
    readonly first: Finding,
  ) {}

  add(f: Finding, order: number): void {
    const i = this.n++;
    const t = f.wallTime;
    this.lines.set(i, f.line);
    this.counts.set(i, f.record.count);
    this.count += f.record.count;
    this.wall.set(i, t ? wallOf(t) : NaN);
    this.offsets.set(i, t?.offsetMinutes ?? NaN);
    this.epoch.set(i, f.time ? f.time.epochMicros : NaN);
    this.flags.set(i, timeFlags(t, f.time));
    this.order.set(i, order);
    let ti = this.texts.get(f.text);
    if (ti === undefined) {
      ti = this.texts.size;
      this.texts.set(f.text, ti);
    }
    this.textIndex.set(i, ti);
    this.columns.set(i, f.textColumn);
    this.matches.set(2 * i, f.match.start);
    this.matches.set(2 * i + 1, f.match.end);
    if (this.sample.length < SAMPLE_PER_SET) this.sample.push(f);
    else this.last = f;
  }

  /** Sets the resolved time of occurrence i (times are resolved when the whole file is read). */
  resolve(i: number, t: ResolvedTime | null): void {
    this.epoch.data[i] = t ? t.epochMicros : NaN;
    this.flags.data[i] = (this.flags.data[i]! & (HAS_YEAR | LEAP_SECOND)) | timeFlags(null, t);
  }

  done(): OccurrenceSet {
    const f = this.first;
    const r = f.record;
    const n = this.n;
    return {
      key: this.key,
      file: f.file,
      signature: f.signature,
      node: canonicalNode(r.node) ?? nodeFromPath(f.file),
      pod: r.pod,
      namespace: r.namespace,
      container: r.container,
      component: r.component,
      format: r.format,
      recordNode: r.node,
      count: this.count,
      lines: this.lines.done(n),
      counts: this.counts.done(n),
      wallMs: this.wall.done(n),
      offsets: this.offsets.done(n),
      epochUs: this.epoch.done(n),
      flags: this.flags.done(n),
      order: this.order.done(n),
      texts: [...this.texts.keys()],
      textIndex: this.textIndex.done(n),
      columns: this.columns.done(n),
      matches: this.matches.done(2 * n),
      sample: this.last ? [...this.sample, this.last] : [...this.sample],
    };
  }
}

/** The set a finding belongs to: what the agreed key names, and the component and format the diagnosis tells apart. */
function keyOf(f: Finding): string {
  const r = f.record;
  return `${f.file}\u0000${r.node ?? ''}\u0000${r.namespace ?? ''}/${r.pod ?? ''}\u0000${r.container ?? ''}\u0000${f.signature}\u0000${r.component}\u0000${r.format}\u0000${r.node === undefined ? 'u' : r.node === null ? 'n' : ''}`;
}

/** Builds the sets of one file's findings as they are made, in order. */
export class OccurrenceBuilder {
  private readonly sets = new Map<string, SetBuilder>();
  private n = 0;

  add(f: Finding): void {
    const key = keyOf(f);
    let s = this.sets.get(key);
    if (!s) {
      s = new SetBuilder(key, f);
      this.sets.set(key, s);
    }
    s.add(f, this.n++);
  }

  /** Resolves every occurrence's time once the file's hints are known (`resolve` gets the time as written). */
  resolveTimes(resolve: (t: LogTime) => ResolvedTime | null): void {
    let lastWall = NaN;
    let lastOffset = NaN;
    let lastFlags = -1;
    let last: ResolvedTime | null = null;
    for (const s of this.sets.values()) {
      const view = { wallMs: s.wall.data, offsets: s.offsets.data, flags: s.flags.data } as OccurrenceSet;
      for (let i = 0; i < s.n; i++) {
        const w = s.wall.data[i]!;
        if (Number.isNaN(w)) continue;
        const o = s.offsets.data[i]!;
        const flags = s.flags.data[i]! & (HAS_YEAR | LEAP_SECOND);
        // Events of one second share a time: resolved once.
        if (w !== lastWall || !(o === lastOffset || (Number.isNaN(o) && Number.isNaN(lastOffset))) || flags !== lastFlags) {
          last = resolve(wallTimeAt(view, i)!);
          [lastWall, lastOffset, lastFlags] = [w, o, flags];
        }
        s.resolve(i, last);
      }
    }
  }

  /** The sets, in the order of their first occurrence; each sample's findings carry their resolved time. */
  finish(): OccurrenceSet[] {
    const out: OccurrenceSet[] = [];
    for (const s of this.sets.values()) {
      const set = s.done();
      // The sample holds the recognised Findings themselves: the first ones, then the last occurrence.
      set.sample.forEach((f, k) => {
        if (f.time === null && f.wallTime) f.time = timeAt(set, k < SAMPLE_PER_SET ? k : set.lines.length - 1);
      });
      out.push(set);
    }
    return out;
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

