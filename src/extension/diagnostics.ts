import * as vscode from 'vscode';
import type { Config } from './config';
import type { FindingsStore } from './findings';

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
        const d = new vscode.Diagnostic(range, `${g.signature.title}${total}`, severity[g.signature.severity]);
        d.source = 'runtime-lens';
        d.code = g.signature.id;
        out.push(d);
      });
    }
    collection.set(uri, out);
  };
  const sub = store.onDidChange(render);
  return vscode.Disposable.from(collection, sub);
}
