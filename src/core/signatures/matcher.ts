import type { CompiledSignature } from './catalog';
import type { Signature } from './types';

/**
 * Regular expressions only ever see this many characters on each side of the literal that let the
 * line through: a 10 MB line costs the same as a short one, and a pattern cannot scan a whole line.
 */
const WINDOW = 4096;
/**
 * On a line longer than two windows, at most this many windows are tried per signature, each around
 * a literal occurrence at least half a window past the previous one: an unrelated early occurrence
 * ("… exec failed: EOF …" quoted in a long probe output) must not hide the real error further on,
 * while a line repeating a literal a million times still costs a bounded amount of regex work.
 */
const MAX_WINDOWS = 8;

/** The catalog's unclassified runtime error: a runtime error no curated signature covers. */
export const RUNTIME_ERROR = 'runtime-error';

/**
 * Whether findings of a signature are runtime errors (and carry an anatomy): the unclassified family,
 * and every curated signature that some cause prints. Look-alikes name no cause.
 */
export function isRuntimeError(signature: Signature): boolean {
  return signature.id === RUNTIME_ERROR || (signature.causes?.length ?? 0) > 0;
}

export interface SignatureMatch {
  signature: Signature;
  /** Span of the regex match within the line. */
  start: number;
  end: number;
}

/** Buckets of the literals' first two characters (a power of two). */
const PAIR_BUCKETS = 4096;

/** The bucket of a literal's first two characters (UTF-16 code units). */
function pairBucket(c0: number, c1: number): number {
  return (Math.imul(c0, 0x9e3779b1) ^ c1) & (PAIR_BUCKETS - 1);
}

/** Matches lines against an ordered list of signatures; the first that matches wins. */
export class Matcher {
  /** Every literal of every signature: the prefilter a scanner searches for before parsing a line. */
  readonly needles: string[];
  /**
   * Which signatures have a literal in a line, found in one pass over it. A signature whose literals are
   * all absent cannot match, and an event list's messages are mostly of no signature: String#indexOf
   * per literal per signature (77 literals of 33 signatures) cost ~2.7 µs a message, a quarter of a
   * second for the 91,000 distinct messages of a 400,000-event list. The pass looks each position's
   * first two characters up among the literals' (by bucket, then exactly), then compares the literal there.
   */
  private readonly heads = new Int32Array(PAIR_BUCKETS).fill(-1);
  /** Per literal of two characters or more, chained by bucket: its pair, the next in its bucket, its text, its signatures. */
  private readonly pairs: number[] = [];
  private readonly next: number[] = [];
  private readonly texts: string[] = [];
  private readonly owners: number[][] = [];
  /** Literals of fewer than two characters (a user's signature may have one), searched for with indexOf. */
  private readonly short: { text: string; owners: number[] }[] = [];
  /** Per signature, the number of the last line found to hold one of its literals. */
  private readonly present: Uint32Array;
  private line = 0;

  constructor(readonly signatures: CompiledSignature[]) {
    this.needles = [...new Set(signatures.flatMap((s) => s.def.literals))];
    this.present = new Uint32Array(signatures.length);
    const byText = new Map<string, number[]>();
    signatures.forEach((s, k) => {
      for (const lit of new Set(s.def.literals)) {
        const owners = byText.get(lit);
        if (owners) owners.push(k);
        else byText.set(lit, [k]);
      }
    });
    for (const [text, owners] of byText) {
      if (text.length < 2) {
        this.short.push({ text, owners });
        continue;
      }
      const pair = (text.charCodeAt(0) << 16) | text.charCodeAt(1);
      const bucket = pairBucket(text.charCodeAt(0), text.charCodeAt(1));
      this.pairs.push(pair);
      this.next.push(this.heads[bucket]!);
      this.texts.push(text);
      this.owners.push(owners);
      this.heads[bucket] = this.texts.length - 1;
    }
  }

  byId(id: string): Signature | undefined {
    return this.signatures.find((s) => s.def.id === id)?.def;
  }

  match(line: string): SignatureMatch | null {
    const mark = this.findLiterals(line);
    const present = this.present;
    const signatures = this.signatures;
    for (let k = 0; k < signatures.length; k++) {
      if (present[k] !== mark) continue;
      const s = signatures[k]!;
      if (s.def.requires && !s.def.requires.some((r) => line.includes(r))) continue;
      if (line.length <= 2 * WINDOW) {
        for (const re of s.regexes) {
          const m = re.exec(line);
          if (m) return { signature: s.def, start: m.index, end: m.index + m[0].length };
        }
        continue;
      }
      const found = this.matchLong(line, s);
      if (found) return found;
    }
    return null;
  }

  /** Marks (`present`) the signatures with a literal in `line`; returns the mark. */
  private findLiterals(line: string): number {
    // A new mark per line, so nothing is cleared; after 2^32 - 1 lines, everything is.
    let mark = (this.line + 1) >>> 0;
    if (mark === 0) {
      this.present.fill(0);
      mark = 1;
    }
    this.line = mark;
    const { heads, pairs, next, texts, owners, present } = this;
    const n = line.length - 1;
    let c1 = line.charCodeAt(0);
    for (let i = 0; i < n; i++) {
      const c0 = c1;
      c1 = line.charCodeAt(i + 1);
      let e = heads[pairBucket(c0, c1)]!;
      if (e < 0) continue;
      const pair = (c0 << 16) | c1;
      for (; e >= 0; e = next[e]!) {
        if (pairs[e] !== pair || !line.startsWith(texts[e]!, i)) continue;
        for (const k of owners[e]!) present[k] = mark;
      }
    }
    for (const { text, owners: of } of this.short) if (line.includes(text)) for (const k of of) present[k] = mark;
    return mark;
  }

  /** A long line: the regexes see windows around (a bounded number of) literal occurrences only. */
  private matchLong(line: string, s: CompiledSignature): SignatureMatch | null {
    let tries = 0;
    for (const lit of s.def.literals) {
      let next = 0;
      for (let at = line.indexOf(lit); at >= 0 && tries < MAX_WINDOWS; at = line.indexOf(lit, next)) {
        tries += 1;
        const from = Math.max(0, at - WINDOW);
        const window = line.slice(from, at + WINDOW);
        for (const re of s.regexes) {
          const m = re.exec(window);
          if (m) return { signature: s.def, start: from + m.index, end: from + m.index + m[0].length };
        }
        next = at + WINDOW / 2;
      }
    }
    return null;
  }
}
