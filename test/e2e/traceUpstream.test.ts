import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type VsCodeSession, openVsCode, waitForText } from '../harness/vscode';

// Today's runc 1.3.0, containerd 2.0.0 and moby 27.0.1 (../shared/sources) beside Debian's kubernetes
// 1.20.2: runc has no LinuxFactory, so its hops are found by following the calls. Lines as the
// integration tests assert them (test/integration/expected/reader-modern.json).
let vs: VsCodeSession;

before(async () => {
  vs = await openVsCode({ name: 'trace-upstream', sample: 'eof-incident', upstreamTrees: ['runc-v1.3.0', 'containerd-v2.0.0', 'moby-v27.0.1', 'go-runc-v1.1.0'] });
  await vs.openFile('kubelet.log');
});

after(async () => {
  await vs?.close();
});

const callPath = () => vs.page.locator('.pane', { has: vs.page.locator('.pane-header', { hasText: 'Call Path' }) });
const status = () => vs.page.locator('.statusbar-item[id="status.editor.selection"]');

test('the Call Path view resolves every reader hop in the modern trees and says which shim dockerd chose', async () => {
  await vs.runCommand('Runtime Lens: Trace Call Path');
  const text = await waitForText(callPath().locator('.pane-body'), /1\. \(\*worker\)\.doProbe/, 120_000);
  assert.match(text, /39\/39 hops/);
  assert.match(text, /Shim: v2 shim \(containerd-shim-runc-v2\)/);
  assert.match(text, /io\.containerd\.runc\.v2/);
  await vs.screenshot('modern-call-path');
});

test("walking the chain from the kubelet across the exec boundary lands in runc 1.3's Load, found by the call", async () => {
  // The view is virtualised: start at the first hop and walk with Next Hop, as a person would.
  await callPath().locator('.monaco-list-row', { hasText: '1. (*worker).doProbe' }).first().click();
  await vs.page.locator('.tab.active[data-resource-name="worker.go"]').waitFor({ timeout: 30_000 });
  for (let n = 2; n <= 38; n++) {
    await vs.page.keyboard.press('Control+Alt+BracketRight');
    // Opening some hops' files (the 870 kB api.pb.go) is slow on a loaded machine.
    await callPath().locator('.monaco-list-row.selected', { hasText: `${n}. ` }).first().waitFor({ timeout: 45_000 });
    if (n === 33) {
      // The shim's reaper: containerd 2.0.0 pkg/sys/reaper/reaper_unix.go:95, reached from go-runc through startCommand.
      await vs.page.locator('.tab.active[data-resource-name="reaper_unix.go"]').waitFor({ timeout: 30_000 });
      assert.match(await waitForText(status(), /Ln 95, Col 1/), /Ln 95, Col 1/);
    }
    if (n === 34) {
      // Across the fork/exec of the runc binary: runc 1.3.0 main.go:80.
      await vs.page.locator('.tab.active[data-resource-name="main.go"]').waitFor({ timeout: 30_000 });
      assert.match(await waitForText(status(), /Ln 80, Col 1/), /Ln 80, Col 1/);
      await vs.screenshot('across-exec');
    }
  }
  await vs.page.locator('.tab.active[data-resource-name="factory_linux.go"]').waitFor({ timeout: 30_000 });
  // runc 1.3.0 libcontainer/factory_linux.go:108 is `func Load(root, id string) (*Container, error) {`.
  assert.match(await waitForText(status(), /Ln 108, Col 1/), /Ln 108, Col 1/);
  const row = await waitForText(callPath().locator('.monaco-list-row.selected'), /38\. Load/);
  assert.match(row, /factory_linux\.go:108/);
  const lens = vs.page.locator('.codelens-decoration', { hasText: 'hop 38/39' }).first();
  assert.match(await waitForText(lens, /hop 38\/39/, 30_000), /← getContainer/);
  await vs.screenshot('runc-load');
});
