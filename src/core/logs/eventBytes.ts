import { HASH_PRIME, HASH_SEED } from './byteTable';

/**
 * One event object of a `kubectl get events -o json` list read straight from its bytes: the object is
 * checked against the JSON grammar byte by byte, and only where the members `eventRecord` reads are
 * is noted (the message, type, count, times, reporting fields, and those of `involvedObject`/`regarding`,
 * `source` and `series`), with the hash of each string (byteTable.ts). Everything else (metadata, uid,
 * managedFields…) is only walked over. Nothing is decoded here: `eventRecordAt` (events.ts) looks the
 * values up by their bytes and makes a string only for one not met yet.
 *
 * Why not JSON.parse of each event: on a 400,000-event list, parsing every event whole and then
 * interning its strings cost more than JSON.parse of the whole file, and made hundreds of megabytes of
 * short-lived strings and objects.
 *
 * It gives up (returns -1) on anything it is not sure of — a syntax error, a chunk that ends inside the
 * object, nesting deeper than allowed — and the caller then takes the general path (JSON.parse of the
 * event's bytes, with its error message and position). So where this reader answers, the answer is
 * that of `eventRecord(JSON.parse(text))` (test/unit/eventBytes.test.ts checks it on varied inputs).
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const NEWLINE = 0x0a;

/** Kinds of a member's value. */
const ABSENT = 0;
export const STRING = 1;
export const NUMBER = 2;
/** Anything else: null, true, false, an array; or an object where a scalar is read. */
const OTHER = 3;
/** An object whose members were read (a parent: involvedObject, regarding, source, series). */
export const OBJECT = 4;

/** A string value holds an escape (decoded with JSON.parse) or a byte above ASCII (decoded as UTF-8). */
const ESCAPED = 1;
export const NON_ASCII = 2;

// Member slots. Top-level scalars first, then each parent and its members.
const TOP = ['message', 'type', 'count', 'firstTimestamp', 'lastTimestamp', 'eventTime', 'reportingComponent', 'reportingController', 'reportingInstance'] as const;
const PARENTS = {
  involvedObject: ['kind', 'name', 'namespace', 'fieldPath'],
  regarding: ['kind', 'name', 'namespace', 'fieldPath'],
  source: ['component', 'host'],
  series: ['count', 'lastObservedTime'],
} as const;
type Parent = keyof typeof PARENTS;

interface Slot {
  key: Buffer;
  slot: number;
  /** For a parent: the slots of its members, as a key table. */
  members?: KeyTable;
}

/** Slots by their keys; `byLength[n]`: those whose key is n bytes long (most keys are told apart by length alone). */
interface KeyTable {
  all: Slot[];
  byLength: (Slot[] | undefined)[];
}

function keyTable(all: Slot[]): KeyTable {
  const byLength: (Slot[] | undefined)[] = [];
  for (const t of all) (byLength[t.key.length] ??= []).push(t);
  return { all, byLength };
}

let slots = 0;
const topSlots: Slot[] = TOP.map((k) => ({ key: Buffer.from(k), slot: slots++ }));
const parentSlots = new Map<Parent, { slot: number; members: KeyTable }>();
for (const [parent, members] of Object.entries(PARENTS) as [Parent, readonly string[]][]) {
  const slot = slots++;
  const ms = keyTable(members.map((k) => ({ key: Buffer.from(k), slot: slots++ })));
  parentSlots.set(parent, { slot, members: ms });
  topSlots.push({ key: Buffer.from(parent), slot, members: ms });
}
const SLOTS = slots;
const TOP_TABLE = keyTable(topSlots);

/** The key table entry for the key in bytes [s, e), or null. Keys with escapes are decoded first. */
function lookup(table: KeyTable, b: Buffer, s: number, e: number, escaped: boolean): Slot | null {
  if (escaped) {
    let key: string;
    try {
      key = JSON.parse(b.toString('utf8', s - 1, e + 1)) as string;
    } catch {
      return null;
    }
    for (const t of table.all) if (t.key.toString('latin1') === key) return t;
    return null;
  }
  const n = e - s;
  const same = table.byLength[n];
  if (same === undefined) return null;
  outer: for (const t of same) {
    const k = t.key;
    for (let j = 0; j < n; j++) if (k[j] !== b[s + j]) continue outer;
    return t;
  }
  return null;
}

