import { yaml } from '../lazy';
import { ByteTable, JSON_STRING, RAW, hashBytes } from './byteTable';
import { EventBytes, INVOLVED, NON_ASCII, NUMBER, OBJECT, SLOT, STRING } from './eventBytes';
import { parseRfc3339 } from './formats';
import type { LogRecord, LogTime } from './types';

export type EventFormat = 'kubectl-events-json' | 'kubectl-events-yaml';

/** Cheap look at a file's start: is it `kubectl get events -o json|yaml` output rather than a log? */
export function looksLikeEventDocument(head: string): EventFormat | null {
  const start = head.trimStart();
  if (start.startsWith('{') && /"kind":\s*"(EventList|List|Event)"/.test(head) && /"involvedObject"|"kind":\s*"(EventList|Event)"/.test(head)) {
    return 'kubectl-events-json';
  }
  // kubectl sorts keys, so a list's "kind" comes after its items: an item's involvedObject says it too.
  if (start.startsWith('{') && /^\{\s*"apiVersion":\s*"v1",\s*"items":\s*\[/.test(start) && /"involvedObject":/.test(head)) return 'kubectl-events-json';
  if (/^(apiVersion|items|kind):/m.test(start) && /^\s*kind: (Event|EventList)\s*$/m.test(head)) return 'kubectl-events-yaml';
  return null;
}

export interface EventEntry {
  /** 1-based line of the event's `message`. */
  line: number;
  record: LogRecord;
  /**
   * The text of the message's line as written (escaped in JSON): a finding's text. For a compact
   * list, whose one line holds every event, the event's `"message":"…"` member.
   */
  text: string;
  /** The UTF-16 column of that line where `text` begins (0 unless the list is compact). */
  column: number;
}

/** `EventSink.event`'s `messageId` of a message its reader meets for the first time. */
export const FIRST_SIGHT = -2;

/** What a reader hands back as it goes: events, items it could not read, and why. */
export interface EventSink {
  /**
   * `messageId`, where the reader gives one: a small number for `entry.record.message`, the same for every
   * event of this reader with the same message (its entry in the reader's table of messages), -1 or
   * undefined where it has none. A recogniser keeps what it learned of a message in an array by it: a map
   * by the message itself cost a lookup of a long string per event (~150 ms of a 400,000-event list).
   * FIRST_SIGHT: the reader has none because it meets this message for the first time (its table takes
   * a message at its second sight, byteTable.ts); a repeat will come with a number, so a recogniser need
   * not remember this one by its text.
   */
  event(entry: EventEntry, messageId?: number): void;
  /** An item that is not a readable event (it does not parse): its text, to be scanned as lines. */
  unparsed(text: string, firstLine: number): void;
  note(line: number | null, note: string): void;
}

/** Reads an event list pushed to it in chunks of bytes, with memory bounded by the largest event. */
export interface EventListReader {
  /** The next bytes. The chunk is not kept once this returns (what is kept of it is copied): the caller may reuse it. */
  push(chunk: Buffer): void;
  /** The input is complete: says what was left unfinished. */
  end(): void;
}

export function eventListReader(format: EventFormat, sink: EventSink): EventListReader {
  return format === 'kubectl-events-json' ? new JsonEventReader(sink) : new YamlEventReader(sink);
}

/** An event larger than this is not read (a note says so): no single item may hold the memory hostage. */
export const MAX_EVENT_BYTES = 16 * 1024 * 1024;

type Json = Record<string, unknown>;

const obj = (v: unknown): Json | null => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : null);
const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : null);
const positive = (v: unknown): number | null => {
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
  return Number.isFinite(n) && n > 0 ? Math.floor(n) : null;
};
/** Repeated strings and times of one list, shared (see `sharedValues`). */
export interface SharedValues {
  name(s: string | null): string | null;
  time(s: string | null): LogTime | null;
  /** A finding's text: the line of the message, or in a one-line list the message as written. */
  text(s: string): string;
}

/**
 * One event (core/v1 or events.k8s.io shape, as JSON or YAML gives it) as a record: the count
 * (`count`, else `series.count`), the last time it was seen (`lastTimestamp`, `series.lastObservedTime`,
 * `eventTime`, `firstTimestamp`, in that order) and the first, the involved pod and container, and the
 * node that reported it. Null when the item has no message.
 */
export function eventRecord(item: unknown, format: EventFormat, shared: SharedValues = sharedValues()): LogRecord | null {
  const names = (s: string | null) => shared.name(s);
  const time = (v: unknown) => shared.time(text(v));
  const e = obj(item);
  const message = e ? names(text(e.message)) : null;
  if (!e || message === null) return null;
  const involved = obj(e.involvedObject) ?? obj(e.regarding);
  const source = obj(e.source);
  const series = obj(e.series);
  const container = containerOf(text(involved?.fieldPath) ?? '');
  const first = time(e.firstTimestamp) ?? time(e.eventTime);
  const last = time(e.lastTimestamp) ?? time(series?.lastObservedTime) ?? time(e.eventTime) ?? first;
  return {
    format,
    payloadFormat: format,
    time: last,
    firstTime: first,
    severity: text(e.type) === 'Warning' ? 'warning' : 'info',
    component: names(text(source?.component) ?? text(e.reportingComponent) ?? text(e.reportingController)) ?? 'unknown',
    pod: text(involved?.kind) === 'Pod' ? names(text(involved?.name)) : null,
    namespace: names(text(involved?.namespace)),
    container: container === null ? null : names(container),
    count: positive(e.count) ?? positive(series?.count) ?? 1,
    message,
    node: names(text(source?.host) ?? text(e.reportingInstance)),
  };
}

/** The container a `fieldPath` names (`spec.containers{api}`, init and ephemeral ones too), or null. */
function containerOf(fieldPath: string): string | null {
  const m = /spec\.(?:init|ephemeral)?[cC]ontainers\{([^}]+)\}/.exec(fieldPath);
  return m ? m[1]! : null;
}

/**
 * `eventRecord` of the event the scanner just read, from its slots: what `eventRecord(JSON.parse(text))`
 * gives (test/unit/eventBytes.test.ts checks it), member for member, without an object of the event.
 * Strings are looked up by their bytes (`SharedBytes`): a string is made only for a value not met yet.
 */
