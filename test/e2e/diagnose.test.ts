import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type VsCodeSession, openVsCode, waitForText } from '../harness/vscode';

// The sample incident (samples/eof-incident): aligned EOFs from two containers, static policy,
// runc 1.0.0-rc6, dockerd closed fifos; Debian's Go sources as source roots (runc 1.1.5 is atomic).
let vs: VsCodeSession;

before(async () => {
  vs = await openVsCode({ name: 'diagnose', sample: 'eof-incident', goSources: true });
  await vs.openFile('kubelet.log');
});

after(async () => {
  await vs?.close();
});

const status = (id: string) => vs.webview().locator(`.evidence-item[data-id="${id}"] .status`);

test('"Diagnose" on the log\'s code lens opens the panel with the verdict: the cpu-manager race', async () => {
  await vs.page.locator('.codelens-decoration a', { hasText: 'Diagnose' }).first().click();
  const cause = vs.webview().locator('#verdict-cause[data-cause="cpu-manager-state-race"]');
  await cause.waitFor({ timeout: 60_000 });
  assert.match(await cause.innerText(), /runc state\.json race with the kubelet cpu-manager/);
  assert.match(await waitForText(vs.webview().locator('#verdict-confidence'), /9\d%/), /9\d%/);
  await vs.screenshot('panel-dark');
});

test('the evidence checklist shows each check with its status and a command to check it', async () => {
  assert.equal(await waitForText(status('eof-errors-present'), /holds/), 'holds');
  assert.equal(await status('reconcile-aligned').innerText(), 'holds');
  assert.equal(await status('cpu-manager-static').innerText(), 'holds');
  assert.equal(await status('runc-before-fix').innerText(), 'holds');
  assert.equal(await status('fifo-closed-nearby').innerText(), 'holds');
  const detail = await vs.webview().locator('.evidence-item[data-id="reconcile-aligned"] .detail').innerText();
  assert.match(detail, /the EOFs of \d+ containers, each on its own probe rhythm, meet at one phase of the sliding reconcile tick/);
  const check = await vs.webview().locator('.evidence-item[data-id="cpu-manager-static"] code.check').innerText();
  assert.match(check, /\/var\/lib\/kubelet\/config\.yaml/);
  // The Go sources are traced in the background; runc 1.1.5's saveState is the atomic one.
  assert.equal(await waitForText(status('runc-savestate-atomic'), /^holds$/, 90_000), 'holds');
  await vs.webview().locator('#evidence').scrollIntoViewIfNeeded();
  await vs.screenshot('evidence');
});

test('the timeline charts render the EOFs against the reconcile period', async () => {
  const scatter = vs.webview().locator('svg#phase-scatter');
  await scatter.scrollIntoViewIfNeeded();
  assert.ok((await scatter.locator('circle').count()) >= 40);
  // Bars exist for non-empty bins; their counts add up to every event.
  const bars = await vs.webview().locator('svg#phase-histogram rect.bar title').allTextContents();
  assert.equal(bars.reduce((n, t) => n + Number(/^(\d+) event/.exec(t)![1]), 0), 49);
  assert.ok((await vs.webview().locator('svg#timeline-chart').count()) === 1);
  assert.match(await vs.webview().locator('section#timeline').innerText(), /49 events/);
  await vs.screenshot('timeline');
});

test('answering "cpu-manager policy is none" by hand turns the verdict to unknown', async () => {
  const dropdown = vs.webview().locator('[data-answer="cpuManagerPolicy"]');
  await dropdown.scrollIntoViewIfNeeded();
  await dropdown.click();
  await dropdown.locator('vscode-option', { hasText: 'none (the default)' }).click();
  await vs.webview().locator('#verdict-cause[data-cause="unknown"]').waitFor({ timeout: 30_000 });
  assert.equal(await waitForText(status('cpu-manager-static'), /does not hold/), 'does not hold');
  assert.match(await vs.webview().locator('.evidence-item[data-id="cpu-manager-static"] .detail').innerText(), /as you answered/);
  await vs.screenshot('answered-none');
  // Clearing the answer brings the logs' evidence back.
  await dropdown.click();
  await dropdown.locator('vscode-option', { hasText: '—' }).click();
  await vs.webview().locator('#verdict-cause[data-cause="cpu-manager-state-race"]').waitFor({ timeout: 30_000 });
});

test('"Copy as Markdown" puts the report on the clipboard', async () => {
  await vs.webview().locator('vscode-button#copy-report').click();
  await vs.page.locator('.notification-toast', { hasText: 'report is on the clipboard' }).waitFor({ timeout: 15_000 });
});

test('from the palette, on the workspace\'s logs, in a light theme', async () => {
  await vs.close();
  vs = await openVsCode({ name: 'diagnose-light', sample: 'eof-incident', settings: { 'workbench.colorTheme': 'Default Light Modern', 'runtimeLens.includeSystemSources': false } });
  await vs.runCommand('Runtime Lens: Diagnose');
  await vs.page.locator('.quick-input-list .monaco-list-row', { hasText: "The workspace's logs" }).first().click();
  const cause = vs.webview().locator('#verdict-cause[data-cause="cpu-manager-state-race"]');
  await cause.waitFor({ timeout: 60_000 });
  assert.match(await vs.page.locator('.monaco-workbench').getAttribute('class') ?? '', /\bvs\b/);
  // Without Go sources the saveState check is unknown, and the panel offers to trace.
  assert.equal(await waitForText(status('runc-savestate-atomic'), /unknown/), 'unknown');
  await vs.webview().locator('vscode-button#trace').waitFor();
  await vs.screenshot('light-top');
  await vs.webview().locator('section#timeline').scrollIntoViewIfNeeded();
  await vs.screenshot('light-timeline');
  await vs.webview().locator('section#verdict').scrollIntoViewIfNeeded();
  await vs.screenshot('light-verdict');
});
