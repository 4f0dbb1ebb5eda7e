import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { CAUSES } from '../core/diagnosis/causes';
import { headline } from '../core/diagnosis/numbers';
import { answerFrom, withLabResult } from '../core/diagnosis/observations';
import { type HostMessage, type PanelState, parseWebviewMessage } from '../core/diagnosis/protocol';
import type { SessionDerived } from '../core/diagnosis/sessionThread';
import type { UserFacts } from '../core/diagnosis/types';
import type { ReproduceOutcome } from '../core/reproduce/types';
import { type NodeStack, chainsToTrace } from '../core/trace/stack';
import type { Config } from './config';
import { diagnosisSession, inputFiles } from './diagnoseOnDisk';
import { activeFile, withoutDocument } from './largeFiles';
import { logNotes, memoryNow, threadMemoryWords } from './log';
import { openReproduceScript } from './reproduce';
import type { TraceService } from './traceService';
import { say, setZone } from './say';

const ANSWERS_KEY = 'runtimeLens.diagnosisAnswers';
const REFRESH_DEBOUNCE_MS = 1000;

/** What a panel state is made of: the input (the session's recognitions, time options, pastes), the answers, the traced sources. */
interface StateKey {
  input: string;
  answers: string;
  sources: string;
  /** The signatures the input was recognised with (the setting's value). */
  signatures: string;
}

function subjectOf(files: string[]): string {
  const names = files.map((f) => path.basename(f));
  return names.length <= 3 ? names.join(', ') : vscode.l10n.t('{0} and {1} more', names.slice(0, 3).join(', '), names.length - 3);
}

function isUnder(file: string, roots: string[]): boolean {
  const f = path.resolve(file);
  return roots.some((r) => f === path.resolve(r) || f.startsWith(path.resolve(r) + path.sep));
}

/**
 * The diagnosis panel's host side: gathers the logs, runs the core, sends the webview one typed state,
 * and acts on the webview's validated requests. The front end lives in media/ (panel.ts).
 */
export class DiagnosisPanel implements vscode.Disposable {
  private static current: DiagnosisPanel | undefined;
  private readonly panel: vscode.WebviewPanel;
  private readonly disposables: vscode.Disposable[] = [];
  private files: string[] = [];
  private state: PanelState | undefined;
  /** What the diagnosed input says the node runs. */
  private node: NodeStack | null = null;
  private tracesAsked = '';
  private timer: NodeJS.Timeout | undefined;
  /** Node output pasted into the panel for this session: diagnosed with the files, never written anywhere. */
  private pasted: { name: string; text: string }[] = [];
  private pasteCount = 0;
  /** Whether the session has read this panel's files at least once. */
  private read = false;
  /** A render is asked for and has not started: requests meanwhile make no other. */
  private renderQueued = false;
  /** The renders, one after the other: each waits for the session's thread. */
  private rendering: Promise<void> = Promise.resolve();
  private disposed = false;
  /** What the state sent last was made of. */
  private made: StateKey | undefined;
  /** States sent to the webview so far. */
  private posted = 0;
  /** Whether the webview shows a busy message (until the next state). */
  private busy = false;

  static show(context: vscode.ExtensionContext, traces: TraceService, getConfig: () => Config, log: vscode.LogOutputChannel, files: string[]): DiagnosisPanel {
    const existing = DiagnosisPanel.current;
    if (existing) {
      existing.panel.reveal(vscode.ViewColumn.Beside);
      existing.setFiles(files);
      return existing;
    }
    DiagnosisPanel.current = new DiagnosisPanel(context, traces, getConfig, log, files);
    return DiagnosisPanel.current;
  }

