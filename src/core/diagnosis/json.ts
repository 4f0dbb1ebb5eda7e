import * as path from 'node:path';
import { nodeOf } from '../logs/nodes';
import { civilOfDays } from '../logs/time';
import { type StoreOwners, setsOf, storesOf, wallTimeAt } from '../signatures/occurrences';
import type { Recognition } from '../signatures/recognise';
import type { ErrorAnatomy, OccurrenceSet, OccurrenceStore } from '../signatures/types';
import { type Clock, type PlacedFinding, epochOfWritten, wallOnClock } from './clock';
import { type ClusterParts, ClusterTable, isoOf } from './clusters';
import { findingTimes, writtenTimes } from './diagnose';

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
/** A recycled buffer grown past this is dropped once its piece is taken (see `take`). */
const MAX_RECYCLED = 1 << 20;

/** JSON.stringify's escapes for the ASCII characters it escapes ("\n", "\u001f"), by code; '' for those written as they are. */
const ESCAPES: string[] = Array.from({ length: 128 }, (_, c) => {
  const j = JSON.stringify(String.fromCharCode(c));
  return j.length === 3 ? '' : j.slice(1, -1);
});
/** 1 for an ASCII character written as it is. */
const PLAIN = Uint8Array.from(ESCAPES, (e) => (e === '' ? 1 : 0));
const HEX = '0123456789abcdef';

/** Two decimal digits of 0–99 at `at`. */
function two(buf: Uint8Array, at: number, v: number): void {
  const q = (v / 10) | 0;
  buf[at] = 0x30 + q;
  buf[at + 1] = 0x30 + (v - 10 * q);
}

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
  /** The day `isoAt` last wrote, and its date as "YYYY-MM-DDT". */
  private day = NaN;
  private readonly date = new Uint8Array(11);

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

  /** Bytes `from` to `to` of `b`, copied by a loop: no view made (`slice` makes one, for a native copy). */
  range(b: Uint8Array, from: number, to: number): void {
    this.room(to - from);
    const buf = this.buf;
    let n = this.n;
    for (let j = from; j < to; j++) buf[n++] = b[j]!;
    this.n = n;
  }

  byte(c: number): void {
    this.room(1);
    this.buf[this.n++] = c;
  }

  /** Bytes `from` to `to` of `b` (a part kept in an Arena): one native copy, however short. */
  slice(b: Uint8Array, from: number, to: number): void {
    const m = to - from;
    this.room(m);
    this.buf.set(b.subarray(from, to), this.n);
    this.n += m;
  }

  /** The bytes written since `at` (a place this piece's `length` gave), as a view: valid until the next write. */
  since(at: number): Uint8Array {
    // A plain view: a Buffer's subarray is made through its species, a JS constructor, at several times the cost.
    return new Uint8Array(this.buf.buffer, this.buf.byteOffset + at, this.n - at);
  }

  /** Forgets what was written since the last `take`: the buffer is written over. */
  clear(): void {
    this.n = 0;
  }

  /** Takes back the last `m` bytes written (since the last `take`). */
  unwrite(m: number): void {
    this.n -= m;
  }

  /**
   * An instant in µs as `isoMicros` writes it without its "Z" ("2021-05-07T03:43:28.310630", 26 bytes) at
   * place `at` of this piece (written before, e.g. a hole in a copied part), by arithmetic; false, and
   * nothing written, for what isoMicros writes otherwise (years outside 1970–9999, a fraction of a µs).
   */
  isoAt(at: number, us: number): boolean {
    const seconds = Math.floor(us / 1_000_000);
    const frac = us - seconds * 1_000_000;
    if (!(seconds >= 0 && seconds < 253_402_300_800 && frac >= 0 && frac < 1_000_000 && frac === Math.floor(frac)) || at + 26 > this.n) return false;
    const days = Math.floor(seconds / 86_400);
    // Instants come in runs of one day: its date is worked out once.
    if (days !== this.day) this.civil(days);
    const inDay = seconds - days * 86_400;
    const buf = this.buf;
    const date = this.date;
    for (let i = 0; i < 11; i++) buf[at + i] = date[i]!;
    const hour = (inDay / 3600) | 0;
    const minutes = (inDay / 60) | 0;
    two(buf, at + 11, hour);
    buf[at + 13] = 0x3a; // :
    two(buf, at + 14, minutes - 60 * hour);
    buf[at + 16] = 0x3a;
    two(buf, at + 17, inDay - 60 * minutes);
    buf[at + 19] = 0x2e; // .
    const f = frac | 0;
    const hi = (f / 10_000) | 0;
    const mid = ((f - 10_000 * hi) / 100) | 0;
    two(buf, at + 20, hi);
    two(buf, at + 22, mid);
    two(buf, at + 24, f - 10_000 * hi - 100 * mid);
    return true;
  }

  /** Day `days` (since 1970) as a civil date (civilOfDays), into `date`. */
  private civil(days: number): void {
    const civil = civilOfDays(days);
    const year = Math.floor(civil / 10_000);
    const month = Math.floor(civil / 100) % 100;
    const day = civil % 100;
    const d = this.date;
    two(d, 0, Math.floor(year / 100));
    two(d, 2, year % 100);
    d[4] = 0x2d; // -
    two(d, 5, month);
    d[7] = 0x2d;
    two(d, 8, day);
    d[10] = 0x54; // T
    this.day = days;
  }

  /** `isoAt` at the end: 26 bytes more, or none and false. */
  iso(us: number): boolean {
    this.room(26);
    this.n += 26;
    if (this.isoAt(this.n - 26, us)) return true;
    this.n -= 26;
    return false;
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
    // A buffer grown for one large part is not kept for the rest of the output (writePlain's long texts
    // come a line at a time; this is for any other part that outgrows a piece many times over).
    if (this.recycle) this.spare = this.buf.length <= Math.max(MAX_RECYCLED, this.piece + (this.piece >> 2)) ? this.buf : null;
    this.buf = reused ?? Buffer.allocUnsafe(this.piece + (this.piece >> 2));
    this.n = 0;
    return piece;
  }
}

