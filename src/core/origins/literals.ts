/**
 * Stands for an operand of a string concatenation that is not a literal (`"open " + path + ": %w"`):
 * its value is unknown, so the matcher treats it like a format verb. A NUL never occurs in Go text.
 */
export const HOLE = '\u0000';

/** A Go string constant as the program builds it: one literal, or literals (and holes) joined by `+`. */
export interface GoStringLiteral {
  /** The decoded value, with HOLE where a non-literal operand sits. */
  value: string;
  /** Offset (UTF-16) of the first literal's opening quote in the file. */
  offset: number;
  /** 1-based line of the opening quote. */
  line: number;
}

/** Usage texts and embedded documents are longer than any error message part worth attributing. */
const MAX_LITERAL = 400;

const SIMPLE_ESCAPES: Record<string, string> = { a: '\u0007', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', "'": "'", '"': '"' };

function isIdentStart(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
}

function isIdentPart(c: string): boolean {
  return isIdentStart(c) || (c >= '0' && c <= '9');
}

/**
 * Lists the string constants of a Go file with a hand-written scanner: far cheaper than a parse,
 * which only the few files holding a chosen origin get. Comments and rune literals are skipped so
 * their quotes do not derail it; `+` chains of literals are joined, other operands become HOLEs.
 */
export function goStringLiterals(src: string): GoStringLiteral[] {
  const out: GoStringLiteral[] = [];
  const n = src.length;
  let i = 0;
  let line = 1;
  // Line counting is incremental: `lineAt` only ever moves forward.
  let counted = 0;
  const lineAt = (pos: number): number => {
    for (; counted < pos; counted++) if (src.charCodeAt(counted) === 10) line++;
    return line;
  };

  /** Skips whitespace and comments from `p`; returns the next significant position. */
  const skipSpace = (p: number): number => {
    while (p < n) {
      const c = src[p]!;
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') p++;
      else if (c === '/' && src[p + 1] === '/') {
        const e = src.indexOf('\n', p);
        p = e < 0 ? n : e;
      } else if (c === '/' && src[p + 1] === '*') {
        const e = src.indexOf('*/', p + 2);
        p = e < 0 ? n : e + 2;
      } else break;
    }
    return p;
  };

  /** Reads the string literal starting at `p` (a quote); returns its value and end, or null if unterminated. */
  const readString = (p: number): { value: string; end: number } | null => {
    if (src[p] === '`') {
      const e = src.indexOf('`', p + 1);
      return e < 0 ? null : { value: src.slice(p + 1, e).replace(/\r/g, ''), end: e + 1 };
    }
    let value = '';
    let q = p + 1;
    while (q < n) {
      const c = src[q]!;
      if (c === '"') return { value, end: q + 1 };
      if (c === '\n') return null;
      if (c !== '\\') {
        value += c;
        q++;
        continue;
      }
      const e = src[q + 1] ?? '';
      if (e in SIMPLE_ESCAPES) {
        value += SIMPLE_ESCAPES[e];
        q += 2;
      } else if (e === 'x' || e === 'u' || e === 'U') {
        const len = e === 'x' ? 2 : e === 'u' ? 4 : 8;
        value += String.fromCodePoint(parseInt(src.slice(q + 2, q + 2 + len), 16) || 0xfffd);
        q += 2 + len;
      } else if (e >= '0' && e <= '7') {
        value += String.fromCharCode(parseInt(src.slice(q + 1, q + 4), 8));
        q += 4;
      } else {
        value += e;
        q += 2;
      }
    }
    return null;
  };

  /** Skips a non-literal operand (`a.b`, `f(x)`, `x[i]`), returning its end or -1 when it is not one. */
  const skipOperand = (p: number): number => {
    if (!isIdentStart(src[p] ?? '')) return -1;
    while (p < n && (isIdentPart(src[p]!) || src[p] === '.')) p++;
    while (src[p] === '(' || src[p] === '[') {
      const open = src[p]!;
      const close = open === '(' ? ')' : ']';
      let depth = 0;
      for (; p < n; p++) {
        const c = src[p]!;
        if (c === '"' || c === '`') {
          const s = readString(p);
          if (!s) return -1;
          p = s.end - 1;
        } else if (c === open) depth++;
        else if (c === close && --depth === 0) break;
      }
      p++;
      while (p < n && (isIdentPart(src[p]!) || src[p] === '.')) p++;
    }
    return p;
  };

  let lastSignificant = '';
  while (i < n) {
    i = skipSpace(i);
    if (i >= n) break;
    const c = src[i]!;
    if (c === "'") {
      // A rune literal: '"' must not open a string.
      let q = i + 1;
      while (q < n && src[q] !== "'" && src[q] !== '\n') q += src[q] === '\\' ? 2 : 1;
      i = q + 1;
      lastSignificant = "'";
      continue;
    }
    if (c !== '"' && c !== '`') {
      lastSignificant = c;
      i++;
      continue;
    }
    const start = i;
    const first = readString(i);
    if (!first) {
      i++;
      continue;
    }
    // An operand before a `+` makes the text start with an unknown part.
    let value = lastSignificant === '+' ? HOLE + first.value : first.value;
    i = first.end;
    for (;;) {
      const plus = skipSpace(i);
      if (src[plus] !== '+' || src[plus + 1] === '+' || src[plus + 1] === '=') break;
      const next = skipSpace(plus + 1);
      if (src[next] === '"' || src[next] === '`') {
        const s = readString(next);
        if (!s) break;
        value += s.value;
        i = s.end;
        continue;
      }
      const end = skipOperand(next);
      if (end < 0) break;
      value += HOLE;
      i = end;
    }
    lastSignificant = '"';
    if (value.length <= MAX_LITERAL) out.push({ value, offset: start, line: lineAt(start) });
  }
  return out;
}
