import * as vscode from 'vscode';
import { product } from '../core/product';
import { CallPathView } from './callPathView';
import { registerCodeLens } from './codeLens';
import { bundleRoot, registerCollect } from './collect';
import { registerCommands } from './commands';
import { type Config, readConfig } from './config';
import { DiagnosisPanel, pickDiagnosisFiles } from './diagnosisPanel';
import { disposeDiagnosisSession, registerDiagnoseOnDisk } from './diagnoseOnDisk';
import { registerDiagnostics } from './diagnostics';
import { registerExplain } from './explain';
import { FindingsStore } from './findings';
import { FindingsView } from './findingsView';
import { registerGoCodeLens } from './goCodeLens';
import { registerHopNavigation } from './hopNavigator';
import { registerHover } from './hover';
import { registerLanguageDetection } from './language';
import { registerLargeFiles } from './largeFiles';
import { OriginsService } from './origins';
import { createLog, memoryNow } from './log';
import { registerReproduce } from './reproduce';
import { registerSample } from './sample';
import { SourcesView } from './sourcesView';
import { registerStatusBar } from './statusBar';
import { TraceService } from './traceService';

function reportConfigProblems(config: Config, log: vscode.LogOutputChannel): void {
  if (config.problems.length === 0) return;
  const details = vscode.l10n.t('Show Details');
  for (const p of config.problems) log.warn(`${p.origin}${p.id ? ` (${p.id})` : ''}: ${p.message}`);
  void vscode.window
    .showWarningMessage(vscode.l10n.t('Runtime Lens: {0} problem(s) in your settings; the rest is in use. {1}', config.problems.length, config.problems[0]!.message), details)
    .then((a) => a && log.show());
}

// Activation only wires contributions up; recognition runs per document, on open and on change.
export function activate(context: vscode.ExtensionContext): void {
  const log = createLog(context);
  log.info(`${product.displayName} ${product.version} activated (VS Code ${vscode.version}); extension host ${memoryNow()}`);
  let config = readConfig();
  reportConfigProblems(config, log);
  const getConfig = () => config;
  const store = new FindingsStore(config, log);
  const traces = new TraceService(context, log);
  const callPath = new CallPathView(traces);
  const origins = new OriginsService(context, traces, log);
  const findingsView = new FindingsView(context, getConfig, traces, log);
  const sourcesView = new SourcesView(traces);
  context.subscriptions.push(
    findingsView,
    sourcesView,
    watchContext(store, traces, getConfig),
    registerLargeFiles(getConfig, log),
    registerSample(context),
    store,
    traces,
    callPath,
    origins,
    registerHopNavigation(traces, callPath, store),
    registerGoCodeLens(traces),
    registerLanguageDetection(getConfig),
    registerDiagnostics(store, getConfig),
    registerHover(store, getConfig, origins, (file) => DiagnosisPanel.verdictFor(file)),
    registerCodeLens(store, getConfig, origins),
    registerStatusBar(store, getConfig),
    registerExplain(store, getConfig),
    registerReproduce(context, log),
    registerCollect(context, log),
    vscode.commands.registerCommand('runtimeLens.diagnose', async (arg?: unknown) => {
      const files = await pickDiagnosisFiles(arg, bundleRoot(context), log);
      if (!files?.length) return;
      // With Go sources at hand, the panel traces the chains of the node the files describe.
      DiagnosisPanel.show(context, traces, getConfig, log, files);
    }),
    registerDiagnoseOnDisk(getConfig, log, (files) => DiagnosisPanel.show(context, traces, getConfig, log, files), bundleRoot(context)),
    disposeDiagnosisSession(),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration('runtimeLens')) return;
      config = readConfig();
      reportConfigProblems(config, log);
      store.setConfig(config);
    }),
  );
  registerCommands(context, log);
}

/**
 * The context keys the Runtime Lens views are shown by: `runtimeLens.hasLogs` once the workspace holds
 * a file `runtimeLens.logGlobs` matches (or an examined log is open), `runtimeLens.traced` after a
 * trace. A window with neither shows no Runtime Lens container.
 */
function watchContext(store: FindingsStore, traces: TraceService, getConfig: () => Config): vscode.Disposable {
  let hasLogs = false;
  const setHasLogs = () => {
    if (hasLogs) return;
    hasLogs = true;
    void vscode.commands.executeCommand('setContext', 'runtimeLens.hasLogs', true);
  };
  // One search per glob: the globs hold braces of their own, which a {a,b} union would nest.
  for (const glob of getConfig().logGlobs) void vscode.workspace.findFiles(glob, undefined, 1).then((found) => found.length && setHasLogs());
  return vscode.Disposable.from(
    store.onDidChange(() => setHasLogs()),
    traces.onDidChange(() => void vscode.commands.executeCommand('setContext', 'runtimeLens.traced', !!traces.state)),
  );
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