export function eventRecordAt(s: EventBytes, format: EventFormat, shared: SharedBytes): LogRecord | null {
  const kind = s.kind;
  const message = shared.messageOf(s);
  if (message === null) return null;
  const involved = kind[SLOT.involvedObject] === OBJECT ? SLOT.involvedObject : kind[SLOT.regarding] === OBJECT ? SLOT.regarding : -1;
  const source = kind[SLOT.source] === OBJECT;
  const series = kind[SLOT.series] === OBJECT;
  const first = shared.timeOf(s, SLOT.firstTimestamp) ?? shared.timeOf(s, SLOT.eventTime);
  const last = shared.timeOf(s, SLOT.lastTimestamp) ?? (series ? shared.timeOf(s, SLOT.seriesLastObservedTime) : null) ?? shared.timeOf(s, SLOT.eventTime) ?? first;
  return {
    format,
    payloadFormat: format,
    time: last,
    firstTime: first,
    severity: shared.is(s, SLOT.type, 'Warning') ? 'warning' : 'info',
    component: (source ? shared.textOf(s, SLOT.sourceComponent) : null) ?? shared.textOf(s, SLOT.reportingComponent) ?? shared.textOf(s, SLOT.reportingController) ?? 'unknown',
    pod: involved >= 0 && shared.is(s, involved + INVOLVED.kind, 'Pod') ? shared.textOf(s, involved + INVOLVED.name) : null,
    namespace: involved >= 0 ? shared.textOf(s, involved + INVOLVED.namespace) : null,
    container: involved >= 0 ? shared.containerOf(s, involved + INVOLVED.fieldPath) : null,
    count: positiveAt(s, SLOT.count) ?? (series ? positiveAt(s, SLOT.seriesCount) : null) ?? 1,
    message,
    node: (source ? shared.textOf(s, SLOT.sourceHost) : null) ?? shared.textOf(s, SLOT.reportingInstance),
  };
}

/** `positive` of a slot's value. */
function positiveAt(s: EventBytes, slot: number): number | null {
  const k = s.kind[slot];
  if (k === NUMBER) {
    const n = s.numberAt(slot);
    return Number.isFinite(n) && n > 0 ? Math.floor(n) : null;
  }
  return k === STRING ? positive(s.stringAt(slot)) : null;
}

/** Distinct values kept at most this many: enough for a cluster's pods, nodes, messages and seconds. */
export const MAX_SHARED = 65536;
/**
 * Values seen once remembered by hash per table of the byte reader (byteTable.ts, probation): a value
 * met again within about this many other new values is shared from its second sight. 64 KB a table.
 */
const PROBATION = 16384;

/** Are bytes [s, e) the ASCII string `word`? */
function spells(word: string, b: Buffer, s: number, e: number): boolean {
  if (e - s !== word.length) return false;
  for (let j = 0; j < word.length; j++) if (b[s + j] !== word.charCodeAt(j)) return false;
  return true;
}

/** One copy of each distinct string's value (`make` of it), for at most MAX_SHARED strings. */
class StringTable<T> {
  private readonly seen = new Map<string, T>();

  constructor(private readonly make: (s: string) => T) {}

  /** The shared value of `s`, made and kept the first time. */
  get(s: string): T {
    const known = this.seen.get(s);
    if (known !== undefined) return known;
    const value = this.make(s);
    if (this.seen.size < MAX_SHARED) this.seen.set(s, value);
    return value;
  }

  /** Keeps `value` as the shared value of `s` unless one is kept already (or the table is full). */
  offer(s: string, value: T): void {
    if (this.seen.size < MAX_SHARED && !this.seen.has(s)) this.seen.set(s, value);
  }

  /** The shared value of `s` when one was kept, else its value, not kept (the caller keeps it). */
  peek(s: string): T {
    const known = this.seen.get(s);
    return known !== undefined ? known : this.make(s);
  }
}

/**
 * One copy of each repeated value of a list: a list of 400,000 events names a few thousand pods and
 * nodes, and its times have whole seconds, shared by the events of that second — every finding would
 * otherwise hold its own copies. Times are read-only once parsed, so sharing them is safe.
 */
export function sharedValues(): SharedBytes {
  return new SharedBytes();
}

/**
 * The shared values of a list, looked up by their strings (events JSON.parse or YAML gave) or by
 * their bytes in the buffer the scanner read (byteTable.ts).
 *
 * A value read from bytes is kept by its bytes only: the first time, it is decoded and, when a string
 * table already holds it, that copy is taken. So a list read from its bytes (every event of a JSON list
 * the scanner can read, whole in a chunk or not) keeps each value once, in its byte table, and its
 * string tables stay empty: they were ~4 MB of a 400,000-event list, holding the same strings again.
 * A value whose bytes are not ASCII is shared by its string, as are those of YAML and of events the
 * scanner gives up on. A value spelled two ways in one list (kubectl writes one way) is two entries of
 * equal strings.
 */
export class SharedBytes implements SharedValues {
  private readonly names = new StringTable((s: string) => s);
  private readonly times = new StringTable(parseRfc3339);
  // Texts have a table of their own: lists whose texts are all different must not crowd out the names.
  private readonly texts = new StringTable((s: string) => s);
  private readonly nameBytes = new ByteTable<string>(JSON_STRING, MAX_SHARED, PROBATION);
  private readonly timeBytes = new ByteTable<LogTime | null>(JSON_STRING, MAX_SHARED, PROBATION);
  /** The container of each `fieldPath` met (a list has one per container of its pods). */
  private readonly containerBytes = new ByteTable<string | null>(JSON_STRING, MAX_SHARED, PROBATION);
  /**
   * Messages by their bytes (the key is the message), each with the text of the line it was last met
   * on as its value (null until then), and in `affixes` the bytes around it on that line (see `lineText`).
   */
  private readonly messageBytes = new ByteTable<string | null>(JSON_STRING, MAX_SHARED, PROBATION);
  /** Per message entry: its line's prefix and suffix, as (affix entry + 1) | (affix entry + 1) << 16; 0 for none. */
  private affixes = new Int32Array(1024);
  /** What a message's line holds before and after it (`"message":"`, an indentation, `",`): a handful. */
  private readonly affixBytes = new ByteTable<string>(RAW, 256);
  /** The entry of the message `messageOf` last gave, or -1 when it was not looked up by its bytes. */
  private message = -1;
  /** Whether that message was not kept because it was met for the first time (byteTable.ts, probation). */
  private messageOnce = false;
  /** The entry of the name `textOf` last gave, or -1. */
  private nameAt = -1;

  /** The entry of the message `messageOf` last gave (dense, from 0, in the order met), or -1 when it was not looked up by its bytes. */
  get messageEntry(): number {
    return this.message;
  }

