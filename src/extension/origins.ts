import * as path from 'node:path';
import * as vscode from 'vscode';
import { type MessageOrigin, MessageOrigins } from '../core/origins/origins';
import { type Programs, loadPrograms } from '../core/origins/programs';
import type { Finding } from '../core/signatures/types';
import { loadGoParser, wasmBeside } from '../core/sources/goParser';
import { loadAtlas } from '../core/trace/atlas';
import type { TraceService } from './traceService';

/** A search's outcome: the origins, or that there are no Go sources to look in. */
export type OriginsAnswer = { origins: MessageOrigin[] } | { noSources: true };

/** The text to look for: the error inside the line (klog after `]`, logrus msg), not its log envelope. */
export function originsText(finding: Finding): string {
  return finding.record.message || finding.text;
}

/**
 * Where the parts of a recognised error text are printed, for the hover and the code lens. Searches
 * run only when a hover asks, once per text and set of source roots (the lens shows known answers); a
 * caller that stops waiting (hover dismissed) does not stop the search, whose answer the next hover
 * wants. The source roots are the trace's (TraceService.currentRoots); a change to them, to the
 * workspace folders or a saved Go file drops every answer.
 */
export class OriginsService implements vscode.Disposable {
  private finder: Promise<MessageOrigins> | undefined;
  private readonly answers = new Map<string, Promise<OriginsAnswer>>();
  private readonly settled = new Map<string, OriginsAnswer>();
  /** Files of answers given, the only ones `runtimeLens.openOrigin` opens. */
  private readonly known = new Set<string>();
  private readonly subscriptions: vscode.Disposable[] = [];
  private readonly found = new vscode.EventEmitter<void>();
  /** An answer came in (the code lens renders the known ones). */
  readonly onDidFind = this.found.event;
  readonly programs: Programs = loadPrograms();

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly traces: TraceService,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.subscriptions.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (['runtimeLens.sourceRoots', 'runtimeLens.sourceExclude', 'runtimeLens.includeSystemSources'].some((k) => e.affectsConfiguration(k))) this.invalidate();
      }),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.invalidate()),
      vscode.workspace.onDidSaveTextDocument((d) => {
        if (d.languageId === 'go') this.invalidate();
      }),
      vscode.commands.registerCommand('runtimeLens.openOrigin', (file: unknown, line: unknown) => this.open(file, line)),
    );
  }

  private invalidate(): void {
    this.answers.clear();
    this.settled.clear();
    void this.finder?.then((f) => f.invalidate());
  }

  private getFinder(): Promise<MessageOrigins> {
    this.finder ??= loadGoParser(wasmBeside(vscode.Uri.joinPath(this.context.extensionUri, 'dist').fsPath)).then(
      (parser) => new MessageOrigins(parser, loadAtlas().projects, this.programs),
    );
    return this.finder;
  }

  /** The answer for a text if it is already known (code lenses render it without waiting). */
  cached(text: string): OriginsAnswer | undefined {
    return this.settled.get(text);
  }

  /** Finds (or joins the search for) the origins of a text; undefined when the caller cancels or it fails. */
  async find(text: string, token?: vscode.CancellationToken): Promise<OriginsAnswer | undefined> {
    let answer = this.answers.get(text);
    if (!answer) {
      answer = this.search(text);
      this.answers.set(text, answer);
      answer.then(
        (a) => {
          if (this.answers.get(text) !== answer) return;
          this.settled.set(text, a);
          this.found.fire();
        },
        () => this.answers.delete(text),
      );
    }
    const cancelled = new Promise<undefined>((resolve) => token?.onCancellationRequested(() => resolve(undefined)));
    try {
      return await Promise.race([answer, cancelled]);
    } catch (e) {
      this.log.error(`message origins failed: ${(e as Error).stack ?? e}`);
      return undefined;
    }
  }

  private async search(text: string): Promise<OriginsAnswer> {
    const roots = this.traces.currentRoots().map((r) => r.dir);
    const finder = await this.getFinder();
    const copies = finder.setSourceRoots(roots);
    if (copies.length === 0) return { noSources: true };
    const result = await finder.find(text);
    for (const o of result.origins) this.known.add(o.file);
    this.log.info(`message origins: ${result.origins.length} part(s) in ${Math.round(result.elapsedMs)} ms (${result.filesRead} Go files read over ${copies.length} program copies)`);
    return { origins: result.origins };
  }

  /** "runc at exec.go:110", the words of one link. */
  label(o: MessageOrigin): string {
    return vscode.l10n.t('{0} at {1}', this.programs.components[o.component]?.title ?? o.component, `${path.basename(o.file)}:${o.line}`);
  }

  /** "Printed by [runc at exec.go:110] · [containerd shim at exec.go:210]" as trusted Markdown links (enable `runtimeLens.openOrigin`). */
  markdown(answer: OriginsAnswer): string {
    if ('noSources' in answer) return `${vscode.l10n.t('Where it is printed:')} [${vscode.l10n.t('Add Go Source Root…')}](command:runtimeLens.addSourceRoot "${vscode.l10n.t('Runtime Lens finds the lines that print each part of this error in your Go sources')}")`;
    if (answer.origins.length === 0) return '';
    const links = answer.origins.map((o) => {
      const args = encodeURIComponent(JSON.stringify([o.file, o.line]));
      const tip = `“${o.text}” — ${o.symbol ?? vscode.l10n.t('package level')}, ${o.file}:${o.line}${o.version ? ` (${o.version})` : ''}`.replace(/["\\]/g, "'");
      return `[${this.label(o)}](command:runtimeLens.openOrigin?${args} "${tip}")`;
    });
    return vscode.l10n.t('Printed by {0}', links.join(' · '));
  }

  /** Opens an origin's file at its line; only files this service reported, at a line that exists. */
  private async open(file: unknown, line: unknown): Promise<void> {
    if (typeof file !== 'string' || !path.isAbsolute(file) || !this.known.has(file) || typeof line !== 'number' || !Number.isInteger(line) || line < 1) {
      this.log.warn(`runtimeLens.openOrigin: refused ${JSON.stringify([file, line])}`);
      return;
    }
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    const at = new vscode.Position(Math.min(line, doc.lineCount) - 1, 0);
    const editor = await vscode.window.showTextDocument(doc, { selection: new vscode.Range(at, at), preview: true });
    editor.revealRange(new vscode.Range(at, at), vscode.TextEditorRevealType.InCenter);
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.found.dispose();
  }
}
