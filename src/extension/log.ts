import * as vscode from 'vscode';

/** The "Runtime Lens" output channel: where the extension says what it did and what went wrong. */
export function createLog(context: vscode.ExtensionContext): vscode.LogOutputChannel {
  const log = vscode.window.createOutputChannel('Runtime Lens', { log: true });
  context.subscriptions.push(log);
  return log;
}