  /** `messageEntry`, or FIRST_SIGHT for a message without an entry because it was met for the first time. */
  get messageNumber(): number {
    return this.message < 0 && this.messageOnce ? FIRST_SIGHT : this.message;
  }

  name(s: string | null): string | null {
    return s === null ? null : this.names.get(s);
  }

  time(s: string | null): LogTime | null {
    return s === null ? null : this.times.get(s);
  }

  text(s: string): string {
    return this.texts.get(s);
  }

  /**
   * Puts the values met by their bytes into the tables of strings too, so that values that come as
   * strings from now on (those a worker thread read, eventSplit.ts) are the same shared copies. Once
   * per split list: a pass over at most MAX_SHARED entries per table.
   */
  shareByStrings(): void {
    for (const t of [this.nameBytes, this.containerBytes]) {
      for (let e = 0; e < t.size; e++) {
        const v = t.value(e);
        if (v !== null) this.names.offer(v, v);
      }
    }
    const m = this.messageBytes;
    for (let e = 0; e < m.size; e++) {
      this.names.offer(m.key(e), m.key(e));
      const text = m.value(e);
      if (text !== null) this.texts.offer(text, text);
    }
    const t = this.timeBytes;
    for (let e = 0; e < t.size; e++) this.times.offer(t.key(e), t.value(e));
  }

  /** `name(text(v))` of a slot's value: a non-empty string or a number as a shared string, else null. */
  textOf(s: EventBytes, slot: number): string | null {
    this.nameAt = -1;
    const k = s.kind[slot];
    if (k === STRING) {
      const b = s.bytes;
      const start = s.start[slot]!;
      const end = s.end[slot]!;
      if (end === start) return null;
      if (s.flags[slot]! & NON_ASCII) return this.names.get(s.stringAt(slot));
      const t = this.nameBytes;
      const entry = t.find(b, start, end, s.hash[slot]!);
      if (entry >= 0) {
        this.nameAt = entry;
        return t.value(entry);
      }
      const v = this.names.peek(s.stringAt(slot));
      if (t.add(b, start, end, v, v)) this.nameAt = t.size - 1;
      return v;
    }
    return k === NUMBER ? this.names.get(String(s.numberAt(slot))) : null;
  }

  /** The entry of the value `textOf` last gave in the table of names (dense, from 0), or -1 when it is not in it. */
  get nameEntry(): number {
    return this.nameAt;
  }

  /**
   * `textOf` the message slot, remembering its entry for `lineText`: an event's message and its text
   * are the two longest values read, and this way their bytes are looked up once, not twice.
   */
  messageOf(s: EventBytes): string | null {
    this.message = -1;
    this.messageOnce = false;
    const slot = SLOT.message;
    if (s.kind[slot] !== STRING || s.flags[slot]! & NON_ASCII) return this.textOf(s, slot);
    const b = s.bytes;
    const start = s.start[slot]!;
    const end = s.end[slot]!;
    if (end === start) return null;
    const t = this.messageBytes;
    let entry = t.find(b, start, end, s.hash[slot]!);
    if (entry < 0) {
      const v = this.names.peek(s.stringAt(slot));
      if (!t.add(b, start, end, v, null)) {
        this.messageOnce = t.firstSight;
        return v;
      }
      entry = t.size - 1;
      if (entry === this.affixes.length) {
        const grown = new Int32Array(entry * 2);
        grown.set(this.affixes);
        this.affixes = grown;
      }
      this.affixes[entry] = 0;
    }
    this.message = entry;
    return t.key(entry);
  }

  /**
   * `textAt` of the line [start, end) that holds the message `messageOf` just read (in the scanner's
   * slot, quotes included): when the line around it is spelled as when that message was last met (in
   * a list, always), its text is that one, found without reading the message's bytes again.
   */
  lineText(s: EventBytes, b: Buffer, start: number, end: number, ascii: boolean): string {
    const entry = this.message;
    const valueStart = s.start[SLOT.message]! - 1;
    const valueEnd = s.end[SLOT.message]! + 1;
    // The text of a message met for the first time is not kept either: most come once (see byteTable.ts).
    if (entry < 0 && this.messageOnce) return b.toString(ascii ? 'latin1' : 'utf8', start, end);
    if (entry < 0 || !ascii || start > valueStart || end < valueEnd) return this.textAt(b, start, end, ascii);
    const t = this.messageBytes;
    const known = t.value(entry);
    const affixes = this.affixes[entry]!;
    if (known !== null && affixes !== 0) {
      const a = this.affixBytes;
      if (spells(a.key((affixes & 0xffff) - 1), b, start, valueStart) && spells(a.key((affixes >>> 16) - 1), b, valueEnd, end)) return known;
    }
    const prefix = this.affix(b, start, valueStart);
    const suffix = this.affix(b, valueEnd, end);
    // The first text of a message is kept by its entry alone; a message met on lines of more than one
    // shape (or whose line's shape cannot be kept) has its texts shared by the table of texts.
    const line = b.toString('latin1', start, end);
    const text = known === null && prefix >= 0 && suffix >= 0 ? this.texts.peek(line) : this.texts.get(line);
    t.setValue(entry, text);
    this.affixes[entry] = prefix < 0 || suffix < 0 ? 0 : (prefix + 1) | ((suffix + 1) << 16);
    return text;
  }

  /** The affix entry of bytes [start, end), or -1 when the table of affixes is full. */
  private affix(b: Buffer, start: number, end: number): number {
    const t = this.affixBytes;
    const entry = t.find(b, start, end, hashBytes(b, start, end));
    if (entry >= 0) return entry;
    const v = b.toString('latin1', start, end);
    return t.add(b, start, end, v, v) ? t.size - 1 : -1;
  }

  /** `time(text(v))` of a slot's value. */
  timeOf(s: EventBytes, slot: number): LogTime | null {
    const k = s.kind[slot];
    if (k === STRING) {
      const b = s.bytes;
      const start = s.start[slot]!;
      const end = s.end[slot]!;
      if (end === start) return null;
      if (s.flags[slot]! & NON_ASCII) return this.times.get(s.stringAt(slot));
      const t = this.timeBytes;
      const entry = t.find(b, start, end, s.hash[slot]!);
      if (entry >= 0) return t.value(entry);
      const key = s.stringAt(slot);
      const v = this.times.peek(key);
      t.add(b, start, end, key, v);
      return v;
    }
    return k === NUMBER ? this.times.get(String(s.numberAt(slot))) : null;
  }

