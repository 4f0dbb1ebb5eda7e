import * as vscode from 'vscode';
import { loadGoParser, wasmBeside } from '../core/sources/goParser';
import { type SourceRoot, sourceRoots } from '../core/sources/sourceRoots';
import { atlasUnchecked, loadAtlas } from '../core/trace/atlas';
import { type SaveStateFact, saveStateFact } from '../core/trace/facts';
import { TraceCancelled, type TraceResult, Tracer } from '../core/trace/resolve';
import { CONTRACT_CHAINS, type NodeStack, runsOnNode } from '../core/trace/stack';
import type { Atlas, Chain, Hop } from '../core/trace/types';
import { memoryNow } from './log';

/** Where the user is in a chain while walking it hop by hop. */
export interface HopPosition {
  chain: string;
  index: number;
}

export interface TraceState {
  result: TraceResult;
  sourceRoots: SourceRoot[];
  saveState: SaveStateFact;
  /** What the input said the node runs when the trace was asked for (null: it did not say). */
  node: NodeStack | null;
}

/**
 * Owns the Tracer: which Go trees to use (workspace, settings, GOPATH, module cache, Debian gocode),
 * running a trace with progress and cancellation, and the last result every view renders.
 */
export class TraceService implements vscode.Disposable {
  private tracer: Tracer | undefined;
  private running: Promise<TraceState | undefined> | undefined;
  state: TraceState | undefined;
  position: HopPosition | undefined;
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly onDidChange = this.emitter.event;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
  ) {
    // Edits to Go sources in the editor invalidate exactly those files.
    this.subscriptions.push(
      vscode.workspace.onDidSaveTextDocument((d) => {
        if (d.languageId === 'go' && this.tracer) this.tracer.invalidate(d.uri.fsPath);
      }),
    );
  }

  currentRoots(): SourceRoot[] {
    const c = vscode.workspace.getConfiguration('runtimeLens');
    return sourceRoots({
      workspaceFolders: (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath),
      settings: c.get<string[]>('sourceRoots', []),
      exclude: c.get<string[]>('sourceExclude', []),
      env: process.env,
      includeSystem: c.get<boolean>('includeSystemSources', true),
    });
  }

  /** The chain atlas: validated once a trace has loaded it, else as shipped (its stacks, for choosing the chains). */
  get atlas(): Atlas {
    return this.tracer?.atlas ?? atlasUnchecked();
  }

  private async getTracer(): Promise<Tracer> {
    if (!this.tracer) {
      const parser = await loadGoParser(wasmBeside(vscode.Uri.joinPath(this.context.extensionUri, 'dist').fsPath));
      this.tracer = new Tracer(parser, loadAtlas());
    }
    return this.tracer;
  }

  /**
   * Runs (or joins) a trace of the chains the node's stack takes (core/trace/stack.ts); the first, cold one
   * shows a cancellable progress notification.
   */
  trace(chains: string[] = CONTRACT_CHAINS, node: NodeStack | null = null): Promise<TraceState | undefined> {
    this.running ??= this.run(chains, node).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async run(chains: string[], node: NodeStack | null): Promise<TraceState | undefined> {
    const roots = this.currentRoots();
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Runtime Lens: tracing the call path'), cancellable: true },
      async (progress, token) => {
        try {
          const tracer = await this.getTracer();
          const projects = tracer.setSourceRoots(roots.map((r) => r.dir));
          let reported = 0;
          const result = await tracer.trace(chains, token, (done, total) => {
            const pct = Math.floor((done / total) * 100);
            progress.report({ increment: pct - reported, message: vscode.l10n.t('{0}/{1} hops', done, total) });
            reported = pct;
          });
          const saveState = saveStateFact(tracer, result.chains);
          this.state = { result, sourceRoots: roots, saveState, node };
          const hops = Object.values(result.chains).flatMap((c) => c.hops);
          this.log.info(
            `trace: ${hops.filter((h) => h.resolved).length}/${hops.length} hops resolved in ${Math.round(result.elapsedMs)} ms (${result.parsedFiles} files parsed) over ${projects.length} project copies in ${roots.length} source roots; extension host ${memoryNow()}`,
          );
          this.emitter.fire();
          this.explainMissing(result, node);
          return this.state;
        } catch (e) {
          if (e instanceof TraceCancelled) {
            this.log.info('trace cancelled');
            return undefined;
          }
          this.log.error(`trace failed: ${(e as Error).stack ?? e}`);
          void vscode.window.showErrorMessage(vscode.l10n.t('Runtime Lens: the trace failed: {0}', (e as Error).message));
          return undefined;
        }
      },
    );
  }

  /**
   * When hops are missing, say which projects to add. Only hops of programs the node runs count: a
   * containerd node lacks no dockerd sources.
   */
  private explainMissing(result: TraceResult, node: NodeStack | null): void {
    const missing = new Map<string, number>();
    for (const c of Object.values(result.chains)) for (const h of c.hops) if (!h.resolved && runsOnNode(node, h.component)) missing.set(h.project, (missing.get(h.project) ?? 0) + 1);
    if (missing.size === 0) return;
    const atlas = this.atlas;
    const names = [...missing.keys()].map((p) => atlas.projects[p]?.title ?? p).join(', ');
    const count = [...missing.values()].reduce((a, b) => a + b, 0);
    const add = vscode.l10n.t('Add Go Source Root…');
    const show = vscode.l10n.t('Show Call Path');
    void vscode.window
      .showWarningMessage(
        node
          ? vscode.l10n.t('Runtime Lens: {0} hop(s) of the {1} path are not in your Go sources ({2}). Add a checkout, GOPATH or module cache that has them.', count, node.stack.id, names)
          : vscode.l10n.t('Runtime Lens: {0} hop(s) are not in your Go sources ({1}). Add a checkout, GOPATH or module cache that has them.', count, names),
        add,
        show,
      )
      .then((a) => {
        if (a === add) void vscode.commands.executeCommand('runtimeLens.addSourceRoot');
        if (a === show) void vscode.commands.executeCommand('runtimeLens.callPath.focus');
      });
  }

  chain(name: string): Chain | undefined {
    return this.state?.result.chains[name];
  }

  hop(pos: HopPosition): Hop | undefined {
    return this.chain(pos.chain)?.hops[pos.index];
  }

  /** Every resolved hop declared in a file, for code lenses in Go editors. */
  hopsInFile(file: string): { pos: HopPosition; hop: Hop; total: number }[] {
    const out: { pos: HopPosition; hop: Hop; total: number }[] = [];
    for (const [name, chain] of Object.entries(this.state?.result.chains ?? {})) {
      chain.hops.forEach((hop, index) => {
        if (hop.file === file) out.push({ pos: { chain: name, index }, hop, total: chain.hops.length });
      });
    }
    return out;
  }

  setPosition(pos: HopPosition | undefined): void {
    this.position = pos;
    this.emitter.fire();
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.emitter.dispose();
  }
}
