import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type VsCodeSession, openVsCode, waitForText } from '../harness/vscode';

// The path of this error: samples/oom-case is a containerd node (the kubelet's CRI client and
// containerd's own log, no Docker anywhere) whose exec helper is OOM-killed. With Debian's Go sources
// as source roots, the panel's step 2 must show the containerd CRI reader, and no warning may ask for
// Docker's sources. The helper is killed where runc exec starts runc init, so the chain shown ends at
// (*setnsProcess).start reading the init pipe, not at state.json.
let vs: VsCodeSession;

before(async () => {
  vs = await openVsCode({ name: 'stack-containerd', sample: 'oom-case', goSources: true });
});

after(async () => {
  await vs?.close();
});

test('Diagnose on a containerd node with an OOM-killed exec helper: step 2 is the CRI exec start into runc init, and no Docker hop is reported missing', async () => {
  await vs.diagnoseWorkspace();
  await vs.webview().locator('#differential li.cause').first().waitFor({ timeout: 60_000 });
  // The panel starts the trace of this node's chains itself; step 2 fills in when it is done.
  const step2 = vs.webview().locator('#chain');
  const text = await waitForText(step2, /hops?, \d+ found in your sources/, 180_000);
  assert.match(text, /Exec start \(containerd CRI\)/);
  assert.match(text, /\(\*setnsProcess\)\.start/);
  assert.doesNotMatch(text, /loadState|dockershim|dockerd/i);
  await vs.webview().locator('#chain').scrollIntoViewIfNeeded();
  await vs.screenshot('containerd-step2');
  // Every notification shown so far: none says hops are missing from Docker's (moby) sources.
  const toasts = await vs.page.locator('.notification-toast').allInnerTexts();
  assert.ok(!toasts.some((t) => /not in your Go sources/.test(t) && /moby|Docker/i.test(t)), toasts.join('\n'));
});