/** What the scan of one event found: per slot, its value's kind and bytes; where the object ends. */
export class EventBytes {
  readonly kind = new Uint8Array(SLOTS);
  readonly flags = new Uint8Array(SLOTS);
  readonly start = new Int32Array(SLOTS);
  readonly end = new Int32Array(SLOTS);
  /** Of a STRING slot: `hashBytes` of its bytes [start, end). */
  readonly hash = new Int32Array(SLOTS);
  /** Newlines inside the object, and the offset of the last one (in the buffer). */
  newlines = 0;
  lastNewline = -1;
  /** Offset of the top-level `"message"` key's opening quote (the last one, as JSON.parse keeps the last), or -1. */
  messageKey = -1;
  /** Newlines before that key, inside the object. */
  messageNewlines = 0;
  /** Where the line of that key begins (just past the newline before it), when `messageNewlines` > 0. */
  messageLineStart = 0;
  /**
   * Offset of the first `"message":` in the object's bytes (at any depth: the key of a member named
   * message, or the end of a key that ends in an escaped quote and `message`), or -1: where a search
   * of the bytes for it would stop, without the search.
   */
  memberKey = -1;
  /** Some byte of the object is above ASCII: its UTF-16 length differs from its byte length. */
  nonAscii = false;
  /** The buffer of the last scan (the slots' offsets point into it). */
  private b: Buffer = EMPTY;
  private limit = 0;
  private maxDepth = 0;

  /**
   * Scans the object that starts at `from` (its `{`) and must end before `limit`. Returns the offset
   * just past its `}`, or -1 when it cannot tell (see the module comment); `maxDepth` bounds nesting.
   */
  scan(b: Buffer, from: number, limit: number, maxDepth: number): number {
    this.b = b;
    this.limit = limit;
    this.maxDepth = maxDepth;
    this.kind.fill(ABSENT);
    this.newlines = 0;
    this.lastNewline = -1;
    this.messageKey = -1;
    this.messageNewlines = 0;
    this.memberKey = -1;
    this.nonAscii = false;
    return this.object(from, 1, TOP_TABLE);
  }

  /** The buffer of the last scan, which the slots' offsets point into (until `release`). */
  get bytes(): Buffer {
    return this.b;
  }

  /** The number in a NUMBER slot, as JSON.parse gives it. */
  numberAt(slot: number): number {
    const b = this.b;
    const s = this.start[slot]!;
    const e = this.end[slot]!;
    // Most are small counts: digits only, read without a string (2^53 is 16 digits).
    if (e - s < 16) {
      let n = 0;
      let i = s;
      for (; i < e; i++) {
        const c = b[i]! - 0x30;
        if (c < 0 || c > 9) break;
        n = n * 10 + c;
      }
      if (i === e) return n;
    }
    return Number(b.toString('latin1', s, e));
  }

  /** The string in a STRING slot, as JSON.parse gives it. */
  stringAt(slot: number): string {
    return decodeString(this.b, this.start[slot]!, this.end[slot]!, this.flags[slot]!);
  }

  /** Lets go of the last scan's buffer. */
  release(): void {
    this.b = EMPTY;
  }

  private ws(i: number): number {
    const b = this.b;
    for (; i < this.limit; i++) {
      const c = b[i]!;
      if (c === 0x20 || c === 0x09 || c === 0x0d) continue;
      if (c === NEWLINE) {
        this.newlines += 1;
        this.lastNewline = i;
        continue;
      }
      break;
    }
    return i;
  }

  /**
   * The string starting at its quote `i`; returns the offset past its closing quote, or -1. Sets
   * `strFlags`, and `strHash`: `hashBytes` of its bytes between the quotes, made in the same pass (the
   * values read are looked up by it in byteTable.ts, and would otherwise be read once more to hash them).
   */
  private strFlags = 0;
  private strHash = 0;
  private string(i: number): number {
    const b = this.b;
    let flags = 0;
    let h = HASH_SEED;
    for (i += 1; i < this.limit; i++) {
      const c = b[i]!;
      // One test for the bytes most strings are made of (one load from a table of 256).
      if (PLAIN[c] === 1) {
        h = Math.imul(h ^ c, HASH_PRIME);
        continue;
      }
      if (c === QUOTE) {
        this.strFlags = flags;
        this.strHash = h;
        if (flags & NON_ASCII) this.nonAscii = true;
        return i + 1;
      }
      if (c === BACKSLASH) {
        flags |= ESCAPED;
        if (++i >= this.limit) return -1;
        const e = b[i]!;
        h = Math.imul(Math.imul(h ^ c, HASH_PRIME) ^ e, HASH_PRIME);
        if (e === 0x75) {
          // \uXXXX
          if (i + 4 >= this.limit) return -1;
          for (let k = 1; k <= 4; k++) {
            const x = b[i + k]!;
            if (!isHex(x)) return -1;
            h = Math.imul(h ^ x, HASH_PRIME);
          }
          i += 4;
        } else if (!(e === QUOTE || e === BACKSLASH || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74)) return -1;
      } else if (c < 0x20) return -1;
      else {
        flags |= NON_ASCII;
        h = Math.imul(h ^ c, HASH_PRIME);
      }
    }
    return -1;
  }

