import * as path from 'node:path';
import { collectGarbage } from '../heap';
import { civilOfDays, formatWall, isoMicros, wallMs } from '../logs/time';
import { SET_STRING_FIELDS, findingAt, hasYearAt, setStringId, setStrings, storeRanks, wallTimeAt } from '../signatures/occurrences';
import type { OccurrenceSet } from '../signatures/types';
import { type Clock, type PlacedFinding, placeFinding } from './clock';
import type { Cluster } from './types';

/**
 * Findings grouped by signature, node and pod/container, across files, with first/last seen and a rate:
 * the diagnosis's `clusters`, made one at a time when asked. A cluster's event list makes a cluster per
 * pod and node, a hundred thousand of them; held as objects they were the largest part of the
 * diagnosis's memory (24 MB of 116,441 clusters on a 400,000-event list), yet `--json` only writes each
 * once and the report reads thirty. The table keeps per cluster its sets (as indices into the sets) and
 * its count, in typed arrays; `at(k)` makes the k-th cluster of the output order from its sets.
 */
export class ClusterTable implements Iterable<Cluster> {
  private built = false;
  /** Per group (in the order of its first set): its first set, and its count. Per set: the next set of its group, -1 after the last. */
  private heads = new Int32Array(0);
  private next = new Int32Array(0);
  private counts = new Float64Array(0);
  /** Groups in output order: most occurrences first, groups of equal counts in the order of their first set. */
  private order: Uint32Array = new Uint32Array(0);
  /**
   * Per group, its earliest and latest occurrence (the set's index and the place in it) and how many
   * are timed: found in one pass over the sets in their order (their occurrences side by side in the
   * store), not set by set in the order of the output, which read the stores all over.
   */
  private first = new Int32Array(0);
  private firstAt = new Int32Array(0);
  private last = new Int32Array(0);
  private lastAt = new Int32Array(0);
  private timed = new Uint32Array(0);
  private spans = new Float64Array(0);
  /** The instants (µs) of each group's earliest and latest occurrence, NaN for none of its own: read in the same pass. */
  private firstUs = new Float64Array(0);
  private lastUs = new Float64Array(0);
  /** `titles`, as a Map: looked up a hundred thousand times by signature. */
  private readonly titleOf: Map<string, string>;

  constructor(
    private readonly sets: readonly OccurrenceSet[],
    private readonly clock: Clock,
    titles: Record<string, string>,
  ) {
    this.titleOf = new Map(Object.entries(titles));
  }

  get length(): number {
    this.build();
    return this.order.length;
  }

  /** The cluster at place `k` of the output order. */
  at(k: number): Cluster {
    this.build();
    return this.cluster(this.order[k]!, new Shared());
  }

  *[Symbol.iterator](): Iterator<Cluster> {
    this.build();
    // Made to be written and dropped: what clusters share is kept for a while, not for all of them.
    const shared = new Shared(4096);
    for (let k = 0; k < this.order.length; k++) yield this.cluster(this.order[k]!, shared);
  }

  /** Every cluster, as one array: what they share (a file's name, a pod's, an instant's text) made once. */
  toArray(): Cluster[] {
    this.build();
    const shared = new Shared();
    return Array.from(this.order, (g) => this.cluster(g, shared));
  }

