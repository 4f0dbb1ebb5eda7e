import * as path from 'node:path';
import * as vscode from 'vscode';
import { explainMarkdown } from '../core/signatures/describe';
import type { Config } from './config';
import type { FindingsStore } from './findings';
import { say } from './say';

const SCHEME = 'runtime-lens-explain';

/**
 * "Explain": a read-only Markdown page per signature and log (explanation, causes, next steps, every
 * occurrence), served from memory and shown in the Markdown preview.
 */
export function registerExplain(store: FindingsStore, getConfig: () => Config): vscode.Disposable {
  const changed = new vscode.EventEmitter<vscode.Uri>();
  const pages = new Map<string, { log: string; id: string }>();
  const provider = vscode.workspace.registerTextDocumentContentProvider(SCHEME, {
    onDidChange: changed.event,
    provideTextDocumentContent(uri) {
      const page = pages.get(uri.toString());
      if (!page) return `# Runtime Lens\n\n${vscode.l10n.t('This explanation is no longer available: open it again from the log.')}\n`;
      const entry = store.get(vscode.Uri.parse(page.log));
      const group = entry?.groups.find((g) => g.signature.id === page.id);
      const sig = group?.signature ?? getConfig().matcher.byId(page.id);
      if (!sig) return `# Runtime Lens\n\n${vscode.l10n.t('Unknown signature {0}.', `\`${page.id}\``)}\n`;
      return explainMarkdown(sig, group, path.basename(vscode.Uri.parse(page.log).fsPath), undefined, say());
    },
  });
  // Keep open explanations in step with their log.
  const sub = store.onDidChange((logUri) => {
    for (const [page, p] of pages) if (p.log === logUri.toString()) changed.fire(vscode.Uri.parse(page));
  });
  const command = vscode.commands.registerCommand('runtimeLens.explain', async (logUri?: unknown, id?: unknown) => {
    const editorUri = vscode.window.activeTextEditor?.document.uri;
    const log = typeof logUri === 'string' ? logUri : editorUri?.toString();
    let sigId = typeof id === 'string' ? id : undefined;
    if (!log) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Runtime Lens: open a log first.'));
      return;
    }
    if (!sigId) {
      const groups = store.get(vscode.Uri.parse(log))?.groups ?? [];
      if (groups.length === 0) {
        void vscode.window.showInformationMessage(vscode.l10n.t('Runtime Lens: no recognised runtime errors in this file.'));
        return;
      }
      const pick = await vscode.window.showQuickPick(
        // Most frequent first: the error that floods the log is the one the user came for.
        [...groups].sort((a, b) => b.count - a.count).map((g) => ({ label: g.signature.title, description: `${g.count}×`, id: g.signature.id })),
        { placeHolder: vscode.l10n.t('Explain which error?') },
      );
      if (!pick) return;
      sigId = pick.id;
    }
    const uri = vscode.Uri.from({ scheme: SCHEME, path: `/${sigId}.md`, query: log });
    pages.set(uri.toString(), { log, id: sigId });
    changed.fire(uri);
    try {
      await vscode.commands.executeCommand('markdown.showPreviewToSide', uri);
    } catch {
      // Without the built-in Markdown extension, the page opens as text.
      const doc = await vscode.workspace.openTextDocument(uri);
      await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: true });
    }
  });
  return vscode.Disposable.from(provider, sub, command, changed);
}
