import * as vscode from 'vscode';
import { product } from '../core/product';
import { registerCommands } from './commands';
import { createLog } from './log';

// Activation only wires contributions up; anything expensive happens on first use.
export function activate(context: vscode.ExtensionContext): void {
  const log = createLog(context);
  log.info(`${product.displayName} ${product.version} activated (VS Code ${vscode.version})`);
  registerCommands(context, log);
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