  /**
   * The groups: a set's key is its signature, node, namespace, pod and container (a missing name and an
   * empty one are one group), each as a small number; the key is one number when they fit, so that no
   * string or array is made per group.
   */
  private build(): void {
    if (this.built) return;
    this.built = true;
    // Built when the clusters are first asked for: while `--json` writes its last large member (whose
    // garbage is collected first, where the table's arrays were the CLI's peak), or for the panel's count
    // in the session's thread. A large heap only: collectGarbage leaves a small one be.
    collectGarbage();
    const sets = this.sets;
    const n = sets.length;
    const fields = [(s: OccurrenceSet) => s.signature, (s: OccurrenceSet) => s.node, (s: OccurrenceSet) => s.namespace, (s: OccurrenceSet) => s.pod, (s: OccurrenceSet) => s.container];
    const numbers = [SET_STRING_FIELDS.signature, SET_STRING_FIELDS.node, SET_STRING_FIELDS.namespace, SET_STRING_FIELDS.pod, SET_STRING_FIELDS.container];
    const ids = fields.map(() => new Uint32Array(n));
    const seen = fields.map(() => new Map<string, number>());
    const idOf = (f: number, v: string | null | undefined) => {
      const key = v ?? '';
      let id = seen[f]!.get(key);
      if (id === undefined) {
        id = seen[f]!.size;
        seen[f]!.set(key, id);
      }
      return id;
    };
    // Sets of a store number their strings: each number is looked up once per store, not each set's string.
    let strings: readonly (string | null | undefined)[] | null = null;
    let known: Int32Array[] = [];
    const byStore = new Map<readonly unknown[], Int32Array[]>();
    // Sets of one store alone (one file): its strings are distinct already, so a field's ids are counted,
    // not looked up by string (on a recorder's list, a map of 172,000 pods' names made for nothing).
    const oneStore = n > 0 && sets.every((s) => setStrings(s) === setStrings(sets[0]!) && setStrings(s) !== null);
    const counted = fields.map(() => 0);
    const blank = fields.map(() => -1);
    for (let i = 0; i < n; i++) {
      const s = sets[i]!;
      const mine = setStrings(s);
      if (mine === null) {
        for (let f = 0; f < fields.length; f++) ids[f]![i] = idOf(f, fields[f]!(s));
        continue;
      }
      if (mine !== strings) {
        strings = mine;
        known = byStore.get(mine) ?? fields.map(() => new Int32Array(mine.length).fill(-1));
        byStore.set(mine, known);
      }
      for (let f = 0; f < fields.length; f++) {
        const x = setStringId(s, numbers[f]!);
        let id = known[f]![x]!;
        if (id < 0) {
          const v = mine[x];
          // A missing name and an empty one are one group, as idOf keys them.
          if (!oneStore) id = idOf(f, v);
          else if (v === null || v === undefined || v === '') id = blank[f]! >= 0 ? blank[f]! : (blank[f] = counted[f]!++);
          else id = counted[f]!++;
          known[f]![x] = id;
        }
        ids[f]![i] = id;
      }
    }
    byStore.clear();
    const sizes = oneStore ? counted : seen.map((m) => m.size);
    const numeric = sizes.reduce((a, b) => a * Math.max(b, 1), 1) <= Number.MAX_SAFE_INTEGER;
    const groupOf = new Int32Array(n);
    const groups = numeric ? groupByNumber(ids, sizes, groupOf) : groupByText(ids, groupOf);
    // Each group's sets as a list in the order of the sets: made from the last set back.
    this.heads = new Int32Array(groups).fill(-1);
    this.next = new Int32Array(n);
    for (let i = n - 1; i >= 0; i--) {
      const g = groupOf[i]!;
      this.next[i] = this.heads[g]!;
      this.heads[g] = i;
    }
    this.counts = new Float64Array(groups);
    const events = sets.some((s) => s.store.events.size > 0);
    for (let g = 0; g < groups; g++) {
      let count = 0;
      for (let i = this.heads[g]!; i >= 0; i = this.next[i]!) count += sets[i]!.count;
      this.counts[g] = count - (events ? repeatedEvents(this.listOf(g)) : 0);
    }
    this.extremes(groupOf, groups);
    this.order = outputOrder(this.counts);
  }

