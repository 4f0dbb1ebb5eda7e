import * as vscode from 'vscode';
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
