import * as vscode from 'vscode';

const SAMPLE = 'eof-incident';

/**
 * "Runtime Lens: Open the Sample Incident" (the walkthrough's first step): a fresh copy of the
 * packaged sample — a kubelet log with the node's dockerd log, kubelet config and runc version — in
 * the extension's storage, so the user may edit it and the next opening starts clean. Its kubelet
 * log opens in the editor; Diagnose then offers the logs of its folder.
 */
export function registerSample(context: vscode.ExtensionContext): vscode.Disposable {
  return vscode.commands.registerCommand('runtimeLens.openSample', async () => {
    const from = vscode.Uri.joinPath(context.extensionUri, 'samples', SAMPLE);
    const to = vscode.Uri.joinPath(context.globalStorageUri, 'samples', SAMPLE);
    await vscode.workspace.fs.copy(from, to, { overwrite: true });
    await vscode.window.showTextDocument(vscode.Uri.joinPath(to, 'kubelet.log'), { preview: false });
  });
}