/**
 * Where parts are encoded before they are kept: one writer for the module, written over each time. A
 * writer per part (its buffer, the next piece's, then the copy) was the largest garbage of `--json` on a
 * recorder's list, where every set is met once: 230,000 sets, 450 MB.
 */
const SCRATCH = new ByteWriter(4096);

/** A string as JSON, or null. */
function jsonOrNull(w: ByteWriter, s: string | null): void {
  if (s === null) w.ascii('null');
  else w.json(s);
}

/** A JSON string's encoding, once: what findings share (a file's name, a pod's) is copied, not encoded again. */
function encoded(parts: readonly (string | { json: string | null })[]): Buffer {
  const w = SCRATCH;
  w.clear();
  for (const p of parts) {
    if (typeof p === 'string') w.ascii(p);
    else jsonOrNull(w, p.json);
  }
  return Buffer.from(w.since(0));
}

/** A finding's end and the comma before the next: what a finding's cached text part ends with (the last one's comma is taken back). */
const FINDING_NEXT = Buffer.from('\n    },');

/**
 * Encoded parts kept side by side in one buffer, each with a number of its user's (`mark`), up to
 * `bound` bytes: a user that would pass it (`fits`) forgets every part at once (`clear`) and drops the
 * ids it held. A hundred thousand small Buffers would cost more than their bytes. A part larger than
 * the bound is kept alone.
 */
export class Arena {
  /** A plain Uint8Array: its subarrays are made natively (a Buffer's go through its species). */
  private bytes: Uint8Array;
  private used = 0;
  private starts = new Int32Array(256);
  private ends = new Int32Array(256);
  private marks = new Int32Array(256);
  private count = 0;
  /**
   * A view of each part written again, made when it is written the second time and kept while the part's
   * bytes stay where they are: a view made per copy (subarray) was 1.2 million objects, 108 MB of garbage,
   * on a 400,000 finding document, the largest source of garbage of `--json`. A part written once is
   * copied by a loop, no view made: on a recorder's list (one item per pod and message) most sets have
   * one or two findings, and a view kept for each of 230,000 sets' parts outlived the young generation,
   * 17 MB of the heap's growth while writing.
   */
  private views: (Uint8Array | undefined)[] = [];
  /** 1 for a part written before (since the parts were last forgotten). */
  private written = new Uint8Array(256);

  constructor(readonly bound: number) {
    this.bytes = new Uint8Array(Math.min(bound, 1 << 16));
  }

  /** Whether `m` more bytes stay within the bound (or nothing is kept: a part larger than the bound is kept alone). */
  fits(m: number): boolean {
    return this.used === 0 || this.used + m <= this.bound;
  }

  /** Forgets every part: their ids are given again. */
  clear(): void {
    this.written.fill(0, 0, this.count);
    this.used = 0;
    this.count = 0;
    this.views = [];
  }