  /** The shared name of the container a slot's `fieldPath` names, or null. */
  containerOf(s: EventBytes, slot: number): string | null {
    const k = s.kind[slot];
    if (k !== STRING) return null; // a number is no container's path
    const b = s.bytes;
    const start = s.start[slot]!;
    const end = s.end[slot]!;
    if (end === start) return null;
    if (s.flags[slot]! & NON_ASCII) {
      const c = containerOf(s.stringAt(slot));
      return c === null ? null : this.names.get(c);
    }
    const t = this.containerBytes;
    const entry = t.find(b, start, end, s.hash[slot]!);
    if (entry >= 0) return t.value(entry);
    const path = s.stringAt(slot);
    const c = containerOf(path);
    const v = c === null ? null : this.names.peek(c);
    t.add(b, start, end, path, v);
    return v;
  }

  /** Is a slot's value the string `word` (ASCII, as JSON.parse would give it)? */
  is(s: EventBytes, slot: number, word: string): boolean {
    if (s.kind[slot] !== STRING) return false;
    const start = s.start[slot]!;
    if (s.flags[slot] !== 0) return s.stringAt(slot) === word;
    return spells(word, s.bytes, start, s.end[slot]!);
  }

  /** `text` of the bytes [start, end) of a line, decoded as UTF-8 (`ascii`: they are all below 0x80). */
  textAt(b: Buffer, start: number, end: number, ascii: boolean): string {
    return this.texts.get(b.toString(ascii ? 'latin1' : 'utf8', start, end));
  }
}

// ---------------------------------------------------------------------------------------------
// JSON: a tokenizer that follows only the structure (strings, brackets) and cuts `items` into
// events, each then given to JSON.parse — so memory holds one event, and the time is one pass of
// byte tests plus JSON.parse of every event, about that of JSON.parse of the whole document.
// Not a streaming JSON library: findings must point at the line of each message and a broken
// document must be reported at its line:column, which the libraries measured (stream-json,
// @streamparser/json) do not give for values — both need the byte stream followed anyway, and
// neither was faster than this (see the commit that introduced it for the numbers).

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const NEWLINE = 0x0a;
const MESSAGE_KEY = 'message';
/** The list's envelope (everything but its items) is kept to be checked; a sane one is tiny. */
const MAX_ENVELOPE = 1024 * 1024;
const MAX_DEPTH = 256;

/**
 * The reader's state between two items of a list's `items`, as a worker thread reads on from there
 * (eventSplit.ts): lines are counted from the point where it began.
 */
export interface ItemsState {
  /** Newlines read since the point. */
  newlines: number;
  /** File offset where the current line begins (the point itself while `newlines` is 0). */
  lineStart: number;
  /** Bytes minus UTF-16 units on the current line since the point, or since its start when `newlines` > 0. */
  lineLost: number;
  /** Items read since the point. */
  items: number;
}

/** Where a reader stands at a split point, when it is between two items of a list (`JsonEventReader.splitState`). */
export interface SplitState {
  line: number;
  /** UTF-16 column of the point on its line. */
  column16: number;
}

/** Depth of the items of a list, `{"items": [ {…}, … ]}`: the only lists a split reads. */
const LIST_ITEM_DEPTH = 3;

export class JsonEventReader implements EventListReader {
  private depth = 0;
  /** Container kind per depth: 1 object, 2 array. */
  private readonly kinds = new Uint8Array(MAX_DEPTH + 2);
  private expectKey = false;
  private inString = false;
  private stringIsKey = false;
  private escapeNext = false;
  /** Text of the key being read, when it matters (depth 1, or an event's own keys). */
  private key: string | null = null;
  private keyStart = -1;
  private lastKey1: string | null = null;
  /** Depth of the items array's elements (2 in a list), 0 until `"items": [` was seen. */
  private itemDepth = 0;
  private itemsClosed = false;
  private item: Buffer[] = [];
  private itemBytes = 0;
  private itemStart = -1;
  private itemLine = 0;
  private itemColumn = 0;
  /** Its UTF-16 column: the byte column less what the items before it on its line lost in decoding. */
  private itemColumn16 = 0;
  /** Bytes minus UTF-16 units of the items decoded so far on the current line. */
  private lineLost = 0;
  /** Byte column of the current document's first character (`-w` streams put one after another). */
  private docColumn = 0;
  private itemTooBig = false;
  private items = 0;
  private messageLine = 0;
  private envelope: Buffer[] = [];
  private envelopeBytes = 0;
  /** Where the envelope goes on in the current chunk; -1 between items, where only separators are. */
  private envelopeStart = 0;
  private done = false;
  private failed = false;
  private line = 1;
  private lineStart = 0;
  /** Bytes before the current chunk. */
  private base = 0;
  private topMessageLine = 0;
  /** Line where the current document begins. */
  private docLine = 1;
  private readonly names: SharedBytes;
  private readonly scanner = new EventBytes();

  constructor(
    private readonly sink: EventSink,
    names?: SharedBytes,
  ) {
    this.names = names ?? new SharedBytes();
  }

  /**
   * A reader that starts at `at`, a file offset between two items of a list's `items` (just past the
   * comma after an item), for `readItems`: a worker thread's part of a split list (eventSplit.ts). Its
   * lines are counted from 0 there and its columns from `at`; the main thread moves them onto its own.
   */
  static inItems(sink: EventSink, names: SharedBytes, at: number): JsonEventReader {
    const r = new JsonEventReader(sink, names);
    r.depth = LIST_ITEM_DEPTH - 1;
    r.kinds[1] = 1;
    r.kinds[2] = 2;
    r.itemDepth = LIST_ITEM_DEPTH;
    r.lastKey1 = 'items';
    r.envelopeStart = -1;
    r.line = 0;
    r.lineStart = at;
    r.base = at;
    return r;
  }

  /**
   * Reads on from `from` in `buf` (whose first byte is at file offset `base`) what lies between two
   * items and the items `fastItem` takes, and nothing else: returns where it stopped — at a `{` that
   * fastItem did not take (cut by the end of `buf`, malformed or too deep), at any other byte (the end
   * of the items, something the general path would read), at the end of `buf`, or after an item when
   * `more()` says no. What the main loop (`push`) does with those same bytes, in the state `inItems`
   * gives: newlines and blanks move the line, commas nothing, items are fastItem's.
   */
  readItems(buf: Buffer, base: number, from: number, more: () => boolean): number {
    this.base = base;
    const n = buf.length;
    let i = from;
    while (i < n) {
      const c = buf[i]!;
      if (c === NEWLINE) {
        this.line += 1;
        this.lineStart = base + i + 1;
        this.lineLost = 0;
        i += 1;
      } else if (c === 0x20 || c === 0x09 || c === 0x0d || c === 0x2c) i += 1;
      else if (c === 0x7b) {
        const end = this.fastItem(buf, i);
        if (end < 0) return i;
        i = end;
        if (!more()) return i;
      } else return i;
    }
    return i;
  }

