/**
 * A worker thread of the range scan (parallel.ts): it gets the compiled scanner, the planned needles
 * and the file's descriptor once, then scans the ranges it is sent and posts back what each holds.
 * Or, sent an `events` job instead, it reads the tail of a split event list (eventSplit.ts, eventTail.ts).
 * Bundled on its own (dist/scanWorker.js) so that it starts without loading the rest of Runtime Lens.
 */
import { parentPort } from 'node:worker_threads';
import { type TailJob, type TailMessage, readTail } from './eventTail';
import { type RangeJob, scanRange } from './ranges';
import { ByteScanner, type NeedlePlan } from './scan';

export type ToWorker = { type: 'init'; module: object; plan: NeedlePlan; capacity: number; fd: number; maxLine: number } | { type: 'job'; job: RangeJob } | TailJob;
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
    if (!state) throw new Error('scan worker: a job before init');
    let reply: FromWorker;
    try {
      reply = { type: 'result', result: scanRange(state.fd, state.scanner, m.job, state.maxLine) };
    } catch (e) {
      reply = { type: 'error', index: m.job.index, message: (e as Error).message, code: (e as NodeJS.ErrnoException).code ?? null };
    }
    port.postMessage(reply);
  });
}
