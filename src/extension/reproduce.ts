import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as os from 'node:os';
import * as vscode from 'vscode';
import { chooseRootfs, cpuCount, describeLeftovers, isClean, leftovers } from '../core/reproduce/host';
import { DEFAULT_ATTEMPTS, DEFAULT_TIMEOUT_SECONDS, HOST_DIRS, SCENARIO_TITLES, makePlan, planCommands, reproduceCommand } from '../core/reproduce/plan';
import { outcomeFromResult, reading } from '../core/reproduce/result';
import { type ReproduceResult, SCENARIOS, type Scenario } from '../core/reproduce/types';
import { DiagnosisPanel } from './diagnosisPanel';

/**
 * "Runtime Lens: Reproduce on This Machine…" — for a window opened on the node itself (Remote-SSH):
 * shows the exact commands, asks, then runs the bundled CLI (`dist/cli.js reproduce --json`) as a
 * child process with cancellable progress, and hands the measured outcome to the diagnosis.
 */

interface CliExit {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runCli(cli: string, args: string[], onLine?: (line: string) => void, token?: vscode.CancellationToken): Promise<CliExit> {
  return new Promise((resolve) => {
    // In VS Code desktop the extension host's executable is Electron: this makes it behave as Node.
    const child = spawn(process.execPath, [cli, 'reproduce', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } });
    let stdout = '';
    let stderr = '';
    let partial = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      const lines = (partial + d).split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) if (l.trim()) onLine?.(l.trim());
    });
    // Cancel is the CLI's SIGTERM: it stops, removes the scratch container and exits 143.
    const cancel = token?.onCancellationRequested(() => child.kill('SIGTERM'));
    child.on('error', (e) => resolve({ code: null, stdout, stderr: `${stderr}${e.message}\n` }));
    child.on('close', (code) => {
      cancel?.dispose();
      resolve({ code, stdout, stderr });
    });
  });
}

function lastLine(text: string): string {
  return text.trim().split('\n').pop() ?? '';
}

