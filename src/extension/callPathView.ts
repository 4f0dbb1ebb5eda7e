import * as path from 'node:path';
import * as vscode from 'vscode';
import { CAUSES } from '../core/diagnosis/causes';
import { sourceAttachments } from '../core/diagnosis/observations';
import type { ChainNodeAttachment } from '../core/diagnosis/types';
import type { Hop } from '../core/trace/types';
import type { HopPosition, TraceService } from './traceService';

type Node =
  | { kind: 'chain'; chain: string }
  | { kind: 'group'; chain: string; component: string; from: number; to: number }
  | { kind: 'hop'; pos: HopPosition }
  | { kind: 'meet'; chain: string; node: number }
  | { kind: 'shim'; chain: string }
  | { kind: 'sources' }
  | { kind: 'source'; index: number };

const BOUNDARY_ICON: Record<string, string> = {
  call: 'symbol-method',
  interface: 'symbol-interface',
  http: 'globe',
  grpc: 'plug',
  exec: 'terminal',
  file: 'file',
};

const BOUNDARY_LABEL: Record<string, string> = { http: 'over HTTP', grpc: 'over gRPC', exec: 'fork/exec', file: 'through a file' };

/** A boundary in the display language (looked up when the view renders). */
function boundaryLabel(boundary: string): string {
  switch (boundary) {
    case 'http':
      return vscode.l10n.t('over HTTP');
    case 'grpc':
      return vscode.l10n.t('over gRPC');
    case 'file':
      return vscode.l10n.t('through a file');
    default:
      return BOUNDARY_LABEL[boundary]!;
  }
}

/** Markdown tooltip for a hop: what it does, where it is, how it is reached, what is missing. */
export function hopTooltip(hop: Hop): vscode.MarkdownString {
  const md = new vscode.MarkdownString();
  md.appendMarkdown(`**${hop.symbol}** · ${hop.component} · ${vscode.l10n.t('edge in: {0}', hop.boundary)}\n\n`);
  if (hop.note) md.appendMarkdown(`${hop.note}\n\n`);
  if (hop.resolved && hop.file) md.appendMarkdown(`\`${hop.file}:${hop.line}\`${hop.root?.version ? ` — ${hop.project} ${hop.root.version} (${hop.root.kind})` : ''}\n\n`);
  if (hop.callSite) {
    const site = `\`${path.basename(hop.callSite.file)}:${hop.callSite.line}\``;
    md.appendMarkdown(`${hop.via ? vscode.l10n.t('called from {0} through {1}', site, hop.via) : vscode.l10n.t('called from {0}', site)}${hop.foundBy === 'call' ? ` ${vscode.l10n.t('(found by following that call)')}` : ''}\n\n`);
  }
  if (hop.problem) md.appendMarkdown(`⚠ ${hop.problem}\n\n`);
  if (hop.upstream) md.appendMarkdown(`[${vscode.l10n.t('upstream')}](${hop.upstream})`);
  return md;
}

/**
 * The "Call Path" view: both chains hop by hop, grouped by component with the process boundaries
 * between groups, each chain ending at the nodes the observations attach for it (where the chains
 * meet: a file both sides use); and the Go source copies (project, version, layout) the trace used.
 */
/**
 * The words of the chain nodes the core's observations attach (observations/runc.ts: where the chains
 * meet at state.json), in the display language; anything else (the sources' own detail) stays as written.
 */
function chainNodeWords(text: string): string {
  switch (text) {
    case 'read and JSON-decoded here: empty gives EOF, half-written unexpected EOF':
      return vscode.l10n.t('read and JSON-decoded here: empty gives EOF, half-written unexpected EOF');
    case 'rewritten here by saveState':
      return vscode.l10n.t('rewritten here by saveState');
    case "Both chains meet at the container's `state.json`: the writer (`runc update` → saveState) rewrites it while the reader (`runc exec` → loadState) decodes it.":
      return vscode.l10n.t("Both chains meet at the container's `state.json`: the writer (`runc update` → saveState) rewrites it while the reader (`runc exec` → loadState) decodes it.");
    default:
      return text;
  }
}

