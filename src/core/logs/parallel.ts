/**
 * The scan of a large plain log spread over the machine's cores: the file is cut into ranges
 * (ranges.ts), worker threads and the main thread scan them with the same WebAssembly scanner, and the
 * main thread takes the results in file order and parses the few lines that hold a needle while the
 * workers read and scan on. Each thread claims the next range itself (ranges.ts RangeBoard), so a
 * worker never waits for the main thread to hand it one. Reading from the page cache and scanning are
 * most of a 512 MiB log's time, and each range's reading and scanning happen on whichever thread takes it.
 *
 * Workers start when the file is opened, before its first lines are read, because starting one takes
 * tens of milliseconds; the main thread scans ranges itself meanwhile, and whenever no result is
 * waiting to be parsed, so each core the scan is given has a scanner. How many workers a machine starts
 * is `rangeWorkers`'s call: none on two cores. A worker that cannot start or dies leaves its range to the
 * main thread: the result is the same, only slower.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { RangeBoard, type RangeResult, rangeCapacity, rangeCount, rangeJob, scanRangeAsync } from './ranges';
import { ByteScanner } from './scan';
import type { FromWorker, ToWorker } from './scanWorker';

export interface ParallelOptions {
  /**
   * Worker threads. Default: $RUNTIME_LENS_WORKERS, else one per idle core beyond the main thread's and
   * one more, at most MAX_WORKERS (`rangeWorkers`).
   */
  workers?: number;
  /** Bytes per range. Default RANGE_BYTES; smaller in tests, to put many boundaries in a small file. */
  rangeBytes?: number;
  /** Files smaller than this are scanned on the main thread alone. Default MIN_BYTES. */
  minBytes?: number;
  /** Told of each range as it is taken in, with the thread that scanned it (0: the main thread). */
  onRange?: (range: { index: number; bytes: number; thread: number }) => void;
  /** A large event list read by the main thread and a worker together (eventSplit.ts): its settings for tests. */
  eventSplit?: EventSplitOptions;
}

export interface EventSplitOptions {
  /** Lists smaller than this are read on the main thread alone. Default eventSplit.ts MIN_SPLIT_BYTES. */
  minBytes?: number;
  /** File offset from which the split point is looked for. Default: SPLIT_FRACTION of the file. */
  from?: number;
  /** Events per batch the worker sends. Default eventSplit.ts BATCH_EVENTS. */
  batchEvents?: number;
  /** Told where the list was split and how the split went (tests and the bench check it). */
  onSplit?: (split: SplitReport) => void;
}

/** How a split list was read: `at` the split point; `verified`: the main thread's reader stood there between items. */
export interface SplitReport {
  at: number;
  verified: boolean;
  /** Where the main thread read on from (`at` when nothing of the worker's was taken). */
  resumedAt: number;
  /** Events the worker read and the main thread took. */
  events: number;
}

/** A range is scanned in ~10 ms: results come often enough to keep the main thread's parsing fed. */
const RANGE_BYTES = 12 * 1024 * 1024;
/** A worker takes ~40 ms to start on an idle machine with cores to spare, while the main thread scans ~80 MiB. */
const MIN_BYTES = 64 * 1024 * 1024;
const MAX_WORKERS = 8;

/** The worker's script, beside this module: dist/ for the bundles (CLI and extension), out/ for tests. */
export const WORKER_SCRIPT = path.join(__dirname, 'scanWorker.js');

/**
 * Cores that have nothing to do, beyond the main thread's, at most MAX_WORKERS: what a worker needs
 * (`rangeWorkers`, eventSplit.ts). A worker on a core that other processes keep busy only adds its
 * start-up and its share of reading to the time: on the 2-core bench machine with a 1-minute load
 * average of 8-15, the file took ~1.0 s with a worker against ~0.66 s without (medians of 8 alternated
 * runs), while the reading on one thread already overlaps the scan with the reads node makes on its own
 * threads. Linux's autogroup scheduling (on there) shares the CPU between sessions, not threads: a busy
 * machine gives this process the same share with a worker as without, and the worker only splits it. The
 * load average counts this process's own thread, so up to cores - 0.5 leaves a core for a worker.
 */
