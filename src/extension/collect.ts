import * as path from 'node:path';
import * as vscode from 'vscode';
import { unpackBundle } from '../core/collect/bundle';
import { collectScript } from '../core/collect/script';
import { InputError } from '../core/logs/input';

/**
 * "Runtime Lens: Collect from a Node…" shows the collection script (nodes seldom have node.js) with how
 * to run it and bring the bundle back; "Runtime Lens: Open Bundle…" unpacks a bundle under the
 * extension's storage and opens it as a folder, where the diagnosis reads it like any workspace.
 */

function howTo(): string {
  return [
    `# ${vscode.l10n.t('Runtime Lens: collect a node\'s evidence. Save this as collect.sh and run it on the node as root.')}`,
    '#',
    `# ${vscode.l10n.t('Over SSH, the bundle comes back on stdout:')}`,
    '#   ssh NODE sudo sh -s -- - < collect.sh > NODE.tar.gz',
    `# ${vscode.l10n.t('Through Kubernetes, in a debug pod on the node (paste this script at the prompt, after cd /tmp):')}`,
    '#   kubectl debug node/NODE -it --image=busybox -- chroot /host sh',
    `# ${vscode.l10n.t('then copy the bundle it names out of the debug pod:')}`,
    '#   kubectl cp node-debugger-NODE-xxxxx:/host/tmp/runtime-lens-NODE-TIME.tar.gz NODE.tar.gz',
    `# ${vscode.l10n.t('Back here: "Runtime Lens: Open Bundle…" opens it; "runtime-lens diagnose NODE.tar.gz" reads it too.')}`,
    `# ${vscode.l10n.t('It only reads, redacts secrets, bounds sizes and times, and records what is missing in manifest.json.')}`,
    '',
  ].join('\n');
}

async function showScript(): Promise<void> {
  // The how-to after the script's first line, so that the saved file keeps its #!/bin/sh.
  const script = collectScript();
  const firstLine = script.indexOf('\n') + 1;
  const doc = await vscode.workspace.openTextDocument({ language: 'shellscript', content: `${script.slice(0, firstLine)}${howTo()}${script.slice(firstLine)}` });
  await vscode.window.showTextDocument(doc, { preview: false });
  const copy = vscode.l10n.t('Copy Script');
  const open = vscode.l10n.t('Open Bundle…');
  const choice = await vscode.window.showInformationMessage(vscode.l10n.t('Run this script on the node as root, copy the bundle back, then open it.'), copy, open);
  if (choice === copy) await vscode.env.clipboard.writeText(doc.getText());
  if (choice === open) await vscode.commands.executeCommand('runtimeLens.openBundle');
}

/** Where the extension unpacks bundles (Open Bundle…, a bundle given to Diagnose): its global storage, so the paths stay valid. */
export function bundleRoot(context: vscode.ExtensionContext): string {
  return path.join(context.globalStorageUri.fsPath, 'bundles');
}

async function openBundle(context: vscode.ExtensionContext, log: vscode.LogOutputChannel, arg?: unknown): Promise<void> {
  let file = arg instanceof vscode.Uri ? arg : undefined;
  if (!file) {
    const picked = await vscode.window.showOpenDialog({
      title: vscode.l10n.t('Runtime Lens: Open Bundle'),
      openLabel: vscode.l10n.t('Open Bundle'),
      canSelectFiles: true,
      canSelectFolders: false,
      canSelectMany: false,
      filters: { [vscode.l10n.t('Bundles (.tar.gz)')]: ['gz', 'tgz'] },
    });
    file = picked?.[0];
  }
  if (!file) return;
  const root = bundleRoot(context);
  let dir: string;
  try {
    dir = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Unpacking {0}', path.basename(file.fsPath)) }, async () => (await unpackBundle(file.fsPath, root)).dir);
  } catch (e) {
    const reason = e instanceof InputError ? e.reason : (e as Error).message;
    log.error(`open bundle ${file.fsPath}: ${reason}`);
    void vscode.window.showErrorMessage(vscode.l10n.t('Runtime Lens: {0} is not a bundle Runtime Lens can read: {1}', path.basename(file.fsPath), reason));
    return;
  }
  log.info(`bundle ${file.fsPath} unpacked to ${dir}`);
  const folder = vscode.Uri.file(dir);
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length === 0) {
    await vscode.commands.executeCommand('vscode.openFolder', folder, { forceNewWindow: false });
    return;
  }
  const here = vscode.l10n.t('Open in This Window');
  const add = vscode.l10n.t('Add to Workspace');
  const other = vscode.l10n.t('Open in New Window');
  const how = await vscode.window.showQuickPick([here, add, other], { title: vscode.l10n.t('Open the bundle {0}', path.basename(dir)), placeHolder: dir });
  if (how === here) await vscode.commands.executeCommand('vscode.openFolder', folder, { forceNewWindow: false });
  else if (how === other) await vscode.commands.executeCommand('vscode.openFolder', folder, { forceNewWindow: true });
  else if (how === add) vscode.workspace.updateWorkspaceFolders(folders.length, 0, { uri: folder, name: path.basename(dir) });
}

export function registerCollect(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): vscode.Disposable {
  return vscode.Disposable.from(
    vscode.commands.registerCommand('runtimeLens.collectFromNode', () => showScript()),
    vscode.commands.registerCommand('runtimeLens.openBundle', (arg?: unknown) => openBundle(context, log, arg)),
  );
}
