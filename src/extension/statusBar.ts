import * as vscode from 'vscode';
import type { Config } from './config';
import type { FindingsStore } from './findings';

/** The active log's count of recognised runtime errors; a click opens the Problems panel. */
export function registerStatusBar(store: FindingsStore, getConfig: () => Config): vscode.Disposable {
  const item = vscode.window.createStatusBarItem('runtimeLens.findings', vscode.StatusBarAlignment.Left, 50);
  item.name = 'Runtime Lens';
  item.command = 'workbench.actions.view.problems';
  const update = () => {
    const editor = vscode.window.activeTextEditor;
    const entry = editor ? store.get(editor.document.uri) : undefined;
    if (!getConfig().statusBar || !editor || !entry) {
      item.hide();
      return;
    }
    const total = entry.groups.reduce((n, g) => n + g.count, 0);
    item.text = total > 0 ? `$(pulse) ${(total === 1 ? vscode.l10n.t('1 runtime error') : vscode.l10n.t('{0} runtime errors', total))}` : `$(pass) ${vscode.l10n.t('no runtime errors')}`;
    const tip = new vscode.MarkdownString(
      total > 0 ? `**Runtime Lens** — ${editor.document.fileName.split(/[\\/]/).pop()}\n\n${entry.groups.map((g) => `- ${g.count}× ${g.signature.title}`).join('\n')}` : `**Runtime Lens**: ${vscode.l10n.t('no recognised runtime errors in this file')}`,
    );
    item.tooltip = tip;
    item.show();
  };
  return vscode.Disposable.from(item, store.onDidChange(update), vscode.window.onDidChangeActiveTextEditor(update));
}
