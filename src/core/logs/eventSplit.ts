/**
 * A large `kubectl get events -o json` list read by two threads: the main thread reads the head of
 * the file as always, and a worker thread (eventTail.ts) reads the rest — the byte scan of each event,
 * its record and its text, the larger part of reading a list — while the main thread recognises. The
 * main thread then takes the worker's events, in order, and hands each to recognition exactly as its
 * own reader would have: recognition's state depends on the order of events, and stays on one thread.
 *
 * The split is speculative. The split point is a place in the file that looks like the start of an
 * item (`},{"` in a compact list, `},` then `{` on the next line in an indented one), found without
 * reading what comes before it; it may be a look-alike inside a message or a nested array. So when the
 * main thread's reader gets there it checks that it stands between two items of the list's `items`
 * (`JsonEventReader.splitState`) before it takes anything of the worker's; otherwise, or when the
 * worker did not start, died or failed, the main thread reads on by itself from where the worker's
 * events it took end. The worker reads only items its reader takes in place and stops at anything
 * else, where the main thread takes over again. Whatever happens, the events, their lines, columns and
 * texts, the notes and the line count are those of one thread reading the whole list
 * (test/unit/eventSplit.test.ts).
 *
 * Where to split: the main thread reads the head and recognises every event; the worker reads the
 * rest, at a higher cost per event than the main thread's reading (it numbers the values it sends).
 * Both finish together when the head is about a fifth of the file (SPLIT_FRACTION).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import type { Worker } from 'node:worker_threads';
import { type EventSink, FIRST_SIGHT, type ItemsState, type JsonEventReader, MAX_SHARED, type SharedBytes } from './events';
import { F_COMPONENT, F_CONTAINER, F_FIRST, F_MESSAGE, F_NAMESPACE, F_NODE, F_POD, F_TEXT, F_TIME, F_FLAGS, FIELDS, FLAG_FIRST_SIGHT, FLAG_WARNING, NUMS, type TailBatch, type TailJob, type TailMessage, ringSlot, ringSlotBytes } from './eventTail';
import { type ParallelOptions, WORKER_SCRIPT, idleCores, withLargeFile, workersFromEnvironment } from './parallel';
import { readFully } from './ranges';
import type { LogRecord, LogTime } from './types';

/**
 * The head's share of the file. From one thread's CPU times on the 133.5 MB compact list (400,000
 * events; bench machine, load 5.5, three alternated runs): reading it (scan, records, texts) 0.97-1.22 s,
 * recognising its events 1.01-1.03 s more, the worker's reading of it (with the numbering of its values)
 * 1.36-1.51 s, turning the worker's batches back into events ~0.1 s — the main thread's
 * x·(1.04 + 1.02) + (1 - x)·(1.02 + 0.1) meets the worker's (1 - x)·1.39 near x = 0.15. Timed (the
 * reading alone, recogniseFile, 3 runs each, load 1.6-1.8), a fifth did a little better, on both lists:
 * compact 1.45-1.69 s at 0.2, 1.53-1.86 s at 0.15, 1.46-1.63 s at 0.25, 1.63-1.82 s at 0.1, against
 * 2.12-2.28 s on one thread; indented 1.74-1.83 s at 0.2, 1.80-1.99 s at 0.15, 2.49-2.67 s on one thread.
 */
export const SPLIT_FRACTION = 0.2;
/** Smaller lists are read on one thread: a worker takes ~40 ms to start, a 32 MiB list ~0.5 s to read. */
export const MIN_SPLIT_BYTES = 32 * 1024 * 1024;
/**
 * Events per batch: 0.25 MB of numbers, a few ms of the main thread's time each. Since the worker sends
 * the values it meets once with their batch (the recorder's lists: most), a batch is also its strings,
 * serialized in the worker's memory until the main thread takes it: with 8,192 events the split list's
 * peak was 248-255 MiB, with 4,096 242-249 (interleaved, 3 runs each, both bench lists), in the same time.
 */
export const BATCH_EVENTS = 4096;
/**
 * Batches the worker may be ahead of the main thread: bounds the memory they hold (their numbers in the
 * ring, and their strings). Enough for the worker to read on while the main thread reads the head: on the
 * 133.5 MB list it made ~11 batches of 8,192 events meanwhile, and with 4 it stopped for 0.3-0.44 s, after
 * which the main thread waited for 38 of its 42 batches (0.58-0.73 s). With batches of 4,096 events, 16
 * ahead took the same time as 8,192 did (the worker may wait a little near the end of the head).
 */