export class CallPathView implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  readonly view: vscode.TreeView<Node>;
  private readonly sub: vscode.Disposable;
  private hopNodes = new Map<string, Node>();

  constructor(private readonly service: TraceService) {
    this.view = vscode.window.createTreeView('runtimeLens.callPath', { treeDataProvider: this, showCollapseAll: true });
    this.sub = service.onDidChange(() => {
      this.hopNodes.clear();
      this.emitter.fire(undefined);
    });
  }

  private hopNode(pos: HopPosition): Node {
    const key = `${pos.chain}:${pos.index}`;
    let n = this.hopNodes.get(key);
    if (!n) {
      n = { kind: 'hop', pos };
      this.hopNodes.set(key, n);
    }
    return n;
  }

  /** Groups consecutive hops of one component. */
  private groups(chain: string): { component: string; from: number; to: number }[] {
    const hops = this.service.chain(chain)?.hops ?? [];
    const out: { component: string; from: number; to: number }[] = [];
    hops.forEach((h, i) => {
      const last = out[out.length - 1];
      if (last && last.component === h.component) last.to = i;
      else out.push({ component: h.component, from: i, to: i });
    });
    return out;
  }

  /** The chain nodes the observations read from the traced sources attach (chain-node attachments). */
  private chainNodes(): ChainNodeAttachment[] {
    const state = this.service.state;
    if (!state) return [];
    return sourceAttachments(CAUSES, state.saveState).filter((a): a is ChainNodeAttachment => a.kind === 'chain-node');
  }

  getChildren(node?: Node): Node[] {
    const state = this.service.state;
    if (!state) return [];
    if (!node) return [...Object.keys(state.result.chains).map((chain): Node => ({ kind: 'chain', chain })), { kind: 'sources' }];
    switch (node.kind) {
      case 'chain':
        return [
          ...(this.service.chain(node.chain)?.shim ? [{ kind: 'shim', chain: node.chain } as Node] : []),
          ...this.groups(node.chain).map((g): Node => ({ kind: 'group', chain: node.chain, ...g })),
          ...this.chainNodes().flatMap((a, i): Node[] => (a.chains[node.chain] ? [{ kind: 'meet', chain: node.chain, node: i }] : [])),
        ];
      case 'group': {
        const out: Node[] = [];
        for (let i = node.from; i <= node.to; i++) out.push(this.hopNode({ chain: node.chain, index: i }));
        return out;
      }
      case 'sources':
        return state.result.roots.map((_, index): Node => ({ kind: 'source', index }));
      default:
        return [];
    }
  }

  getParent(node: Node): Node | undefined {
    if (node.kind === 'hop') {
      const g = this.groups(node.pos.chain).find((x) => node.pos.index >= x.from && node.pos.index <= x.to);
      return g ? { kind: 'group', chain: node.pos.chain, ...g } : undefined;
    }
    if (node.kind === 'group' || node.kind === 'meet' || node.kind === 'shim') return { kind: 'chain', chain: node.chain };
    if (node.kind === 'source') return { kind: 'sources' };
    return undefined;
  }

  getTreeItem(node: Node): vscode.TreeItem {
    const state = this.service.state!;
    switch (node.kind) {
      case 'chain': {
        const c = state.result.chains[node.chain]!;
        const item = new vscode.TreeItem(c.title, vscode.TreeItemCollapsibleState.Expanded);
        item.id = `chain:${node.chain}`;
        item.description = vscode.l10n.t('{0}/{1} hops', c.hops.filter((h) => h.resolved).length, c.hops.length);
        item.iconPath = new vscode.ThemeIcon(node.chain === 'writer' ? 'edit' : 'debug-alt');
        return item;
      }
      case 'group': {
        const first = state.result.chains[node.chain]!.hops[node.from]!;
        const item = new vscode.TreeItem(node.component, vscode.TreeItemCollapsibleState.Expanded);
        item.id = `group:${node.chain}:${node.from}`;
        item.description = node.from > 0 && BOUNDARY_LABEL[first.boundary] ? `← ${boundaryLabel(first.boundary)}` : vscode.l10n.t('{0} hop(s)', node.to - node.from + 1);
        item.iconPath = new vscode.ThemeIcon(node.from > 0 && BOUNDARY_ICON[first.boundary] ? BOUNDARY_ICON[first.boundary]! : 'package');
        return item;
      }
      case 'hop': {
        const hop = this.service.hop(node.pos)!;
        const current = this.service.position?.chain === node.pos.chain && this.service.position.index === node.pos.index;
        const item = new vscode.TreeItem(`${node.pos.index + 1}. ${hop.symbol}`, vscode.TreeItemCollapsibleState.None);
        item.id = `hop:${node.pos.chain}:${node.pos.index}`;
        item.description = hop.resolved && hop.file ? `${path.basename(hop.file)}:${hop.line}${hop.problem ? ' ⚠' : ''}` : vscode.l10n.t('not in your sources');
        item.tooltip = hopTooltip(hop);
        item.iconPath = new vscode.ThemeIcon(current ? 'debug-stackframe' : hop.resolved ? (BOUNDARY_ICON[hop.boundary] ?? 'circle') : 'question', hop.resolved ? undefined : new vscode.ThemeColor('disabledForeground'));
        item.contextValue = hop.resolved ? 'hop' : 'hop.unresolved';
        item.command = { command: 'runtimeLens.openHop', title: vscode.l10n.t('Open Hop'), arguments: [node.pos] };
        return item;
      }
      case 'shim': {
        // Which containerd shim this chain goes through, and the line of the sources that decides it.
        const choice = state.result.chains[node.chain]!.shim!;
        const label = choice.shim === 'v1' ? vscode.l10n.t('v1 shim (containerd-shim)') : choice.shim === 'v2' ? vscode.l10n.t('v2 shim (containerd-shim-runc-v2)') : vscode.l10n.t('shim unknown');
        const item = new vscode.TreeItem(vscode.l10n.t('Shim: {0}', label), vscode.TreeItemCollapsibleState.None);
        item.id = `shim:${node.chain}`;
        item.description = choice.runtime ?? vscode.l10n.t('every shim tried');
        item.tooltip = new vscode.MarkdownString(`${choice.why}`);
        item.iconPath = new vscode.ThemeIcon('server-process');
        if (choice.file && choice.line) item.command = { command: 'vscode.open', title: vscode.l10n.t('Open'), arguments: [vscode.Uri.file(choice.file), { selection: new vscode.Range(choice.line - 1, 0, choice.line - 1, 0) }] };
        return item;
      }
      case 'meet': {
        const hops = state.result.chains[node.chain]!.hops;
        const last = hops[hops.length - 1]!;
        const a = this.chainNodes()[node.node];
        const item = new vscode.TreeItem(a?.label ?? '', vscode.TreeItemCollapsibleState.None);
        item.id = `meet:${node.chain}:${node.node}`;
        item.description = chainNodeWords(a?.chains[node.chain] ?? '');
        item.tooltip = new vscode.MarkdownString((a?.tooltip ?? '').split('\n\n').map(chainNodeWords).join('\n\n'));
        item.iconPath = new vscode.ThemeIcon('json');
        item.command = { command: 'runtimeLens.openHop', title: vscode.l10n.t('Open Hop'), arguments: [{ chain: node.chain, index: hops.indexOf(last) }] };
        return item;
      }
      case 'sources': {
        const item = new vscode.TreeItem(vscode.l10n.t('Go sources'), vscode.TreeItemCollapsibleState.Collapsed);
        item.id = 'sources';
        item.description = vscode.l10n.t('{0} project copies in {1} roots', state.result.roots.length, state.sourceRoots.length);
        item.iconPath = new vscode.ThemeIcon('library');
        return item;
      }
      case 'source': {
        const r = state.result.roots[node.index]!;
        const item = new vscode.TreeItem(`${r.project} ${r.version ?? vscode.l10n.t('(version unknown)')}`, vscode.TreeItemCollapsibleState.None);
        item.id = `source:${r.dir}`;
        item.description = `${r.kind} · ${r.dir}`;
        item.tooltip = `${r.dir}\n${r.kind}${r.versionFrom ? `, ${vscode.l10n.t('version from {0}', r.versionFrom)}` : ''}\n${vscode.l10n.t('source root: {0}', r.sourceRoot)}`;
        item.iconPath = new vscode.ThemeIcon(r.kind === 'vendor' ? 'package' : 'repo');
        item.resourceUri = vscode.Uri.file(r.dir);
        return item;
      }
    }
  }

  async reveal(pos: HopPosition): Promise<void> {
    if (!this.view.visible && !this.service.state) return;
    try {
      await this.view.reveal(this.hopNode(pos), { select: true, focus: false, expand: true });
    } catch {
      // The view may be hidden; revealing is a nicety.
    }
  }

  refresh(): void {
    this.emitter.fire(undefined);
  }

  dispose(): void {
    this.sub.dispose();
    this.view.dispose();
    this.emitter.dispose();
  }
}
