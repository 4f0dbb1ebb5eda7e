import * as vscode from 'vscode';
import type { TraceService } from './traceService';

/** In Go files on a traced chain: "hop 7/39 · reader", "← caller", "→ next" above each hop's func. */
export function registerGoCodeLens(service: TraceService): vscode.Disposable {
  const changed = new vscode.EventEmitter<void>();
  const sub = service.onDidChange(() => changed.fire());
  const provider = vscode.languages.registerCodeLensProvider(
    { scheme: 'file', pattern: '**/*.go' },
    {
      onDidChangeCodeLenses: changed.event,
      provideCodeLenses(doc) {
        const lenses: vscode.CodeLens[] = [];
        for (const { pos, hop, total } of service.hopsInFile(doc.uri.fsPath)) {
          const range = new vscode.Range(hop.line! - 1, 0, hop.line! - 1, 0);
          const chain = service.chain(pos.chain)!;
          lenses.push(new vscode.CodeLens(range, { title: vscode.l10n.t('hop {0}/{1} · {2}', pos.index + 1, total, chain.title), command: 'runtimeLens.openHop', arguments: [pos], tooltip: hop.note ?? hop.symbol }));
          const prev = service.hop({ chain: pos.chain, index: pos.index - 1 });
          if (prev) lenses.push(new vscode.CodeLens(range, { title: `← ${prev.symbol}`, command: 'runtimeLens.openHop', arguments: [{ chain: pos.chain, index: pos.index - 1 }], tooltip: vscode.l10n.t('Previous hop (the caller)') }));
          const next = service.hop({ chain: pos.chain, index: pos.index + 1 });
          if (next) lenses.push(new vscode.CodeLens(range, { title: `→ ${next.symbol}`, command: 'runtimeLens.openHop', arguments: [{ chain: pos.chain, index: pos.index + 1 }], tooltip: vscode.l10n.t('Next hop ({0})', next.boundary) }));
        }
        return lenses;
      },
    },
  );
  return vscode.Disposable.from(provider, sub, changed);
}