export function idleCores(): number {
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  const idle = Math.round(cores - os.loadavg()[0]!);
  return Math.max(0, Math.min(MAX_WORKERS, cores - 1, idle));
}

/**
 * Workers for a log's range scan: one per idle core beyond the main thread's and beyond one more, the core
 * that the main thread's own reads (libuv's thread pool) and V8's collector and compiler threads keep busy.
 * A log is searched at ~3 GB/s, so a worker has little to take over, and on two cores its start-up costs
 * the main thread more than it takes: on a 2-core Firecracker VM (AMD EPYC; `diagnose --json`, 9
 * interleaved runs each, medians) an 80 MiB log took 410 ms without a worker and 518 ms with one, 256 MiB
 * 499 against 552 ms, 512 MiB 687 against 698 ms; a worker that only started and then sat idle already
 * cost 42 ms of the 80 MiB log's 361 ms. (A 2-core Intel machine gained 4% on 512 MiB, 0.461 against
 * 0.479 s.) An event list is another matter: each of its bytes costs far more, and its worker pays
 * (eventSplit.ts).
 */
export function rangeWorkers(idle = idleCores()): number {
  return Math.max(0, idle - 1);
}

/** RUNTIME_LENS_WORKERS=N: that many workers whatever the load (0: none), to measure or to rule them out. */
export function workersFromEnvironment(): number | null {
  const value = process.env.RUNTIME_LENS_WORKERS;
  if (value === undefined || !/^\d{1,3}$/.test(value)) return null;
  return Math.min(MAX_WORKERS, Number(value));
}

/**
 * `use(fd, size)` of `file` when it is a plain, uncompressed file of at least `minBytes` and the workers'
 * script is here; what `use` returns owns the descriptor, which is closed when it returns null or
 * throws. Null then, and when the file cannot be opened (the reading proper reports that).
 */
export function withLargeFile<T>(file: string, minBytes: number, use: (fd: number, size: number) => T | null): T | null {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return null;
  }
  let kept: T | null = null;
  try {
    const st = fs.fstatSync(fd);
    const head = Buffer.alloc(2);
    const gzip = fs.readSync(fd, head, 0, 2, 0) === 2 && head[0] === 0x1f && head[1] === 0x8b;
    if (!st.isFile() || gzip || st.size < minBytes || !fs.existsSync(WORKER_SCRIPT)) return null;
    kept = use(fd, st.size);
    return kept;
  } catch {
    return null;
  } finally {
    if (kept === null) fs.closeSync(fd);
  }
}

interface Slot {
  worker: Worker;
  dead: boolean;
}

/** The read or scan of a range failed; `code` is the errno code of a failed read. */
export class ScanFailure extends Error {
  constructor(
    message: string,
    readonly code: string | null,
  ) {
    super(message);
  }
}

export class ScanPool {
  private wake: (() => void) | null = null;
  private closed = false;

  private constructor(
    private readonly fd: number,
    readonly size: number,
    private readonly slots: Slot[],
    private readonly options: ParallelOptions,
  ) {
    for (const slot of slots) {
      const lost = () => {
        slot.dead = true;
        this.poke();
      };
      slot.worker.on('error', lost);
      slot.worker.on('exit', lost);
    }
  }

  /**
   * A pool for `file` when it is a plain file large enough to be worth it and workers can run here;
   * null otherwise (read it on the main thread). The workers start now.
   */
  static open(file: string, options: ParallelOptions | false | undefined): ScanPool | null {
    if (options === false) return null;
    const rangeBytes = options?.rangeBytes ?? RANGE_BYTES;
    return withLargeFile(file, options?.minBytes ?? MIN_BYTES, (fd, size) => {
      if (!ByteScanner.module()) return null;
      const count = Math.min(options?.workers ?? workersFromEnvironment() ?? rangeWorkers(), Math.floor(size / rangeBytes) - 1);
      if (count < 1) return null;
      const { Worker } = require('node:worker_threads') as typeof import('node:worker_threads');
      const slots: Slot[] = [];
      for (let i = 0; i < count; i++) {
        try {
          slots.push({ worker: new Worker(WORKER_SCRIPT), dead: false });
        } catch {
          break;
        }
      }
      return slots.length === 0 ? null : new ScanPool(fd, size, slots, options ?? {});
    });
  }