  private constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly traces: TraceService,
    private readonly getConfig: () => Config,
    private readonly log: vscode.LogOutputChannel,
    files: string[],
  ) {
    const media = vscode.Uri.joinPath(context.extensionUri, 'media');
    const bundle = vscode.Uri.joinPath(context.extensionUri, 'dist', 'media');
    this.panel = vscode.window.createWebviewPanel('runtimeLens.diagnosis', vscode.l10n.t('Runtime Lens: Diagnosis'), vscode.ViewColumn.Beside, {
      enableScripts: true,
      localResourceRoots: [media, bundle],
      enableFindWidget: true,
    });
    this.panel.iconPath = vscode.Uri.joinPath(media, 'icon.png');
    this.panel.webview.html = this.html(this.panel.webview, media, bundle);
    this.disposables.push(
      this.panel.onDidDispose(() => this.dispose()),
      this.panel.webview.onDidReceiveMessage((m) => this.onMessage(m)),
      // A new trace changes the sources' evidence, not the logs: diagnosed again without reading them.
      traces.onDidChange(() => this.render()),
      // Logs that grow or change on disk (a tail, a re-collected file) re-run the diagnosis.
      vscode.workspace.onDidSaveTextDocument((d) => this.files.includes(d.uri.fsPath) && this.schedule()),
    );
    const watcher = vscode.workspace.createFileSystemWatcher('**/*');
    watcher.onDidChange((u) => this.files.includes(u.fsPath) && this.schedule());
    this.disposables.push(watcher);
    this.setFiles(files);
  }

  private html(webview: vscode.Webview, media: vscode.Uri, bundle: vscode.Uri): string {
    const nonce = randomBytes(16).toString('base64');
    const css = webview.asWebviewUri(vscode.Uri.joinPath(media, 'panel.css'));
    const js = webview.asWebviewUri(vscode.Uri.joinPath(bundle, 'panel.js'));
    const csp = [
      "default-src 'none'",
      `style-src ${webview.cspSource} 'nonce-${nonce}'`,
      `script-src 'nonce-${nonce}'`,
      `img-src ${webview.cspSource} data:`,
      `font-src ${webview.cspSource}`,
    ].join('; ');
    return `<!DOCTYPE html>
<html lang="${vscode.env.language}">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta property="csp-nonce" content="${nonce}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${css}" nonce="${nonce}">
<title>Runtime Lens: Diagnosis</title>
</head>
<body>
<div id="app"></div>
<script type="module" nonce="${nonce}" src="${js}"></script>
</body>
</html>`;
  }

  /**
   * Keeps a reproduce outcome (measured by the lab or entered by hand) with the panel's answers, one
   * per scenario, so the diagnosis weighs it; an open panel re-runs the diagnosis with it.
   */
  static async recordReproduced(context: vscode.ExtensionContext, outcome: ReproduceOutcome): Promise<void> {
    const answers = context.workspaceState.get<UserFacts>(ANSWERS_KEY, {});
    await context.workspaceState.update(ANSWERS_KEY, withLabResult(answers, outcome.scenario, outcome));
    DiagnosisPanel.current?.render();
  }

  private get answers(): UserFacts {
    return this.context.workspaceState.get<UserFacts>(ANSWERS_KEY, {});
  }

  private async saveAnswers(answers: UserFacts): Promise<void> {
    await this.context.workspaceState.update(ANSWERS_KEY, answers);
    this.render();
  }

  setFiles(files: string[]): void {
    this.files = files;
    void this.refresh();
  }

  /** The pasted texts changed: recognised in memory and diagnosed with the files, which are not read again. */
  private repaste(): void {
    void diagnosisSession()
      .setPasted(this.getConfig().session, this.pasted)
      .then(
        () => this.render(),
        (e: unknown) => this.log.error(`diagnosis panel: ${(e as Error).stack ?? e}`),
      );
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.refresh(), REFRESH_DEBOUNCE_MS);
  }

  private post(message: HostMessage): void {
    // The webview shows a busy message until the next state.
    if (message.type === 'busy') this.busy = true;
    if (message.type === 'state') this.busy = false;
    void this.panel.webview.postMessage(message);
  }

  /** Reads the files the session does not hold as they are (streaming), then diagnoses. */
  async refresh(): Promise<void> {
    this.post({ type: 'busy', message: vscode.l10n.t('Reading {0}…', subjectOf(this.files)) });
    const session = diagnosisSession();
    const config = this.getConfig().session;
    const { failed } = await session.read(config, this.files, { onRead: (r) => logNotes(this.log, r.notes) });
    for (const e of failed) this.log.warn(`diagnosis: skipped ${e.message}`);
    await session.setPasted(config, this.pasted);
    this.read = true;
    this.render();
  }

  /**
   * Asks for a render. Requests that arrive together (a trace finishing while an answer is saved, the
   * Call Path view and the panel both told) make one: the render runs once the current events are
   * handled, after the render under way if there is one.
   */
  private render(): void {
    if (this.renderQueued) return;
    this.renderQueued = true;
    this.rendering = this.rendering
      .then(() => new Promise<void>((resolve) => setImmediate(resolve)))
      .then(() => {
        this.renderQueued = false;
        return this.disposed ? undefined : this.renderNow();
      })
      .catch((e: unknown) => this.log.error(`diagnosis panel: ${(e as Error).stack ?? e}`));
  }

  /**
   * Diagnoses what the session holds with the answers and the traced sources, and sends the state: no
   * file is read. Nothing is sent when nothing the state is made of changed (a trace of chains this
   * input does not show); the state kept and sent is bounded (panelDiagnosis, made in the session's
   * thread), not a row per pod.
   */
  private async renderNow(): Promise<void> {
    // Before the first reading the session may hold another panel's files: that reading renders.
    if (!this.read) return;
    const started = Date.now();
    const config = this.getConfig();
    const session = diagnosisSession();
    // The node's stack, the chains to trace, the entry point of the main error: worked out in the
    // session's thread once per reading (over the sets of a cluster-wide list that is seconds of work).
    const { node, wanted, readerName }: SessionDerived = await session.derive(config.session);
    this.node = node;
    const traced = this.traces.state;
    const reader = readerName ? traced?.result.chains[readerName] : undefined;
    // With Go sources at hand, trace the node's chains once (a finished trace refreshes the panel).
    // Asked once per set of chains: a cancelled trace is not asked again on every refresh.
    const ask = wanted.join(',');
    if (ask !== this.tracesAsked && this.traces.currentRoots().some((r) => r.origin !== 'workspace') && !wanted.every((c) => traced?.result.chains[c])) {
      this.tracesAsked = ask;
      void this.traces.trace(wanted, node);
    }
    const chain = reader
      ? {
          title: reader.title,
          hops: reader.hops.map((h, index) => ({ index, symbol: h.symbol, component: h.component, boundary: h.boundary, resolved: h.resolved, ...(h.file ? { file: h.file, line: h.line! } : {}) })),
        }
      : null;
    const subject = subjectOf(this.files);
    const answers = this.answers;
    const saveState = traced?.saveState ?? null;
    const pasted = this.pasted.map((p) => ({ name: p.name, lines: p.text.split('\n').length }));
    // What the state is made of, in three parts, so the log says which one a new state is for.
    const made: StateKey = {
      input: JSON.stringify([session.version, config.time, subject, pasted]),
      answers: JSON.stringify(answers),
      sources: JSON.stringify([saveState, chain]),
      signatures: JSON.stringify(config.session.signatures ?? null),
    };
    const last = this.made;
    const changed = last ? (['input', 'answers', 'sources'] as const).filter((k) => made[k] !== last[k]) : ['input'];
    if (last && made.signatures !== last.signatures && !changed.includes('input')) changed.unshift('input');
    if (this.state && changed.length === 0) {
      // Nothing changed (a trace of chains this input does not show, a hop navigated): the webview keeps its page, only its busy message goes.
      if (this.busy) this.post({ type: 'state', state: this.state, seq: this.posted });
      this.log.info(`diagnosis panel: state ${this.posted} kept, nothing it is made of changed`);
      return;
    }
    const { diagnosis, symptom, report, rows, memory } = await session.diagnose(config.session, {
      saveState,
      user: answers,
      setZone: setZone(),
      bundle: vscode.l10n.bundle ?? {},
      subject,
      chain,
      now: new Date().toISOString(),
    });
    if (this.disposed) return;
    const diagnosedMs = Date.now() - started;
    this.state = { subject, diagnosis, symptom, chain, report, answers, pasted };
    this.made = made;
    this.posted += 1;
    this.log.info(
      `diagnosis of ${subject}: ${diagnosis.verdict.cause} (${diagnosis.verdict.confidence}) in ${diagnosedMs} ms; files read from disk so far: ${session.reads}; ` +
        `panel state ${this.posted} for the ${changed.join(', ')} (${diagnosis.clusters.length} of ${rows} rows) sent after ${Date.now() - started} ms; ` +
        `extension host ${memoryNow()}; ${threadMemoryWords(memory)}`,
    );
    this.post({ type: 'state', state: this.state, seq: this.posted });
  }

  /** What the open panel concluded, for a file it diagnosed: the hover says what this input supports. */
  static verdictFor(file: string): { subject: string; line: string } | undefined {
    const panel = DiagnosisPanel.current;
    if (!panel?.state || !panel.files.includes(file)) return undefined;
    return { subject: panel.state.subject, line: headline(panel.state.diagnosis, say()).line };
  }

  /** Roots a webview may ask to open files under: the diagnosed files, the workspace, the traced sources. */
  private allowedRoots(): string[] {
    return [
      ...this.files,
      ...(vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath),
      ...(this.traces.state?.sourceRoots.map((r) => r.dir) ?? []),
      ...(this.traces.state?.result.roots.map((r) => r.dir) ?? []),
    ];
  }

  private async onMessage(raw: unknown): Promise<void> {
    const m = parseWebviewMessage(raw);
    if (!m) {
      this.log.warn(`diagnosis panel: ignored a malformed message ${JSON.stringify(raw)?.slice(0, 200)}`);
      return;
    }
    switch (m.type) {
      case 'ready':
        // The words first: the state then renders in the display language at once.
        this.post({ type: 'l10n', bundle: vscode.l10n.bundle ?? {} });
        if (this.state) this.post({ type: 'state', state: this.state, seq: this.posted });
        return;
      case 'answer': {
        if (m.fact === 'timeZone') {
          const { timeZone: _old, ...rest } = this.answers;
          await this.saveAnswers(m.value === null || m.value.trim() === '' ? rest : { ...rest, timeZone: m.value.trim() });
          return;
        }
        const id = m.fact.slice('observation:'.length);
        const observations = { ...(this.answers.observations ?? {}) };
        if (m.value === null || m.value.trim() === '') delete observations[id];
        else {
          const answer = answerFrom(CAUSES, id, m.value.trim());
          if (answer === null) {
            void vscode.window.showWarningMessage(vscode.l10n.t('Runtime Lens: "{0}" is not an answer to "{1}".', m.value, CAUSES.observations.find((o) => o.id === id)?.title ?? id));
            return;
          }
          observations[id] = answer;
        }
        await this.saveAnswers({ ...this.answers, observations });
        return;
      }
      case 'reproduced':
        await DiagnosisPanel.recordReproduced(this.context, { scenario: m.scenario, attempts: m.attempts, failures: m.failures, source: 'user' });
        return;
      case 'clearReproduced':
        await this.saveAnswers(withLabResult(this.answers, m.scenario, null));
        return;
      case 'reproduceScript':
        await openReproduceScript(m.scenario, m.attempts);
        return;
      case 'settle': {
        const { settledCause: _old, ...rest } = this.answers;
        await this.saveAnswers(m.cause ? { ...rest, settledCause: m.cause } : rest);
        return;
      }
      case 'paste': {
        this.pasteCount += 1;
        this.pasted.push({ name: `pasted-${this.pasteCount}`, text: m.text });
        this.log.info(`diagnosis panel: ${m.text.split('\n').length} pasted line(s) added as pasted-${this.pasteCount}`);
        this.repaste();
        return;
      }
      case 'unpaste':
        this.pasted = this.pasted.filter((p) => p.name !== m.name);
        this.repaste();
        return;
      case 'open': {
        if (!isUnder(m.file, this.allowedRoots())) {
          this.log.warn(`diagnosis panel: refused to open ${m.file}: not under the diagnosed files, the workspace or the traced sources`);
          return;
        }
        const line = m.line - 1;
        await vscode.window.showTextDocument(vscode.Uri.file(m.file), { viewColumn: vscode.ViewColumn.One, selection: new vscode.Range(line, 0, line, 0) });
        return;
      }
      case 'copy':
        await vscode.env.clipboard.writeText(m.text);
        void vscode.window.setStatusBarMessage(vscode.l10n.t('Runtime Lens: copied to the clipboard'), 3000);
        return;
      case 'copyReport':
        if (!this.state) return;
        await vscode.env.clipboard.writeText(this.state.report);
        void vscode.window.showInformationMessage(vscode.l10n.t('Runtime Lens: the diagnosis report is on the clipboard (Markdown).'));
        return;
      case 'saveReport': {
        if (!this.state) return;
        const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
        const target = await vscode.window.showSaveDialog({
          filters: { Markdown: ['md'] },
          ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, 'runtime-lens-report.md') } : {}),
        });
        if (!target) return;
        await vscode.workspace.fs.writeFile(target, Buffer.from(this.state.report, 'utf8'));
        void vscode.window.showInformationMessage(vscode.l10n.t('Runtime Lens: report saved to {0}.', target.fsPath));
        return;
      }
      case 'trace':
        this.post({ type: 'busy', message: vscode.l10n.t('Tracing the call path…') });
        await this.traces.trace(chainsToTrace(this.traces.atlas, this.node), this.node);
        await vscode.commands.executeCommand('runtimeLens.callPath.focus');
        this.render();
        return;
    }
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.timer);
    DiagnosisPanel.current = undefined;
    for (const d of this.disposables) d.dispose();
    this.panel.dispose();
  }
}

