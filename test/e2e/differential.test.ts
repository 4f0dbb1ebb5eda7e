import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { type VsCodeSession, openVsCode } from '../harness/vscode';

// The differential in real VS Code: samples/oom-case (kubelet + containerd + the kernel's OOM kills of
// runc:[2:INIT], on a node with the static cpu-manager and runc 1.1.12) and samples/ambiguous-case (the
// same errors without the kernel log). See samples/generate-cases.mjs.
let vs: VsCodeSession | undefined;

after(async () => {
  await vs?.close();
});

async function diagnoseWorkspace(session: VsCodeSession): Promise<void> {
  await session.diagnoseWorkspace();
  await session.webview().locator('#differential li.cause').first().waitFor({ timeout: 60_000 });
}

/** The ranking as the panel shows it: cause ids and posteriors, most likely first. */
async function ranking(session: VsCodeSession): Promise<{ cause: string; posterior: number }[]> {
  const items = session.webview().locator('#differential li.cause');
  const out: { cause: string; posterior: number }[] = [];
  for (let i = 0; i < (await items.count()); i++) {
    const item = items.nth(i);
    out.push({ cause: (await item.getAttribute('data-cause'))!, posterior: Number(await item.getAttribute('data-posterior')) });
  }
  return out;
}

async function waitForRanking(session: VsCodeSession, changed: (r: { cause: string; posterior: number }[]) => boolean): Promise<{ cause: string; posterior: number }[]> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    // Read while the panel re-renders, the list can come back short: only a whole ranking counts. How many
    // causes it lists depends on the evidence (those that show as 1% or more), so the list says it.
    const whole = Number(await session.webview().locator('ol#differential').getAttribute('data-listed').catch(() => '-1'));
    const r = await ranking(session);
    if (r.length === whole && changed(r)) return r;
    if (Date.now() > deadline) throw new Error(`the ranking did not change: ${JSON.stringify(r.slice(0, 3))}`);
    await session.page.waitForTimeout(250);
  }
}

test('an OOM-killed exec helper (kubelet log + kernel log): the panel ranks runc-init-oom first, never the race', async () => {
  vs = await openVsCode({ name: 'differential-oom', sample: 'oom-case', settings: { 'runtimeLens.includeSystemSources': false } });
  await diagnoseWorkspace(vs);
  await vs.webview().locator('#verdict-cause[data-cause="runc-init-oom"]').waitFor({ timeout: 30_000 });
  const r = await ranking(vs);
  assert.equal(r[0]!.cause, 'runc-init-oom');
  assert.ok(r[0]!.posterior > 0.8, String(r[0]!.posterior));
  const race = r.find((x) => x.cause === 'cpu-manager-state-race');
  assert.ok(!race || race.posterior < 0.01);
  // The evidence for it is named, with its weight: the kernel's OOM kills of runc:[2:INIT].
  const first = vs.webview().locator('#differential li.cause').first();
  assert.match(await first.locator('.contributions').innerText(), /the kernel OOM-killed runc's exec helper/);
  assert.equal(await vs.webview().locator('.evidence-item[data-id="kernel-oom-runc-init"] .status').innerText(), 'holds');
  // The fixes follow the cause.
  assert.match(await vs.webview().locator('#fixes h3').innerText(), /Fixes for runc's exec helper OOM-killed/);
  await vs.webview().locator('section#differential').scrollIntoViewIfNeeded();
  await vs.screenshot('oom-dark-differential');
  await vs.webview().locator('section#verdict').scrollIntoViewIfNeeded();
  await vs.screenshot('oom-dark-verdict');
});

test('the ambiguous case asks the question that separates OOM from pids; answering it re-ranks the causes (light theme)', async () => {
  await vs?.close();
  vs = await openVsCode({ name: 'differential-ambiguous', sample: 'ambiguous-case', settings: { 'workbench.colorTheme': 'Default Light Modern', 'runtimeLens.includeSystemSources': false } });
  await diagnoseWorkspace(vs);
  await vs.webview().locator('#verdict-cause[data-cause="unknown"]').waitFor({ timeout: 30_000 });
  const before = await ranking(vs);
  assert.deepEqual(before.slice(0, 2).map((x) => x.cause).sort(), ['pids-limit', 'runc-init-oom']);
  const question = vs.webview().locator('#question');
  await question.scrollIntoViewIfNeeded();
  const observation = await question.getAttribute('data-observation');
  assert.ok(observation === 'kernel-oom-runc-init' || observation === 'pids-at-limit', String(observation));
  assert.match(await question.innerText(), /On the node/);
  await vs.screenshot('ambiguous-light-question');
  // "No OOM kills" (or "not at the pids limit"): the other cause takes the lead.
  await vs.webview().locator('vscode-button#question-no').click();
  const after = await waitForRanking(vs, (r) => r[0]!.cause !== before[0]!.cause || Math.abs(r[0]!.posterior - before[0]!.posterior) > 0.05);
  assert.notDeepEqual(after.map((x) => x.posterior), before.map((x) => x.posterior));
  assert.equal(await vs.webview().locator(`.evidence-item[data-id="${observation}"] .source`).innerText(), 'answered by you');
  await vs.webview().locator('section#differential').scrollIntoViewIfNeeded();
  await vs.screenshot('ambiguous-light-answered');
});

test('"Confirm on the node" shows the reproduce command, and a result entered by hand moves the ranking', async () => {
  const confirm = vs!.webview().locator('.confirm[data-scenario="init-oom"]');
  await confirm.scrollIntoViewIfNeeded();
  assert.match(await confirm.locator('code.check').innerText(), /sudo runtime-lens reproduce --scenario init-oom --attempts \d+/);
  const before = await ranking(vs!);
  const oomBefore = before.find((x) => x.cause === 'runc-init-oom')!.posterior;
  // The attempts field starts at the command's own count; as a person would, type the failures into
  // the other (the toolkit's field hosts its input in a shadow root).
  const planned = /--attempts (\d+)/.exec(await confirm.locator('code.check').innerText())![1]!;
  assert.equal(await confirm.locator('vscode-text-field[data-key="attempts:init-oom"]').getAttribute('value'), planned);
  await confirm.locator('vscode-text-field[data-key="failures:init-oom"]').click();
  await vs!.page.keyboard.type(planned);
  await confirm.locator('vscode-button', { hasText: 'Apply' }).click();
  const after = await waitForRanking(vs!, (r) => Math.abs(r.find((x) => x.cause === 'runc-init-oom')!.posterior - oomBefore) > 0.01);
  assert.ok(after.find((x) => x.cause === 'runc-init-oom')!.posterior > oomBefore);
  assert.match(await vs!.webview().locator('.confirm[data-scenario="init-oom"]').innerText(), new RegExp(`${planned} of ${planned} attempts failed \\(entered by you\\)`));
  await vs!.webview().locator('.confirm[data-scenario="init-oom"]').scrollIntoViewIfNeeded();
  await vs!.screenshot('ambiguous-light-confirmed');
});