  /**
   * The earliest and latest wall times of each group; on a tie the first (earliest) and the last
   * (latest) in input order (the file's rank, then the place in the file): (wall, rank, order) is
   * unique per occurrence, so the order of the pass does not matter.
   */
  private extremes(groupOf: Int32Array, groups: number): void {
    const clock = this.clock;
    const ranks = storeRanks(this.sets);
    const first = new Int32Array(groups).fill(-1);
    const firstAt = new Int32Array(groups);
    const last = new Int32Array(groups).fill(-1);
    const lastAt = new Int32Array(groups);
    const timed = new Uint32Array(groups);
    // Wall ms of each group's earliest and latest; their places, rank·2^32 + order, are looked up again
    // on a tie of walls only (two arrays of 344,000 doubles fewer on a recorder's list).
    const aWall = new Float64Array(groups);
    const bWall = new Float64Array(groups);
    const placeOf = (at: number, i: number) => {
      const set = this.sets[at]!;
      return ranks.get(set.store)! * 0x100000000 + set.store.order[set.start + i]!;
    };
    const firstUs = new Float64Array(groups);
    const lastUs = new Float64Array(groups);
    // Lines without a year were stored with the stand-in year 2000: on a clock of that year (or none), every wall is as stored.
    const asStored = (clock.year ?? 2000) === 2000;
    for (let at = 0; at < this.sets.length; at++) {
      const set = this.sets[at]!;
      const g = groupOf[at]!;
      const store = set.store;
      const rank = ranks.get(store)! * 0x100000000;
      const start = set.start;
      const size = set.size;
      const walls = store.wallMs;
      for (let i = 0; i < size; i++) {
        const w = walls[start + i]!;
        if (Number.isNaN(w)) continue;
        const wall = asStored ? Math.floor(w) : wallAt(set, i, clock)!;
        timed[g]! += 1;
        const place = rank + store.order[start + i]!;
        if (first[g] === -1 || wall < aWall[g]! || (wall === aWall[g] && place < placeOf(first[g]!, firstAt[g]!))) {
          first[g] = at;
          firstAt[g] = i;
          aWall[g] = wall;
          firstUs[g] = store.epochUs[start + i]!;
        }
        if (last[g] === -1 || wall > bWall[g]! || (wall === bWall[g] && place > placeOf(last[g]!, lastAt[g]!))) {
          last[g] = at;
          lastAt[g] = i;
          bWall[g] = wall;
          lastUs[g] = store.epochUs[start + i]!;
        }
      }
    }
    const spans = new Float64Array(groups);
    for (let g = 0; g < groups; g++) spans[g] = first[g] === -1 ? 0 : (bWall[g]! - aWall[g]!) / 3_600_000;
    [this.first, this.firstAt, this.last, this.lastAt, this.timed, this.spans, this.firstUs, this.lastUs] = [first, firstAt, last, lastAt, timed, spans, firstUs, lastUs];
  }

  private listOf(g: number): OccurrenceSet[] {
    const list: OccurrenceSet[] = [];
    for (let i = this.heads[g]!; i >= 0; i = this.next[i]!) list.push(this.sets[i]!);
    return list;
  }

  /**
   * The clusters in output order as their parts, for a writer that makes no Cluster per cluster (`--json`):
   * one object, filled again for each.
   */
  *parts(): Generator<ClusterParts, void, undefined> {
    this.build();
    const p: ClusterParts = { set: this.sets[0]!, title: '', count: 0, files: null, firstUs: NaN, firstText: null, lastUs: NaN, lastText: null, perHour: null };
    for (let k = 0; k < this.order.length; k++) {
      this.partsOf(this.order[k]!, p);
      yield p;
    }
  }

  /** Group `g`'s parts, into `p`. */
  private partsOf(g: number, p: ClusterParts): void {
    const s = this.sets[this.heads[g]!]!;
    const spanH = this.spans[g]!;
    p.set = s;
    p.title = this.titleOf.get(s.signature) ?? s.signature;
    p.count = this.counts[g]!;
    p.files = this.next[this.heads[g]!]! >= 0 ? this.listOf(g) : null;
    const [a, b] = [this.first[g]!, this.last[g]!];
    p.firstUs = a >= 0 ? this.firstUs[g]! : NaN;
    p.firstText = a >= 0 && Number.isNaN(p.firstUs) ? when(placeFinding(findingAt(this.sets[a]!, this.firstAt[g]!), this.clock)) : null;
    p.lastUs = b >= 0 ? this.lastUs[g]! : NaN;
    p.lastText = b >= 0 && Number.isNaN(p.lastUs) ? when(placeFinding(findingAt(this.sets[b]!, this.lastAt[g]!), this.clock)) : null;
    p.perHour = spanH >= 0.1 ? Math.round((this.timed[g]! / spanH) * 10) / 10 : null;
  }

  private cluster(g: number, shared: Shared): Cluster {
    const p = this.scratch;
    this.partsOf(g, p);
    const s = p.set;
    return {
      signature: s.signature,
      title: p.title,
      node: s.node,
      pod: shared.pod(s),
      container: s.container,
      count: p.count,
      files: p.files ? [...new Set(p.files.map((x) => shared.basename(x.file)))] : shared.alone(s.file),
      firstSeen: Number.isNaN(p.firstUs) ? p.firstText : shared.instant(p.firstUs),
      lastSeen: Number.isNaN(p.lastUs) ? p.lastText : shared.instant(p.lastUs),
      perHour: p.perHour,
    };
  }

  private readonly scratch: ClusterParts = { set: undefined as unknown as OccurrenceSet, title: '', count: 0, files: null, firstUs: NaN, firstText: null, lastUs: NaN, lastText: null, perHour: null };
}