  /** Keeps a copy of `b` with `mark`; returns its id. The caller checked that it `fits`. */
  add(b: Uint8Array, mark: number): number {
    const m = b.length;
    if (this.used + m > this.bytes.length) {
      const bigger = new Uint8Array(Math.max(Math.min(this.bound, 2 * this.bytes.length), this.used + m));
      bigger.set(this.bytes.subarray(0, this.used));
      this.bytes = bigger;
      // The views were of the old bytes.
      this.views = [];
    }
    if (this.count === this.starts.length) {
      const grow = (a: Int32Array) => {
        const b2 = new Int32Array(2 * a.length);
        b2.set(a);
        return b2;
      };
      this.starts = grow(this.starts);
      this.ends = grow(this.ends);
      this.marks = grow(this.marks);
      const written = new Uint8Array(2 * this.written.length);
      written.set(this.written);
      this.written = written;
    }
    this.bytes.set(b, this.used);
    const id = this.count++;
    this.starts[id] = this.used;
    this.used += m;
    this.ends[id] = this.used;
    this.marks[id] = mark;
    return id;
  }

  mark(id: number): number {
    return this.marks[id]!;
  }

  length(id: number): number {
    return this.ends[id]! - this.starts[id]!;
  }

  /** Part `id` into `out`. */
  write(out: ByteWriter, id: number): void {
    const view = this.views[id];
    if (view !== undefined) out.bytes(view);
    else if (this.written[id] === 0) {
      this.written[id] = 1;
      out.range(this.bytes, this.starts[id]!, this.ends[id]!);
    } else out.bytes((this.views[id] = this.bytes.subarray(this.starts[id]!, this.ends[id]!)));
  }

  /** Bytes `from` to `to` of part `id` into `out`. */
  writeRange(out: ByteWriter, id: number, from: number, to: number): void {
    const start = this.starts[id]!;
    out.slice(this.bytes, start + from, start + to);
  }
}

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
  /** The index of the occurrence's set among the sets asked for (StoreOwners.sets), -1 for none. */
  readonly owners = new Int32Array(GATHER);
  readonly lines = new Uint32Array(GATHER);
  readonly counts = new Uint32Array(GATHER);
  readonly epochUs = new Float64Array(GATHER);
  /** Only for a store with anatomies (most have none). */
  readonly anatomyIds = new Uint32Array(GATHER);
  /** Their texts' numbers (FindingWriter.textNumbers). */
  readonly texts = new Int32Array(GATHER);

  /** Findings `from` to `from + n` of the store's order, of the sets asked for (`owners`), their texts numbered `numbers`. */
  gather(store: OccurrenceStore, owners: StoreOwners, numbers: Int32Array, from: number, n: number): void {
    const { at, lines, counts, epochUs, anatomyIds, texts } = this;
    const byOrder = store.byOrder;
    const owner = owners.owner;
    for (let j = 0; j < n; j++) at[j] = byOrder[from + j]!;
    for (let j = 0; j < n; j++) this.owners[j] = owner[at[j]!]!;
    for (let j = 0; j < n; j++) lines[j] = store.lines[at[j]!]!;
    for (let j = 0; j < n; j++) counts[j] = store.counts[at[j]!]!;
    for (let j = 0; j < n; j++) epochUs[j] = store.epochUs[at[j]!]!;
    for (let j = 0; j < n; j++) texts[j] = numbers[at[j]!]!;
    if (store.anatomies.length !== 0) for (let j = 0; j < n; j++) anatomyIds[j] = store.anatomyIds[at[j]!]!;
  }
}

/**
 * The bounds of `--json`'s caches: bytes of the sets' parts and of the texts' parts kept, distinct texts
 * numbered, nodes and clusters' encodings kept, texts of a store looked at before numbering the rest. Tests make them tiny, so that what is kept is forgotten
 * and made again many times over in a small document. An event list's texts come back from all over
 * it (the first quarter of a 400,000-event list holds 44,000 of its 51,000 distinct texts): a smaller
 * text arena forgot most before they came back; 8 MB holds those 51,000.
 */
export const CACHE_BOUNDS = { partBytes: 1 << 20, textBytes: 8 << 20, textsNumbered: 1 << 17, nodes: 4096, clusterParts: 4096, textProbe: 16384 };

/** FindingWriter's numbers per set, and where each is among them. */
const SET_DATA = 3;
const HEAD = 0;
const MIDDLE = 1;
const NODE = 2;

/** Texts longer than this are encoded in place, not kept: a 10 MB message is no part to repeat. */
const LONGEST_KEPT = 4096;

