/**
 * Values of a list looked up by the bytes that spell them, without first making a string of them.
 *
 * Why: an event list of 400,000 events names a few hundred pods and nodes, a few thousand messages
 * and seconds, over and over. Decoding each value to a string only to find it in a `Map` cost more
 * than a second of the reading (a fresh string must be copied out of the buffer, hashed by V8 and
 * compared), and those fresh strings were most of the reading's garbage. Here the bytes are hashed
 * and compared in place; a string is made only the first time a value is met.
 *
 * An entry keeps no copy of its bytes: it is compared against its key string, which is the value
 * itself in the tables of names (so the table costs no memory beyond its index), or a string the
 * caller keeps anyway (a time's text). How the bytes spell the key depends on the table:
 * - `JSON_STRING`: the bytes are the inside of a JSON string, escapes and all (`\"`, `\u00e9`…), and
 *   the key is what JSON.parse makes of them. Two spellings of one string are two entries with the
 *   same value, so the value stays one shared string.
 * - `RAW`: the key is the bytes as they are (a line of the file, read as Latin-1 = ASCII here).
 * Only bytes below 0x80 are taken: above ASCII a byte is not a character, and the caller takes its
 * general path (decode, then a `Map` of strings), rare in the lists this is for.
 *
 * The index is open addressing with linear probing over a power-of-two array of entry numbers,
 * grown at half full, so a miss stops at an empty slot after a probe or two.
 *
 * A table on probation (`probation` hashes) takes a value only the second time it is offered. The kubelet's recorder makes
 * each item of a list a distinct (pod, message) (client-go's EventCorrelator counts repeats into one
 * item), so on a cluster's list most pods, IPs and messages come once or twice, in one pod's items:
 * kept at their first sight, they filled each reader's tables to MAX_SHARED with values never met again
 * (~20 MB of a 400,000-item list split over two threads). Values seen once are remembered by their
 * hash only, in a direct-mapped array a newer hash overwrites: a value met again before that is taken,
 * one met again much later waits for its next sight. A hash two values share only takes one early.
 */

export const JSON_STRING = 0;
export const RAW = 1;
export type KeySpelling = typeof JSON_STRING | typeof RAW;

const BACKSLASH = 0x5c;

export const HASH_SEED = 0x811c9dc5 | 0;
export const HASH_PRIME = 0x01000193;

/**
 * FNV-1a over bytes [s, e): cheap, and spreads the near-identical values of a list (pod-0, pod-1…).
 * The event scanner makes the same hash of each string as it checks it (eventBytes.ts `string`).
 */
export function hashBytes(b: Uint8Array, s: number, e: number): number {
  let h = HASH_SEED;
  for (let i = s; i < e; i++) h = Math.imul(h ^ b[i]!, HASH_PRIME);
  return h;
}

export class ByteTable<T> {
  /** Entry number + 1 per slot; 0 is an empty slot. */
  private slots = new Int32Array(1024);
  private mask = 1023;
  private hashes = new Int32Array(512);
  /** Byte length of each entry's spelling: most misses stop here, before any byte is compared. */
  private lengths = new Int32Array(512);
  private readonly keys: string[] = [];
  private readonly values: T[] = [];
  /** Hash of the bytes of the last `find`, for the `add` that may follow it. */
  private lastHash = 0;
  /** Hashes of values offered once (probation), by their low bits; null without probation. */
  private readonly once: Int32Array | null;
  /** Whether the last `add` was refused because it was the value's first sight. */
  firstSight = false;

  /**
   * @param spelling how bytes spell a key (see the module comment)
   * @param max entries kept at most; past it, `add` does nothing and every new value is a miss
   * @param probation a power of two: how many hashes of values seen once are remembered (0: none,
   *   every value is taken the first time)
   */
  constructor(
    private readonly spelling: KeySpelling,
    private readonly max: number,
    probation = 0,
  ) {
    this.once = probation > 0 ? new Int32Array(probation) : null;
  }

  get size(): number {
    return this.keys.length;
  }