  /** The list's shared values. */
  get shared(): SharedBytes {
    return this.names;
  }

  /** Where a reader made by `inItems` stands. */
  itemsState(): ItemsState {
    return { newlines: this.line, lineStart: this.lineStart, lineLost: this.lineLost, items: this.items };
  }

  /**
   * The line and column at the end of what was pushed, when that is a point between two items of a
   * list's `items` where a reader made by `inItems` would start (one item read before it, none begun
   * since); null otherwise — then the main thread reads on itself.
   */
  splitState(): SplitState | null {
    const between =
      !this.failed &&
      !this.inString &&
      !this.escapeNext &&
      this.itemDepth === LIST_ITEM_DEPTH &&
      this.depth === LIST_ITEM_DEPTH - 1 &&
      this.kinds[1] === 1 &&
      this.kinds[2] === 2 &&
      !this.itemsClosed &&
      this.itemStart < 0 &&
      this.envelopeStart < 0 &&
      this.items > 0;
    return between ? { line: this.line, column16: this.base - this.lineStart - this.lineLost } : null;
  }

  /**
   * Takes the state a reader made by `inItems` at the split point reached at `at` (its events handed on
   * already): what this reader would be in had it read those bytes itself. The next push starts at `at`.
   */
  skipItems(at: number, s: ItemsState): void {
    if (s.newlines > 0) {
      this.line += s.newlines;
      this.lineStart = s.lineStart;
      this.lineLost = s.lineLost;
    } else this.lineLost += s.lineLost;
    this.items += s.items;
    this.base = at;
  }

  /**
   * The event whose `{` is at `at`, read in place when it lies whole in `buf` and is well-formed: the
   * same entry the general path (`startItem`…`endItem`, JSON.parse) would give, without the parse.
   * Returns the offset past it, or -1 for the general path to take it.
   */
  private fastItem(buf: Buffer, at: number): number {
    const s = this.scanner;
    const end = s.scan(buf, at, buf.length, MAX_DEPTH + 1 - this.itemDepth);
    if (end < 0) return -1;
    if (this.envelopeStart >= 0) this.keepEnvelope(buf, this.envelopeStart, at);
    this.envelopeStart = -1;
    this.items += 1;
    const line = this.line;
    const column16 = this.base + at - this.lineStart - this.lineLost;
    // Above ASCII, offsets in the text are the editor's (UTF-16), not bytes: the item is decoded (rare).
    const raw = s.nonAscii ? buf.toString('utf8', at, end) : null;
    if (s.newlines > 0) {
      this.line += s.newlines;
      this.lineStart = this.base + s.lastNewline + 1;
      this.lineLost = 0;
    } else if (raw !== null) this.lineLost += end - at - raw.length;
    const record = eventRecordAt(s, 'kubectl-events-json', this.names);
    if (!record) {
      s.release();
      return end;
    }
    // The text is messageText's, cut from the buffer in place: the line of the message, or on a
    // compact list's one line the message member as written.
    const index = s.messageKey >= 0 ? s.messageNewlines : 0;
    let textStart = at;
    let textEnd = end;
    let column = 0;
    if (s.newlines === 0) {
      const key = s.memberKey;
      if (key > at) {
        textStart = key;
        // The top-level message written right after its key ends where its slot says; else it is looked for.
        const close = key === s.messageKey && s.start[SLOT.message] === key + MESSAGE_BYTES.length + 1 && s.kind[SLOT.message] === STRING ? s.end[SLOT.message]! + 1 : stringEnd(buf, key + MESSAGE_BYTES.length, end);
        if (close > 0) textEnd = close;
      }
      column = column16 + Math.max(0, raw !== null ? raw.indexOf(MESSAGE_MEMBER) : key - at);
    } else {
      if (index > 0) textStart = s.messageLineStart;
      const nl = buf.indexOf(NEWLINE, textStart);
      if (nl >= 0 && nl < end) textEnd = nl;
      if (textEnd > textStart && buf[textEnd - 1] === 0x0d) textEnd -= 1;
    }
    const text = this.names.lineText(s, buf, textStart, textEnd, !s.nonAscii);
    s.release();
    this.sink.event({ line: line + index, record, text, column }, this.names.messageNumber);
    return end;
  }

  private fail(at: number, what: string): void {
    this.failed = true;
    const column = this.base + at - this.lineStart + 1;
    const kept = this.items > 0 ? `; the ${this.items} event(s) before it were read` : '';
    this.sink.note(this.line, `does not parse as kubectl -o json: ${what} at line ${this.line}:${column}${kept}`);
  }

