import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { isBundlePath } from '../core/collect/bundle';
import { gatherInputs } from '../core/diagnosis/session';
import { SessionThread } from '../core/diagnosis/sessionThread';
import { Cancelled, InputError } from '../core/logs/input';
import type { Config } from './config';
import { logNotes, memoryNow, threadMemoryWords } from './log';

/**
 * "Runtime Lens: Diagnose File on Disk…": for inputs the editor will not hand to extensions (VS Code
 * syncs no document above 50 MB to the extension host, and does not open files of hundreds of MB at
 * all) — a cluster's event list, a fleet's journal export. The files are streamed from disk by the
 * core, with progress and a Cancel button, then the diagnosis panel opens on them.
 */

let thread: SessionThread | undefined;

/**
 * The extension's diagnosis session, in a thread of its own (core/diagnosis/sessionThread.ts): what this
 * command reads from disk is held there, once, and the panel diagnoses from it — an answer, a settled
 * cause or a paste never reads the files again, and an unchanged file is not re-read. The reading's and
 * the diagnoses' passing allocations stay in the thread's heap, sized for them, not in the extension
 * host's, which every other extension shares.
 */
export function diagnosisSession(): SessionThread {
  thread ??= new SessionThread();
  return thread;
}

/** Ends the session's thread (the extension is deactivated). */
export function disposeDiagnosisSession(): vscode.Disposable {
  return new vscode.Disposable(() => void thread?.dispose());
}

const mb = (n: number) => `${(n / 1e6).toFixed(0)} MB`;

/**
 * The files to read for paths a user gave, through the core's one step from paths to files — the
 * CLI's (gatherInputs): a folder is searched for logs (what is not one is noted in the log), a bundle
 * (`runtime-lens collect`'s .tar.gz) is unpacked under `bundles` and read as its folder. A path that
 * is gone or a bundle that cannot be unpacked is said in a warning, and nothing is read.
 */
export async function inputFiles(paths: readonly string[], bundles: string, log: vscode.LogOutputChannel): Promise<string[]> {
  const gather = () =>
    gatherInputs(paths, { cache: bundles, onBundle: (bundle, dir) => log.info(`${bundle}: a bundle, read from ${dir}`) });
  try {
    const bundle = paths.find(isBundlePath);
    const { files, skipped } = bundle
      ? await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Unpacking {0}', path.basename(bundle)) }, gather)
      : await gather();
    logNotes(log, skipped);
    return files.map((f) => f.path);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    log.warn(`diagnosis: ${e.message}`);
    void vscode.window.showWarningMessage(`Runtime Lens: ${e.message}`);
    return [];
  }
}

/** Reads the files into the session with progress; the ones read, or undefined when the user cancelled. */
async function readWithProgress(files: string[], config: Config, log: vscode.LogOutputChannel): Promise<string[] | undefined> {
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Runtime Lens', cancellable: true },
    async (progress, token) => {
      const abort = new AbortController();
      token.onCancellationRequested(() => abort.abort());
      const sizes = new Map(files.map((f) => [f, fs.statSync(f, { throwIfNoEntry: false })?.size ?? 0]));
      const total = Math.max(1, [...sizes.values()].reduce((a, b) => a + b, 0));
      log.info(`Diagnose File on Disk: reading ${files.length} file(s), ${mb(total)}; extension host ${memoryNow()}`);
      const reported = new Map<string, number>();
      let done = 0;
      const onProgress = (file: string, bytes: number) => {
        const size = sizes.get(file) ?? 0;
        const now = Math.min(bytes, size);
        progress.report({ message: vscode.l10n.t('Reading {0}: {1} of {2}', path.basename(file), mb(now), mb(size)), increment: ((now - (reported.get(file) ?? 0)) / total) * 100 });
        reported.set(file, now);
      };
      try {
        const { failed } = await diagnosisSession().read(config.session, files, {
          onProgress,
          signal: abort.signal,
          onRead: (r) => {
            logNotes(log, r.notes);
            log.info(`${r.file}: ${r.findings} finding(s) in ${r.lines} line(s); extension host ${memoryNow()}; ${threadMemoryWords(r.memory)}`);
            const size = sizes.get(r.file) ?? 0;
            done += size;
            progress.report({ increment: ((size - (reported.get(r.file) ?? 0)) / total) * 100, message: vscode.l10n.t('{0} of {1} read', mb(done), mb(total)) });
            reported.set(r.file, size);
          },
        });
        for (const e of failed) {
          log.warn(`Diagnose File on Disk: ${e.message}`);
          void vscode.window.showWarningMessage(`Runtime Lens: ${e.message}`);
        }
        return files.filter((f) => !failed.some((e) => e.file === f));
      } catch (e) {
        if (!(e instanceof Cancelled)) throw e;
        await diagnosisSession().dropKept(files);
        log.info(`Diagnose File on Disk: cancelled while reading ${e.message}`);
        return undefined;
      }
    },
  );
}

export function registerDiagnoseOnDisk(
  getConfig: () => Config,
  log: vscode.LogOutputChannel,
  openPanel: (files: string[]) => void,
  bundles: string,
): vscode.Disposable {
  return vscode.commands.registerCommand('runtimeLens.diagnoseFileOnDisk', async (arg?: unknown) => {
    let paths: string[];
    if (arg instanceof vscode.Uri) paths = [arg.fsPath];
    else {
      const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
      const picked = await vscode.window.showOpenDialog({
        canSelectMany: true,
        canSelectFolders: false,
        openLabel: vscode.l10n.t('Diagnose'),
        title: vscode.l10n.t('Event lists, journal exports or logs of any size, read from disk'),
        ...(folder ? { defaultUri: folder } : {}),
      });
      if (!picked?.length) return;
      paths = picked.map((u) => u.fsPath);
    }
    // A bundle is read as the folder it unpacks to, as `runtime-lens diagnose` reads it.
    const files = await inputFiles(paths, bundles, log);
    if (files.length === 0) return;
    const read = await readWithProgress(files, getConfig(), log);
    if (read?.length) openPanel(read);
  });
}