  /** A JSON number at `i`; returns the offset past it, or -1. */
  private number(i: number): number {
    const b = this.b;
    if (b[i] === 0x2d) i++;
    if (b[i] === 0x30) i++;
    else if (isDigit(b[i]!) && i < this.limit) {
      while (i < this.limit && isDigit(b[i]!)) i++;
    } else return -1;
    if (b[i] === 0x2e) {
      i++;
      if (!(i < this.limit && isDigit(b[i]!))) return -1;
      while (i < this.limit && isDigit(b[i]!)) i++;
    }
    if (b[i] === 0x65 || b[i] === 0x45) {
      i++;
      if (b[i] === 0x2b || b[i] === 0x2d) i++;
      if (!(i < this.limit && isDigit(b[i]!))) return -1;
      while (i < this.limit && isDigit(b[i]!)) i++;
    }
    return i >= this.limit ? -1 : i;
  }

  private literal(i: number, word: readonly number[]): number {
    if (i + word.length > this.limit) return -1;
    for (let j = 0; j < word.length; j++) if (this.b[i + j] !== word[j]) return -1;
    return i + word.length;
  }

  /** Any value at `i` (after blanks), not recorded; returns the offset past it, or -1. */
  private skip(i: number, depth: number): number {
    const c = this.b[i];
    if (c === QUOTE) return this.string(i);
    if (c === 0x7b) return this.object(i, depth + 1, null);
    if (c === 0x5b) return this.array(i, depth + 1);
    if (c === 0x74) return this.literal(i, TRUE);
    if (c === 0x66) return this.literal(i, FALSE);
    if (c === 0x6e) return this.literal(i, NULL);
    return this.number(i);
  }

  private array(i: number, depth: number): number {
    if (depth > this.maxDepth) return -1;
    i = this.ws(i + 1);
    if (this.b[i] === 0x5d) return i + 1;
    for (;;) {
      if (i >= this.limit) return -1;
      i = this.skip(i, depth);
      if (i < 0) return -1;
      i = this.ws(i);
      const c = this.b[i];
      if (i >= this.limit) return -1;
      if (c === 0x5d) return i + 1;
      if (c !== 0x2c) return -1;
      i = this.ws(i + 1);
    }
  }

  /**
   * An object at `i`. With a key table, the members it names are recorded (and a parent's members in
   * the parent's own table); without one, it is only walked over.
   */
  private object(i: number, depth: number, table: KeyTable | null): number {
    if (depth > this.maxDepth) return -1;
    const b = this.b;
    i = this.ws(i + 1);
    if (i >= this.limit) return -1;
    if (b[i] === 0x7d) return i + 1;
    for (;;) {
      if (b[i] !== QUOTE) return -1;
      const keyStart = i;
      const newlinesAtKey = this.newlines;
      const lastNewlineAtKey = this.lastNewline;
      i = this.string(i);
      if (i < 0) return -1;
      const keyEscaped = (this.strFlags & ESCAPED) !== 0;
      // In valid JSON, `":` closes a key: the first `"message":` is where the first key ending in `"message` (its opening quote, or an escaped one) meets its colon.
      if (this.memberKey < 0 && b[i] === 0x3a && i - keyStart >= 9 && endsInMessage(b, i - 1)) this.memberKey = i - 9;
      const slot = table ? lookup(table, b, keyStart + 1, i - 1, keyEscaped) : null;
      i = this.ws(i);
      if (i >= this.limit || b[i] !== 0x3a) return -1;
      i = this.ws(i + 1);
      if (i >= this.limit) return -1;
      if (slot === null) i = this.skip(i, depth);
      else if (slot.members) {
        if (b[i] === 0x7b) {
          // A parent given again replaces the first one whole, as JSON.parse keeps the last.
          for (const m of slot.members.all) this.kind[m.slot] = ABSENT;
          this.kind[slot.slot] = OBJECT;
          i = this.object(i, depth + 1, slot.members);
        } else {
          this.kind[slot.slot] = OTHER;
          i = this.skip(i, depth);
        }
      } else {
        const c = b[i];
        const at = i;
        i = this.skip(i, depth);
        if (i >= 0) {
          if (c === QUOTE) {
            this.kind[slot.slot] = STRING;
            this.flags[slot.slot] = this.strFlags;
            this.hash[slot.slot] = this.strHash;
            this.start[slot.slot] = at + 1;
            this.end[slot.slot] = i - 1;
          } else if (c === 0x2d || (c! >= 0x30 && c! <= 0x39)) {
            this.kind[slot.slot] = NUMBER;
            this.start[slot.slot] = at;
            this.end[slot.slot] = i;
          } else this.kind[slot.slot] = OTHER;
          // The message's line is where its key is written plainly (as the general path finds it).
          if (depth === 1 && slot.slot === MESSAGE_SLOT && !keyEscaped) {
            this.messageKey = keyStart;
            this.messageNewlines = newlinesAtKey;
            this.messageLineStart = lastNewlineAtKey + 1;
          }
        }
      }
      if (i < 0) return -1;
      i = this.ws(i);
      if (i >= this.limit) return -1;
      const c = b[i];
      if (c === 0x7d) return i + 1;
      if (c !== 0x2c) return -1;
      i = this.ws(i + 1);
      if (i >= this.limit) return -1;
    }
  }
}

