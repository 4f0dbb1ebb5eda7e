import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { version } from '../../package.json';
import { type VsCodeSession, openVsCode, waitForText } from '../harness/vscode';

let vs: VsCodeSession;

before(async () => {
  vs = await openVsCode({ name: 'activation', sample: 'eof-incident' });
});

after(async () => {
  await vs?.close();
});

test('"Runtime Lens: Show Version" activates the extension and answers with the version and a loaded Go parser', async () => {
  await vs.screenshot('workbench-open');
  await vs.runCommand('Runtime Lens: Show Version');
  const toast = vs.page.locator('.notification-toast', { hasText: 'Runtime Lens' }).first();
  await toast.waitFor({ timeout: 30_000 });
  const text = await toast.innerText();
  assert.match(text, new RegExp(`Runtime Lens ${version.replace(/\./g, '\\.')}`));
  assert.match(text, /tree-sitter-go ready \(ABI 15\)/);
  await vs.screenshot('show-version');
});

test('the Extensions view lists Runtime Lens as installed', async () => {
  await vs.runCommand('View: Show Extensions');
  const search = vs.page.locator('.extensions-viewlet .suggest-input-container');
  await search.click();
  await vs.page.keyboard.type('@installed Runtime Lens');
  const row = vs.page.locator('.extensions-viewlet .monaco-list-row', { hasText: 'Runtime Lens' }).first();
  const text = await waitForText(row, /Runtime Lens/, 30_000);
  assert.match(text, /Recognise container-runtime errors/);
  await vs.screenshot('installed-extension');
});

test('the "Runtime Lens" output channel logs the activation', async () => {
  await vs.runCommand('Output: Show Output Channels...');
  await vs.page.locator('.quick-input-list .monaco-list-row', { hasText: 'Runtime Lens' }).first().click();
  const output = vs.page.locator('.output-view .view-lines');
  await output.waitFor();
  const text = await waitForText(output, /activated/);
  assert.match(text, new RegExp(`Runtime Lens ${version.replace(/\./g, '\\.')} activated`));
  assert.match(text, /tree-sitter-go ready/);
  await vs.screenshot('output-channel');
});