async function reproduceHere(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): Promise<void> {
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showErrorMessage(vscode.l10n.t('Runtime Lens: Reproduce runs real runc containers as root, so it is unavailable in an untrusted workspace.'));
    return;
  }
  const pick = await vscode.window.showQuickPick(
    SCENARIOS.map((s) => ({ label: s, scenario: s, description: vscode.l10n.t('{0} attempts', DEFAULT_ATTEMPTS[s]), detail: SCENARIO_TITLES[s] })),
    { title: vscode.l10n.t('Runtime Lens: Reproduce on This Machine'), placeHolder: vscode.l10n.t('Which failure mode to provoke on a scratch container?') },
  );
  if (!pick) return;
  const scenario: Scenario = pick.scenario;
  const cli = vscode.Uri.joinPath(context.extensionUri, 'dist', 'cli.js').fsPath;
  const token = randomBytes(6).toString('hex');
  const args = ['--scenario', scenario, '--token', token];
  const dry = await runCli(cli, [...args, '--dry-run', '--json']);
  if (dry.code !== 0) {
    log.error(`reproduce --dry-run: ${dry.stderr}`);
    void vscode.window.showErrorMessage(`Runtime Lens: ${lastLine(dry.stderr) || vscode.l10n.t('the CLI exited with {0}', String(dry.code))}`);
    return;
  }
  const plan = JSON.parse(dry.stdout) as { runc: string; commands: string[] };
  log.info(`reproduce ${scenario}: the commands\n${plan.commands.join('\n')}`);
  const runLabel = vscode.l10n.t('Run');
  const run = await vscode.window.showWarningMessage(
    vscode.l10n.t('Run {0} with {1} on this machine ({2})?', scenario, plan.runc, os.hostname()),
    {
      modal: true,
      detail: `${vscode.l10n.t("Runtime Lens will run a scratch container under a private state root and remove it afterwards; it never touches the node's containers. These commands, as root:")}\n\n${plan.commands.join('\n')}`,
    },
    runLabel,
  );
  if (run !== runLabel) return;
  const exit = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Runtime Lens: reproducing {0}', scenario), cancellable: true },
    (progress, cancel) => runCli(cli, [...args, '--json'], (line) => {
      log.info(`reproduce: ${line}`);
      progress.report({ message: line });
    }, cancel),
  );
  // Whatever the exit, nothing of the run may remain: check it here too, with the names the run used.
  const rest = leftovers(makePlan({ scenario, runc: plan.runc, attempts: 1, timeoutSeconds: 1, token, tmpDir: os.tmpdir(), rootfs: chooseRootfs(), cpuCount: cpuCount() }));
  if (!isClean(rest)) {
    log.error(`reproduce: left behind ${describeLeftovers(rest)}`);
    void vscode.window.showErrorMessage(vscode.l10n.t('Runtime Lens: the reproduce run left something behind: {0}', describeLeftovers(rest)));
  }
  if (exit.code === 0) {
    const result = JSON.parse(exit.stdout) as ReproduceResult;
    await DiagnosisPanel.recordReproduced(context, outcomeFromResult(result));
    void vscode.window.showInformationMessage(vscode.l10n.t('Runtime Lens {0}: {1} — runc {2}, measured on this machine', scenario, reading(result), result.runc.version ?? result.runc.path));
    return;
  }
  if (exit.code === 143) {
    void vscode.window.showInformationMessage(isClean(rest) ? vscode.l10n.t('Runtime Lens: reproduce cancelled; the scratch container and everything it made are removed.') : vscode.l10n.t('Runtime Lens: reproduce cancelled; see the log.'));
    return;
  }
  log.error(`reproduce: exit ${exit.code}: ${exit.stderr}`);
  const reason = lastLine(exit.stderr) || vscode.l10n.t('the CLI exited with {0}', String(exit.code));
  const copy = vscode.l10n.t('Copy Command');
  const answer = await vscode.window.showErrorMessage(`Runtime Lens: ${reason}`, ...(/needs root/.test(reason) ? [copy] : []));
  if (answer === copy) {
    await vscode.env.clipboard.writeText(reproduceCommand(scenario, { runc: plan.runc }));
    void vscode.window.setStatusBarMessage(vscode.l10n.t('Runtime Lens: the command is on the clipboard; run it in a root shell on this machine'), 5000);
  }
}

/**
 * The reproduce run as a shell script, for a node without Runtime Lens: the steps the CLI would take
 * there (runc from the node's PATH, the node's own /bin, /lib and /usr as the read-only rootfs), in an
 * untitled editor to read, copy and run as root with \`sh\`. Its failures are counted by eye and entered
 * in the panel.
 */
export async function openReproduceScript(scenario: Scenario, attempts: number): Promise<void> {
  const plan = makePlan({
    scenario, runc: 'runc', attempts, timeoutSeconds: DEFAULT_TIMEOUT_SECONDS, token: randomBytes(6).toString('hex'),
    tmpDir: '/tmp', rootfs: { kind: 'host', dirs: HOST_DIRS }, cpuCount: 2,
  });
  const header = [
    '#!/bin/sh',
    `# ${vscode.l10n.t('Runtime Lens: {0} on a node without Runtime Lens. Run it as root with sh; it needs runc on PATH.', scenario)}`,
    `# ${vscode.l10n.t('The rootfs binds {0} read-only from the node: remove from config.json any the node lacks (/lib64 on arm64).', HOST_DIRS.join(' '))}`,
    `# ${vscode.l10n.t('Count the attempts that print an error, and enter attempts and failures in the diagnosis panel.')}`,
  ];
  const doc = await vscode.workspace.openTextDocument({ language: 'shellscript', content: `${[...header, ...planCommands(plan)].join('\n')}\n` });
  await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.One });
}

export function registerReproduce(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): vscode.Disposable {
  return vscode.commands.registerCommand('runtimeLens.reproduce', () => reproduceHere(context, log));
}
