/**
 * A worker thread of the range scan (parallel.ts): it gets the compiled scanner, the planned needles
 * and the file's descriptor once, then claims ranges on the shared board (ranges.ts RangeBoard) one
 * after another, scans each and posts back what it holds, until none is left.
 * Or, sent an `events` job instead, it reads the tail of a split event list (eventSplit.ts, eventTail.ts).
 * Bundled on its own (dist/scanWorker.js) so that it starts without loading the rest of Runtime Lens.
 */
import { parentPort } from 'node:worker_threads';
import { type TailJob, type TailMessage, readTail } from './eventTail';
import { RangeBoard, rangeCount, rangeJob, scanRange } from './ranges';
import { ByteScanner, type NeedlePlan } from './scan';

/** `ranges`: bytes [from, size) in ranges of `rangeBytes`, claimed on the board in `board` as thread `thread`. */
export type ToWorker =
  | { type: 'init'; module: object; plan: NeedlePlan; capacity: number; fd: number; maxLine: number }
  | { type: 'ranges'; board: SharedArrayBuffer; thread: number; ahead: number; from: number; size: number; rangeBytes: number }
  | TailJob;
export type FromWorker = { type: 'result'; result: import('./ranges').RangeResult } | { type: 'error'; index: number; message: string; code: string | null };

const port = parentPort;
if (port) {
  let state: { scanner: ByteScanner; fd: number; maxLine: number } | null = null;
  port.on('message', (m: ToWorker) => {
    if (m.type === 'events') {
      try {
        readTail(m, (batch) => port.postMessage(batch satisfies TailMessage));
      } catch (e) {
        port.postMessage({ type: 'tailError', message: (e as Error).message } satisfies TailMessage);
      }
      return;
    }
    if (m.type === 'init') {
      const scanner = ByteScanner.create(m.capacity, m.module);
      // Without a scanner this thread cannot help: the main thread takes its ranges back.
      if (!scanner) throw new Error('scan worker: no WebAssembly scanner in this thread');
      scanner.adopt(m.plan);
      state = { scanner, fd: m.fd, maxLine: m.maxLine };
      return;
    }
    if (!state) throw new Error('scan worker: ranges before init');
    const { scanner, fd, maxLine } = state;
    const board = new RangeBoard(m.board, rangeCount(m.from, m.size, m.rangeBytes), m.ahead);
    for (let index = board.claim(m.thread, true); index >= 0; index = board.claim(m.thread, true)) {
      const job = rangeJob(m.from, m.size, m.rangeBytes, index);
      let reply: FromWorker;
      try {
        reply = { type: 'result', result: scanRange(fd, scanner, job, maxLine) };
      } catch (e) {
        reply = { type: 'error', index, message: (e as Error).message, code: (e as NodeJS.ErrnoException).code ?? null };
      }
      port.postMessage(reply);
      board.release(m.thread);
      if (reply.type === 'error') return;
    }
  });
}