  push(buf: Buffer): void {
    if (this.failed) {
      this.countLines(buf);
      return;
    }
    let i = 0;
    const n = buf.length;
    if (this.envelopeStart >= 0) this.envelopeStart = 0;
    if (this.inString) i = this.readString(buf, 0);
    while (i < n && !this.failed) {
      const c = buf[i]!;
      if (c === QUOTE) {
        this.inString = true;
        this.stringIsKey = this.expectKey && this.kinds[this.depth] === 1;
        this.key = null;
        this.keyStart = this.stringIsKey && (this.depth === 1 || this.depth === this.itemDepth) ? i + 1 : -1;
        if (this.stringIsKey) this.key = '';
        i = this.readString(buf, i + 1);
        continue;
      }
      switch (c) {
        case NEWLINE:
          this.line += 1;
          this.lineStart = this.base + i + 1;
          this.lineLost = 0;
          break;
        case 0x7b: // {
        case 0x5b: // [
          if (c === 0x7b && this.depth === this.itemDepth - 1 && !this.itemsClosed) {
            // An event: read from its bytes when it lies whole in this chunk (see eventBytes.ts).
            const end = this.fastItem(buf, i);
            if (end >= 0) {
              i = end;
              continue;
            }
          }
          if (this.depth === 0 && this.done) {
            // Another document follows (`kubectl get events -w -o json` writes one Event after another).
            if (this.envelopeStart >= 0) this.keepEnvelope(buf, this.envelopeStart, i);
            this.finishDocument();
            this.nextDocument(i);
          }
          if (this.depth >= MAX_DEPTH) {
            this.fail(i, `nesting deeper than ${MAX_DEPTH} levels`);
            break;
          }
          this.depth += 1;
          this.kinds[this.depth] = c === 0x7b ? 1 : 2;
          this.expectKey = c === 0x7b;
          if (this.depth === 2 && c === 0x5b && this.lastKey1 === 'items' && this.itemDepth === 0) this.itemDepth = 3;
          else if (this.depth === this.itemDepth && !this.itemsClosed) this.startItem(buf, i);
          break;
        case 0x7d: // }
        case 0x5d: // ]
          if (this.depth === 0 || this.kinds[this.depth] !== (c === 0x7d ? 1 : 2)) {
            this.fail(i, `unexpected '${String.fromCharCode(c)}'`);
            break;
          }
          if (this.depth === this.itemDepth && !this.itemsClosed && this.itemStart >= 0) this.endItem(buf, i + 1);
          if (this.depth === this.itemDepth - 1 && !this.itemsClosed) {
            this.itemsClosed = true;
            if (this.envelopeStart < 0) this.envelopeStart = i;
          }
          this.depth -= 1;
          this.expectKey = false;
          if (this.depth === 0) this.done = true;
          break;
        case 0x2c: // ,
          if (this.kinds[this.depth] === 1) this.expectKey = true;
          break;
        case 0x3a: // :
          this.expectKey = false;
          break;
        case 0x20:
        case 0x09:
        case 0x0d:
          break;
        default:
          if (this.depth === 0) this.fail(i, `unexpected '${String.fromCharCode(c)}' outside the document`);
      }
      i += 1;
    }
    if (!this.failed) this.keepChunkParts(buf);
    this.base += n;
  }

  private countLines(buf: Buffer): void {
    for (let at = buf.indexOf(NEWLINE); at >= 0; at = buf.indexOf(NEWLINE, at + 1)) this.line += 1;
    this.base += buf.length;
  }

  /** Reads a string from `from` (after its opening quote); returns where to go on. */
  private readString(buf: Buffer, from: number): number {
    let s = from;
    if (this.escapeNext) {
      this.escapeNext = false;
      s += 1;
    }
    for (;;) {
      const q = buf.indexOf(QUOTE, s);
      if (q < 0) {
        let b = buf.length - 1;
        while (b >= s && buf[b] === BACKSLASH) b -= 1;
        this.escapeNext = (buf.length - 1 - b) % 2 === 1;
        if (this.keyStart >= 0) {
          this.key += buf.toString('latin1', this.keyStart, buf.length);
          this.keyStart = 0;
        }
        return buf.length;
      }
      let b = q - 1;
      while (b >= s && buf[b] === BACKSLASH) b -= 1;
      if ((q - 1 - b) % 2 === 1) {
        s = q + 1;
        continue;
      }
      this.inString = false;
      if (this.stringIsKey) {
        if (this.keyStart >= 0) this.onKey(this.key + buf.toString('latin1', this.keyStart, q));
        this.keyStart = -1;
        this.key = null;
      }
      return q + 1;
    }
  }

  private onKey(key: string): void {
    if (this.depth === 1) {
      this.lastKey1 = key;
      // A single Event document (not a list): its message is a key of the top object.
      if (key === MESSAGE_KEY) this.topMessageLine = this.line;
    } else if (this.depth === this.itemDepth && key === MESSAGE_KEY && this.itemStart >= 0) this.messageLine = this.line;
  }

  private startItem(buf: Buffer, at: number): void {
    // The envelope ends where the item begins.
    if (this.envelopeStart >= 0) this.keepEnvelope(buf, this.envelopeStart, at);
    this.envelopeStart = -1;
    this.itemStart = at;
    this.item = [];
    this.itemBytes = 0;
    this.itemLine = this.line;
    this.itemColumn = this.base + at - this.lineStart;
    this.itemColumn16 = this.itemColumn - this.lineLost;
    this.itemTooBig = false;
    this.messageLine = 0;
  }

  private endItem(buf: Buffer, end: number): void {
    const start = this.itemStart;
    this.itemStart = -1;
    this.items += 1;
    this.envelopeStart = -1;
    if (this.itemTooBig) return;
    this.item.push(buf.subarray(start, end));
    const bytes = this.item.length === 1 ? this.item[0]! : Buffer.concat(this.item);
    this.item = [];
    this.emit(bytes, this.itemLine, this.itemColumn, this.messageLine || this.itemLine);
  }

  private emit(bytes: Buffer, line: number, column: number, messageLine: number): void {
    const raw = bytes.toString('utf8');
    // A compact list's items follow one another on its line: later ones start that much further left
    // in UTF-16 than in bytes. (An item spanning lines ends on a line of its own closing bracket.)
    if (line === this.line) this.lineLost += bytes.length - raw.length;
    // Read from its bytes when the scanner can, as fastItem reads: its values are then shared by their
    // bytes with those of the events read in place. JSON.parse is for what the scanner gives up on.
    const s = this.scanner;
    const scanned = s.scan(bytes, 0, bytes.length, MAX_DEPTH + 1 - this.itemDepth) === bytes.length;
    let record: LogRecord | null;
    if (scanned) record = eventRecordAt(s, 'kubectl-events-json', this.names);
    else {
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch (e) {
        this.sink.note(line, `event ${this.items} does not parse (${where(e as Error, raw, line, column)}); its lines were scanned as text`);
        this.sink.unparsed(raw, line);
        return;
      }
      record = eventRecord(parsed, 'kubectl-events-json', this.names);
    }
    if (!record) {
      s.release();
      return;
    }
    // messageText cuts the text from the bytes (a slice of `raw` would keep the whole item alive behind
    // every finding); where it starts in UTF-16 is found again in `raw`, whose offsets are the editor's.
    const m = messageText(bytes, messageLine - line);
    const text = scanned ? this.names.lineText(s, bytes, m.start, m.end, !s.nonAscii) : this.names.text(bytes.toString('utf8', m.start, m.end));
    s.release();
    this.sink.event({ line: messageLine, record, text, column: m.oneLine ? this.itemColumn16 + Math.max(0, raw.indexOf(MESSAGE_MEMBER)) : 0 });
  }

