import type { CollectPlan } from './plan';
import { REDACTED } from './plan';

/**
 * The plan's redaction as the `sh` script does it with `sed -E` and counts it with `grep -oE`, so that
 * both collectors write the same bytes and the same count: line by line over the bytes (latin1, as
 * `LC_ALL=C`), the block rules first, then each line rule in turn; the count is each rule's matches in
 * the text as collected (`grep -o` per rule) plus each block's opening lines (`grep -c`).
 */
export interface Redactor {
  redact(text: Buffer): { text: Buffer; count: number };
}

export function redactor(plan: Pick<CollectPlan, 'blocks' | 'lines'>): Redactor {
  const lineRules = plan.lines.map((r) => ({ re: new RegExp(r.pattern, 'g'), replace: r.replace.replace(/\$/g, '$$$$').replace(/\\([1-9])/g, '$$$1') }));
  const blocks = plan.blocks.map((b) => ({ begin: new RegExp(b.begin), end: new RegExp(b.end) }));
  return {
    redact(buf) {
      const lines = buf.toString('latin1').split('\n');
      let count = 0;
      const inBlock = blocks.map(() => false);
      for (let i = 0; i < lines.length; i++) {
        let line = lines[i]!;
        for (const r of lineRules) count += line.match(r.re)?.length ?? 0;
        blocks.forEach((b, k) => {
          if (b.begin.test(line)) count += 1;
          // sed's range: it opens on a line matching begin and closes on a later line matching end.
          if (!inBlock[k]) {
            if (!b.begin.test(line)) return;
            inBlock[k] = true;
          } else if (b.end.test(line)) inBlock[k] = false;
          if (!line.includes('-----')) line = REDACTED;
        });
        for (const r of lineRules) line = line.replace(r.re, r.replace);
        lines[i] = line;
      }
      return { text: Buffer.from(lines.join('\n'), 'latin1'), count };
    },
  };
}
