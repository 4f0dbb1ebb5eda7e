import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { debianRunc } from '../harness/runc';
import { type VsCodeSession, openVsCode, waitForText } from '../harness/vscode';

let vs: VsCodeSession;

before(async () => {
  // code-server runs as root here, as on a node: the command runs Debian's real runc.
  debianRunc();
  vs = await openVsCode({ name: 'reproduce', sample: 'eof-incident' });
});

after(async () => {
  await vs?.close();
});

test('"Reproduce on This Machine…": pick a scenario, read the exact commands, run, and get the measured reading', async () => {
  await vs.runCommand('Runtime Lens: Reproduce on This Machine…');
  const row = vs.page.locator('.quick-input-list .monaco-list-row', { hasText: 'init-oom' }).first();
  await row.waitFor({ timeout: 30_000 });
  assert.match(await row.innerText(), /a memory limit too small for runc's exec helper/);
  await vs.screenshot('scenario-pick');
  await row.click();

  const dialog = vs.page.locator('.monaco-dialog-box');
  const text = await waitForText(dialog, /Run init-oom with \/usr\/sbin\/runc/, 30_000);
  assert.match(text, /\/usr\/sbin\/runc --root \/\S+\/runtime-lens-[0-9a-f]{12}\/state update --memory 1M --memory-swap 1M runtime-lens-[0-9a-f]{12}/);
  assert.match(text, /delete -f runtime-lens-[0-9a-f]{12}/);
  await vs.screenshot('commands-before-running');
  await dialog.locator('.monaco-button', { hasText: 'Run' }).first().click();

  const toast = vs.page.locator('.notification-toast', { hasText: 'Runtime Lens init-oom' }).first();
  const reading = await waitForText(toast, /reproduced in \d+ of 10 attempts/, 120_000);
  assert.match(reading, /Runtime Lens init-oom: reproduced in \d+ of 10 attempts .*read init-p: connection reset by peer \(possibly OOM-killed\).* — runc 1\.1\.5\S*, measured on this machine/);
  // The toast slides in: hovering it holds it, and the screenshot waits out its animation.
  await toast.hover();
  await vs.page.waitForTimeout(500);
  await vs.screenshot('measured-reading');
});