/**
 * A cluster as the table holds it (`ClusterTable.parts`): its first set names its signature, node,
 * namespace, pod and container; its first and last seen are an instant (µs) when the occurrence has one
 * of its own, else the text placed on the clock (null: none).
 */
export interface ClusterParts {
  set: OccurrenceSet;
  title: string;
  count: number;
  /** Its sets in order when there are several (their files' names listed once each), else null: the first set's file alone. */
  files: OccurrenceSet[] | null;
  firstUs: number;
  firstText: string | null;
  lastUs: number;
  lastText: string | null;
  perHour: number | null;
}

/**
 * Groups by count, most first, equal counts in the order of the groups. Whole counts below 2^31 of fewer
 * than 2^22 groups sort as one number each ((2^31 - 1 - count)·2^22 + group, below 2^53: exact) by the
 * native numeric sort: a comparator called some two million times on a hundred thousand clusters was
 * most of making the table.
 */
export function outputOrder(counts: Float64Array): Uint32Array {
  const groups = counts.length;
  const whole = groups < 1 << 22 && counts.every((c) => c >= 0 && c < 2 ** 31 && c === Math.floor(c));
  if (!whole) return Uint32Array.from({ length: groups }, (_, g) => g).sort((a, b) => counts[b]! - counts[a]! || a - b);
  const keys = new Float64Array(groups);
  for (let g = 0; g < groups; g++) keys[g] = (2 ** 31 - 1 - counts[g]!) * 2 ** 22 + g;
  keys.sort();
  const order = new Uint32Array(groups);
  for (let k = 0; k < groups; k++) order[k] = keys[k]! % 2 ** 22;
  return order;
}

/**
 * What clusters repeat, made once and shared: a file's name (and the list of it alone), a pod's
 * namespace/name, an instant's text (events are timed to the second). Strings are joined, not
 * concatenated: a concatenation is a rope of several objects. Kept up to `bound` of each, when the
 * clusters are written one at a time and dropped.
 */
class Shared {
  private readonly basenames = new Map<string, string>();
  private readonly alones = new Map<string, string[]>();
  private readonly pods = new Map<string, Map<string, string>>();
  readonly instants = new Map<number, string>();

  constructor(private readonly bound = Infinity) {}

  private keep<K, V>(map: Map<K, V>, k: K, v: V): V {
    if (map.size >= this.bound) map.clear();
    map.set(k, v);
    return v;
  }

  basename(file: string): string {
    return this.basenames.get(file) ?? this.keep(this.basenames, file, path.basename(file));
  }

  alone(file: string): string[] {
    return this.alones.get(file) ?? this.keep(this.alones, file, [this.basename(file)]);
  }

  pod(s: OccurrenceSet): string | null {
    if (!s.pod) return null;
    if (!s.namespace) return s.pod;
    const names = this.pods.get(s.namespace) ?? this.keep(this.pods, s.namespace, new Map<string, string>());
    return names.get(s.pod) ?? this.keep(names, s.pod, [s.namespace, s.pod].join('/'));
  }

  instant(us: number): string {
    // Written and dropped, an instant's text is made each time: a cluster list in the order of the
    // output seldom meets the same instant twice in a row, and a rope dies as young as a flat string.
    if (this.bound !== Infinity) return isoOf(us);
    return this.instants.get(us) ?? this.keep(this.instants, us, flat(isoOf(us)));
  }
}

/** '00' to '99': a time's fields without a string made per field. */
const TWO = Array.from({ length: 100 }, (_, n) => String(n).padStart(2, '0'));

/**
 * `isoMicros`, by arithmetic for the years 1970–9999 (the days to a civil date as in H. Hinnant's
 * chrono algorithms): a Date and its toISOString per first and last seen of every cluster were a third of
 * making the clusters.
 */
export function isoOf(us: number): string {
  const seconds = Math.floor(us / 1_000_000);
  const frac = us - seconds * 1_000_000;
  if (!(seconds >= 0 && seconds < 253_402_300_800)) return isoMicros(us);
  const days = Math.floor(seconds / 86_400);
  const inDay = seconds - days * 86_400;
  const civil = civilOfDays(days);
  const year = Math.floor(civil / 10_000);
  const month = Math.floor(civil / 100) % 100;
  const day = civil % 100;
  const hour = Math.floor(inDay / 3600);
  const minute = Math.floor(inDay / 60) % 60;
  return `${TWO[Math.floor(year / 100)]}${TWO[year % 100]}-${TWO[month]}-${TWO[day]}T${TWO[hour]}:${TWO[minute]}:${TWO[inDay % 60]}.${String(frac).padStart(6, '0')}Z`;
}

