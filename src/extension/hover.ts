import * as vscode from 'vscode';
import { hoverMarkdown } from '../core/signatures/describe';
import type { Config } from './config';
import type { FindingsStore } from './findings';
import { type OriginsService, originsText } from './origins';

function traceArgsFor(uri: vscode.Uri): string {
  return encodeURIComponent(JSON.stringify([uri.toString()]));
}

/**
 * Hover on a recognised line: meaning, origin, frequency in this file, next steps, an Explain link;
 * and, from a second provider, where each part of the error is printed in the user's Go sources. VS
 * Code shows each provider's part as it arrives, so the explanation never waits for that search.
 */
export function registerHover(store: FindingsStore, getConfig: () => Config, origins: OriginsService): vscode.Disposable {
  // Registered first so VS Code places its part below the explanation (later providers go on top).
  const printedBy = vscode.languages.registerHoverProvider([{ scheme: 'file' }, { scheme: 'untitled' }], {
    async provideHover(doc, position, token) {
      if (!getConfig().hover) return undefined;
      const finding = store.get(doc.uri)?.byLine.get(position.line);
      if (!finding) return undefined;
      const answer = await origins.find(originsText(finding), token);
      const where = answer && !token.isCancellationRequested ? origins.markdown(answer) : '';
      if (!where) return undefined;
      const md = new vscode.MarkdownString(where);
      md.isTrusted = { enabledCommands: ['runtimeLens.openOrigin', 'runtimeLens.addSourceRoot'] };
      return new vscode.Hover(md, doc.lineAt(position.line).range);
    },
  });
  const explanation = vscode.languages.registerHoverProvider(
    [{ scheme: 'file' }, { scheme: 'untitled' }],
    {
      provideHover(doc, position) {
        if (!getConfig().hover) return undefined;
        const entry = store.get(doc.uri);
        const finding = entry?.byLine.get(position.line);
        if (!entry || !finding) return undefined;
        const group = entry.groups.find((g) => g.signature.id === finding.signature);
        const sig = group?.signature ?? getConfig().matcher.byId(finding.signature);
        if (!sig) return undefined;
        const md = new vscode.MarkdownString(hoverMarkdown(sig, finding, group));
        const args = encodeURIComponent(JSON.stringify([doc.uri.toString(), sig.id]));
        md.appendMarkdown(`\n\n[${vscode.l10n.t('Explain {0}', sig.title)}](command:runtimeLens.explain?${args} "${vscode.l10n.t('Open the explanation with every occurrence')}")`);
        // Every recognised error can be diagnosed: the differential weighs the look-alikes too.
        md.appendMarkdown(` · [${vscode.l10n.t('Diagnose')}](command:runtimeLens.diagnose?${traceArgsFor(doc.uri)} "${vscode.l10n.t("Weigh the evidence in this node's logs and config: which documented cause?")}")`);
        if (sig.chain) {
          md.appendMarkdown(` · [${vscode.l10n.t('Trace call path')}](command:runtimeLens.trace?${traceArgsFor(doc.uri)} "${vscode.l10n.t('Follow it through the Go sources')}")`);
        }
        md.isTrusted = { enabledCommands: ['runtimeLens.explain', 'runtimeLens.trace', 'runtimeLens.diagnose'] };
        return new vscode.Hover(md, doc.lineAt(position.line).range);
      },
    },
  );
  return vscode.Disposable.from(explanation, printedBy);
}