/**
 * Writes findings as `findingJson` would, one occurrence at a time (a plain method: the hot loop of
 * `--json`). A finding is three copies, two numbers and an instant: its set's head (the file, up to
 * its line), its set's middle (the signature, the time with the instant's digits written into it, the
 * pod, namespace and container, up to its count) and its text's part (the node, the text and the
 * finding's end). The parts are encoded once and kept in arenas, the sets' by set (an index per set of
 * the store) and the texts' by a number per distinct text: an event list's 400,000 findings have some
 * 51,000 distinct texts, and JSON.stringify and an encode per finding were most of `--json`.
 */
class FindingWriter {
  /** No finding written yet. */
  none = true;
  private anatomies = new Map<ErrorAnatomy, Buffer>();
  /** Heads and middles, by file and by (signature, pod, namespace, container). */
  private readonly parts = new Arena(CACHE_BOUNDS.partBytes);
  private readonly heads = new Map<string, number>();
  private readonly middles = new Map<string, Map<string | null, { namespace: string | null; container: string | null; id: number }[]>>();
  /**
   * Texts by number (`numbers`, given in the store's order before a store is written: its texts' reads
   * and lookups follow each other there, where in the output's order each waited on memory), and per
   * number 1 + the id of its text part (0: none kept). A part is marked with its node's id.
   */
  private readonly numbers = new Map<string, number>();
  private partOf = new Int32Array(1024);
  private readonly texts = new Arena(CACHE_BOUNDS.textBytes);
  /**
   * By node, the id that marks its text parts (ids are never given twice: a node forgotten and met again
   * gets a new one, and its old parts no longer match) and its bytes, `,\n "node": …,\n "text": `.
   */
  private readonly nodes = new Map<string | null, { id: number; bytes: Buffer }>();
  private nodeIdsGiven = 0;
  /**
   * The store being written, its sets asked for, per set (SET_DATA numbers each, side by side: a set's
   * are read together) 1 + the id of its head part, 1 + that of its middle part and its node's id (0:
   * not met yet), and per place in the store its text's number (-1: not numbered).
   */
  private store: OccurrenceStore | null = null;
  private sets: OccurrenceSet[] = [];
  private setData = new Int32Array(0);
  textNumbers = new Int32Array(0);
  /** Whether the store has occurrences with related lines, with anatomies (most have neither). */
  private related = false;
  private hasAnatomies = false;

  constructor(
    private readonly out: ByteWriter,
    private readonly clock: Clock,
    /**
     * Whether sets of different files may share a middle part (a pod's failure seen in the kubelet's log
     * and in the event list): with one file, the sets that would share one are the same pod under two
     * components or node names, rare, and its part is made twice. On a recorder's list (one file, a set
     * per pod and signature, each met once) the map of middles by signature and pod was 40 MB of the
     * writing's garbage (sampling heap profiler, objects not collected young), made for no sharing.
     */
    private readonly shareMiddles = true,
  ) {}

  /** A new file: anatomies are written once per file's store. */
  nextFile(): void {
    this.anatomies = new Map();
  }

  /** The store written next, and its sets asked for. */
  nextStore(owners: StoreOwners): void {
    const { store, sets } = owners;
    this.store = store;
    this.sets = sets;
    this.related = store.related.size !== 0;
    this.hasAnatomies = store.anatomies.length !== 0;
    this.setData = new Int32Array(SET_DATA * sets.length);
    const most = CACHE_BOUNDS.textsNumbered;
    if (this.numbers.size >= most) {
      this.numbers.clear();
      this.partOf.fill(0);
    }
    const numbers = this.numbers;
    const texts = store.texts;
    const n = texts.length;
    const out = new Int32Array(n);
    let last: string | undefined;
    let lastNumber = -1;
    /** Texts met (a run of one text once) and those new among them, for the probe below. */
    let met = 0;
    let fresh = 0;
    for (let k = 0; k < n; k++) {
      const t = texts[k]!;
      if (t !== last) {
        met += 1;
        let x = numbers.get(t);
        if (x === undefined) {
          fresh += 1;
          if (numbers.size >= most || t.length > LONGEST_KEPT) x = -1;
          else {
            x = numbers.size;
            numbers.set(t, x);
          }
        }
        last = t;
        lastNumber = x;
      }
      out[k] = lastNumber;
      // A store whose texts hardly repeat (a recorder's list: an item per pod and message) is not numbered
      // past its first textProbe texts when fewer than one in ten of them was met before: its texts are
      // written as they come, none kept. On a recorder's list of 400,000 items, numbering and keeping
      // every text held 131,000 entries and an 8 MB arena of parts never written again.
      if (k === CACHE_BOUNDS.textProbe && fresh > 0.9 * met) {
        out.fill(-1, k + 1);
        break;
      }
    }
    if (numbers.size > this.partOf.length) {
      const more = new Int32Array(Math.max(numbers.size, 2 * this.partOf.length));
      more.set(this.partOf);
      this.partOf = more;
    }
    this.textNumbers = out;
  }

