import { PerformanceObserver } from 'node:perf_hooks';
import * as v8 from 'node:v8';

// The collections (collectGarbage, GarbageWatch) are the core's: the extension's session thread makes them too.
export { GarbageWatch, collectGarbage } from '../core/heap';

/**
 * The young generation's size (both semi-spaces) past which it stops growing: half node 20's own largest.
 * On the 400,000-event lists (3 interleaved runs each, load 1.6-2.0) 16 MB took the peak from 216-225 MB
 * to 197-207 MB on one thread and from 224-236 MB to 210-239 MB with the list split over a worker, in the
 * same time (3.55-3.68 s against 3.66-3.78 s compact on one thread; 3.05-3.16 s against 3.04-3.17 s split).
 */
const YOUNG_CAP = 16 * 1024 * 1024;

/** The young generation's size now (its two semi-spaces). */
export function youngSize(): number {
  return v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;
}

/**
 * Keeps V8's young generation small whatever the node. Node 24 lets it grow to 128 MB where node 20 stops
 * at 32 MB: reading a 400,000-event list then peaked at 301-309 MB against 220-230 MB,
 * and the garbage it holds is only garbage. The size limit is fixed when node starts (the command line is
 * the user's), but how much the space grows at each collection (`--semi-space-growth-factor`) is read at
 * every growth: once it reaches the cap, growing by a factor of 1 keeps it there. Returns what stops the
 * watching (a collection is told to observers after the fact, so the space may pass the cap by one step).
 */
export function capYoungGeneration(limit = YOUNG_CAP): () => void {
  let capped = false;
  const cap = () => {
    if (capped || youngSize() < limit) return;
    capped = true;
    try {
      v8.setFlagsFromString('--semi-space-growth-factor=1');
    } catch {
      // Left to grow: only memory, not a result, is at stake.
    }
  };
  let observer: PerformanceObserver | null = null;
  try {
    observer = new PerformanceObserver(cap);
    observer.observe({ entryTypes: ['gc'] });
  } catch {
    return () => {};
  }
  return () => {
    observer?.disconnect();
    observer = null;
  };
}
