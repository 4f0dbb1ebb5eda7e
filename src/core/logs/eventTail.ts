/**
 * The worker thread's part of a split event list (eventSplit.ts): from the split point on, it reads
 * the items the byte reader takes in place (`JsonEventReader.readItems`: the scan, the record, the
 * text) and sends them to the main thread in batches, as numbers: each distinct string and time is
 * sent once, the first time it is met, and then named by its number. The main thread turns them back
 * into its own shared values and hands the events to recognition in their order.
 *
 * It stops at the first thing it does not read itself (the end of the items, an item the byte reader
 * gives up on, the end of the file) and says where, with the lines it counted: the main thread reads
 * on from there, so whatever the worker leaves is read as if there had been no worker.
 */
import { type EventEntry, type EventSink, FIRST_SIGHT, type ItemsState, JsonEventReader, SharedBytes } from './events';
import { type EventBytes, NUMBER } from './eventBytes';
import { readFully } from './ranges';
import type { LogTime } from './types';

/** Per event, in `ids`: the numbers of its values (-1 for null), and its severity (1: warning). */
export const F_MESSAGE = 0;
export const F_TEXT = 1;
export const F_COMPONENT = 2;
export const F_POD = 3;
export const F_NAMESPACE = 4;
export const F_CONTAINER = 5;
export const F_NODE = 6;
export const F_TIME = 7;
export const F_FIRST = 8;
/** FLAG_WARNING, FLAG_FIRST_SIGHT. */
export const F_FLAGS = 9;
export const FIELDS = 10;
/** In F_FLAGS: the event is a warning. */
export const FLAG_WARNING = 1;
/** In F_FLAGS: the worker's reader met the event's message for the first time (EventSink FIRST_SIGHT). */
export const FLAG_FIRST_SIGHT = 2;
/** Per event, in `nums`: its line (counted from the split point), its column, its count. */
export const NUMS = 3;

/**
 * Distinct strings (and times) numbered at most this many of each kind; past it a value is sent with
 * the batch that holds it, numbered within that batch only, so the worker's memory stays bounded as
 * the readers' tables do (events.ts MAX_SHARED).
 */
const MAX_NUMBERED = 65536;

export interface TailJob {
  type: 'events';
  fd: number;
  /** The split point: a file offset between two items. */
  from: number;
  size: number;
  /** [0]: batches the main thread has taken; [1]: 1 when the main thread wants no more. */
  control: SharedArrayBuffer;
  batchEvents: number;
  /** Batches sent and not yet taken at most: the worker waits for the main thread past that. */
  ahead: number;
  /** The batches' numbers: `ahead` slots of `ringSlotBytes(batchEvents)`, batch k in slot k % ahead. */
  ring: SharedArrayBuffer;
}

/** Bytes of one batch's numbers in the ring: its `nums`, then its `ids`. */
export function ringSlotBytes(batchEvents: number): number {
  return batchEvents * (NUMS * 8 + FIELDS * 4);
}

/** The views of slot `slot` of the ring: a batch's `nums` and `ids`. */
export function ringSlot(ring: SharedArrayBuffer, slot: number, batchEvents: number): { nums: Float64Array; ids: Int32Array } {
  const at = slot * ringSlotBytes(batchEvents);
  return { nums: new Float64Array(ring, at, NUMS * batchEvents), ids: new Int32Array(ring, at + NUMS * 8 * batchEvents, FIELDS * batchEvents) };
}

/** A batch of events (its numbers in the ring's slot `slot`), and where the worker stood after its last one. */
export interface TailBatch {
  type: 'batch';
  count: number;
  slot: number;
  /** Strings and time texts met for the first time, numbered on from those of the batches before. */
  names: string[];
  texts: string[];
  times: string[];
  /** Values not numbered (see MAX_NUMBERED): an id of -2 - k is `local[k]`. */
  local: string[];
  /** The file offset after the batch (at most the split point's, when there is nothing) and the state there. */
  at: number;
  state: ItemsState;
  /** The last batch: the worker stopped at `at`. */
  final: boolean;
}