  /** Set `o`'s head and middle parts and node: encoded when the set is met first (or again, once the parts were forgotten). */
  private meet(o: number): void {
    const set = this.sets[o]!;
    let head = this.heads.get(set.file);
    const middles = this.shareMiddles ? this.middlesOf(set) : null;
    let middle: number | undefined;
    if (middles) {
      for (const e of middles) {
        if (e.namespace === set.namespace && e.container === set.container) {
          middle = e.id;
          break;
        }
      }
    }
    if (head === undefined || middle === undefined) {
      // Both parts into the scratch writer, one after the other, and copied from there into the arena;
      // written call by call, no list of parts made (every set of a recorder's list is met once).
      const w = SCRATCH;
      w.clear();
      if (head === undefined) {
        w.ascii('\n    {\n      "file": ');
        w.json(set.file);
        w.ascii(',\n      "line": ');
      }
      const headEnd = w.length;
      let hole = 0;
      if (middle === undefined) {
        w.ascii(',\n      "signature": ');
        w.json(set.signature);
        w.ascii(',\n      "time": "');
        hole = w.length - headEnd;
        w.ascii('00000000000000000000000000Z",\n      "pod": ');
        jsonOrNull(w, set.pod);
        w.ascii(',\n      "namespace": ');
        jsonOrNull(w, set.namespace);
        w.ascii(',\n      "container": ');
        jsonOrNull(w, set.container);
        w.ascii(',\n      "count": ');
      }
      const bytes = w.since(0);
      if (!this.parts.fits(bytes.length)) {
        // Every part is forgotten, and so are the ids the sets held: this set's two are made again.
        this.parts.clear();
        this.heads.clear();
        this.middles.clear();
        for (let x = 0; x < this.setData.length; x += SET_DATA) this.setData[x + HEAD] = this.setData[x + MIDDLE] = 0;
        this.meet(o);
        return;
      }
      if (head === undefined) {
        head = this.parts.add(bytes.subarray(0, headEnd), 0);
        this.heads.set(set.file, head);
      }
      if (middle === undefined) {
        middle = this.parts.add(bytes.subarray(headEnd), hole);
        middles?.push({ namespace: set.namespace, container: set.container, id: middle });
      }
    }
    const d = SET_DATA * o;
    this.setData[d + HEAD] = 1 + head!;
    this.setData[d + MIDDLE] = 1 + middle!;
    this.setData[d + NODE] = this.node(set.node).id;
  }

  /** The middles of the sets of `set`'s signature and pod (by namespace and container). */
  private middlesOf(set: OccurrenceSet): { namespace: string | null; container: string | null; id: number }[] {
    let pods = this.middles.get(set.signature);
    if (pods === undefined) {
      pods = new Map();
      this.middles.set(set.signature, pods);
    }
    let list = pods.get(set.pod);
    if (list === undefined) {
      list = [];
      pods.set(set.pod, list);
    }
    return list;
  }

  private node(node: string | null): { id: number; bytes: Buffer } {
    let n = this.nodes.get(node);
    if (n === undefined) {
      if (this.nodes.size >= CACHE_BOUNDS.nodes) this.nodes.clear();
      n = { id: ++this.nodeIdsGiven, bytes: encoded([',\n      "node": ', { json: node }, ',\n      "text": ']) };
      this.nodes.set(node, n);
    }
    return n;
  }

  /** Occurrence `k` of the store, of set `o`, gathered at `j` of `c`. */
  write(o: number, k: number, c: Columns, j: number): void {
    const out = this.out;
    this.none = false;
    const data = this.setData;
    const d = SET_DATA * o;
    if (data[d + HEAD] === 0) this.meet(o);
    const parts = this.parts;
    parts.write(out, data[d + HEAD]! - 1);
    out.int(c.lines[j]!);
    const middle = data[d + MIDDLE]! - 1;
    const hole = parts.mark(middle);
    const at = out.length + hole;
    parts.write(out, middle);
    if (!out.isoAt(at, c.epochUs[j]!)) {
      // No instant of its own, or one isoMicros writes otherwise: the middle's two halves around the time.
      out.unwrite(parts.length(middle) - hole + 1);
      this.time(o, k, c.epochUs[j]!);
      parts.writeRange(out, middle, hole + 28, parts.length(middle));
    }
    out.int(c.counts[j]!);
    const x = c.texts[j]!;
    const part = x >= 0 ? this.partOf[x]! - 1 : -1;
    if (part >= 0 && this.texts.mark(part) === data[d + NODE]) this.texts.write(out, part);
    else this.newText(o, k, x);
    if (this.related || (this.hasAnatomies && c.anatomyIds[j] !== 0)) {
      out.unwrite(FINDING_NEXT.length);
      this.extras(this.store!, k);
      out.bytes(FINDING_NEXT);
    }
  }

