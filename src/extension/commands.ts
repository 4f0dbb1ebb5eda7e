import * as vscode from 'vscode';
import { product } from '../core/product';
import { loadGoParser, wasmBeside } from '../core/sources/goParser';

/**
 * "Runtime Lens: Show Version" answers with the version and whether the Go parser loads, which is
 * the one thing a broken .vsix (missing .wasm files) gets wrong first.
 */
async function showVersion(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): Promise<void> {
  let parserState: string;
  try {
    const { language } = await loadGoParser(wasmBeside(vscode.Uri.joinPath(context.extensionUri, 'dist').fsPath));
    parserState = vscode.l10n.t('tree-sitter-go ready (ABI {0})', language.abiVersion);
  } catch (err) {
    parserState = vscode.l10n.t('tree-sitter-go failed to load: {0}', err instanceof Error ? err.message : String(err));
    log.error(parserState);
  }
  const message = `${product.displayName} ${product.version} · ${parserState}`;
  log.info(message);
  void vscode.window.showInformationMessage(message);
}

export function registerCommands(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('runtimeLens.showVersion', () => showVersion(context, log)),
  );
}