  private poke(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  /**
   * Scans bytes [from, size) of the file — `from` the start of a line — with the workers and with
   * `scanner` (the main thread's, its needles loaded), and hands each range's result to `consume` in
   * file order. `stop` is asked between ranges; what it returns is thrown.
   */
  async run(scanner: ByteScanner, from: number, maxLine: number, consume: (r: RangeResult) => void, stop: () => Error | null): Promise<void> {
    const plan = scanner.plan();
    if (!plan) throw new Error('ScanPool.run: the scanner has no needles');
    const rangeBytes = Math.min(this.options.rangeBytes ?? RANGE_BYTES, scanner.capacity - rangeCapacity(0, maxLine));
    const total = rangeCount(from, this.size, rangeBytes);
    // Results wait in order to be parsed; this many ranges at most are scanned ahead of the parsing.
    const ahead = 2 * (this.slots.length + 1) + 2;
    // Threads on the board: the main thread is the last.
    const board = RangeBoard.create(this.slots.length + 1, total, ahead);
    const main = this.slots.length;
    const done = new Map<number, RangeResult>();
    let consumed = 0;
    let failure: ScanFailure | null = null;
    const init: ToWorker = { type: 'init', module: ByteScanner.module()!, plan, capacity: rangeCapacity(rangeBytes, maxLine), fd: this.fd, maxLine };
    this.slots.forEach((slot, thread) => {
      if (slot.dead) return;
      slot.worker.on('message', (m: FromWorker) => {
        // A range scanned twice (taken back from a worker thought lost) counts once.
        if (m.type === 'result') {
          if (m.result.index >= consumed) done.set(m.result.index, m.result);
        } else failure ??= new ScanFailure(m.message, m.code);
        this.poke();
      });
      slot.worker.postMessage(init);
      slot.worker.postMessage({ type: 'ranges', board: board.buffer, thread, ahead, from, size: this.size, rangeBytes } satisfies ToWorker);
    });
    const alive = (thread: number) => thread === main || !this.slots[thread]!.dead;
    /** Whether range `index` was claimed by a worker that is gone without sending it: the main thread scans it. */
    const abandoned = (index: number) => this.slots.some((slot) => slot.dead) && board.abandoned(index, alive);
    /** The range the main thread is scanning itself, its read on libuv's thread pool meanwhile. */
    let own: Promise<void> | null = null;
    try {
      while (consumed < total) {
        if (failure) throw failure;
        const stopped = stop();
        if (stopped) throw stopped;
        const result = done.get(consumed);
        if (result) {
          done.delete(consumed);
          consumed += 1;
          board.takenIn(consumed);
          this.options.onRange?.({ index: result.index, bytes: result.bytes, thread: result.thread });
          consume(result);
          continue;
        }
        const index = own ? -1 : abandoned(consumed) ? consumed : board.claim(main, false);
        if (index >= 0) {
          const job = rangeJob(from, this.size, rangeBytes, index);
          own = scanRangeAsync(this.fd, scanner, job, maxLine)
            .then(
              (r) => void done.set(index, r),
              (e: NodeJS.ErrnoException) => void (failure ??= new ScanFailure(e.message, e.code ?? null)),
            )
            .finally(() => {
              board.release(main);
              own = null;
              this.poke();
            });
          continue;
        }
        await new Promise<void>((resolve) => (this.wake = resolve));
      }
    } finally {
      board.stop();
      // Its read writes into the scanner's memory: the scanner is not handed on before it is over.
      await own;
    }
  }

  /** Stops the workers and closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled(this.slots.map((s) => s.worker.terminate()));
    fs.closeSync(this.fd);
  }
}