  /** The entry whose key bytes [s, e) spell, or -1; `h` is their `hashBytes`. Bytes above ASCII are always a miss. */
  find(b: Uint8Array, s: number, e: number, h: number): number {
    this.lastHash = h;
    const n = e - s;
    const slots = this.slots;
    const mask = this.mask;
    for (let at = h & mask; ; at = (at + 1) & mask) {
      const entry = slots[at]! - 1;
      if (entry < 0) return -1;
      if (this.hashes[entry] === h && this.lengths[entry] === n && this.spells(entry, b, s, e)) return entry;
    }
  }

  value(entry: number): T {
    return this.values[entry]!;
  }

  /** The string an entry's bytes spell. */
  key(entry: number): string {
    return this.keys[entry]!;
  }

  setValue(entry: number, value: T): void {
    this.values[entry] = value;
  }

  /**
   * Adds the value of the bytes [s, e) the last `find` missed, under `key` (the string they spell). Not
   * added (false) when the table is full, the bytes are not all ASCII, or (on probation) they are met
   * for the first time, which `firstSight` then says.
   */
  add(b: Uint8Array, s: number, e: number, key: string, value: T): boolean {
    this.firstSight = false;
    if (this.keys.length >= this.max) return false;
    for (let i = s; i < e; i++) if (b[i]! >= 0x80) return false;
    const once = this.once;
    if (once !== null) {
      const at = this.lastHash & (once.length - 1);
      if (once[at] !== this.lastHash) {
        once[at] = this.lastHash;
        this.firstSight = true;
        return false;
      }
      once[at] = 0;
    }
    const entry = this.keys.length;
    if (entry === this.hashes.length) {
      this.hashes = grown(this.hashes);
      this.lengths = grown(this.lengths);
    }
    this.hashes[entry] = this.lastHash;
    this.lengths[entry] = e - s;
    this.keys.push(key);
    this.values.push(value);
    if ((entry + 1) * 2 > this.slots.length) this.rehash(this.slots.length * 2);
    else this.place(entry);
    return true;
  }

  private place(entry: number): void {
    const mask = this.mask;
    let at = this.hashes[entry]! & mask;
    while (this.slots[at] !== 0) at = (at + 1) & mask;
    this.slots[at] = entry + 1;
  }

  private rehash(size: number): void {
    this.slots = new Int32Array(size);
    this.mask = size - 1;
    for (let entry = 0; entry < this.keys.length; entry++) this.place(entry);
  }

  /** Do bytes [s, e) spell the entry's key? */
  private spells(entry: number, b: Uint8Array, s: number, e: number): boolean {
    const key = this.keys[entry]!;
    if (this.spelling === RAW) {
      for (let i = s, j = 0; i < e; i++, j++) if (key.charCodeAt(j) !== b[i]) return false;
      return true;
    }
    let j = 0;
    for (let i = s; i < e; i++) {
      let c = b[i]!;
      if (c === BACKSLASH) {
        c = b[++i]!;
        if (c === 0x75) {
          // \uXXXX: one UTF-16 unit (a pair is written as two escapes, as the key holds it).
          c = (hex(b[i + 1]!) << 12) | (hex(b[i + 2]!) << 8) | (hex(b[i + 3]!) << 4) | hex(b[i + 4]!);
          i += 4;
        } else c = UNESCAPED[c]!;
      } else if (c >= 0x80) return false;
      if (key.charCodeAt(j++) !== c) return false;
    }
    return j === key.length;
  }
}

/** What each one-letter escape stands for (`\"`, `\\`, `\/`, `\b`, `\f`, `\n`, `\r`, `\t`); -1 for any other. */
const UNESCAPED = new Int32Array(128).fill(-1);
UNESCAPED[0x22] = 0x22;
UNESCAPED[0x5c] = 0x5c;
UNESCAPED[0x2f] = 0x2f;
UNESCAPED[0x62] = 0x08;
UNESCAPED[0x66] = 0x0c;
UNESCAPED[0x6e] = 0x0a;
UNESCAPED[0x72] = 0x0d;
UNESCAPED[0x74] = 0x09;

/** A hex digit's value; the caller's bytes were checked by the scanner, so anything else is not met. */
function hex(c: number): number {
  return c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x57;
}

function grown(a: Int32Array): Int32Array<ArrayBuffer> {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}