  /** The value of `"time"` as findingJson writes it (and `localTime` after it): on the clock when the occurrence has no instant. */
  private time(o: number, k: number, us: number): void {
    const out = this.out;
    if (!Number.isNaN(us)) {
      // As isoMicros writes it: the whole second, then the fraction as six digits.
      const sec = Math.floor(us / 1_000_000);
      out.ascii(`"${new Date(sec * 1000).toISOString().slice(0, 19)}.`);
      out.int(us - sec * 1_000_000, 6);
      out.ascii('Z"');
      return;
    }
    // No instant of its own: placed on the diagnosis's clock, or node-local (as findingTimes of the
    // finding placed on the clock, from its time as written alone: no Finding made per occurrence).
    const set = this.sets[o]!;
    const written = wallTimeAt(set, k - set.start);
    const t = writtenTimes(written, null, written ? epochOfWritten(written, wallOnClock(written, this.clock), this.clock) : null, this.clock);
    if (t.time === null) out.ascii('null');
    else out.json(t.time);
    if (t.localTime !== undefined) {
      out.ascii(',\n      "localTime": ');
      out.json(t.localTime);
    }
  }

  /** Occurrence `k`'s text part, of set `o`, its text numbered `x`: not kept yet (or kept for another node), written, then kept when it is numbered. */
  private newText(o: number, k: number, x: number): void {
    const out = this.out;
    const node = this.node(this.sets[o]!.node);
    this.setData[SET_DATA * o + NODE] = node.id;
    const at = out.length;
    out.bytes(node.bytes);
    // Encoded straight into the piece. JSON.stringify and one native encode were as fast on a recorder's
    // list, but made a string per text (180 MB of young garbage on the 400,000-item indented list): 1%
    // slower and 2-4 MiB more at the peak (interleaved, 6 runs each).
    out.json(this.store!.texts[k]!);
    out.bytes(FINDING_NEXT);
    if (x < 0) return;
    const part = out.since(at);
    if (!this.texts.fits(part.length)) {
      // Every text part is forgotten, and so are the ids the numbers held.
      this.texts.clear();
      this.partOf.fill(0);
    }
    this.partOf[x] = 1 + this.texts.add(part, node.id);
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
    if (related?.length) {
      // Line numbers, as JSON.stringify indents them: no string made per finding.
      const out = this.out;
      out.ascii(',\n      "related": [');
      for (let j = 0; j < related.length; j++) {
        out.ascii(j === 0 ? '\n        ' : ',\n        ');
        writeNumber(out, related[j]!);
      }
      out.ascii('\n      ]');
    }
  }

