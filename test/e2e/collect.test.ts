import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { repoRoot } from '../harness/paths';
import { type VsCodeSession, openVsCode, waitForText } from '../harness/vscode';

let vs: VsCodeSession;

before(async () => {
  vs = await openVsCode({ name: 'collect', sample: 'eof-incident' });
});

after(async () => {
  await vs?.close();
});

test('"Collect from a Node…" from the palette shows the script with the command to run on the node', async () => {
  await vs.runCommand('Runtime Lens: Collect from a Node…');
  const editor = vs.page.locator('.editor-instance .monaco-editor .view-lines');
  const text = await waitForText(editor, /ssh NODE sudo sh -s -- - < collect\.sh > NODE\.tar\.gz/, 30_000);
  assert.match(text, /kubectl debug node\/NODE -it --image=busybox -- chroot \/host sh/);
  assert.match(text, /Save this as collect\.sh/);
  const toast = vs.page.locator('.notification-toast', { hasText: 'Run this script on the node as root' });
  await toast.waitFor({ timeout: 15_000 });
  await vs.screenshot('collect-script');
  // A script to save as it is: its first line is the shebang; the collection follows the how-to.
  assert.match(text, /^#!\/bin\/sh\n# Runtime Lens: collect/);
  await vs.page.keyboard.press('Control+F');
  await vs.page.keyboard.type('rl_run ');
  await vs.page.keyboard.press('Enter');
  await vs.page.keyboard.press('Escape');
  await waitForText(editor, /rl_run '"kubelet journal"'/, 15_000);
  await vs.screenshot('collect-script-body');
});

test('the panel says which collected file would answer each open question', async () => {
  await vs.runCommand('View: Close All Editors');
  await vs.diagnoseWorkspace();
  await vs.webview().locator('#differential li.cause').first().waitFor({ timeout: 60_000 });
  // The incident's folder has no kernel log: the evidence names the bundle file that would hold it.
  const kernel = vs.webview().locator('.evidence-item[data-id="kernel-oom-runc-init"]');
  assert.equal(await kernel.getAttribute('data-holds'), 'null');
  const hint = kernel.locator('.collected');
  assert.match((await hint.textContent()) ?? '', /In a bundle\s*journal\/kernel\.log answers this; “Runtime Lens: Collect from a Node…” gathers it/);
  // Evidence the folder answers has no such hint.
  assert.equal(await vs.webview().locator('.evidence-item[data-id="runc-before-fix"] .collected').count(), 0);
  const folded = vs.webview().locator('details.more-evidence');
  await vs.runCommand('Notifications: Clear All Notifications');
  // The panel renders again when the call path's trace finishes, folding the evidence anew: as a person
  // would, unfold it again when the hint went away under the pointer.
  for (let attempt = 0; ; attempt++) {
    try {
      if ((await folded.count()) && !(await hint.isVisible())) await folded.locator('summary').click({ timeout: 5_000 });
      await hint.scrollIntoViewIfNeeded({ timeout: 5_000 });
      break;
    } catch (e) {
      if (attempt === 2) throw e;
    }
  }
  await vs.screenshot('panel-collected-hint');
});

test('"Open Bundle…" opens a bundle made by runtime-lens collect as the workspace', async () => {
  const bundle = path.join(vs.outDir, 'node-bundle.tar.gz');
  execFileSync(process.execPath, [path.join(repoRoot, 'dist', 'cli.js'), 'collect', '--out', bundle], { stdio: ['ignore', 'ignore', 'ignore'] });
  await vs.runCommand('View: Close All Editors');
  await vs.runCommand('Runtime Lens: Open Bundle…');
  // code-server's file dialog is a quick input holding a path: type the bundle's and accept its row.
  const input = vs.page.locator('.quick-input-widget input');
  await input.waitFor({ timeout: 30_000 });
  await input.fill(bundle);
  // Enter accepts the dialog's active row: press it once the bundle's row is the active one (see events.test.ts).
  const activeFile = vs.page.locator('.quick-input-list .monaco-list-row.focused', { hasText: path.basename(bundle) });
  // The dialog closes, and the next quick input (how to open the bundle) takes its place.
  const here = vs.page.locator('.quick-input-list .monaco-list-row', { hasText: 'Open in This Window' });
  for (let i = 0; i < 5 && !(await here.isVisible()); i++) {
    if ((await input.inputValue()) !== bundle) await input.fill(bundle);
    await activeFile.waitFor({ timeout: 10_000 }).catch(() => undefined);
    if (i === 0) await vs.screenshot('file-dialog');
    await vs.page.keyboard.press('Enter');
    await here.waitFor({ timeout: 10_000 }).catch(() => undefined);
  }
  if (!(await here.isVisible())) await vs.screenshot('file-dialog-stuck');
  await here.waitFor({ timeout: 30_000 });
  await vs.screenshot('open-how');
  await here.click();
  // The window reloads on the unpacked bundle: its top folder, named for the host and the time.
  const explorer = vs.page.locator('.explorer-folders-view');
  await vs.page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'manifest.json' }).waitFor({ timeout: 120_000 });
  const rows = await waitForText(explorer, /journal[\s\S]*runtime/, 30_000);
  for (const folder of ['cgroup', 'journal', 'kubelet', 'runtime', 'system']) assert.match(rows, new RegExp(`\\b${folder}\\b`));
  assert.match(await vs.page.title(), /runtime-lens-.+-\d{8}T\d{6}Z/);
  await vs.screenshot('bundle-workspace');
  await vs.openFile('runtime/runc-version.txt');
  const editor = vs.page.locator('.editor-instance .monaco-editor .view-lines');
  await waitForText(editor, /runc version 1\.1\.5/, 30_000);
  await vs.screenshot('bundle-runc-version');
});
