import { HOLE } from './literals';
import type { MessageText } from './message';

/** A piece of a Go format string: constant text, or a verb (or non-literal operand) that prints something unknown. */
export type FormatPiece = { text: string } | { verb: string };

// Go's fmt verbs: %[flags][width][.precision][argument index]verb.
const VERB = /%[-+# 0]*(?:\[\d+\])?(?:\d+|\*)?(?:\.(?:\d+|\*)?)?(?:\[\d+\])?([a-zA-Z%])/y;

/** Splits a format string into constant text and verbs; `%%` is text, a stray `%` stays text. */
export function formatPieces(format: string): FormatPiece[] {
  const out: FormatPiece[] = [];
  let text = '';
  const flush = () => {
    if (text) out.push({ text });
    text = '';
  };
  for (let i = 0; i < format.length; ) {
    const c = format[i]!;
    if (c === HOLE) {
      flush();
      out.push({ verb: 'expr' });
      i++;
      continue;
    }
    if (c === '%') {
      VERB.lastIndex = i;
      const m = VERB.exec(format);
      if (m) {
        if (m[1] === '%') text += '%';
        else {
          flush();
          out.push({ verb: m[1]! });
        }
        i = VERB.lastIndex;
        continue;
      }
    }
    text += c;
    i++;
  }
  flush();
  return out;
}

function verbPattern(verb: string): string {
  switch (verb) {
    case 'd':
      return '[-+]?\\d+';
    case 'x':
    case 'X':
      return '[0-9a-fA-F]+';
    case 't':
      return '(?:true|false)';
    case 'q':
      return '"[^]*?"';
    default:
      return '[^]*?';
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function alnumCount(s: string): number {
  return (s.match(/[\p{L}\p{N}]/gu) ?? []).length;
}

/** How one literal may appear inside an error text. */
export interface LiteralMatcher {
  pieces: FormatPiece[];
  /** It starts (ends) with a verb: whatever that prints (the wrapped error, a name) bounds it, not a fragment edge. */
  openStart: boolean;
  openEnd: boolean;
  /** Letters and digits of its constant text: how much of a message it can account for. */
  coverage: number;
  /** All its constant characters: between literals covering the same letters, the one that also made the punctuation. */
  constantLength: number;
  /** The first constant piece, looked up with indexOf before the regular expression runs. */
  anchor: string;
  regex: RegExp;
}

/**
 * Turns a literal into a matcher, or null when it could not tell where a text was made: no constant
 * text worth the name (`%s: %v`), or a single bare word (`unknown`, `EOF`) that every program spells.
 */
export function literalMatcher(value: string): LiteralMatcher | null {
  const all = formatPieces(value);
  let from = 0;
  let to = all.length;
  while (from < to && 'verb' in all[from]!) from++;
  while (to > from && 'verb' in all[to - 1]!) to--;
  const pieces = all.slice(from, to);
  if (pieces.length === 0) return null;
  const texts = pieces.flatMap((p) => ('text' in p ? [p.text] : []));
  const coverage = texts.reduce((n, t) => n + alnumCount(t), 0);
  const hasVerb = all.length !== texts.length;
  if (coverage < 6) return null;
  if (!hasVerb && /^[\p{L}]+$/u.test(value.trim())) return null;
  const source = pieces.map((p) => ('text' in p ? `(${escapeRegExp(p.text)})` : verbPattern(p.verb))).join('');
  return { pieces, openStart: from > 0, openEnd: to < all.length, coverage, constantLength: texts.reduce((n, t) => n + t.length, 0), anchor: texts[0]!, regex: new RegExp(source, 'dy') };
}

/** Where a literal's constant text sits in a message. */
export interface LiteralMatch {
  /** Span of the match in the normalised text, constant edges trimmed of spaces and colons. */
  start: number;
  end: number;
  /** Positions of the letters and digits its constant pieces cover (what it accounts for). */
  covered: number[];
}

const EDGE_TRIM = /[\s:;,=]/;

/**
 * Every place the literal can have produced part of the message. A literal with constant text at an
 * edge must meet a fragment edge there; one with a verb there may start or end inside a fragment.
 */
export function matchLiteral(m: LiteralMatcher, msg: MessageText, edges: { starts: Set<number>; ends: Set<number> }): LiteralMatch[] {
  const out: LiteralMatch[] = [];
  const text = msg.text;
  for (let at = text.indexOf(m.anchor); at >= 0; at = text.indexOf(m.anchor, at + 1)) {
    m.regex.lastIndex = at;
    const r = m.regex.exec(text);
    if (!r?.indices) continue;
    let start = at;
    let end = m.regex.lastIndex;
    while (start < end && EDGE_TRIM.test(text[start]!)) start++;
    while (end > start && EDGE_TRIM.test(text[end - 1]!)) end--;
    if (!m.openStart && !edges.starts.has(start)) continue;
    // Ending with a separator (`exec failed: `) lands on the next fragment's start.
    if (!m.openEnd && !edges.ends.has(end) && !edges.starts.has(m.regex.lastIndex)) continue;
    const covered: number[] = [];
    let firstWords = -1;
    for (let g = 1; g < r.indices.length; g++) {
      const span = r.indices[g];
      if (!span) continue;
      for (let p = span[0]; p < span[1]; p++) if (/[\p{L}\p{N}]/u.test(text[p]!)) covered.push(p);
      if (firstWords < 0 && covered.length > 0) firstWords = span[0];
    }
    // Punctuation-only pieces before the first word (`%s:%d: %s caused %q`) frame another literal's
    // text: the part this one made starts at its first word.
    if (firstWords > start) {
      start = firstWords;
      while (start < end && EDGE_TRIM.test(text[start]!)) start++;
    }
    out.push({ start, end, covered });
  }
  return out;
}

/** Something that made part of a text: the letters it accounts for, and how deep its program sits. */
export interface Covering {
  match: LiteralMatch;
  /** The program's place in the wrapping order: the outermost (kubelet) 0, deeper programs more. */
  depth: number;
}

/**
 * From candidates ranked best first, the ones that made the text. Each position of the text is made
 * once, so chosen literals never cover the same letters; and a wrapped error reads outermost program
 * first, so along the text the programs go no shallower (kubelet → dockerd → containerd → shim → runc).
 * Returned innermost first (last in the text first).
 */
export function chooseCovering<T extends Covering>(ranked: readonly T[]): T[] {
  const taken = new Set<number>();
  const chosen: T[] = [];
  for (const c of ranked) {
    if (c.match.covered.length === 0 || c.match.covered.some((p) => taken.has(p))) continue;
    const first = c.match.covered[0]!;
    const ordered = chosen.every((o) => {
      const at = o.match.covered[0]!;
      return at < first ? o.depth <= c.depth : o.depth >= c.depth;
    });
    if (!ordered) continue;
    for (const p of c.match.covered) taken.add(p);
    chosen.push(c);
  }
  return chosen.sort((a, b) => b.match.covered[0]! - a.match.covered[0]!);
}
