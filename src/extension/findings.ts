import { minimatch } from 'minimatch';
import * as vscode from 'vscode';
import { type Recognition, recogniseText, recogniseTextAsync } from '../core/signatures/recognise';
import { type FindingGroup, groupFindings } from '../core/signatures/summary';
import type { Finding } from '../core/signatures/types';
import type { Config } from './config';
import { logNotes } from './log';

/** What the extension knows about one open document. */
export interface DocumentFindings {
  uri: vscode.Uri;
  version: number;
  recognition: Recognition;
  groups: FindingGroup[];
  /** Findings by 0-based line, for hovers. */
  byLine: Map<number, Finding>;
}

/** Languages whose documents are examined when their path matches `runtimeLens.logGlobs`. */
const GLOB_LANGUAGES = new Set(['log', 'plaintext', 'json', 'jsonl', 'yaml']);
/** Typing in a log is rare, but a document being appended to (tail) changes constantly: coalesce. */
const DEBOUNCE_MS = 300;
/**
 * Documents larger than this (characters) are recognised piece by piece, giving the extension host
 * back between pieces: other extensions and the editor's requests are served while a large event list
 * or journal export is read.
 */
const SYNC_LIMIT = 4 * 1024 * 1024;

/**
 * The single place that runs recognition on documents; every surface (Problems, hovers, code lenses,
 * status bar) renders what this store holds and listens to `onDidChange`.
 */
export class FindingsStore implements vscode.Disposable {
  private readonly docs = new Map<string, DocumentFindings>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly emitter = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.emitter.event;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private config: Config,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.subscriptions.push(
      vscode.workspace.onDidOpenTextDocument((d) => this.schedule(d, 0)),
      vscode.workspace.onDidChangeTextDocument((e) => this.schedule(e.document, DEBOUNCE_MS)),
      vscode.workspace.onDidCloseTextDocument((d) => this.forget(d.uri)),
    );
    for (const d of vscode.workspace.textDocuments) this.schedule(d, 0);
  }

  /** Whether Runtime Lens looks at this document at all. */
  eligible(doc: vscode.TextDocument): boolean {
    if (doc.uri.scheme !== 'file' && doc.uri.scheme !== 'untitled' && doc.uri.scheme !== 'vscode-remote') return false;
    if (doc.languageId === 'runtime-log') return true;
    if (!GLOB_LANGUAGES.has(doc.languageId)) return false;
    const p = doc.uri.path;
    return this.config.logGlobs.some((g) => minimatch(p, g, { dot: true, matchBase: !g.includes('/') }));
  }

  get(uri: vscode.Uri): DocumentFindings | undefined {
    return this.docs.get(uri.toString());
  }

  setConfig(config: Config): void {
    this.config = config;
    // Signatures or time settings changed: every document's findings are stale, whatever its version.
    this.docs.clear();
    for (const d of vscode.workspace.textDocuments) this.schedule(d, 0);
  }

  private schedule(doc: vscode.TextDocument, delay: number): void {
    const key = doc.uri.toString();
    clearTimeout(this.timers.get(key));
    if (!this.eligible(doc)) {
      if (this.docs.has(key)) this.forget(doc.uri);
      return;
    }
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        void this.refresh(doc);
      }, delay),
    );
  }

  private async refresh(doc: vscode.TextDocument): Promise<void> {
    if (doc.isClosed) return;
    const key = doc.uri.toString();
    const version = doc.version;
    if (this.docs.get(key)?.version === version) return;
    const started = Date.now();
    let recognition: Recognition;
    try {
      const file = doc.uri.fsPath || doc.uri.path;
      const text = doc.getText();
      const options = { ...this.config.time, matcher: this.config.matcher };
      recognition = text.length <= SYNC_LIMIT ? recogniseText(file, text, options) : await recogniseTextAsync(file, text, options);
    } catch (e) {
      this.log.error(`recognising ${doc.uri.fsPath}: ${(e as Error).stack ?? e}`);
      return;
    }
    // Changed or closed while it was being read: the newer version has its own refresh coming.
    if (doc.isClosed || doc.version !== version) return;
    const byLine = new Map<number, Finding>();
    for (const f of recognition.findings) byLine.set(f.line - 1, f);
    this.docs.set(key, { uri: doc.uri, version, recognition, groups: groupFindings(recognition.findings, this.config.matcher), byLine });
    logNotes(this.log, recognition.notes);
    this.log.debug(`${doc.uri.fsPath}: ${recognition.findings.length} finding(s) in ${recognition.lines} line(s), ${Date.now() - started} ms`);
    this.emitter.fire(doc.uri);
  }

  private forget(uri: vscode.Uri): void {
    const key = uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    if (this.docs.delete(key)) this.emitter.fire(uri);
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    for (const s of this.subscriptions) s.dispose();
    this.emitter.dispose();
  }
}
