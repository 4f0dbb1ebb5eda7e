import * as vscode from 'vscode';
import { type DiagnosisBrief, type LayerLink, anatomyMarkdown, hoverMarkdown, innermostSummary } from '../core/signatures/describe';
import type { Finding, Layer } from '../core/signatures/types';
import type { Config } from './config';
import type { FindingsStore } from './findings';
import { type OriginsService, originsText } from './origins';
import { say } from './say';

function traceArgsFor(uri: vscode.Uri): string {
  return encodeURIComponent(JSON.stringify([uri.toString()]));
}

/**
 * Where a layer's link goes: the line of the user's Go sources that prints its words, when the origins
 * search already found it there (same program, overlapping words), else its file upstream at the tag.
 */
function layerLink(l: Layer, finding: Finding, origins: OriginsService): LayerLink | null {
  const answer = origins.cached(originsText(finding));
  const local = answer && 'origins' in answer ? answer.origins.find((o) => o.component === l.program && (l.text.includes(o.text) || o.text.includes(l.text))) : undefined;
  if (local) return { href: `command:runtimeLens.openOrigin?${encodeURIComponent(JSON.stringify([local.file, local.line]))}`, title: local.version ? vscode.l10n.t('{0}:{1} in your sources ({2})', local.file, local.line, local.version) : vscode.l10n.t('{0}:{1} in your sources', local.file, local.line) };
  if (l.upstream) return { href: l.upstream, title: vscode.l10n.t('{0} — upstream, {1}', l.origin!.function, l.versions ?? '') };
  return null;
}

/**
 * Hover on a recognised line: meaning, which cause the input supports (the open diagnosis of this file,
 * if any), origin, frequency in this file, next steps, an Explain link;
 * and, from a second provider, where each part of the error is printed in the user's Go sources. VS
 * Code shows each provider's part as it arrives, so the explanation never waits for that search.
 */
export function registerHover(store: FindingsStore, getConfig: () => Config, origins: OriginsService, diagnosisOf: (file: string) => DiagnosisBrief | undefined): vscode.Disposable {
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
        const layers = finding.anatomy ? anatomyMarkdown(finding.anatomy, innermostSummary(finding), (l) => layerLink(l, finding, origins), say()) : undefined;
        const md = new vscode.MarkdownString(hoverMarkdown(sig, finding, group, diagnosisOf(doc.uri.fsPath) ?? null, layers, say()));
        const args = encodeURIComponent(JSON.stringify([doc.uri.toString(), sig.id]));
        md.appendMarkdown(`\n\n[${vscode.l10n.t('Explain {0}', sig.title)}](command:runtimeLens.explain?${args} "${vscode.l10n.t('Open the explanation with every occurrence')}")`);
        // Every recognised error can be diagnosed: the differential weighs the look-alikes too.
        const weigh = sig.causes?.length
          ? vscode.l10n.t("Weigh the evidence in this node's logs: which of the causes that print it is it?")
          : vscode.l10n.t("Weigh the evidence in this node's logs and config: which documented cause?");
        md.appendMarkdown(` · [${vscode.l10n.t('Diagnose')}](command:runtimeLens.diagnose?${traceArgsFor(doc.uri)} "${weigh}")`);
        if (sig.chain) {
          md.appendMarkdown(` · [${vscode.l10n.t('Trace call path')}](command:runtimeLens.trace?${traceArgsFor(doc.uri)} "${vscode.l10n.t('Follow it through the Go sources')}")`);
        }
        md.isTrusted = { enabledCommands: ['runtimeLens.explain', 'runtimeLens.trace', 'runtimeLens.diagnose', 'runtimeLens.openOrigin'] };
        return new vscode.Hover(md, doc.lineAt(position.line).range);
      },
    },
  );
  return vscode.Disposable.from(explanation, printedBy);
}
