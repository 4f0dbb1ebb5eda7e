import * as vscode from 'vscode';
import { discoverProjects, type ProjectRoot } from '../core/sources/roots';
import type { SourceRoot, SourceRootOrigin } from '../core/sources/sourceRoots';
import { loadAtlas } from '../core/trace/atlas';
import type { TraceService } from './traceService';

type Node = { kind: 'root'; root: SourceRoot } | { kind: 'copy'; copy: ProjectRoot };

/**
 * The "Sources" view: each Go source root Runtime Lens would trace through (workspace, settings,
 * GOPATH, module cache, Debian's gocode), and the project copies found in it with their versions —
 * so a user sees before tracing whether the runc their nodes run is among them. Finding the copies
 * looks only at the few paths a project can live at (roots.ts), so listing costs milliseconds.
 */
export class SourcesView implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private readonly subscriptions: vscode.Disposable[] = [];
  private readonly projects = loadAtlas().projects;
  private copies = new Map<string, ProjectRoot[]>();

  constructor(private readonly traces: TraceService) {
    this.subscriptions.push(
      vscode.window.createTreeView('runtimeLens.sources', { treeDataProvider: this }),
      traces.onDidChange(() => this.refresh()),
      vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('runtimeLens') && this.refresh()),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.refresh()),
    );
  }

  refresh(): void {
    this.copies.clear();
    this.emitter.fire(undefined);
  }

  private copiesIn(root: SourceRoot): ProjectRoot[] {
    let found = this.copies.get(root.dir);
    if (!found) {
      found = discoverProjects([root.dir], this.projects);
      this.copies.set(root.dir, found);
    }
    return found;
  }

  getChildren(node?: Node): Node[] {
    if (!node) return this.traces.currentRoots().map((root): Node => ({ kind: 'root', root }));
    if (node.kind === 'root') return this.copiesIn(node.root).map((copy): Node => ({ kind: 'copy', copy }));
    return [];
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node.kind === 'root') {
      const copies = this.copiesIn(node.root);
      const item = new vscode.TreeItem(vscode.Uri.file(node.root.dir), copies.length ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
      item.id = `root:${node.root.dir}`;
      item.label = node.root.dir;
      item.description = copies.length
        ? `${originLabel(node.root.origin)} · ${vscode.l10n.t('{0} project copies', copies.length)}`
        : `${originLabel(node.root.origin)} · ${vscode.l10n.t('no kubernetes, moby, containerd or runc here')}`;
      item.iconPath = new vscode.ThemeIcon('root-folder');
      return item;
    }
    const c = node.copy;
    const item = new vscode.TreeItem(`${c.project} ${c.version ?? vscode.l10n.t('(version unknown)')}`, vscode.TreeItemCollapsibleState.None);
    item.id = `copy:${c.project}:${c.dir}`;
    item.description = c.kind === 'vendor' && c.vendoredIn ? vscode.l10n.t('vendored in {0}', c.vendoredIn) : c.kind;
    item.tooltip = `${c.dir}\n${c.versionFrom ? vscode.l10n.t('version from {0}', c.versionFrom) : vscode.l10n.t('version not found')}`;
    item.iconPath = new vscode.ThemeIcon(c.kind === 'vendor' ? 'package' : 'repo');
    item.resourceUri = vscode.Uri.file(c.dir);
    item.command = { command: 'revealInExplorer', title: vscode.l10n.t('Reveal'), arguments: [vscode.Uri.file(c.dir)] };
    return item;
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.emitter.dispose();
  }
}

/** Where a root came from, in words (looked up when the view renders, in the display language). */
function originLabel(origin: SourceRootOrigin): string {
  switch (origin) {
    case 'workspace':
      return vscode.l10n.t('workspace folder');
    case 'setting':
      return 'runtimeLens.sourceRoots';
    case 'module cache':
      return vscode.l10n.t('module cache');
    case 'Debian gocode':
      return vscode.l10n.t('Debian gocode');
    default:
      return origin;
  }
}