export type TailMessage = TailBatch | { type: 'tailError'; message: string };

/** The reader's shared values, keeping the text of each time not numbered yet, which the record holds only parsed. */
class TailValues extends SharedBytes {
  /** Times the encoder has numbered. */
  numbered: Map<LogTime, number> = new Map();
  /** Texts of the times of the event being read that are not numbered yet. */
  readonly pending = new Map<LogTime, string>();

  /** The names the reader gave for the event being read, with their entries in its table of names (`nameEntry`). */
  readonly recent: (string | null)[] = [];
  readonly recentEntries: number[] = [];

  override textOf(s: EventBytes, slot: number): string | null {
    const v = super.textOf(s, slot);
    const entry = this.nameEntry;
    if (entry >= 0) {
      this.recent.push(v);
      this.recentEntries.push(entry);
    }
    return v;
  }

  /** The entry in the table of names of `v`, one of the names of the event being read, or -1. */
  entryOf(v: string): number {
    const recent = this.recent;
    for (let k = 0; k < recent.length; k++) if (recent[k] === v) return this.recentEntries[k]!;
    return -1;
  }

  /** The last time seen numbered: the events of one second share theirs. */
  private lastNumbered: LogTime | null = null;

  override timeOf(s: EventBytes, slot: number): LogTime | null {
    const t = super.timeOf(s, slot);
    if (t === null || t === this.lastNumbered) return t;
    if (this.numbered.has(t)) this.lastNumbered = t;
    else if (!this.pending.has(t)) this.pending.set(t, s.kind[slot] === NUMBER ? String(s.numberAt(slot)) : s.stringAt(slot));
    return t;
  }
}

/** Numbers per kind of value, and the values new in this batch. */
class Numbering<K> {
  private readonly ids = new Map<K, number>();
  fresh: string[] = [];

  constructor(private readonly local: string[]) {}

  get map(): Map<K, number> {
    return this.ids;
  }

  /** Numbers given so far. */
  private count = 0;

  /** The number of `key`, whose text (sent when it is new) is `text`. */
  id(key: K, text: string): number {
    const known = this.ids.get(key);
    if (known !== undefined) return known;
    const id = this.next(text);
    if (id >= 0) this.ids.set(key, id);
    return id;
  }

  /** `text` sent with its batch alone, not numbered: a value the reader met for the first time. */
  once(text: string): number {
    this.local.push(text);
    return -1 - this.local.length;
  }

  /** A new number for `text`, which the caller remembers by other means (a table entry), not kept in the map. */
  next(text: string): number {
    if (this.count >= MAX_NUMBERED) return this.once(text);
    this.fresh.push(text);
    return this.count++;
  }
}

/**
 * The events of the worker's reader, encoded into the batch being filled. Numbering a value is a
 * lookup in a map; most are skipped: a field's value is often the one of the event before (a list's
 * namespace, component, the events of one second), and a message and its text are numbered by the
 * message's entry in the reader's table (`SharedBytes.messageEntry`).
 */
class TailEncoder implements EventSink {
  count = 0;
  private slot = 0;
  private nums: Float64Array;
  private ids: Int32Array;
  local: string[] = [];
  private readonly names: Numbering<string>;
  private readonly texts: Numbering<string>;
  private readonly times: Numbering<LogTime>;
  /** Per field: the last value and its number. */
  private readonly lastValue: (string | LogTime | null)[] = new Array<string | LogTime | null>(FIELDS).fill(null);
  private readonly lastId = new Int32Array(FIELDS).fill(-1);
  /** Per entry of the reader's table of names: the name's number + 1 (0 for none yet). */
  private nameIds: Int32Array<ArrayBuffer> = new Int32Array(1024);
  /** Per message entry: the message's number (+1, 0 for none yet), its text's number and that text. */
  private messageIds: Int32Array<ArrayBuffer> = new Int32Array(1024);
  private textIds: Int32Array<ArrayBuffer> = new Int32Array(1024);
  private textOfEntry: (string | undefined)[] = [];

