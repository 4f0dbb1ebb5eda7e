/**
 * A plain log file cut into byte ranges that are scanned independently — on worker threads, or on the
 * main thread in between — and put back together in order. Kept free of everything but the scanner
 * and `fs`: a worker thread loads this module, and its start-up is part of every large file's time.
 *
 * A range owns the lines that START in it. Its scanner reads one byte before it (was the previous byte
 * a newline?) and goes on past its end to finish its last line, up to `maxLine` + 1 bytes: a longer
 * line is examined only up to `maxLine` bytes anyway. So every line is counted, and looked at, by
 * exactly one range, with the same result as reading the file from the start: the same line numbers
 * (each range's are counted from its first line, and the ranges before it say where that is), the
 * same overlong lines, CRLF, invalid UTF-8 and all (lines are handed on as latin1, as the single pass
 * does, and decoded by the caller).
 */
import * as fs from 'node:fs';
import type { ByteScanner } from './scan';

/** This thread's id (0 on the main thread). Required on first use: the CLI's start need not load worker_threads. */
let thread: number | undefined;
const threadId = () => (thread ??= (require('node:worker_threads') as typeof import('node:worker_threads')).threadId);

/** The lines that start in bytes [start, end) of the file. */
export interface RangeJob {
  index: number;
  start: number;
  end: number;
}

export interface RangeResult {
  index: number;
  /** Lines that start in the range (a last line without a newline counts). */
  lines: number;
  /** Lines holding a needle, in order, flattened: line in the range (0 for its first), its latin1 content. */
  hits: (number | string)[];
  /** Lines of the range longer than `maxLine` bytes (0 for its first line). */
  longLines: number[];
  /** Bytes of the range (end - start): the ranges of a file add up to its size, for progress. */
  bytes: number;
  /** The thread that scanned it (worker_threads' threadId: 0 for the main thread). */
  thread: number;
}

/** The capacity a scanner needs for ranges of `rangeBytes`: the byte before, the range, a last line's head. */
export function rangeCapacity(rangeBytes: number, maxLine: number): number {
  return 1 + rangeBytes + maxLine + 1;
}

/** How many ranges of `rangeBytes` cover bytes [from, size) of a file. */
export function rangeCount(from: number, size: number, rangeBytes: number): number {
  return Math.max(0, Math.ceil((size - from) / rangeBytes));
}

/** Range `index` of those of `rangeBytes` covering bytes [from, size): any thread works it out alike. */
export function rangeJob(from: number, size: number, rangeBytes: number, index: number): RangeJob {
  const start = from + index * rangeBytes;
  return { index, start, end: Math.min(size, start + rangeBytes) };
}

/**
 * Who scans which range, on memory every thread shares: each thread claims the next range itself when
 * it is done with one, so a worker goes on while the main thread is busy. Handed out by the main
 * thread in its message handler, a worker's next range waited for the main thread's own scan or parse
 * of the moment to end: the worker sat idle a third of the 512 MiB log's time. Not more than `ahead`
 * ranges are claimed beyond those the main thread has taken in (a worker waits), so what waits to be
 * parsed stays bounded. A thread's cell says which range it holds, so that the main thread can tell a
 * range lost with a dead worker from one still being scanned.
 */
export class RangeBoard {
  private static readonly NEXT = 0;
  private static readonly TAKEN = 1;
  private static readonly STOP = 2;
  private static readonly HELD = 3;
  private readonly cells: Int32Array;

  constructor(
    readonly buffer: SharedArrayBuffer,
    readonly total: number,
    readonly ahead: number,
  ) {
    this.cells = new Int32Array(buffer);
  }

  /** A board of `total` ranges for `threads` threads (numbered from 0), at most `ahead` of those taken in. */
  static create(threads: number, total: number, ahead: number): RangeBoard {
    const board = new RangeBoard(new SharedArrayBuffer(4 * (RangeBoard.HELD + threads)), total, ahead);
    board.cells.fill(-1, RangeBoard.HELD);
    return board;
  }

  /**
   * The next range for thread `thread`, or -1: none is left, the board is stopped, or (when `wait` is
   * false) the next is too far ahead of those taken in. With `wait`, blocks until it no longer is (a
   * worker's thread; never the main thread's). The thread's cell holds the range before it is claimed.
   */
  claim(thread: number, wait: boolean): number {
    const c = this.cells;
    for (;;) {
      if (Atomics.load(c, RangeBoard.STOP) !== 0) return -1;
      const next = Atomics.load(c, RangeBoard.NEXT);
      if (next >= this.total) return -1;
      const taken = Atomics.load(c, RangeBoard.TAKEN);
      if (next - taken >= this.ahead) {
        if (!wait) return -1;
        // Woken when a range is taken in or the board stops; the timeout only guards a lost wake-up.
        Atomics.wait(c, RangeBoard.TAKEN, taken, 100);
        continue;
      }
      Atomics.store(c, RangeBoard.HELD + thread, next);
      if (Atomics.compareExchange(c, RangeBoard.NEXT, next, next + 1) === next) return next;
    }
  }

  /** Thread `thread` is done with its range (its result sent). */
  release(thread: number): void {
    Atomics.store(this.cells, RangeBoard.HELD + thread, -1);
  }

  /**
   * Whether range `index` was claimed and no thread `alive` says lives holds it: it was lost with a
   * thread that is gone (or, in a moment's race, its result is on its way: scanned twice, it counts once).
   */
  abandoned(index: number, alive: (thread: number) => boolean): boolean {
    if (index >= Math.min(this.total, Atomics.load(this.cells, RangeBoard.NEXT))) return false;
    for (let t = RangeBoard.HELD; t < this.cells.length; t++) if (Atomics.load(this.cells, t) === index && alive(t - RangeBoard.HELD)) return false;
    return true;
  }