  /** At the end of a chunk: what belongs to the item or the envelope is kept (bounded). */
  private keepChunkParts(buf: Buffer): void {
    if (this.itemStart >= 0) {
      const part = buf.subarray(this.itemStart);
      this.itemStart = 0;
      if (!this.itemTooBig) {
        this.itemBytes += part.length;
        if (this.itemBytes > MAX_EVENT_BYTES) {
          this.itemTooBig = true;
          this.item = [];
          this.sink.note(this.itemLine, `event ${this.items + 1} is larger than ${MAX_EVENT_BYTES / 1024 / 1024} MB: not read`);
        } else this.item.push(Buffer.from(part)); // copied: the chunk is the caller's to reuse (input.ts openRaw)
      }
    } else if (this.envelopeStart >= 0) this.keepEnvelope(buf, this.envelopeStart, buf.length);
  }

  private keepEnvelope(buf: Buffer, from: number, to: number): void {
    if (from < 0 || to <= from || this.envelopeBytes > MAX_ENVELOPE) return;
    this.envelopeBytes += to - from;
    // Copied: the chunk is not kept alive for a few bytes of it.
    this.envelope.push(Buffer.from(buf.subarray(from, to)));
  }

  end(): void {
    if (this.failed) return;
    if (this.inString || this.depth > 0) {
      const where = `line ${this.line}:${this.base - this.lineStart + 1}`;
      if (this.itemStart >= 0 && !this.itemTooBig) {
        const raw = Buffer.concat(this.item).toString('utf8');
        this.sink.note(this.itemLine, `the document is cut short inside event ${this.items + 1} (it ends at ${where}); the ${this.items} event(s) before it were read, the rest of that event was scanned as text`);
        this.sink.unparsed(raw, this.itemLine);
      } else this.sink.note(this.line, `the document is cut short (it ends at ${where} with ${this.depth} bracket(s) open); the ${this.items} event(s) before were read`);
      return;
    }
    this.finishDocument();
  }

  private nextDocument(at: number): void {
    this.docColumn = this.base + at - this.lineStart - this.lineLost;
    this.envelope = [];
    this.envelopeBytes = 0;
    this.envelopeStart = at;
    this.itemDepth = 0;
    this.itemsClosed = false;
    this.lastKey1 = null;
    this.topMessageLine = 0;
    this.docLine = this.line;
    this.done = false;
  }

  /** A complete document: a list (its envelope checked) or a single Event. */
  private finishDocument(): void {
    if (this.itemDepth !== 0) {
      this.checkEnvelope();
      return;
    }
    // No items array: a single Event, or not an event document at all; either way small.
    if (this.envelopeBytes > MAX_ENVELOPE) {
      this.sink.note(this.docLine, `a JSON document without "items", larger than ${MAX_ENVELOPE / 1024 / 1024} MB: not read as events`);
      return;
    }
    const bytes = Buffer.concat(this.envelope);
    const raw = bytes.toString('utf8');
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch (e) {
      this.sink.note(this.docLine, `does not parse as kubectl -o json (${where(e as Error, raw, this.docLine, 0)}); scanned as text`);
      this.sink.unparsed(raw, this.docLine);
      return;
    }
    const record = obj(parsed)?.kind === 'Event' ? eventRecord(parsed, 'kubectl-events-json', this.names) : null;
    const line = this.topMessageLine || this.docLine;
    const m = messageText(bytes, line - this.docLine);
    if (record) this.sink.event({ line, record, text: this.names.text(bytes.toString('utf8', m.start, m.end)), column: m.oneLine ? this.docColumn + Math.max(0, raw.indexOf(MESSAGE_MEMBER)) : 0 });
    else this.sink.note(this.docLine, 'a JSON document that is neither an event list nor an event: no events read');
  }

  /** The envelope around the items (`{"apiVersion": …, "items": [], "kind": …}`) must parse too. */
  private checkEnvelope(): void {
    if (this.envelopeBytes > MAX_ENVELOPE) return;
    // The items were left out of it: `"items": [` is followed by the array's `]`.
    const raw = Buffer.concat(this.envelope).toString('utf8');
    try {
      JSON.parse(raw);
    } catch (e) {
      this.sink.note(null, `the list around the events does not parse (${(e as Error).message}); the ${this.items} event(s) in it were read`);
    }
  }
}

/** The parser's reason and where in the file it stopped, as line:column. */
function where(e: Error, raw: string, line: number, column: number): string {
  const m = /position (\d+)/.exec(e.message);
  const reason = e.message.replace(/ in JSON at position \d+.*$/s, '').replace(/^JSON\.parse: /, '');
  if (!m) return reason;
  const at = Number(m[1]);
  let l = line;
  let lineStart = -column;
  for (let nl = raw.indexOf('\n'); nl >= 0 && nl < at; nl = raw.indexOf('\n', nl + 1)) {
    l += 1;
    lineStart = nl + 1;
  }
  return `${reason} at line ${l}:${at - lineStart + 1}`;
}

const MESSAGE_MEMBER = `"${MESSAGE_KEY}":`;
const MESSAGE_BYTES = Buffer.from(MESSAGE_MEMBER);

/**
 * Where a finding's text is in `bytes`, an event whose message is on its line `index` (0-based): that
 * line, or for an event on one line, its message member (`oneLine`: the text starts at the member, not
 * the line). Decoded on its own, so a finding's text does not keep the whole event's string alive.
 * (fastItem finds the same bytes from what the scan noted.)
 */
function messageText(bytes: Buffer, index: number): { start: number; end: number; oneLine: boolean } {
  let start = 0;
  for (let k = 0; k < index && start >= 0; k++) start = bytes.indexOf(NEWLINE, start) + 1;
  let end = bytes.indexOf(NEWLINE, start);
  const oneLine = start === 0 && end < 0;
  if (end < 0) end = bytes.length;
  if (end > start && bytes[end - 1] === 0x0d) end -= 1;
  if (oneLine) {
    // A compact list is one line: the text is the message member as written, `"message":"…"`. The
    // rest of the item (in real lists its metadata: name, uid, resourceVersion) is different in every
    // event, and a copy per finding would be most of the memory of a 400,000-event list.
    const key = bytes.indexOf(MESSAGE_BYTES);
    if (key > 0) {
      start = key;
      const close = stringEnd(bytes, key + MESSAGE_BYTES.length, bytes.length);
      if (close > 0) end = close;
    }
  }
  return { start, end, oneLine };
}

/** Just past the JSON string that starts (after blanks) at `from` and ends before `limit`, or -1 when there is none. */
function stringEnd(bytes: Buffer, from: number, limit: number): number {
  let i = from;
  while (i < limit && (bytes[i] === 0x20 || bytes[i] === 0x09)) i++;
  if (i >= limit || bytes[i] !== QUOTE) return -1;
  for (i += 1; i < limit; i++) {
    if (bytes[i] === BACKSLASH) i++;
    else if (bytes[i] === QUOTE) return i + 1;
  }
  return -1;
}