  /** After the last finding: its comma taken back. */
  end(): void {
    if (!this.none) this.out.unwrite(1);
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
 * A value as `JSON.stringify(value, null, 2)` writes it at `depth` levels of indentation: one native
 * stringify, its line breaks indented (a string's own line breaks are escaped in JSON: every newline of
 * the text is one of the layout's). Used for one member or one list item at a time, so the largest string
 * made is one of those (the verdict: 1.6 MB on a recorder's list of 400,000 items, its phase timeline). A
 * walk of the value written byte by byte took 59 ms where this takes 34 ms on that list, and 19 ms of a
 * 512 MiB log's 0.6 s.
 *
 * A long text is written a line at a time, and a piece handed on whenever one is full: written whole, the
 * verdict's indented copy and a buffer with room for three bytes a character (8.7 MB) were the peak of
 * `--json` on that list.
 */
function* writePlain(out: ByteWriter, value: unknown, depth: number): Generator<Buffer, void, undefined> {
  const text = JSON.stringify(value, null, 2);
  // JSON.stringify writes null for an item it cannot write (undefined, a function).
  if (text === undefined) {
    out.ascii('null');
    return;
  }
  if (text.length <= LINE_BY_LINE) {
    out.utf8(text.includes('\n') ? text.replace(NEWLINES, (INDENTED[depth] ??= `\n${'  '.repeat(depth)}`)) : text);
    return;
  }
  const newline = indentOf(depth);
  for (let from = 0; ; ) {
    const nl = text.indexOf('\n', from);
    out.utf8(text.slice(from, nl < 0 ? text.length : nl));
    if (nl < 0) return;
    out.bytes(newline);
    from = nl + 1;
    if (out.full) yield out.take();
  }
}
const NEWLINES = /\n/g;
/** Texts longer than this (in UTF-16 units) are written a line at a time (`writePlain`). */
const LINE_BY_LINE = 1 << 16;
/** indentOf's newline and spaces as a string, by depth. */
const INDENTED: string[] = [];

const CLUSTER_LAST = Buffer.from(',\n      "lastSeen": ', 'latin1');
const CLUSTER_RATE = Buffer.from(',\n      "perHour": ', 'latin1');
const CLUSTER_FILE = Buffer.from('\n        ', 'latin1');
const CLUSTER_FILES_END = Buffer.from('\n      ]', 'latin1');
const CLUSTER_END = Buffer.from('\n    }', 'latin1');

/** A number as JSON writes it (a cluster's count and rate). */
export function writeNumber(out: ByteWriter, v: number): void {
  if (v >= 0 && v <= 0xffffffff && v === Math.floor(v)) out.int(v);
  else if (v > 0 && v < 0xffffffff && Math.round(v * 100) / 100 === v) {
    // Two decimals at most (a rate, a confidence, rounded so): v is the double nearest to that decimal, and
    // String(v) writes the shortest decimal whose nearest double is v, which is it ("12.5", "0.97").
    const hundredths = Math.round(v * 100);
    const whole = Math.floor(hundredths / 100);
    const cents = hundredths - 100 * whole;
    out.int(whole);
    out.byte(0x2e); // .
    const tenths = (cents / 10) | 0;
    out.byte(0x30 + tenths);
    if (cents !== 10 * tenths) out.byte(0x30 + cents - 10 * tenths);
  } else out.ascii(Number.isFinite(v) ? String(v) : 'null');
}

// The parts of a cluster's item, made once per distinct value (ClusterWriter.kept).
const newMap = <K, V>(): Map<K, V> => new Map<K, V>();
const clusterHead = (p: ClusterParts) => encoded(['{\n      "signature": ', { json: p.set.signature }, ',\n      "title": ', { json: p.title }, ',\n      "node": ', { json: p.set.node }, ',\n      "pod": ']);
const clusterFile = (file: string) => encoded([',\n      "files": [\n        ', { json: path.basename(file) }, '\n      ],\n      "firstSeen": ']);
const clusterName = (name: string) => encoded([{ json: name }]);

/**
 * Writes a ClusterTable's clusters as items of `clusters` (at depth 2, as `writePlain` would) from their parts,
 * no Cluster made: a cluster is two parts encoded once and copied (its signature, title and node; its
 * file), its pod and container, its count, its first and last seen (an instant's digits written by
 * arithmetic) and its rate. A recorder's list has a cluster per pod and signature.
 */
class ClusterWriter {
  /** By signature and node: `{ "signature": …, "title": …, "node": …, "pod": ` (one writer per table: its titles). */
  private readonly heads = new Map<string, Map<string | null, Buffer>>();
  /** By file: `, "files": [ its name ], "firstSeen": `, and its name alone (a cluster of several files). */
  private readonly files = new Map<string, Buffer>();
  private readonly names = new Map<string, Buffer>();
  /** Parts encoded since the tables started over: past CACHE_BOUNDS.clusterParts, they all start over. */
  private made = 0;

  constructor(private readonly out: ByteWriter) {}

  /**
   * `map`'s value for `k`, made by `make(p)` and kept when it has none. The makers are functions of the
   * module, not closures: a closure per part per cluster was 55 MB of garbage on a list's 116,000 clusters.
   */
  private kept<K, V, A>(map: Map<K, V>, k: K, make: (a: A) => V, a: A): V {
    let v = map.get(k);
    if (v === undefined) {
      if (++this.made > CACHE_BOUNDS.clusterParts) {
        this.made = 1;
        this.heads.clear();
        this.files.clear();
        this.names.clear();
      }
      v = make(a);
      map.set(k, v);
    }
    return v;
  }

  write(p: ClusterParts): void {
    const out = this.out;
    const s = p.set;
    const nodes = this.kept(this.heads, s.signature, newMap<string | null, Buffer>, null);
    out.bytes(this.kept(nodes, s.node, clusterHead, p));
    // The pod and container, encoded each time: a cluster is mostly the only one of its pod (a pod's
    // clusters differ only by signature), and a part kept per pod in maps of maps was most of the heap's
    // growth while writing a recorder's list's 344,000 clusters.
    jsonOrNull(out, !s.pod ? null : !s.namespace ? s.pod : `${s.namespace}/${s.pod}`);
    out.ascii(',\n      "container": ');
    jsonOrNull(out, s.container);
    out.ascii(',\n      "count": ');
    writeNumber(out, p.count);
    if (p.files === null) out.bytes(this.kept(this.files, s.file, clusterFile, s.file));
    else {
      // Several sets: their files' names, each once, in order.
      out.ascii(',\n      "files": ');
      const seen = new Set<string>();
      for (const x of p.files) {
        const name = path.basename(x.file);
        if (seen.has(name)) continue;
        out.byte(seen.size === 0 ? 0x5b : 0x2c);
        seen.add(name);
        out.bytes(CLUSTER_FILE);
        out.bytes(this.kept(this.names, name, clusterName, name));
      }
      out.bytes(CLUSTER_FILES_END);
      out.ascii(',\n      "firstSeen": ');
    }
    this.seen(p.firstUs, p.firstText);
    out.bytes(CLUSTER_LAST);
    this.seen(p.lastUs, p.lastText);
    out.bytes(CLUSTER_RATE);
    if (p.perHour === null) out.ascii('null');
    else writeNumber(out, p.perHour);
    out.bytes(CLUSTER_END);
  }

  /** First or last seen: the instant as isoOf writes it, else the text placed on the clock, else null. */
  private seen(us: number, text: string | null): void {
    const out = this.out;
    if (Number.isNaN(us)) {
      if (text === null) out.ascii('null');
      else out.json(text);
      return;
    }
    out.byte(0x22);
    if (out.iso(us)) {
      out.byte(0x5a); // Z
      out.byte(0x22);
    } else {
      out.unwrite(1);
      out.json(isoOf(us));
    }
  }
}

/** A list written item by item as it is made (a cluster's event list has a hundred thousand clusters): `length` items, in order. */
export interface StreamedList<T> extends Iterable<T> {
  readonly length: number;
}

function isStreamed(v: unknown): v is StreamedList<unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function' && typeof (v as { length?: unknown }).length === 'number';
}

/**
 * The members of `findings`, into `out`, up to its closing bracket. A generator of its own so that the
 * writer's caches (its parts, its texts' numbers, its sets' data: ~13 MB on a recorder's list of 400,000
 * items) are garbage once the findings are written, not held while the clusters' table is built after them.
 */
function* findingsJson(recognitions: readonly Recognition[], clock: Clock, out: ByteWriter): Generator<Buffer, void, undefined> {
  const findings = new FindingWriter(out, clock, recognitions.length > 1);
  const columns = new Columns();
  for (const r of recognitions) {
    findings.nextFile();
    for (const owners of storesOf(setsOf(r))) {
      const store = owners.store;
      const total = store.byOrder.length;
      findings.nextStore(owners);
      for (let from = 0; from < total; from += GATHER) {
        const n = Math.min(GATHER, total - from);
        columns.gather(store, owners, findings.textNumbers, from, n);
        for (let j = 0; j < n; j++) {
          const o = columns.owners[j]!;
          if (o < 0) continue;
          if (out.full) yield out.take();
          findings.write(o, columns.at[j]!, columns, j);
        }
      }
    }
  }
  const none = findings.none;
  findings.end();
  out.ascii(none ? ']' : '\n  ]');
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
  yield* findingsJson(recognitions, clock, out);

  // The other members, a list's items one at a time (an event list's clusters are as many as its pods).
  for (const [key, value] of Object.entries(rest)) {
    if (value === undefined || typeof value === 'function' || typeof value === 'symbol') continue;
    out.ascii(',\n  ');
    out.json(key);
    out.ascii(': ');
    const list = isStreamed(value) || Array.isArray(value);
    if (!list || value.length === 0) yield* writePlain(out, list ? [] : value, 1);
    else {
      let k = 0;
      if (value instanceof ClusterTable) {
        const clusters = new ClusterWriter(out);
        for (const parts of value.parts()) {
          out.byte(k++ === 0 ? 0x5b : 0x2c);
          out.bytes(indentOf(2));
          clusters.write(parts);
          if (out.full) yield out.take();
        }
      } else {
        for (const item of value) {
          out.byte(k++ === 0 ? 0x5b : 0x2c);
          out.bytes(indentOf(2));
          yield* writePlain(out, item, 2);
          if (out.full) yield out.take();
        }
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