const MESSAGE_SLOT = topSlots[0]!.slot;
/** Slot numbers by name: top-level members by their key, a parent's members as parent + key. */
const slotOf = (name: string) => {
  const top = topSlots.find((t) => t.key.toString('latin1') === name);
  if (top) return top.slot;
  const [parent, member] = name.split('.') as [Parent, string];
  return parentSlots.get(parent)!.members.all.find((m) => m.key.toString('latin1') === member)!.slot;
};
/** Slot numbers of the members read (`EventBytes.kind[SLOT.type]`…). */
export const SLOT = {
  message: MESSAGE_SLOT,
  type: slotOf('type'),
  count: slotOf('count'),
  firstTimestamp: slotOf('firstTimestamp'),
  lastTimestamp: slotOf('lastTimestamp'),
  eventTime: slotOf('eventTime'),
  reportingComponent: slotOf('reportingComponent'),
  reportingController: slotOf('reportingController'),
  reportingInstance: slotOf('reportingInstance'),
  involvedObject: slotOf('involvedObject'),
  regarding: slotOf('regarding'),
  source: slotOf('source'),
  sourceComponent: slotOf('source.component'),
  sourceHost: slotOf('source.host'),
  series: slotOf('series'),
  seriesCount: slotOf('series.count'),
  seriesLastObservedTime: slotOf('series.lastObservedTime'),
};
/** The members of `involvedObject` and of `regarding`, as offsets from the parent's slot. */
export const INVOLVED = {
  kind: slotOf('involvedObject.kind') - SLOT.involvedObject,
  name: slotOf('involvedObject.name') - SLOT.involvedObject,
  namespace: slotOf('involvedObject.namespace') - SLOT.involvedObject,
  fieldPath: slotOf('involvedObject.fieldPath') - SLOT.involvedObject,
};
for (const [k, offset] of Object.entries(INVOLVED)) if (slotOf(`regarding.${k}`) !== SLOT.regarding + offset) throw new Error('regarding has the members of involvedObject');
const EMPTY = Buffer.alloc(0);
const TRUE = [...Buffer.from('true')];
const FALSE = [...Buffer.from('false')];
const NULL = [...Buffer.from('null')];
/** Bytes that a string holds as they are: printable ASCII but the quote and the backslash. */
const PLAIN = new Uint8Array(256);
for (let c = 0x20; c < 0x80; c++) PLAIN[c] = c === QUOTE || c === BACKSLASH ? 0 : 1;
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isHex = (c: number) => (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);

const MESSAGE = [...Buffer.from('"message')];
/** Do the bytes before `q` end in `"message`? */
function endsInMessage(b: Buffer, q: number): boolean {
  for (let j = 0; j < MESSAGE.length; j++) if (b[q - MESSAGE.length + j] !== MESSAGE[j]) return false;
  return true;
}

/** A JSON string's contents (bytes [s, e), quotes excluded) as JSON.parse gives it. */
function decodeString(b: Buffer, s: number, e: number, flags: number): string {
  if (flags & ESCAPED) return JSON.parse(b.toString('utf8', s - 1, e + 1)) as string;
  return flags & NON_ASCII ? b.toString('utf8', s, e) : b.toString('latin1', s, e);
}