/** A placed finding's time in words: its instant, else its wall time marked node-local. */
export function when(p: PlacedFinding): string | null {
  const f = p.finding;
  if (f.time) return f.time.iso;
  if (p.epoch !== null) return new Date(p.epoch).toISOString();
  return f.wallTime ? `${formatWall(f.wallTime)} node-local` : null;
}

/**
 * The same string, as one flat string: a concatenation is a rope (in V8, a tree of string objects over
 * slices), which a hundred thousand clusters each holding two made the largest part of the diagnosis's
 * memory. A join of two parts is flat; a join of one part gives the rope back.
 */
function flat(s: string): string {
  return s.length < 2 ? s : [s.slice(0, 1), s.slice(1)].join('');
}

/** An occurrence's wall ms on the clock (the clock's year for lines without one), without making its Finding. */
export function wallAt(set: OccurrenceSet, i: number, clock: Clock): number | null {
  const w = set.store.wallMs[set.start + i]!;
  if (Number.isNaN(w)) return null;
  // Years are kept as written; a line without one was stored with the stand-in year 2000.
  if (hasYearAt(set, i) || (clock.year ?? 2000) === 2000) return Math.floor(w);
  return wallMs(wallTimeAt(set, i)!, clock.year!);
}

/**
 * Occurrences of an event already counted in the list (Finding.event: one exec logged by the kubelet
 * and by containerd is one event), their counts: what a cluster's count leaves out.
 */
export function repeatedEvents(list: readonly OccurrenceSet[]): number {
  // Most stores record no event ids (they repeat nothing): no Set for them.
  if (list.every((s) => s.store.events.size === 0)) return 0;
  const seen = new Set<string>();
  let repeated = 0;
  for (const store of new Set(list.map((s) => s.store))) {
    if (store.events.size === 0) continue;
    const ranges = list.filter((s) => s.store === store);
    // In the store's input order, as the findings were counted.
    const keyed = [...store.events].filter(([k]) => ranges.some((s) => k >= s.start && k < s.start + s.size)).sort((a, b) => store.order[a[0]]! - store.order[b[0]]!);
    for (const [k, e] of keyed) {
      if (seen.has(e)) repeated += store.counts[k]!;
      else seen.add(e);
    }
  }
  return repeated;
}

/**
 * Each set's group (`groupOf`), groups numbered in the order of their first set, by its key's numbers
 * (`ids`, one array per field) read as one number (their product fits a double exactly); returns how
 * many groups. Open addressing over typed arrays: a Map of 344,000 keys (a recorder's list) was 12 MB
 * of heap made and dropped while `--json` was writing.
 */
function groupByNumber(ids: readonly Uint32Array[], sizes: readonly number[], groupOf: Int32Array): number {
  const n = groupOf.length;
  let size = 2;
  while (size < 2 * n) size *= 2;
  const mask = size - 1;
  // Per slot, 1 + the group there (0: free); per group, its key.
  const slots = new Int32Array(size);
  const keys = new Float64Array(n);
  let groups = 0;
  for (let i = 0; i < n; i++) {
    let key = 0;
    for (let f = 0; f < ids.length; f++) key = key * Math.max(sizes[f]!, 1) + ids[f]![i]!;
    // The key's low and high 32 bits, mixed.
    let h = Math.imul((key % 4294967296 | 0) ^ Math.imul((key / 4294967296) | 0, 0x9e3779b9), 0x85ebca6b);
    h ^= h >>> 13;
    for (let at = h & mask; ; at = (at + 1) & mask) {
      const g = slots[at]! - 1;
      if (g < 0) {
        keys[groups] = key;
        slots[at] = ++groups;
        groupOf[i] = groups - 1;
        break;
      }
      if (keys[g] === key) {
        groupOf[i] = g;
        break;
      }
    }
  }
  return groups;
}

/** `groupByNumber` for keys too large for a double: by their numbers as text. */
function groupByText(ids: readonly Uint32Array[], groupOf: Int32Array): number {
  const byKey = new Map<string, number>();
  for (let i = 0; i < groupOf.length; i++) {
    const key = ids.map((a) => a[i]).join(',');
    let g = byKey.get(key);
    if (g === undefined) {
      g = byKey.size;
      byKey.set(key, g);
    }
    groupOf[i] = g;
  }
  return byKey.size;
}
