import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { InputError } from '../core/logs/input';
import type { Config } from './config';
import { diagnosisSession } from './diagnoseOnDisk';
import { logNotes } from './log';

/**
 * VS Code syncs no document above 50 MB to the extension host, and shows a `.gz` file as binary: the
 * user sees the file in an editor, and Runtime Lens gets nothing to put hovers or Problems on. For
 * those files the extension reads the file from disk itself (streamed, gunzipped), says how many
 * runtime errors it holds, and offers "Diagnose File on Disk…", which then reuses this reading.
 */
export const DOCUMENT_LIMIT = 50 * 1024 * 1024;

/** The file in the active tab, whether or not VS Code handed its document to extensions. */
export function activeFile(): vscode.Uri | undefined {
  // The active tab first: with a binary or too-large file in it, activeTextEditor is another editor or none.
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  if (input instanceof vscode.TabInputText && input.uri.scheme === 'file') return input.uri;
  const doc = vscode.window.activeTextEditor?.document.uri;
  return doc?.scheme === 'file' ? doc : undefined;
}

/** Whether the extension host has (or will get) no document for this file: too large, or compressed. */
export function withoutDocument(file: string): boolean {
  if (file.endsWith('.gz')) return true;
  const st = fs.statSync(file, { throwIfNoEntry: false });
  return !!st && st.isFile() && st.size > DOCUMENT_LIMIT;
}

export function registerLargeFiles(getConfig: () => Config, log: vscode.LogOutputChannel): vscode.Disposable {
  /** Files already counted, by path, size and mtime: switching tabs back and forth reads nothing again. */
  const counted = new Set<string>();
  const check = async () => {
    const uri = activeFile();
    if (!uri) return;
    log.debug(`large file: active tab ${uri.fsPath}`);
    if (vscode.workspace.textDocuments.some((d) => d.uri.toString() === uri.toString())) return;
    const file = uri.fsPath;
    if (!withoutDocument(file)) return;
    const st = fs.statSync(file);
    const key = `${file}\u0000${st.size}\u0000${st.mtimeMs}`;
    if (counted.has(key)) return;
    counted.add(key);
    const config = getConfig();
    const name = path.basename(file);
    let errors: number;
    try {
      // Counted in the diagnosis session's thread, which keeps the reading for "Diagnose File on Disk…";
      // scanned in ranges, on worker threads of its own when the machine has idle cores (core/logs/parallel.ts).
      const result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Runtime Lens: counting runtime errors in {0} from disk', name) },
        () => diagnosisSession().count(config.session, file, st),
      );
      const { ranges } = result;
      if (ranges.all > 0) log.info(`large file: ${name} scanned in ${ranges.all} ranges, ${ranges.onWorkers} of them on worker threads`);
      logNotes(log, result.notes);
      errors = result.errors;
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      log.warn(`large file: ${e.message}`);
      void vscode.window.showWarningMessage(`Runtime Lens: ${e.message}`);
      return;
    }
    const why = file.endsWith('.gz')
      ? vscode.l10n.t('VS Code shows a compressed file as binary and hands extensions no text of it')
      : vscode.l10n.t('VS Code hands extensions no document of a file over 50 MB');
    const message = vscode.l10n.t('Runtime Lens: {0} holds {1} recognised runtime error(s), read from disk ({2}, so there are no hovers or Problems in it).', name, errors.toLocaleString(), why);
    log.info(message);
    const diagnose = vscode.l10n.t('Diagnose File on Disk…');
    if ((await vscode.window.showInformationMessage(message, diagnose)) === diagnose) {
      await vscode.commands.executeCommand('runtimeLens.diagnoseFileOnDisk', uri);
    }
  };
  const run = () => void check().catch((e) => log.error(`large file: ${(e as Error).stack ?? e}`));
  run();
  return vscode.Disposable.from(vscode.window.tabGroups.onDidChangeTabs(run), vscode.window.tabGroups.onDidChangeTabGroups(run), vscode.window.onDidChangeActiveTextEditor(run));
}