  /** The main thread has taken in ranges up to `taken` (exclusive): waiting workers may go on. */
  takenIn(taken: number): void {
    Atomics.store(this.cells, RangeBoard.TAKEN, taken);
    Atomics.notify(this.cells, RangeBoard.TAKEN);
  }

  /** No more ranges are claimed (the scan failed, was cancelled, or is over). */
  stop(): void {
    Atomics.store(this.cells, RangeBoard.STOP, 1);
    Atomics.notify(this.cells, RangeBoard.TAKEN);
  }
}

/**
 * Bytes read past a range's end at first, to finish its last line; the rest of `maxLine` only when no
 * newline is among them (a longer line). Reading the whole `maxLine` (1 MiB) behind every 12 MiB range
 * copied 8% more than the file from the page cache.
 */
const OVERFLOW = 64 * 1024;

/** Where a range's bytes go in the scanner: the byte before it, then the range, then its last line's rest. */
function extent(job: RangeJob, maxLine: number, scanner: ByteScanner): { lead: number; rangeEnd: number; want: number; first: number } {
  const lead = job.start > 0 ? 1 : 0;
  const want = lead + (job.end - job.start) + maxLine + 1;
  if (want > scanner.capacity) throw new RangeError(`scanRange: ${want} bytes do not fit a scanner of ${scanner.capacity}`);
  const rangeEnd = lead + (job.end - job.start);
  return { lead, rangeEnd, want, first: Math.min(want, rangeEnd + OVERFLOW) };
}

/** Whether the first read ended before the range's last line did: more of it is to be read. */
function unfinished(buf: Buffer, n: number, rangeEnd: number, first: number): boolean {
  return n === first && buf.subarray(0, n).indexOf(0x0a, rangeEnd - 1) < 0;
}

/** Reads `length` bytes at `position` into `buf` at `at`, fewer only at the end of the file; returns how many. */
export function readFully(fd: number, buf: Buffer, at: number, length: number, position: number): number {
  let n = 0;
  while (n < length) {
    const read = fs.readSync(fd, buf, at + n, length - n, position + n);
    if (read === 0) break;
    n += read;
  }
  return n;
}

async function readFullyAsync(fd: number, buf: Buffer, at: number, length: number, position: number): Promise<number> {
  let n = 0;
  while (n < length) {
    const read = await new Promise<number>((resolve, reject) => fs.read(fd, buf, at + n, length - n, position + n, (e, bytes) => (e ? reject(e) : resolve(bytes))));
    if (read === 0) break;
    n += read;
  }
  return n;
}

/**
 * Scans one range of the file open as `fd` with `scanner` (its needles loaded): reads it into the
 * scanner's memory with positioned reads, so any number of threads can share the descriptor.
 * Throws the read's error (an `ErrnoException`).
 */
export function scanRange(fd: number, scanner: ByteScanner, job: RangeJob, maxLine: number): RangeResult {
  const { lead, rangeEnd, want, first } = extent(job, maxLine, scanner);
  let n = readFully(fd, scanner.bytes, 0, first, job.start - lead);
  if (unfinished(scanner.bytes, n, rangeEnd, first)) n += readFully(fd, scanner.bytes, n, want - n, job.start - lead + n);
  return scanRead(scanner, job, maxLine, n);
}

/**
 * `scanRange` with the reads on libuv's thread pool: the main thread takes ranges too (parallel.ts),
 * and copying them from the page cache there took a sixth of its time, time it has the hits of all
 * ranges to parse in. Same result; the scanner's memory is written until the promise settles.
 */
export async function scanRangeAsync(fd: number, scanner: ByteScanner, job: RangeJob, maxLine: number): Promise<RangeResult> {
  const { lead, rangeEnd, want, first } = extent(job, maxLine, scanner);
  let n = await readFullyAsync(fd, scanner.bytes, 0, first, job.start - lead);
  if (unfinished(scanner.bytes, n, rangeEnd, first)) n += await readFullyAsync(fd, scanner.bytes, n, want - n, job.start - lead + n);
  return scanRead(scanner, job, maxLine, n);
}

/** The lines that start in `job`, from its `n` bytes read into the scanner (the byte before it first). */
function scanRead(scanner: ByteScanner, job: RangeJob, maxLine: number, n: number): RangeResult {
  const lead = job.start > 0 ? 1 : 0;
  const buf = scanner.bytes;
  const data = buf.subarray(0, n);
  /** Where job.end is in `buf`. */
  const rangeEnd = lead + (job.end - job.start);
  let from = lead;
  if (lead === 1 && buf[0] !== 0x0a) {
    // The range begins inside a line: that line belongs to the range it starts in.
    const nl = data.indexOf(0x0a, lead);
    if (nl < 0 || nl + 1 >= rangeEnd) return { index: job.index, lines: 0, hits: [], longLines: [], bytes: job.end - job.start, thread: threadId() };
    from = nl + 1;
  }
  if (from >= n) return { index: job.index, lines: 0, hits: [], longLines: [], bytes: job.end - job.start, thread: threadId() };
  // The last line starting before job.end ends at the first newline from job.end - 1 on; without one
  // within reach it is longer than maxLine (or the file ends), and the scanner cuts it.
  const nl = data.indexOf(0x0a, rangeEnd - 1);
  const to = nl >= 0 ? nl + 1 : n;
  const hits: (number | string)[] = [];
  const longLines: number[] = [];
  const newlines = scanner.scan(from, to, 0, (line, content) => hits.push(line, content), { maxLine, onLongLine: (line) => longLines.push(line) });
  return { index: job.index, lines: newlines + (buf[to - 1] === 0x0a ? 0 : 1), hits, longLines, bytes: job.end - job.start, thread: threadId() };
}
