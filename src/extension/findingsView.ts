import * as path from 'node:path';
import * as vscode from 'vscode';
import { CAUSE_TITLES } from '../core/diagnosis/causes';
import { LOOKALIKE, type Row } from '../core/diagnosis/findingRows';
import { type FindingsSummary, SessionThread } from '../core/diagnosis/sessionThread';
import type { UserFacts } from '../core/diagnosis/types';
import { discoverLogs } from '../core/logs/discover';
import type { Finding } from '../core/signatures/types';
import type { Config } from './config';
import { setZone } from './say';
import { withoutDocument } from './largeFiles';
import type { TraceService } from './traceService';

/** Occurrences listed under one signature: the first ones; the signature's row gives the total. */
const MAX_OCCURRENCES = 100;
const REFRESH_DEBOUNCE_MS = 1500;
/** The panel's answers (diagnosisPanel.ts keeps them under this key): the tree ranks with them too. */
const ANSWERS_KEY = 'runtimeLens.diagnosisAnswers';

type Node =
  | { kind: 'node'; node: string | null }
  | { kind: 'cause'; node: string | null; cause: string }
  | { kind: 'signature'; node: string | null; cause: string; signature: string }
  | { kind: 'occurrence'; finding: Finding };

/**
 * The "Findings" view: every log of the workspace, by node → cause → signature → occurrence, each
 * opening its line. The cause of a node's findings is the diagnosis's: per group when the diagnosis
 * ranks groups, else the node's own leading cause (the fleet), else the verdict. It reads the logs
 * when the view is first shown and again when a log is saved or the Go sources are traced.
 */
