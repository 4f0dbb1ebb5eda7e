import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type VsCodeSession, hoverText, openVsCode, waitForText } from '../harness/vscode';

// samples/eof-incident/kubelet.log holds 68 OCI exec EOF lines (3 of them verbatim from the incident,
// first at line 21), one missing-executable exec error and two HTTP probe look-alikes.
let vs: VsCodeSession;

before(async () => {
  vs = await openVsCode({ name: 'recognise', sample: 'eof-incident' });
  await vs.openFile('kubelet.log');
});

after(async () => {
  await vs?.close();
});

test('kubelet.log opens in the runtime-log language', async () => {
  const mode = vs.page.locator('.statusbar-item[id="status.editor.mode"]');
  assert.match(await waitForText(mode, /Runtime Log/), /Runtime Log/);
});

test('a code lens counts the EOF errors above their first line', async () => {
  const lenses = vs.page.locator('.codelens-decoration');
  const text = await waitForText(lenses.filter({ hasText: 'OCI exec EOF' }), /68× OCI exec EOF · Explain/, 30_000);
  assert.match(text, /68× OCI exec EOF · Explain/);
  await vs.screenshot('code-lens');
});

test('the status bar counts the runtime errors in the active file', async () => {
  const item = vs.page.locator('.statusbar-item[id="runtime-lens.runtime-lens.runtimeLens.findings"], .statusbar-item', { hasText: 'runtime error' }).first();
  assert.match(await waitForText(item, /71 runtime errors/), /71 runtime errors/);
});

test('the Problems panel lists them under source runtime-lens', async () => {
  const problems = vs.page.locator('.statusbar-item[id="status.problems"]');
  // 68 EOF + 1 executable-not-found are errors; the two HTTP probe look-alikes are warnings.
  assert.match(await waitForText(problems, /69\D+2/), /69\D+2/);
  await vs.runCommand('View: Focus Problems (Errors, Warnings, Infos)');
  const first = vs.page.locator('.markers-panel .monaco-list-row', { hasText: 'OCI exec EOF' }).first();
  const text = await waitForText(first, /OCI exec EOF — 68× in this file/);
  assert.match(text, /runtime-lens/);
  assert.match(text, /oci-exec-eof/);
  await vs.screenshot('problems');
});

test('hovering a recognised line explains it with its count, pod and next steps', async () => {
  const line = vs.page.locator('.view-lines .view-line', { hasText: 'adsfadofadfabdfhaodsfa' }).first();
  await line.waitFor();
  const hover = vs.page.locator('.monaco-hover', { hasText: 'OCI exec EOF' });
  const text = await hoverText(vs.page, line, 700, hover, /Next steps/, 15_000);
  assert.match(text, /oci-exec-eof/);
  assert.match(text, /68× in this file/);
  assert.match(text, /runc exec \(decoding state\.json\)/);
  assert.match(text, /pod adsfadofadfabdfhaodsfa|pod `?adsfadofadfabdfhaodsfa/);
  assert.match(text, /05-07 03:43:28\.310630 node-local/);
  // Which cause: the documented causes that print it, never one of them told as "the known cause".
  assert.match(text, /Which cause\? Of the runtime's known failures, 2 documented causes print it/);
  assert.match(text, /This line alone does not say which/);
  assert.doesNotMatch(text, /known cause:/i);
  await vs.screenshot('hover');
  await vs.page.keyboard.press('Escape');
});

test('"Explain" from the code lens opens the explanation with every occurrence', async () => {
  await vs.page.locator('.codelens-decoration a', { hasText: 'OCI exec EOF' }).first().click();
  // Explain opens VS Code's own Markdown preview beside the log.
  const preview = vs.webview('vscode.markdown-language-features');
  const body = preview.locator('body');
  const text = await waitForText(body, /Likely causes/, 30_000);
  assert.match(text, /OCI exec EOF/);
  assert.match(text, /cpu-manager-state-race/);
  assert.match(text, /In kubelet\.log/);
  assert.match(text, /payments-api-6d8f7c9b4-q8v7d/);
  await vs.screenshot('explain');
});