  constructor(
    private readonly values: TailValues,
    private readonly size: number,
    private readonly ring: SharedArrayBuffer,
    private readonly slots: number,
  ) {
    ({ nums: this.nums, ids: this.ids } = ringSlot(ring, 0, size));
    this.names = new Numbering(this.local);
    this.texts = new Numbering(this.local);
    this.times = new Numbering(this.local);
    values.numbered = this.times.map;
  }

  private name(field: number, s: string | null | undefined): number {
    if (s === null || s === undefined) return -1;
    if (s === this.lastValue[field]) return this.lastId[field]!;
    const entry = this.values.entryOf(s);
    let id: number;
    // A name without an entry in the reader's table is, nearly always, one met for the first time (the
    // table takes a value at its second sight, byteTable.ts): numbering it would keep it in a map here
    // and in the main thread's table for the rest of the list, for nothing.
    if (entry < 0) id = this.names.once(s);
    else {
      if (entry >= this.nameIds.length) this.nameIds = grown(this.nameIds, entry);
      id = this.nameIds[entry]! - 1;
      if (id < 0) {
        id = this.names.next(s);
        if (id >= 0) this.nameIds[entry] = id + 1;
      }
    }
    this.lastValue[field] = s;
    this.lastId[field] = id;
    return id;
  }

  private time(field: number, t: LogTime | null | undefined): number {
    if (t === null || t === undefined) return -1;
    if (t === this.lastValue[field]) return this.lastId[field]!;
    const id = this.times.id(t, this.values.pending.get(t) ?? '');
    this.lastValue[field] = t;
    this.lastId[field] = id;
    return id;
  }

  /** The numbers of the message and the text of the event just read, by the message's entry when it has one. */
  private messageAndText(message: string, text: string, ids: Int32Array, o: number): void {
    const entry = this.values.messageEntry;
    if (entry < 0) {
      // As a name without an entry (see `name`).
      ids[o + F_MESSAGE] = this.names.once(message);
      ids[o + F_TEXT] = this.texts.once(text);
      return;
    }
    if (entry >= this.messageIds.length) {
      this.messageIds = grown(this.messageIds, entry);
      this.textIds = grown(this.textIds, entry);
    }
    let m = this.messageIds[entry]! - 1;
    if (m < 0) {
      m = this.names.next(message);
      // Only a numbered message is remembered by its entry (one sent with its batch alone is not).
      if (m >= 0) this.messageIds[entry] = m + 1;
    }
    ids[o + F_MESSAGE] = m;
    if (this.textOfEntry[entry] === text) ids[o + F_TEXT] = this.textIds[entry]!;
    else {
      const t = this.texts.next(text);
      ids[o + F_TEXT] = t;
      if (t >= 0) {
        this.textOfEntry[entry] = text;
        this.textIds[entry] = t;
      }
    }
  }

  event(e: EventEntry): void {
    const r = e.record;
    const k = this.count++;
    const n = NUMS * k;
    this.nums[n] = e.line;
    this.nums[n + 1] = e.column;
    this.nums[n + 2] = r.count;
    const o = FIELDS * k;
    const ids = this.ids;
    this.messageAndText(r.message, e.text, ids, o);
    ids[o + F_COMPONENT] = this.name(F_COMPONENT, r.component);
    ids[o + F_POD] = this.name(F_POD, r.pod);
    ids[o + F_NAMESPACE] = this.name(F_NAMESPACE, r.namespace);
    ids[o + F_CONTAINER] = this.name(F_CONTAINER, r.container);
    ids[o + F_NODE] = this.name(F_NODE, r.node);
    ids[o + F_TIME] = this.time(F_TIME, r.time);
    ids[o + F_FIRST] = this.time(F_FIRST, r.firstTime);
    ids[o + F_FLAGS] = (r.severity === 'warning' ? FLAG_WARNING : 0) | (this.values.messageNumber === FIRST_SIGHT ? FLAG_FIRST_SIGHT : 0);
    if (this.values.pending.size > 0) this.values.pending.clear();
    this.values.recent.length = 0;
    this.values.recentEntries.length = 0;
  }

