/**
 * Rejects regular expressions that can backtrack catastrophically. JavaScript's engine backtracks, so
 * a pattern like `(a+)+b` or `(a|a)*` takes exponential time on a crafted line; a log viewer must not
 * freeze on one line. The rule is deliberately simple and strict: a group repeated more than once
 * (`*`, `+`, `{n,}`, `{n,m}` with m > 1) must contain neither a quantifier nor an alternation, and
 * backreferences are refused. Optional groups (`?`) are fine.
 */
export function regexHazard(source: string): string | null {
  interface Group {
    quantified: boolean;
    alternation: boolean;
  }
  const stack: Group[] = [{ quantified: false, alternation: false }];
  let i = 0;
  // What the quantifier at i repeats: 'group' after `)`, 'atom' otherwise.
  const repeatAt = (j: number): 'none' | 'optional' | 'repeat' => {
    const c = source[j];
    if (c === '*' || c === '+') return 'repeat';
    if (c === '?') return 'optional';
    if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(j));
      if (!m) return 'none';
      if (m[2] === undefined) return Number(m[1]) > 1 ? 'repeat' : 'none';
      if (m[3] === '') return 'repeat';
      return Number(m[3]) > 1 ? 'repeat' : 'optional';
    }
    return 'none';
  };
  while (i < source.length) {
    const c = source[i]!;
    if (c === '\\') {
      if (/[1-9k]/.test(source[i + 1] ?? '')) return `backreference \\${source[i + 1]} at ${i}`;
      i += 2;
      continue;
    }
    if (c === '[') {
      i += 1;
      while (i < source.length && source[i] !== ']') i += source[i] === '\\' ? 2 : 1;
      i += 1;
      continue;
    }
    if (c === '(') {
      stack.push({ quantified: false, alternation: false });
      i += 1;
      // Skip a group's `?:`, `?=`, `?!`, `?<=`, `?<!` or `?<name>` prefix: that `?` is syntax, not a
      // quantifier (else `(?:ab)+` was refused as "a repeated group contains a quantifier").
      const prefix = /^\?(?::|=|!|<=|<!|<[A-Za-z_$][\w$]*>)/.exec(source.slice(i, i + 64));
      if (prefix) i += prefix[0].length;
      continue;
    }
    if (c === ')') {
      const inner = stack.pop();
      if (!inner || stack.length === 0) return `unbalanced ')' at ${i}`;
      i += 1;
      const q = repeatAt(i);
      if (q === 'repeat' && (inner.quantified || inner.alternation)) {
        return `a repeated group contains ${inner.quantified ? 'a quantifier' : 'an alternation'} (ends at ${i - 1}): it can backtrack exponentially`;
      }
      const top = stack[stack.length - 1]!;
      if (q !== 'none') top.quantified = true;
      // A group's own quantifiers make the enclosing group's content variable-length too.
      if (inner.quantified) top.quantified = true;
      continue;
    }
    if (c === '|') stack[stack.length - 1]!.alternation = true;
    const q = repeatAt(i);
    if (q !== 'none') stack[stack.length - 1]!.quantified = true;
    i += 1;
  }
  return stack.length === 1 ? null : 'unbalanced (';
}
