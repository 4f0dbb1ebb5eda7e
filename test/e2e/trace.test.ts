import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type VsCodeSession, openVsCode, waitForText } from '../harness/vscode';

// Debian's sources (kubernetes 1.20.2, moby 20.10.24, containerd 1.6.20, go-runc, runc 1.1.5) are the
// source roots; the expected lines are the ones the integration tests assert.
let vs: VsCodeSession;

before(async () => {
  vs = await openVsCode({ name: 'trace', sample: 'eof-incident', goSources: true });
  await vs.openFile('kubelet.log');
});

after(async () => {
  await vs?.close();
});

const callPath = () => vs.page.locator('.pane', { has: vs.page.locator('.pane-header', { hasText: 'Call Path' }) });
const status = () => vs.page.locator('.statusbar-item[id="status.editor.selection"]');

test('"Trace call path" on the log\'s code lens fills the Call Path view with both chains', async () => {
  // Under load the log's lenses take a while to settle (they re-render as recognition finishes).
  await vs.page.locator('.codelens-decoration a', { hasText: 'Trace call path' }).first().click({ timeout: 90_000 });
  const rows = callPath().locator('.monaco-list-row');
  const text = await waitForText(callPath().locator('.pane-body'), /1\. \(\*worker\)\.doProbe/, 90_000);
  assert.match(text, /Reader: exec readiness probe/i);
  assert.match(text, /39\/39 hops/);
  assert.match(text, /worker\.go:173/);
  assert.ok((await rows.count()) > 5);
  await vs.screenshot('call-path');
});

test('clicking a hop opens its Go file at the declaration line', async () => {
  await callPath().locator('.monaco-list-row', { hasText: '2. (*prober).probe' }).first().click();
  await vs.page.locator('.tab.active[data-resource-name="prober.go"]').waitFor({ timeout: 30_000 });
  assert.match(await waitForText(status(), /Ln 91, Col 1/), /Ln 91, Col 1/);
  await vs.screenshot('hop-opened');
});

test('Go code lenses show the hop number with the caller and the next hop', async () => {
  const lens = vs.page.locator('.codelens-decoration', { hasText: 'hop 2/39' }).first();
  const text = await waitForText(lens, /hop 2\/39/, 30_000);
  assert.match(text, /← \(\*worker\)\.doProbe/);
  assert.match(text, /→ \(\*prober\)\.runProbeWithRetries/);
});

test('"Next Hop" (Ctrl+Alt+]) walks to the next declaration and highlights the call into it', async () => {
  await vs.page.keyboard.press('Control+Alt+BracketRight');
  const line = Number(/Ln (\d+)/.exec(await waitForText(status(), /Ln (?!91,)\d+, Col 1/))![1]);
  // kubernetes 1.20.2 pkg/kubelet/prober/prober.go:133 is `func (pb *prober) runProbeWithRetries(`.
  assert.equal(line, 133);
  await vs.page.locator('.tab.active[data-resource-name="prober.go"]').waitFor();
  const row = callPath().locator('.monaco-list-row.selected, .monaco-list-row.focused', { hasText: '3. (*prober).runProbeWithRetries' });
  await row.first().waitFor({ timeout: 15_000 });
  await vs.screenshot('next-hop');
});

test('walking across a process boundary lands in another project: the dockerd router over HTTP', async () => {
  // From hop 3, step to hop 18 one hop at a time; the view selects each hop as the editor opens it.
  for (let n = 4; n <= 18; n++) {
    await vs.page.keyboard.press('Control+Alt+BracketRight');
    // Opening some hops' files (the 870 kB api.pb.go) is slow on a loaded machine.
    await callPath().locator('.monaco-list-row.selected', { hasText: `${n}. ` }).first().waitFor({ timeout: 45_000 });
  }
  await vs.page.locator('.tab.active[data-resource-name="exec.go"]').waitFor({ timeout: 30_000 });
  const lens = vs.page.locator('.codelens-decoration', { hasText: 'hop 18/39' }).first();
  assert.match(await waitForText(lens, /hop 18\/39/, 30_000), /← \(\*Client\)\.ContainerExecAttach/);
  await vs.screenshot('across-http');
});

test('the chain ends at the state.json node the saveState observation attaches', async () => {
  // The last rows of the tree: the writer's state.json node, then the collapsed "Go sources".
  await callPath().locator('.monaco-list-row.selected').first().click();
  await vs.page.keyboard.press('End');
  await callPath().locator('.monaco-list-row.focused', { hasText: 'Go sources' }).waitFor({ timeout: 15_000 });
  await vs.page.keyboard.press('ArrowUp');
  const node = callPath().locator('.monaco-list-row.focused');
  assert.match(await waitForText(node, /state\.json/), /state\.json\s*rewritten here by saveState/);
  await vs.screenshot('state-json-node');
});
