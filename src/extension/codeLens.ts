import * as vscode from 'vscode';
import type { Config } from './config';
import type { FindingsStore } from './findings';
import { type OriginsService, originsText } from './origins';

/**
 * "37× OCI exec EOF · Explain" on the first line of each signature's occurrences in a file, and
 * once a hover has searched its text, "Printed by runc at exec.go:110 | containerd shim at exec.go:210",
 * one link per program.
 */
export function registerCodeLens(store: FindingsStore, getConfig: () => Config, origins: OriginsService): vscode.Disposable {
  const changed = new vscode.EventEmitter<void>();
  const sub = store.onDidChange(() => changed.fire());
  const found = origins.onDidFind(() => changed.fire());
  const provider = vscode.languages.registerCodeLensProvider([{ scheme: 'file' }, { scheme: 'untitled' }], {
    onDidChangeCodeLenses: changed.event,
    provideCodeLenses(doc) {
      if (!getConfig().codeLens) return [];
      const entry = store.get(doc.uri);
      if (!entry) return [];
      return entry.groups.flatMap((g) => {
        const range = new vscode.Range(g.first.line - 1, 0, g.first.line - 1, 0);
        const lens = (title: string, tooltip: string, command: string, ...args: string[]) => new vscode.CodeLens(range, { title, tooltip, command, arguments: [doc.uri.toString(), ...args] });
        const lenses = [
          lens(vscode.l10n.t('{0}× {1} · Explain', g.count, g.signature.title), vscode.l10n.t('{0}: {1} occurrence(s) in this file — open the explanation', g.signature.title, g.count), 'runtimeLens.explain', g.signature.id),
          // Every family can be diagnosed (the differential tells a look-alike from a runtime error);
          // where documented causes print the error, the tooltip says the diagnosis tells them apart.
          lens(
            vscode.l10n.t('Diagnose'),
            g.signature.causes?.length
              ? vscode.l10n.t("Weigh the evidence in this node's logs and config: which of the causes that print it is it?")
              : vscode.l10n.t("Weigh the evidence in this node's logs and config: which documented cause?"),
            'runtimeLens.diagnose',
          ),
        ];
        if (g.signature.chain) lenses.push(lens(vscode.l10n.t('Trace call path'), vscode.l10n.t('Resolve the Go call path behind this error through the kubelet, docker, containerd and runc sources'), 'runtimeLens.trace'));
        // Only what a hover has already found: a lens never starts a search (opening a log must stay cheap).
        const answer = origins.cached(originsText(g.first));
        if (answer && 'origins' in answer) {
          // One link per program, its innermost part: a lens line has no room for more (the hover lists every part).
          const perProgram = answer.origins.filter((o, i, all) => all.findIndex((x) => x.component === o.component) === i);
          perProgram.forEach((o, i) => {
            const title = i === 0 ? vscode.l10n.t('Printed by {0}', origins.label(o)) : origins.label(o);
            lenses.push(new vscode.CodeLens(range, { title, tooltip: `“${o.text}” — ${o.symbol ?? vscode.l10n.t('package level')}, ${o.file}:${o.line}`, command: 'runtimeLens.openOrigin', arguments: [o.file, o.line] }));
          });
        }
        return lenses;
      });
    },
  });
  return vscode.Disposable.from(provider, sub, found, changed);
}
