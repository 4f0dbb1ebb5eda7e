import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { isBundlePath } from '../core/collect/bundle';
import { DiagnosisSession, gatherInputs } from '../core/diagnosis/session';
import { Cancelled, InputError } from '../core/logs/input';
import type { Recognition } from '../core/signatures/recognise';
import type { Config } from './config';
import { logNotes } from './log';

/**
 * "Runtime Lens: Diagnose File on Disk…": for inputs the editor will not hand to extensions (VS Code
 * syncs no document above 50 MB to the extension host, and does not open files of hundreds of MB at
 * all) — a cluster's event list, a fleet's journal export. The files are streamed from disk by the
 * core, with progress and a Cancel button, then the diagnosis panel opens on them.
 */

let session: DiagnosisSession | undefined;

/**
 * The extension's diagnosis session (core/diagnosis/session.ts), with the current signatures and time
 * settings: what this command reads from disk is held there, and the panel diagnoses from it — an
 * answer, a settled cause or a paste never reads the files again, and an unchanged file is not re-read.
 */
export function diagnosisSession(config: Config): DiagnosisSession {
  if (!session) session = new DiagnosisSession({ matcher: config.matcher, time: config.time });
  else session.configure(config.matcher, config.time);
  return session;
}

/**
 * Keeps a reading made elsewhere (the count of a large or compressed file, read with the session's
 * signatures and `keepFindings: false`) for this command and the panel: the session takes it instead of
 * reading the file again while it is unchanged.
 */
export function keepReading(file: string, st: { size: number; mtimeMs: number }, config: Config, recognition: Recognition): void {
  diagnosisSession(config).keep(file, st, recognition);
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
      const reported = new Map<string, number>();
      let done = 0;
      const onProgress = (file: string, bytes: number) => {
        const size = sizes.get(file) ?? 0;
        const now = Math.min(bytes, size);
        progress.report({ message: vscode.l10n.t('Reading {0}: {1} of {2}', path.basename(file), mb(now), mb(size)), increment: ((now - (reported.get(file) ?? 0)) / total) * 100 });
        reported.set(file, now);
      };
      try {
        const { failed } = await diagnosisSession(config).read(files, {
          onProgress,
          signal: abort.signal,
          onRead: (r) => {
            logNotes(log, r.notes);
            log.info(`${r.file}: ${(r.sets ?? []).reduce((n, s) => n + s.size, 0)} finding(s) in ${r.lines} line(s)`);
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
        diagnosisSession(config).dropKept(files);
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