export class FindingsView implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private readonly view: vscode.TreeView<Node>;
  private readonly subscriptions: vscode.Disposable[] = [];
  private rows: Row[] | undefined;
  private diagnosis: FindingsSummary | undefined;
  /**
   * The workspace logs as read, kept while unchanged (one reading per changed file), in a session of the
   * view's own, in a thread of its own (core/diagnosis/sessionThread.ts): a workspace holding a cluster's
   * event list has hundreds of thousands of findings, which the view gets as counts and each row's first
   * MAX_OCCURRENCES, not as a Finding each in the extension host.
   */
  private readonly session = new SessionThread();
  private reading: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly getConfig: () => Config,
    private readonly traces: TraceService,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.view = vscode.window.createTreeView('runtimeLens.findings', { treeDataProvider: this, showCollapseAll: true });
    this.subscriptions.push(
      this.view,
      this.view.onDidChangeVisibility((e) => e.visible && this.rows === undefined && void this.refresh()),
      vscode.workspace.onDidSaveTextDocument(() => this.schedule()),
      traces.onDidChange(() => this.schedule()),
      vscode.commands.registerCommand('runtimeLens.refreshFindings', () => this.refresh()),
      vscode.commands.registerCommand('runtimeLens.openFinding', (f: Finding) => openFinding(f)),
    );
  }

  private schedule(): void {
    if (this.rows === undefined) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.refresh(), REFRESH_DEBOUNCE_MS);
  }

  /** Reads the workspace's logs again (one reading at a time; a request during one waits for it). */
  refresh(): Promise<void> {
    this.reading ??= this.read().finally(() => (this.reading = undefined));
    return this.reading;
  }

  private async read(): Promise<void> {
    const config = this.getConfig();
    const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
    await vscode.window.withProgress({ location: { viewId: 'runtimeLens.findings' } }, async () => {
      // The view's own session: a refresh after a save reads only the files that changed; the panel's
      // session holds the panel's files, not the workspace's.
      const { rows, summary, failed } = await this.session.findings(
        config.session,
        folders.flatMap((f) => discoverLogs(f).files),
        { saveState: this.traces.state?.saveState ?? null, user: this.context.workspaceState.get<UserFacts>(ANSWERS_KEY, {}), setZone: setZone(), bundle: vscode.l10n.bundle ?? {} },
        MAX_OCCURRENCES,
      );
      for (const e of failed) this.log.warn(`findings: skipped ${e.file}: ${e.reason}`);
      this.diagnosis = summary;
      this.rows = rows;
    });
    const total = this.rows!.reduce((n, r) => n + r.count, 0);
    this.view.badge = total > 0 ? { value: total, tooltip: vscode.l10n.t('{0} recognised runtime errors in the workspace', total) } : undefined;
    this.view.message = this.rows!.length === 0 ? undefined : vscode.l10n.t('Read {0} at {1}', vscode.l10n.t('{0} log(s)', this.diagnosis!.inputs.files), new Date().toLocaleTimeString(vscode.env.language));
    this.emitter.fire(undefined);
    // Only now may the view say that there is nothing: before the first reading it is empty because unread.
    void vscode.commands.executeCommand('setContext', 'runtimeLens.findingsRead', true);
  }

  getChildren(node?: Node): Node[] {
    const rows = this.rows ?? [];
    if (!node) return unique(rows.map((r) => r.node)).map((n): Node => ({ kind: 'node', node: n }));
    switch (node.kind) {
      case 'node':
        return unique(rows.filter((r) => r.node === node.node).map((r) => r.cause)).map((cause): Node => ({ kind: 'cause', node: node.node, cause }));
      case 'cause':
        return rows.filter((r) => r.node === node.node && r.cause === node.cause).map((r): Node => ({ kind: 'signature', node: r.node, cause: r.cause, signature: r.signature }));
      case 'signature':
        return (this.row(node)?.findings ?? []).slice(0, MAX_OCCURRENCES).map((finding): Node => ({ kind: 'occurrence', finding }));
      default:
        return [];
    }
  }

  private row(n: { node: string | null; cause: string; signature: string }): Row | undefined {
    return this.rows?.find((r) => r.node === n.node && r.cause === n.cause && r.signature === n.signature);
  }

  private count(match: (r: Row) => boolean): number {
    return (this.rows ?? []).filter(match).reduce((n, r) => n + r.count, 0);
  }

  getTreeItem(node: Node): vscode.TreeItem {
    switch (node.kind) {
      case 'node': {
        const item = new vscode.TreeItem(node.node ?? vscode.l10n.t('Node not named in the logs'), vscode.TreeItemCollapsibleState.Expanded);
        item.id = `node:${node.node}`;
        item.description = vscode.l10n.t('{0} error(s)', this.count((r) => r.node === node.node));
        item.iconPath = new vscode.ThemeIcon('server');
        return item;
      }
      case 'cause': {
        const item = new vscode.TreeItem(this.causeTitle(node.cause), vscode.TreeItemCollapsibleState.Expanded);
        item.id = `cause:${node.node}:${node.cause}`;
        const confidence = this.confidence(node.node, node.cause);
        item.description = confidence === null ? undefined : `${Math.round(confidence * 100)}%`;
        const summary = this.diagnosis?.causes[node.cause]?.summary;
        item.tooltip = summary === undefined ? undefined : (vscode.l10n.bundle?.[summary] ?? summary);
        item.iconPath = new vscode.ThemeIcon(node.cause === LOOKALIKE ? 'eye' : node.cause === 'unknown' ? 'question' : 'lightbulb');
        return item;
      }
      case 'signature': {
        const row = this.row(node)!;
        const first = row.findings[0]!;
        const title = this.getConfig().matcher.byId(node.signature)?.title ?? node.signature;
        const item = new vscode.TreeItem(title, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `signature:${node.node}:${node.cause}:${node.signature}`;
        item.description = `${row.count}× · ${path.basename(first.file)}:${first.line}`;
        item.tooltip = new vscode.MarkdownString().appendCodeblock(first.text, 'text');
        item.iconPath = new vscode.ThemeIcon('error');
        item.command = { command: 'runtimeLens.openFinding', title: vscode.l10n.t('Open Finding'), arguments: [first] };
        return item;
      }
      case 'occurrence': {
        const f = node.finding;
        const item = new vscode.TreeItem(`${path.basename(f.file)}:${f.line}`, vscode.TreeItemCollapsibleState.None);
        item.id = `occurrence:${f.file}:${f.line}:${f.signature}`;
        item.description = f.time?.iso ?? f.text;
        item.tooltip = new vscode.MarkdownString().appendCodeblock(f.text, 'text');
        item.command = { command: 'runtimeLens.openFinding', title: vscode.l10n.t('Open Finding'), arguments: [f] };
        return item;
      }
    }
  }

  private causeTitle(cause: string): string {
    if (cause === LOOKALIKE) return vscode.l10n.t('Not runtime exec errors: look-alikes and evidence');
    const title = this.diagnosis?.causes[cause]?.title ?? CAUSE_TITLES[cause] ?? cause;
    // A catalog text: its translation is in the bundle under its English words, as the panel looks it up.
    return vscode.l10n.bundle?.[title] ?? title;
  }

  private confidence(node: string | null, cause: string): number | null {
    const d = this.diagnosis;
    if (!d || cause === LOOKALIKE) return null;
    const group = d.groups?.find((g) => g.node === node && g.verdict.cause === cause);
    if (group) return group.verdict.confidence;
    const fleet = d.fleet.find((n) => n.node === node);
    if (fleet) return fleet.cause === cause ? fleet.confidence : null;
    return d.hypotheses.find((h) => h.cause === cause)?.confidence ?? (d.verdict.cause === cause ? d.verdict.confidence : null);
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const s of this.subscriptions) s.dispose();
    void this.session.dispose();
    this.emitter.dispose();
  }
}

function unique<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}
async function openFinding(f: Finding): Promise<void> {
  const uri = vscode.Uri.file(f.file);
  // A compressed or over-large log has no text editor: it opens as VS Code shows it, and the finding's line is said.
  if (withoutDocument(f.file)) {
    await vscode.commands.executeCommand('vscode.open', uri);
    void vscode.window.setStatusBarMessage(vscode.l10n.t('Runtime Lens: line {0} of {1}', f.line, path.basename(f.file)), 5000);
    return;
  }
  const line = f.line - 1;
  const column = f.textColumn + f.match.start;
  await vscode.window.showTextDocument(uri, { selection: new vscode.Range(line, column, line, f.textColumn + f.match.end), preview: true });
}