  // fastItem, the only reading the worker does, gives events and nothing else.
  unparsed(): void {
    throw new Error('event tail: an unparsed item');
  }

  note(): void {
    throw new Error('event tail: a note');
  }

  /**
   * The batch so far, and the next one begun in the ring's next slot (written only once the main
   * thread has taken the batch that slot held: `readTail` waits for that before it reads on).
   */
  take(at: number, state: ItemsState, final: boolean): TailBatch {
    const batch: TailBatch = {
      type: 'batch',
      count: this.count,
      slot: this.slot,
      names: this.names.fresh,
      texts: this.texts.fresh,
      times: this.times.fresh,
      local: this.local.splice(0),
      at,
      state,
      final,
    };
    this.count = 0;
    this.slot = (this.slot + 1) % this.slots;
    ({ nums: this.nums, ids: this.ids } = ringSlot(this.ring, this.slot, this.size));
    this.names.fresh = [];
    this.texts.fresh = [];
    this.times.fresh = [];
    // A value sent with its batch alone is not the last value of a field in the next one.
    this.lastValue.fill(null);
    return batch;
  }
}

function grown(a: Int32Array, atLeast: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(Math.max(a.length * 2, atLeast + 1));
  b.set(a);
  return b;
}

/**
 * The worker's reads: this many bytes at a time. An item cut by the end is read again from its start;
 * one larger than this is left to the main thread (which reads items of up to 16 MB).
 */
const TAIL_BUFFER = 1024 * 1024;

/** Reads the job's part of the list, posting batches (`post`), waiting when the main thread is behind. */
export function readTail(job: TailJob, post: (batch: TailBatch) => void): void {
  const control = new Int32Array(job.control);
  const values = new TailValues();
  const encoder = new TailEncoder(values, job.batchEvents, job.ring, job.ahead);
  const reader = JsonEventReader.inItems(encoder, values, job.from);
  const buf = Buffer.allocUnsafe(Math.max(1, Math.min(TAIL_BUFFER, job.size - job.from)));
  let pos = job.from;
  let len = 0;
  let i = 0;
  let sent = 0;
  // Up to the size the file had when it was split: what it grew by since is not the list's.
  const fill = () => {
    len += readFully(job.fd, buf, len, Math.max(0, Math.min(buf.length - len, job.size - pos - len)), pos + len);
  };
  const send = (final: boolean) => {
    const at = pos + i;
    post(encoder.take(at, reader.itemsState(), final));
    sent += 1;
    // Back-pressure: the main thread takes the batches in order as it recognises; the next one is
    // written in the slot of the batch `ahead` before it, which must have been taken.
    for (;;) {
      if (Atomics.load(control, 1) !== 0) return false;
      const taken = Atomics.load(control, 0);
      if (sent - taken < job.ahead) return true;
      Atomics.wait(control, 0, taken, 200);
    }
  };
  fill();
  const more = () => encoder.count < job.batchEvents;
  for (;;) {
    const data = len === buf.length ? buf : buf.subarray(0, len);
    i = reader.readItems(data, pos, i, more);
    if (encoder.count >= job.batchEvents) {
      if (!send(false)) return;
      continue;
    }
    if (i < len && (data[i] !== 0x7b || (i === 0 && len === buf.length))) break;
    // A `{` not taken (cut by the buffer's end: read again from its start), or all read: the rest of
    // the buffer is filled anew. Nothing more to read (the end of the file): stop there.
    buf.copy(buf, 0, i, len);
    pos += i;
    len -= i;
    i = 0;
    const had = len;
    fill();
    if (len === had) break;
  }
  send(true);
}
