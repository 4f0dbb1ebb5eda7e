import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { ThreadMemory } from '../core/diagnosis/sessionThread';
import type { Note } from '../core/logs/types';
import { formatNote } from '../core/signatures/recognise';

/** The "Runtime Lens" output channel: where the extension says what it did and what went wrong. */
export function createLog(context: vscode.ExtensionContext): vscode.LogOutputChannel {
  const log = vscode.window.createOutputChannel('Runtime Lens', { log: true });
  context.subscriptions.push(log);
  return log;
}

/** Every note of a reading, one warning each: what was cut, skipped or not parsed is never silent. */
export function logNotes(log: vscode.LogOutputChannel, notes: readonly Note[]): void {
  for (const n of notes) log.warn(formatNote(n));
}

/**
 * The extension host's memory in a few words, for the log lines of big work (a reading, a panel state, a
 * trace): its RSS, its peak so far where the system says it (Linux), and what of it is V8's heap and
 * array buffers — the extension host is shared with every other extension, so growth is worth saying.
 */
export function memoryNow(): string {
  const m = process.memoryUsage();
  const mb = (n: number) => `${Math.round(n / 1e6)} MB`;
  let peak = '';
  try {
    const hwm = /^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (hwm) peak = `, peak ${mb(Number(hwm) * 1024)}`;
  } catch {
    // Not Linux: the peak is not known.
  }
  return `RSS ${mb(m.rss)}${peak} (V8 heap ${mb(m.heapUsed)} used of ${mb(m.heapTotal)}, array buffers ${mb(m.arrayBuffers)})`;
}

/** The diagnosis session's thread's own memory (sessionThread.ts), for the same log lines. */
export function threadMemoryWords(m: ThreadMemory): string {
  return `the session's thread: V8 heap ${m.heapUsedMb} MB used of ${m.heapTotalMb} MB, array buffers ${m.arrayBuffersMb} MB`;
}
