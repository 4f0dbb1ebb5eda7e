import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Cancelled, InputError } from '../core/logs/input';
import { type Recognition, type RecogniseOptions, recogniseFile } from '../core/signatures/recognise';
import type { Config } from './config';
import { logNotes } from './log';

/**
 * "Runtime Lens: Diagnose File on Disk…": for inputs the editor will not hand to extensions (VS Code
 * syncs no document above 50 MB to the extension host, and does not open files of hundreds of MB at
 * all) — a cluster's event list, a fleet's journal export. The files are streamed from disk by the
 * core, with progress and a Cancel button, then the diagnosis panel opens on them.
 */

/** Readings done here, handed to the panel once so it does not read the same gigabytes again. */
const prefetched = new Map<string, { size: number; mtimeMs: number; matcher: unknown; recognition: Recognition }>();

/**
 * The panel's way to read a file: what this command just read (if the file is unchanged and was read
 * with the same signatures), else a fresh streamed reading.
 */
export async function recogniseForPanel(file: string, options: RecogniseOptions): Promise<Recognition> {
  const ready = prefetched.get(file);
  prefetched.delete(file);
  if (ready && ready.matcher === options.matcher) {
    const st = fs.statSync(file, { throwIfNoEntry: false });
    if (st && st.size === ready.size && st.mtimeMs === ready.mtimeMs) return ready.recognition;
  }
  return recogniseFile(file, options);
}

/** Keeps a reading made elsewhere (the count of a large or compressed file) for this command and the panel. */
export function keepReading(file: string, st: { size: number; mtimeMs: number }, matcher: unknown, recognition: Recognition): void {
  prefetched.set(file, { size: st.size, mtimeMs: st.mtimeMs, matcher, recognition });
}

/** A kept reading of the file, if it is unchanged and was read with these signatures. */
function kept(file: string, matcher: unknown): Recognition | undefined {
  const ready = prefetched.get(file);
  const st = fs.statSync(file, { throwIfNoEntry: false });
  return ready && ready.matcher === matcher && st && st.size === ready.size && st.mtimeMs === ready.mtimeMs ? ready.recognition : undefined;
}

const mb = (n: number) => `${(n / 1e6).toFixed(0)} MB`;

/** Reads the files with progress; the ones read, or undefined when the user cancelled. */
async function readWithProgress(files: string[], config: Config, log: vscode.LogOutputChannel): Promise<string[] | undefined> {
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Runtime Lens', cancellable: true },
    async (progress, token) => {
      const abort = new AbortController();
      token.onCancellationRequested(() => abort.abort());
      const sizes = files.map((f) => fs.statSync(f, { throwIfNoEntry: false })?.size ?? 0);
      const total = Math.max(1, sizes.reduce((a, b) => a + b, 0));
      let done = 0;
      const read: string[] = [];
      for (const [i, file] of files.entries()) {
        const st = fs.statSync(file, { throwIfNoEntry: false });
        let reported = 0;
        const onProgress = (bytes: number) => {
          const now = Math.min(bytes, sizes[i]!);
          progress.report({ message: vscode.l10n.t('Reading {0}: {1} of {2}', path.basename(file), mb(now), mb(sizes[i]!)), increment: ((now - reported) / total) * 100 });
          reported = now;
        };
        onProgress(0);
        try {
          const recognition = kept(file, config.matcher) ?? await recogniseFile(file, { ...config.time, matcher: config.matcher, onProgress, signal: abort.signal });
          if (st) prefetched.set(file, { size: st.size, mtimeMs: st.mtimeMs, matcher: config.matcher, recognition });
          logNotes(log, recognition.notes);
          log.info(`${file}: ${recognition.findings.length} finding(s) in ${recognition.lines} line(s)`);
          read.push(file);
        } catch (e) {
          if (e instanceof Cancelled) {
            log.info(`Diagnose File on Disk: cancelled while reading ${file}`);
            for (const f of files) prefetched.delete(f);
            return undefined;
          }
          if (!(e instanceof InputError)) throw e;
          log.warn(`Diagnose File on Disk: ${e.message}`);
          void vscode.window.showWarningMessage(`Runtime Lens: ${e.message}`);
        }
        done += sizes[i]!;
        progress.report({ increment: ((sizes[i]! - reported) / total) * 100, message: vscode.l10n.t('{0} of {1} read', mb(done), mb(total)) });
      }
      return read;
    },
  );
}

export function registerDiagnoseOnDisk(
  getConfig: () => Config,
  log: vscode.LogOutputChannel,
  openPanel: (files: string[]) => void,
): vscode.Disposable {
  return vscode.commands.registerCommand('runtimeLens.diagnoseFileOnDisk', async (arg?: unknown) => {
    let files: string[];
    if (arg instanceof vscode.Uri) files = [arg.fsPath];
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
      files = picked.map((u) => u.fsPath);
    }
    const read = await readWithProgress(files, getConfig(), log);
    if (read?.length) openPanel(read);
  });
}
