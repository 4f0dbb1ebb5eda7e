import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type VsCodeSession, openVsCode, waitForText } from '../harness/vscode';

// The path of this error: samples/oom-case is a containerd node (the kubelet's CRI client and
// containerd's own log, no Docker anywhere) whose exec helper is OOM-killed. With Debian's Go sources
// as source roots, the panel's step 2 must show the containerd CRI reader, and no warning may ask for
// Docker's sources.
let vs: VsCodeSession;

before(async () => {
  vs = await openVsCode({ name: 'stack-containerd', sample: 'oom-case', goSources: true });
});

after(async () => {
  await vs?.close();
});

test('Diagnose on a containerd node: step 2 is the containerd CRI reader, and no Docker hop is reported missing', async () => {
  await vs.runCommand('Runtime Lens: Diagnose…');
  await vs.page.locator('.quick-input-list .monaco-list-row', { hasText: "The workspace's logs" }).first().click();
  await vs.webview().locator('#differential li.cause').first().waitFor({ timeout: 60_000 });
  // The panel starts the trace of this node's chains itself; step 2 fills in when it is done.
  const step2 = vs.webview().locator('#chain');
  const text = await waitForText(step2, /hops?, \d+ found in your sources/, 180_000);
  assert.match(text, /Reader \(containerd CRI\)/);
  assert.doesNotMatch(text, /dockershim|dockerd/i);
  await vs.webview().locator('#chain').scrollIntoViewIfNeeded();
  await vs.screenshot('containerd-step2');
  // Every notification shown so far: none says hops are missing from Docker's (moby) sources.
  const toasts = await vs.page.locator('.notification-toast').allInnerTexts();
  assert.ok(!toasts.some((t) => /not in your Go sources/.test(t) && /moby|Docker/i.test(t)), toasts.join('\n'));
});