// ---------------------------------------------------------------------------------------------
// YAML: kubectl writes `items:` followed by one `- ` block per event; each block is parsed on its own.

class YamlEventReader implements EventListReader {
  private carry: Buffer = Buffer.alloc(0);
  private line = 0;
  private state: 'head' | 'items' | 'after' = 'head';
  private indent = -1;
  private block: string[] = [];
  private blockLine = 0;
  private blockBytes = 0;
  /** Lines of a document that is not a list (a single Event), kept to be parsed whole. */
  private head: string[] = [];
  private headBytes = 0;
  private sawItems = false;
  private events = 0;
  private readonly names = sharedValues();

  constructor(private readonly sink: EventSink) {}

  push(chunk: Buffer): void {
    const buf = this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk;
    const last = buf.lastIndexOf(NEWLINE);
    if (last < 0) {
      // Copied when it is the chunk itself: the chunk is the caller's to reuse (input.ts openRaw).
      this.carry = buf.length > MAX_EVENT_BYTES ? this.overlong(buf) : buf === chunk ? Buffer.from(chunk) : buf;
      return;
    }
    const text = buf.toString('utf8', 0, last);
    this.carry = Buffer.from(buf.subarray(last + 1));
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      this.onLine(text.slice(start, nl < 0 ? text.length : nl));
      if (nl < 0) break;
      start = nl + 1;
    }
  }

  /** A line longer than an event may be: counted and dropped, with a note. */
  private overlong(buf: Buffer): Buffer {
    this.sink.note(this.line + 1, `line ${this.line + 1} is longer than ${MAX_EVENT_BYTES / 1024 / 1024} MB: not read`);
    this.block = [];
    this.blockBytes = MAX_EVENT_BYTES + 1;
    return Buffer.from(buf.subarray(buf.length - 1));
  }

  private onLine(raw: string): void {
    this.line += 1;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (this.state === 'head') {
      if (/^items:\s*$/.test(line)) {
        this.state = 'items';
        this.sawItems = true;
        return;
      }
      if (/^items:\s*\[\s*\]\s*$/.test(line)) {
        this.sawItems = true;
        return;
      }
      this.keepHead(line);
      return;
    }
    if (this.state === 'after') return;
    const trimmed = line.trimStart();
    if (trimmed === '' || trimmed.startsWith('#')) {
      if (this.block.length) this.add(line);
      return;
    }
    const lead = line.length - trimmed.length;
    if (this.indent < 0) {
      if (!trimmed.startsWith('-')) {
        this.state = 'after';
        return;
      }
      this.indent = lead;
    }
    if (lead === this.indent && (trimmed.startsWith('- ') || trimmed === '-')) {
      this.flush();
      this.blockLine = this.line;
      this.add(`${' '.repeat(lead)} ${trimmed.slice(1)}`);
    } else if (lead > this.indent) this.add(line);
    else {
      this.flush();
      this.state = 'after';
    }
  }

  private keepHead(line: string): void {
    if (this.headBytes > MAX_EVENT_BYTES) return;
    this.headBytes += line.length + 1;
    this.head.push(line);
  }

  private add(line: string): void {
    if (this.blockBytes > MAX_EVENT_BYTES) return;
    this.blockBytes += line.length + 1;
    if (this.blockBytes > MAX_EVENT_BYTES) {
      this.sink.note(this.blockLine, `event ${this.events + 1} is larger than ${MAX_EVENT_BYTES / 1024 / 1024} MB: not read`);
      this.block = [];
      return;
    }
    this.block.push(line);
  }

  private flush(): void {
    const block = this.block;
    const tooBig = this.blockBytes > MAX_EVENT_BYTES;
    this.block = [];
    this.blockBytes = 0;
    if (block.length === 0 && !tooBig) return;
    this.events += 1;
    if (tooBig) return;
    this.parse(block, this.blockLine, `event ${this.events}`);
  }

  private parse(block: string[], firstLine: number, what: string): void {
    const text = block.join('\n');
    const { LineCounter, isMap, isScalar, parseDocument } = yaml();
    const counter = new LineCounter();
    const doc = parseDocument(text, { lineCounter: counter, uniqueKeys: false, prettyErrors: false });
    if (doc.errors.length > 0) {
      const e = doc.errors[0]!;
      const at = counter.linePos(e.pos[0]);
      this.sink.note(firstLine + at.line - 1, `${what} does not parse as YAML (${e.message.split('\n')[0]} at line ${firstLine + at.line - 1}:${at.col}); its lines were scanned as text`);
      this.sink.unparsed(text, firstLine);
      return;
    }
    const record = eventRecord(doc.toJS({ maxAliasCount: 100 }), 'kubectl-events-yaml', this.names);
    if (!record) return;
    const root = doc.contents;
    const messageNode = isMap(root) ? root.get(MESSAGE_KEY, true) : undefined;
    const offset = isScalar(messageNode) && messageNode.range ? counter.linePos(messageNode.range[0]).line - 1 : 0;
    this.sink.event({ line: firstLine + offset, record, text: this.names.text(block[offset] ?? record.message), column: 0 });
  }

  end(): void {
    if (this.carry.length > 0) {
      const rest = this.carry.toString('utf8');
      this.carry = Buffer.alloc(0);
      this.onLine(rest);
    }
    if (this.state === 'items') this.flush();
    if (!this.sawItems && this.head.length > 0) {
      if (this.headBytes > MAX_EVENT_BYTES) this.sink.note(null, `a YAML document without "items", larger than ${MAX_EVENT_BYTES / 1024 / 1024} MB: not read as events`);
      else this.parse(this.head, 1, 'the document');
    }
  }
}

/**
 * Reads a whole event document held in memory. Convenience for small texts and tests; files and
 * large documents go through `eventListReader` chunk by chunk.
 */
export function parseEventDocument(source: string, format: EventFormat): { entries: EventEntry[]; notes: { line: number | null; note: string }[]; unparsed: { text: string; firstLine: number }[] } {
  const entries: EventEntry[] = [];
  const notes: { line: number | null; note: string }[] = [];
  const unparsed: { text: string; firstLine: number }[] = [];
  const reader = eventListReader(format, { event: (e) => entries.push(e), note: (line, note) => notes.push({ line, note }), unparsed: (text, firstLine) => unparsed.push({ text, firstLine }) });
  reader.push(Buffer.from(source, 'utf8'));
  reader.end();
  return { entries, notes, unparsed };
}
