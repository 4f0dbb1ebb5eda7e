import { PerformanceObserver } from 'node:perf_hooks';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';

/** Below this much heap, the reading's garbage is left to V8: a full collection would cost more than it saves. */
const COLLECT_ABOVE = 64 * 1024 * 1024;

/**
 * A full garbage collection between reading and diagnosing a large input, and again before its document
 * is written (the diagnosis's own garbage: placing its findings, the groups). Reading a 400,000-event list
 * leaves ~110 MB of heap of which ~47 MB is still needed; left to itself V8 grew the heap by another
 * 30–50 MB while diagnosing and writing `--json` instead of collecting it, and that was the CLI's peak
 * (280–297 MB against 240–248 MB at the end of reading). Collected here (~20 ms quiet, up to 180 ms on a loaded machine), the diagnosis and
 * the document fit in what reading freed: the peak stays the reading's. Node starts a full collection on
 * request only through V8's `gc` global; `--expose-gc` set now (not on node's command line, which the user
 * owns) gives it to a new context, and the process's own global stays as it was.
 */
export function collectGarbage(above = COLLECT_ABOVE): void {
  if (process.memoryUsage().heapUsed < above) return;
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc: unknown = vm.runInNewContext('gc');
    if (typeof gc === 'function') gc();
  } catch {
    // No collection, no harm: it is only an economy.
  }
}

/** Heap growth while writing a document past which its garbage is collected (`GarbageWatch`). */
const WRITE_GROWTH = 32 * 1024 * 1024;

/**
 * Collects the garbage of a long write as it goes. Writing `--json` for a recorder's list of 400,000
 * items (a set and a text per item) leaves garbage that outlives the young generation: the parts of
 * sets met once, the texts encoded once, the clusters' table. V8 let the old generation grow by
 * 120 MB of it before collecting, and that was the CLI's peak (366 MB, against 272 MB at the end of
 * reading). `check` is asked between pieces; a full collection when the heap has grown by
 * WRITE_GROWTH since the last keeps the peak near what the write really holds, for ~40-70 ms each.
 */
export class GarbageWatch {
  private base = process.memoryUsage().heapUsed;
  private asked = 0;

  check(): void {
    // memoryUsage walks the heap's spaces: every 64 pieces (4 MB of output) is often enough.
    if (++this.asked % 64 !== 0) return;
    if (process.memoryUsage().heapUsed - this.base < WRITE_GROWTH) return;
    collectGarbage(0);
    this.base = process.memoryUsage().heapUsed;
  }
}

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
