import * as vscode from 'vscode';
import type { Config } from './config';
import type { FindingsStore } from './findings';

/** "37× OCI exec EOF · Explain" on the first line of each signature's occurrences in a file. */
export function registerCodeLens(store: FindingsStore, getConfig: () => Config): vscode.Disposable {
  const changed = new vscode.EventEmitter<void>();
  const sub = store.onDidChange(() => changed.fire());
  const provider = vscode.languages.registerCodeLensProvider([{ scheme: 'file' }, { scheme: 'untitled' }], {
    onDidChangeCodeLenses: changed.event,
    provideCodeLenses(doc) {
      if (!getConfig().codeLens) return [];
      const entry = store.get(doc.uri);
      if (!entry) return [];
      return entry.groups.flatMap((g) => {
        const range = new vscode.Range(g.first.line - 1, 0, g.first.line - 1, 0);
        const lenses = [
          new vscode.CodeLens(range, {
            title: `${g.count}× ${g.signature.title} · Explain`,
            tooltip: `${g.signature.title}: ${g.count} occurrence(s) in this file — open the explanation`,
            command: 'runtimeLens.explain',
            arguments: [doc.uri.toString(), g.signature.id],
          }),
        ];
        // Errors that travel a known chain can be followed into the Go sources, and diagnosed.
        if (g.signature.cause) {
          lenses.push(
            new vscode.CodeLens(range, {
              title: 'Diagnose',
              tooltip: 'Weigh the evidence in this node\'s logs and config: is it the cpu-manager state.json race?',
              command: 'runtimeLens.diagnose',
              arguments: [doc.uri.toString()],
            }),
          );
        }
        if (g.signature.chain) {
          lenses.push(
            new vscode.CodeLens(range, {
              title: 'Trace call path',
              tooltip: 'Resolve the Go call path behind this error through the kubelet, docker, containerd and runc sources',
              command: 'runtimeLens.trace',
              arguments: [doc.uri.toString()],
            }),
          );
        }
        return lenses;
      });
    },
  });
  return vscode.Disposable.from(provider, sub, changed);
}
