/**
 * Where one run of the CLI spends its time, phase by phase. With `RUNTIME_LENS_TIMINGS=1` in its
 * environment the CLI writes one line to stderr as it exits:
 *
 *     runtime-lens timings {"start":84.1,"bundle":143.9,"read":552.0,"diagnosed":618.3,"written":681.5,"exit":683.0}
 *
 * each the milliseconds from the process's start (`performance.timeOrigin`) to the end of a phase, in the
 * order the phases ended: node's own start (the first line of dist/cli.js), the bundle loaded, the inputs
 * read and recognised, the diagnosis, the document written, the exit. Off by default: nothing is recorded
 * and nothing written.
 *
 * Why: the same code's ratios to `grep` and to `JSON.parse` moved by a factor of two between two kinds of
 * bench machine (bench/results.md), and a wall time alone cannot say whether node's start, the reading or
 * the writing moved. The bench asks its timed runs for this line, so that every results file says so for
 * its own machine. Its cost is a clock read per phase.
 *
 * dist/cli.js (start.ts) and the bundle it loads (dist/cli-bundle.js) each hold a copy of this module, and
 * both mark phases: the marks live on the global object under a registered symbol, which both copies see.
 */

const MARKS = Symbol.for('runtime-lens.timings');
const LINE = 'runtime-lens timings ';

type Marks = [phase: string, ms: number][];

/** Records the end of `phase` now, when RUNTIME_LENS_TIMINGS=1. The first mark arranges the line at exit. */
export function mark(phase: string): void {
  if (process.env.RUNTIME_LENS_TIMINGS !== '1') return;
  const now = performance.now();
  const holder = globalThis as unknown as Record<symbol, Marks | undefined>;
  let marks = holder[MARKS];
  if (!marks) {
    const list: Marks = [];
    marks = holder[MARKS] = list;
    // stderr is written synchronously to files and pipes, so the line is out before the process ends.
    process.once('exit', () => {
      list.push(['exit', performance.now()]);
      process.stderr.write(`${LINE}${JSON.stringify(Object.fromEntries(list.map(([p, ms]) => [p, Math.round(ms * 10) / 10])))}\n`);
    });
  }
  marks.push([phase, now]);
}

/** The phases of a `timings` line found in a run's stderr, or null when there is none (or it is damaged). */
export function parseTimings(stderr: string): Record<string, number> | null {
  const at = stderr.lastIndexOf(LINE);
  if (at < 0) return null;
  const end = stderr.indexOf('\n', at);
  try {
    const value: unknown = JSON.parse(stderr.slice(at + LINE.length, end < 0 ? undefined : end));
    if (!value || typeof value !== 'object' || Array.isArray(value)) return null;
    const phases = Object.entries(value as Record<string, unknown>);
    return phases.every(([, ms]) => typeof ms === 'number' && Number.isFinite(ms)) ? (Object.fromEntries(phases) as Record<string, number>) : null;
  } catch {
    return null;
  }
}
