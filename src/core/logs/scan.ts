/**
 * Calls `visit` for every line of `text` that contains at least one needle, in line order, once per
 * line. Needles are found with String#indexOf over the whole chunk (a native memchr/memcmp search),
 * so lines without a needle are never split, decoded or parsed: that keeps a 512 MB log within a
 * small factor of grep. Returns the number of newlines in `text`.
 */
export function scanLines(
  text: string,
  needles: readonly string[],
  firstLine: number,
  visit: (line: number, content: string, offset: number) => void,
): number {
  const starts: number[] = [];
  for (const needle of needles) {
    let at = text.indexOf(needle);
    while (at >= 0) {
      const lineStart = text.lastIndexOf('\n', at) + 1;
      starts.push(lineStart);
      const lineEnd = text.indexOf('\n', at);
      if (lineEnd < 0) break;
      at = text.indexOf(needle, lineEnd + 1);
    }
  }
  starts.sort((a, b) => a - b);
  let line = firstLine;
  let counted = 0;
  let previous = -1;
  for (const start of starts) {
    if (start === previous) continue;
    previous = start;
    line += countNewlines(text, counted, start);
    counted = start;
    const end = text.indexOf('\n', start);
    let content = text.slice(start, end < 0 ? text.length : end);
    if (content.endsWith('\r')) content = content.slice(0, -1);
    visit(line, content, start);
  }
  return line - firstLine + countNewlines(text, counted, text.length);
}

export function countNewlines(text: string, from: number, to: number): number {
  let n = 0;
  let at = text.indexOf('\n', from);
  while (at >= 0 && at < to) {
    n += 1;
    at = text.indexOf('\n', at + 1);
  }
  return n;
}
