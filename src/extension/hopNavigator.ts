import * as path from 'node:path';
import * as vscode from 'vscode';
import type { CallPathView } from './callPathView';
import type { FindingsStore } from './findings';
import { type NodeStack, chainFor, chainsToTrace, entryOf, nodeStack } from '../core/trace/stack';
import type { HopPosition, TraceService } from './traceService';

/**
 * Walks a chain like a tour: opens a hop's declaration, highlights it and the line where it calls
 * the next hop, keeps the Call Path view in step. Also the trace and source-root commands.
 */
export function registerHopNavigation(service: TraceService, view: CallPathView, store: FindingsStore): vscode.Disposable {
  const hopLine = vscode.window.createTextEditorDecorationType({
    isWholeLine: true,
    backgroundColor: new vscode.ThemeColor('editor.rangeHighlightBackground'),
    overviewRulerColor: new vscode.ThemeColor('editorOverviewRuler.infoForeground'),
    overviewRulerLane: vscode.OverviewRulerLane.Full,
  });
  const callLine = vscode.window.createTextEditorDecorationType({
    isWholeLine: true,
    backgroundColor: new vscode.ThemeColor('editor.findMatchHighlightBackground'),
    after: { color: new vscode.ThemeColor('editorCodeLens.foreground'), margin: '0 0 0 2em' },
  });

  const openHop = async (pos?: HopPosition) => {
    if (!pos || typeof pos.chain !== 'string' || typeof pos.index !== 'number') return;
    const hop = service.hop(pos);
    if (!hop) return;
    service.setPosition(pos);
    void vscode.commands.executeCommand('setContext', 'runtimeLens.walkingChain', true);
    await view.reveal(pos);
    if (!hop.resolved || !hop.file || !hop.line) {
      const upstream = vscode.l10n.t('Open Upstream');
      const add = vscode.l10n.t('Add Go Source Root…');
      const choice = await vscode.window.showWarningMessage(
        vscode.l10n.t('Runtime Lens: hop {0} {1} is not in your Go sources. {2}', pos.index + 1, hop.symbol, hop.problem ?? ''),
        ...(hop.upstream ? [upstream] : []),
        add,
      );
      if (choice === upstream && hop.upstream) void vscode.env.openExternal(vscode.Uri.parse(hop.upstream));
      if (choice === add) void vscode.commands.executeCommand('runtimeLens.addSourceRoot');
      return;
    }
    const line = hop.line - 1;
    const editor = await vscode.window.showTextDocument(vscode.Uri.file(hop.file), {
      selection: new vscode.Range(line, 0, line, 0),
      preview: true,
    });
    editor.revealRange(new vscode.Range(line, 0, line, 0), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    editor.setDecorations(hopLine, [new vscode.Range(line, 0, line, 0)]);
    const next = service.hop({ chain: pos.chain, index: pos.index + 1 });
    const calls = next?.callSite && next.callSite.file === hop.file ? [next.callSite.line - 1] : [];
    editor.setDecorations(
      callLine,
      calls.map((l) => ({ range: new vscode.Range(l, 0, l, 0), renderOptions: { after: { contentText: `→ hop ${pos.index + 2}: ${next!.symbol} (${next!.boundary})` } } })),
    );
  };

  const step = (delta: number) => async () => {
    const pos = service.position;
    if (!pos) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Runtime Lens: open a hop in the Call Path view first.'));
      return;
    }
    const count = service.chain(pos.chain)?.hops.length ?? 0;
    const index = pos.index + delta;
    if (index < 0 || index >= count) {
      void vscode.window.showInformationMessage(delta > 0 ? vscode.l10n.t('Runtime Lens: that was the last hop of the chain.') : vscode.l10n.t('Runtime Lens: that was the first hop of the chain.'));
      return;
    }
    await openHop({ chain: pos.chain, index });
  };

  /**
   * What the log says its node runs (the atlas's stacks): its chains are the ones traced; the chain of
   * the log's main error (its entry point on that stack) is the one revealed.
   */
  const pathOf = (logUri: unknown): { node: NodeStack | null; chain: string | null } => {
    const uri = typeof logUri === 'string' ? vscode.Uri.parse(logUri) : vscode.window.activeTextEditor?.document.uri;
    const entry = uri ? store.get(uri) : undefined;
    if (!entry) return { node: null, chain: null };
    const node = nodeStack(service.atlas, entry.recognition.findings, entry.recognition.facts);
    const signatures = new Map(entry.groups.map((g) => [g.signature.id, g.signature]));
    return { node, chain: chainFor(service.atlas, node, entryOf(entry.recognition.findings, (id) => signatures.get(id))) };
  };

  return vscode.Disposable.from(
    hopLine,
    callLine,
    vscode.commands.registerCommand('runtimeLens.openHop', openHop),
    vscode.commands.registerCommand('runtimeLens.nextHop', step(1)),
    vscode.commands.registerCommand('runtimeLens.previousHop', step(-1)),
    vscode.commands.registerCommand('runtimeLens.trace', async (logUri?: unknown) => {
      const { node, chain } = pathOf(logUri);
      const state = await service.trace(chainsToTrace(service.atlas, node), node);
      if (!state) return;
      await vscode.commands.executeCommand('runtimeLens.callPath.focus');
      const first = chain && state.result.chains[chain] ? chain : Object.keys(state.result.chains)[0];
      if (first) await view.reveal({ chain: first, index: 0 });
    }),
    vscode.commands.registerCommand('runtimeLens.addSourceRoot', async () => {
      const picked = await vscode.window.showOpenDialog({
        canSelectFolders: true,
        canSelectFiles: false,
        canSelectMany: true,
        openLabel: vscode.l10n.t('Add Go Source Root'),
        title: vscode.l10n.t('Folders with the Go sources of kubernetes, moby (docker), containerd, go-runc and runc: checkouts, a GOPATH or a module cache'),
      });
      if (!picked?.length) return;
      const config = vscode.workspace.getConfiguration('runtimeLens');
      const current = config.get<string[]>('sourceRoots', []);
      const added = picked.map((u) => u.fsPath).filter((p) => !current.includes(p));
      const target = vscode.workspace.workspaceFolders?.length ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
      await config.update('sourceRoots', [...current, ...added], target);
      void vscode.window.showInformationMessage(
        added.length ? vscode.l10n.t('Runtime Lens: added {0} to runtimeLens.sourceRoots.', added.map((p) => path.basename(p)).join(', ')) : vscode.l10n.t('Runtime Lens: nothing new to add to runtimeLens.sourceRoots.'),
      );
      if (service.state) await vscode.commands.executeCommand('runtimeLens.trace');
    }),
  );
}