const AHEAD = 16;
/** Bytes around the split offset searched for the start of an item. */
const WINDOW = 1024 * 1024;
/**
 * The worker's heap: its tables of shared values (a few MB on the bench lists), one batch being
 * filled. A small young generation keeps the process's peak memory down (its garbage is short-lived);
 * an old generation it outgrows ends the worker, and the main thread reads on itself.
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 256 };

const FORMAT = 'kubectl-events-json';

/**
 * A core nobody uses, beyond `idleCores`'s rounding: the other processes' load leaves a whole core and
 * a half. The split trades ~0.4 s of CPU (the worker's numbering, the batches) for the main thread's
 * ~0.9 s, which pays only when the worker runs beside the main thread, not in its turn (Linux's
 * autogroup gives a process the same share of a busy machine with a worker as without). Reading the
 * 133.5 MB list on the 2-core bench machine, 3-4 runs each: with no other busy process, 1.47-1.58 s
 * split against 1.98-2.05 s on one thread; with one other process keeping a core busy, 2.85-2.91 s
 * split against 2.03-2.30 s.
 */
function coreIsFree(): boolean {
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return os.loadavg()[0]! <= cores - 1.5;
}

/** The start of an item at or after `from`: the `{` of `}` `,` blanks `{`, or -1 when the window holds none. */
export function findItemStart(fd: number, from: number, size: number): number {
  const window = Buffer.allocUnsafe(Math.max(0, Math.min(WINDOW, size - from)));
  const n = readFully(fd, window, 0, window.length, from);
  const blank = (c: number | undefined) => c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;
  for (let i = window.indexOf(0x7d); i >= 0 && i < n; i = window.indexOf(0x7d, i + 1)) {
    let j = i + 1;
    while (j < n && blank(window[j])) j++;
    if (window[j] !== 0x2c) continue;
    j++;
    while (j < n && blank(window[j])) j++;
    if (j + 1 < n && window[j] === 0x7b && (window[j + 1] === 0x22 || blank(window[j + 1]))) return from + j;
  }
  return -1;
}

/** What the main thread read of the worker's part: it goes on from `at`. */
export interface SplitTaken {
  at: number;
  /** Newlines in the bytes skipped. */
  newlines: number;
  /** The last byte skipped, -1 for none. */
  last: number;
}

export class EventSplit {
  private readonly batches: TailBatch[] = [];
  private finished = false;
  private lost = false;
  private wake: (() => void) | null = null;
  private closed = false;

  private constructor(
    /** The split point. */
    readonly at: number,
    private readonly fd: number,
    private readonly worker: Worker,
    private readonly control: Int32Array,
    private readonly ring: SharedArrayBuffer,
    private readonly batchEvents: number,
    private readonly options: NonNullable<ParallelOptions['eventSplit']>,
  ) {
    worker.on('message', (m: TailMessage) => {
      if (m.type === 'batch') {
        this.batches.push(m);
        if (m.final) this.finished = true;
      } else this.lost = true;
      this.poke();
    });
    const lost = () => {
      this.lost = true;
      this.poke();
    };
    worker.on('error', lost);
    worker.on('exit', lost);
  }

  /**
   * A split of `file` when it is a plain file large enough to be worth it and a worker can run here
   * (parallel.ts's policy: `options` false, RUNTIME_LENS_WORKERS=0 or no idle core: none; and by
   * default a core really free, `coreIsFree`); null otherwise. The worker starts now, before the main
   * thread reads its first bytes.
   */
  static open(file: string, options: ParallelOptions | false | undefined): EventSplit | null {
    if (options === false) return null;
    const settings = options?.eventSplit ?? {};
    return withLargeFile(file, settings.minBytes ?? MIN_SPLIT_BYTES, (fd, size) => {
      if ((options?.workers ?? workersFromEnvironment() ?? (idleCores() >= 1 && coreIsFree() ? 1 : 0)) < 1) return null;
      const at = findItemStart(fd, Math.min(size, settings.from ?? Math.floor(size * SPLIT_FRACTION)), size);
      if (at < 0) return null;
      const { Worker } = require('node:worker_threads') as typeof import('node:worker_threads');
      const control = new Int32Array(new SharedArrayBuffer(8));
      const worker = new Worker(WORKER_SCRIPT, { resourceLimits: WORKER_LIMITS });
      const batchEvents = settings.batchEvents ?? BATCH_EVENTS;
      // One block for the batches' numbers, reused: per-batch arrays freed on this thread were left
      // in the worker's malloc arena, and the process's peak grew by their total.
      const ring = new SharedArrayBuffer(AHEAD * ringSlotBytes(batchEvents));
      const job: TailJob = { type: 'events', fd, from: at, size, control: control.buffer as SharedArrayBuffer, batchEvents, ahead: AHEAD, ring };
      worker.postMessage(job);
      return new EventSplit(at, fd, worker, control, ring, batchEvents, settings);
    });
  }

