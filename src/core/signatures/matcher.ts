import type { CompiledSignature } from './catalog';
import type { Signature } from './types';

/**
 * Regular expressions only ever see this many characters on each side of the literal that let the
 * line through: a 10 MB line costs the same as a short one, and a pattern cannot scan a whole line.
 */
const WINDOW = 4096;

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
      const from = line.length <= 2 * WINDOW ? 0 : Math.max(0, at - WINDOW);
      const window = from === 0 && line.length <= 2 * WINDOW ? line : line.slice(from, at + WINDOW);
      for (const re of s.regexes) {
        const m = re.exec(window);
        if (m) return { signature: s.def, start: from + m.index, end: from + m.index + m[0].length };
      }
    }
    return null;
  }
}
