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
 * owns) gives it to a new context, and the process's own global stays as it was. The flag is set back at once: in the extension host
 * (the session's thread is in its process) no other context gets a `gc`.
 */
export function collectGarbage(above = COLLECT_ABOVE): void {
  if (heapUsed() < above) return;
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc: unknown = vm.runInNewContext('gc');
    v8.setFlagsFromString('--no-expose-gc');
    if (typeof gc === 'function') gc();
  } catch {
    // No collection, no harm: it is only an economy.
  }
}

/** Heap growth past which a long reading's garbage is collected (`GarbageWatch`'s default). */
const GROWTH = 32 * 1024 * 1024;

/**
 * Collects the garbage of a long reading or write as it goes. Writing `--json` for a recorder's list of
 * 400,000 items (a set and a text per item) leaves garbage that outlives the young generation: the
 * parts of sets met once, the texts encoded once, the clusters' table. V8 let the old generation grow
 * by 120 MB of it before collecting, and that was the CLI's peak (366 MB, against 272 MB at the end of
 * reading); reading that list left 45 MB of it at its end. `check` is asked between pieces (of a
 * document, of a file read); a full collection when the heap has grown by GROWTH since the last keeps
 * the peak near what is really held, for ~20-70 ms each. `every`: pieces between two looks at the heap
 * (`heapUsed` walks the heap's spaces); `growth`: bytes.
 */
export class GarbageWatch {
  private base = heapUsed();
  private asked = 0;

  constructor(
    private readonly every = 64,
    private readonly growth = GROWTH,
  ) {}

  check(): void {
    if (++this.asked % this.every !== 0) return;
    if (heapUsed() - this.base < this.growth) return;
    collectGarbage(0);
    this.base = heapUsed();
  }
}

/**
 * `process.memoryUsage().heapUsed` without the RSS that memoryUsage reads from /proc each time: that
 * read was 17 ms of the 512 MiB log's scan on a 2-core Firecracker VM (a check per 4 MB read).
 */
function heapUsed(): number {
  return v8.getHeapStatistics().used_heap_size;
}