  private poke(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  /**
   * With `reader` having read the file up to the split point: when it stands between two items, hands
   * the worker's events to `sink` in order, as the reader would have, moves the reader past them and
   * says where to read on. `stop` is asked between batches and when `signal` aborts (what it returns is
   * thrown); `progress` is told the file offset reached.
   */
  async take(reader: JsonEventReader, sink: EventSink, stop: () => Error | null, progress: (at: number) => void, signal?: AbortSignal): Promise<SplitTaken> {
    const split = reader.splitState();
    const report = (resumedAt: number, events: number) => this.options.onSplit?.({ at: this.at, verified: split !== null, resumedAt, events });
    if (!split) {
      report(this.at, 0);
      await this.close();
      return { at: this.at, newlines: 0, last: -1 };
    }
    reader.shared.shareByStrings();
    const names: string[] = [];
    const texts: string[] = [];
    const times: (LogTime | null)[] = [];
    let at = this.at;
    let state: ItemsState = { newlines: 0, lineStart: this.at, lineLost: 0, items: 0 };
    let events = 0;
    const aborted = () => this.poke();
    signal?.addEventListener('abort', aborted);
    try {
      for (;;) {
        const stopped = stop();
        if (stopped) throw stopped;
        const b = this.batches.shift();
        if (b) {
          for (const s of b.names) names.push(reader.shared.name(s)!);
          for (const s of b.texts) texts.push(reader.shared.text(s));
          for (const s of b.times) times.push(reader.shared.time(s));
          replay(b, ringSlot(this.ring, b.slot, this.batchEvents), split.line, split.column16, names, texts, times, reader.shared, sink);
          events += b.count;
          at = b.at;
          state = b.state;
          Atomics.add(this.control, 0, 1);
          Atomics.notify(this.control, 0);
          progress(at);
          if (b.final) break;
          continue;
        }
        if (this.finished || this.lost) break;
        // A worker slow to start is waited for too: by the split point it has had a fifth of the reading's time.
        await new Promise<void>((resolve) => (this.wake = resolve));
      }
    } finally {
      signal?.removeEventListener('abort', aborted);
      reader.skipItems(at, state);
    }
    report(at, events);
    const last = Buffer.alloc(1);
    const skippedLast = at > this.at && fs.readSync(this.fd, last, 0, 1, at - 1) === 1 ? last[0]! : -1;
    await this.close();
    return { at, newlines: state.newlines, last: skippedLast };
  }

  /** Stops the worker and closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    Atomics.store(this.control, 1, 1);
    Atomics.notify(this.control, 0);
    await this.worker.terminate().catch(() => undefined);
    fs.closeSync(this.fd);
  }
}

/**
 * A number of a batch as the reader makes it: a small integer, not a double. (The batch holds doubles;
 * records and entries whose fields are doubles here and small integers on the main thread's own path
 * would have two shapes, and every later read of them in recognition would be slower.)
 */
const int = (x: number) => (x <= 0x7fffffff ? x | 0 : x);

/** A batch's events to `sink`, their records made of the main thread's shared values. */
function replay(b: TailBatch, slot: { nums: Float64Array; ids: Int32Array }, line: number, column16: number, names: string[], texts: string[], times: (LogTime | null)[], shared: SharedBytes, sink: EventSink): void {
  const { nums, ids } = slot;
  const { local } = b;
  // A value not numbered (the worker's tables were full) is as the reader makes one then: not shared.
  const str = (id: number, table: string[]) => (id >= 0 ? table[id]! : id === -1 ? null : local[-2 - id]!);
  const time = (id: number) => (id >= 0 ? times[id]! : id === -1 ? null : shared.time(local[-2 - id]!));
  for (let k = 0; k < b.count; k++) {
    const o = FIELDS * k;
    const n = NUMS * k;
    const rel = int(nums[n]!);
    let column = int(nums[n + 1]!);
    // Only an event on one line has a column; on the split point's line it is counted from the point.
    if (rel === 0 && column > 0) column += column16;
    const record: LogRecord = {
      format: FORMAT,
      payloadFormat: FORMAT,
      time: time(ids[o + F_TIME]!),
      firstTime: time(ids[o + F_FIRST]!),
      severity: ids[o + F_FLAGS]! & FLAG_WARNING ? 'warning' : 'info',
      component: str(ids[o + F_COMPONENT]!, names)!,
      pod: str(ids[o + F_POD]!, names),
      namespace: str(ids[o + F_NAMESPACE]!, names),
      container: str(ids[o + F_CONTAINER]!, names),
      count: int(nums[n + 2]!),
      message: str(ids[o + F_MESSAGE]!, names)!,
      node: str(ids[o + F_NODE]!, names),
    };
    // The worker's number for the message, past the main reader's own (its table's entries, fewer than MAX_SHARED).
    const message = ids[o + F_MESSAGE]!;
    sink.event({ line: line + rel, record, text: str(ids[o + F_TEXT]!, texts)!, column }, message >= 0 ? MAX_SHARED + message : ids[o + F_FLAGS]! & FLAG_FIRST_SIGHT ? FIRST_SIGHT : -1);
  }
}