/**
 * "Runtime Lens: Diagnose": which logs. The default is every log of the folder — the workspace's, or
 * the active file's folder when it lies outside the workspace — because the evidence that separates
 * causes (the kernel log, the kubelet config, `runc --version`) sits beside the log that shows the
 * error. The active file stays a choice, also when VS Code handed no document of it (over 50 MB, or
 * compressed): that one is read from disk with progress by "Diagnose File on Disk…".
 */
export async function pickDiagnosisFiles(arg: unknown, bundles: string, log: vscode.LogOutputChannel): Promise<string[] | undefined> {
  // Paths become files as the CLI makes them (gatherInputs): folders searched, bundles unpacked.
  const files = (paths: string[]) => inputFiles(paths, bundles, log);
  if (typeof arg === 'string') {
    // From a log's code lens or hover: that log plus its neighbours (the node's other logs and config).
    const file = vscode.Uri.parse(arg).fsPath;
    return [...new Set([file, ...(await files([path.dirname(file)]))])];
  }
  const active = activeFile()?.fsPath;
  const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
  type Item = vscode.QuickPickItem & { paths?: string[]; onDisk?: string; pick?: true };
  const items: Item[] = [];
  const activeFolder = active ? path.dirname(active) : undefined;
  if (folders.length) {
    items.push({
      label: `$(folder) ${vscode.l10n.t("The workspace's logs")}`,
      description: vscode.l10n.t('every log and kubelet config in the workspace'),
      paths: folders,
    });
  }
  if (activeFolder && !isUnder(activeFolder, folders)) {
    items.push({
      label: `$(folder-opened) ${vscode.l10n.t("The logs of the active file's folder")}`,
      description: activeFolder,
      paths: [activeFolder],
    });
  }
  if (active) {
    const large = withoutDocument(active);
    items.push({
      label: `$(file) ${vscode.l10n.t('Active file')}`,
      description: path.basename(active),
      ...(large ? { detail: vscode.l10n.t('Read from disk with progress (Diagnose File on Disk…): VS Code hands extensions no document of it'), onDisk: active } : { paths: [active] }),
    });
  }
  items.push({ label: `$(files) ${vscode.l10n.t('Pick files…')}`, pick: true });
  const choice = items.length === 1 ? items[0] : await vscode.window.showQuickPick(items, { placeHolder: vscode.l10n.t('Diagnose which logs?') });
  if (!choice) return undefined;
  if (choice.onDisk) {
    await vscode.commands.executeCommand('runtimeLens.diagnoseFileOnDisk', vscode.Uri.file(choice.onDisk));
    return undefined;
  }
  if (choice.paths) return files(choice.paths);
  const picked = await vscode.window.showOpenDialog({
    canSelectMany: true,
    openLabel: vscode.l10n.t('Diagnose'),
    title: vscode.l10n.t('Logs, kubelet config and runc/docker version output from the node'),
  });
  return picked ? files(picked.map((u) => u.fsPath)) : undefined;
}
