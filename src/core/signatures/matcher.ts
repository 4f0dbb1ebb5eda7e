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

/** Matches lines against an ordered list of signatures; the first that matches wins. */
export class Matcher {
  /** Every literal of every signature: the prefilter a scanner searches for before parsing a line. */
  readonly needles: string[];

  constructor(readonly signatures: CompiledSignature[]) {
    this.needles = [...new Set(signatures.flatMap((s) => s.def.literals))];
  }

  byId(id: string): Signature | undefined {
    return this.signatures.find((s) => s.def.id === id)?.def;
  }

  match(line: string): SignatureMatch | null {
    for (const s of this.signatures) {
      let at = -1;
      for (const lit of s.def.literals) {
        at = line.indexOf(lit);
        if (at >= 0) break;
      }
      if (at < 0) continue;
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
