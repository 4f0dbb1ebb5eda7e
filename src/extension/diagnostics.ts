import * as vscode from 'vscode';
import { findingTitle } from '../core/signatures/describe';
import type { Config } from './config';
import type { FindingsStore } from './findings';
import { say } from './say';

const severity: Record<'error' | 'warning' | 'info', vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
};

/**
 * Problems-panel entries (source `runtime-lens`, code = signature id), so Error Lens and friends show
 * them too. A log can repeat one error thousands of times: each signature lists its first
 * `maxPerSignature` lines, and its first entry says how many there are in all.
 */
export function registerDiagnostics(store: FindingsStore, getConfig: () => Config): vscode.Disposable {
  const collection = vscode.languages.createDiagnosticCollection('runtime-lens');
  const render = (uri: vscode.Uri) => {
    const entry = store.get(uri);
    const config = getConfig();
    if (!entry || !config.diagnostics) {
      collection.delete(uri);
      return;
    }
    const out: vscode.Diagnostic[] = [];
    for (const g of entry.groups) {
      const shown = g.findings.slice(0, config.maxProblemsPerSignature);
      shown.forEach((f, i) => {
        const range = new vscode.Range(f.line - 1, f.textColumn + f.match.start, f.line - 1, f.textColumn + f.match.end);
        const total = i === 0 ? ` — ${g.findings.length > shown.length ? vscode.l10n.t('{0}× in this file (first {1} lines listed)', g.count, shown.length) : vscode.l10n.t('{0}× in this file', g.count)}` : '';
        // A runtime error's entry names its innermost error: what failed, on what, with which errno.
        const d = new vscode.Diagnostic(range, `${findingTitle(g.signature, f, say())}${total}`, severity[g.signature.severity]);
        d.source = 'runtime-lens';
        d.code = g.signature.id;
        // The other lines of the same event (the kernel's OOM report, one exec logged twice): linked, not counted.
        if (f.related?.length) d.relatedInformation = f.related.slice(0, 8).map((l) => new vscode.DiagnosticRelatedInformation(new vscode.Location(uri, new vscode.Range(l - 1, 0, l - 1, 0)), `line ${l}: the same ${g.signature.title.toLowerCase()}`));
        out.push(d);
      });
    }
    collection.set(uri, out);
  };
  const sub = store.onDidChange(render);
  return vscode.Disposable.from(collection, sub);
}
