import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { type VsCodeSession, hoverText as hoverOn, openVsCode, waitForText } from '../harness/vscode';

// The on-call flow once in Simplified Chinese (code-server --locale zh-cn), in a dark and a light theme:
// the sample incident opened from the palette, a hover, Problems, the Diagnose panel — whose verdict,
// clock note, evidence details and questions the core writes in Chinese (src/core/l10n.ts, handed the
// extension's bundle) — a question answered by hand, and the report for the ticket. Signature texts,
// log quotes and file names stay verbatim.
let vs: VsCodeSession | undefined;

after(async () => {
  await vs?.close();
});

const CJK = /[\u4e00-\u9fff]/;
/** What the English panel says in these places (src/core/diagnosis/clock.ts, diagnose.ts): none of it may show. */
const ENGLISH = /Node-local times|no alignment was needed|Set the zone|For: |Against: |as you answered|Runtime exec errors are present/;

async function flow(session: VsCodeSession, tag: string): Promise<void> {
  // 1. The walkthrough's first step, from the palette: the packaged sample's kubelet log opens.
  await session.runCommand('Runtime Lens: Open the Sample Incident');
  await session.page.locator('.tab.active[data-resource-name="kubelet.log"]').waitFor({ timeout: 60_000 });

  // 2. Hover over a failed probe: the explanation in Chinese, the error's own words verbatim.
  await session.runCommand('Go to Line/Column...');
  await session.page.keyboard.type('21');
  await session.page.keyboard.press('Enter');
  const line = session.page.locator('.view-lines .view-line', { hasText: 'adsfadofadfabdfhaodsfa' }).first();
  await line.waitFor({ timeout: 30_000 });
  const hover = session.page.locator('.monaco-hover', { hasText: '诊断' });
  const hoverText = await hoverOn(session.page, line, 700, hover, /诊断/);
  assert.match(hoverText, CJK);
  assert.match(hoverText, /OCI exec EOF|exec failed: EOF/);
  await session.screenshot(`${tag}-hover`);
  await session.page.keyboard.press('Escape');
  await session.page.mouse.move(5, 5);

  // 3. Problems: one entry per runtime error line, under the signature's own title.
  await session.runCommand('View: Focus Problems (Errors, Warnings, Infos)');
  const rows = session.page.locator('.markers-panel .monaco-list-row');
  await rows.nth(1).waitFor({ timeout: 60_000 });
  assert.match(await session.page.locator('.markers-panel').innerText(), /kubelet\.log/);
  await session.screenshot(`${tag}-problems`);
  await session.runCommand('View: Hide Panel');

  // 4. Diagnose, from the code lens above the first error.
  await session.page.locator('.codelens-decoration a', { hasText: '诊断' }).first().click();
  const panel = session.webview();
  await panel.locator('#verdict-cause[data-cause="cpu-manager-state-race"]').waitFor({ timeout: 90_000 });
  // The panel's own words arrive with the bundle (the host sends it on 'ready'): the clock's label is one.
  const clock = await waitForText(panel.locator('p.note.clock'), /^时钟：/, 30_000);
  const summary = await panel.locator('section#verdict p.summary').innerText();
  for (const text of [summary, clock]) {
    assert.match(text, CJK, text);
    assert.doesNotMatch(text, ENGLISH, text);
  }
  // The clock note is inferred from the logs: the offset and the counts, as numbers, in Chinese words.
  assert.match(clock, /时钟：节点本地时间（klog、journald）按 UTC\+08:00 解读，系推断所得/);
  assert.match(summary, /支持：/);
  assert.match(await panel.locator('.page-head .glance').innerText(), /根据证据，概率为 9\d%/);
  await session.screenshot(`${tag}-panel`);

  // The evidence: each detail in Chinese, with the log's quotes and file:line verbatim.
  const eof = await panel.locator('.evidence-item[data-id="eof-errors-present"] .detail').innerText();
  assert.match(eof, /“OCI runtime exec failed: exec failed: \(unexpected\) EOF”错误：.*kubelet\.log 中的 \d+/);
  const aligned = await panel.locator('.evidence-item[data-id="reconcile-aligned"] .detail').innerText();
  assert.match(aligned, /个容器的 EOF 各有自己的探针节奏，却汇聚在滑动协调节拍的同一相位/);
  // Every check, the folded ones too (innerText is empty inside a closed <details>).
  for (const item of await panel.locator('.evidence-item .detail').allTextContents()) {
    assert.match(item, CJK, item);
    assert.doesNotMatch(item, /\b(?:no|in the input|the kubelet|from the)\b [a-z]/, item);
  }
  await panel.locator('.evidence-item[data-id="reconcile-aligned"]').scrollIntoViewIfNeeded();
  await session.screenshot(`${tag}-evidence`);
  const chart = panel.locator('svg#phase-histogram');
  await chart.scrollIntoViewIfNeeded();
  assert.match(await chart.getAttribute('aria-label') ?? '', /周期中每 .* 的事件数/);
  assert.equal(await chart.locator('.tick-label').textContent(), '节拍');
  await session.screenshot(`${tag}-timeline`);

  // 5. Answer a question by hand: the node's cpu-manager policy is none. The verdict is no longer
  // established, and the question that separates the leaders is asked — in Chinese.
  const dropdown = panel.locator('[data-answer="observation:cpu-manager-static"]');
  await dropdown.scrollIntoViewIfNeeded();
  await dropdown.click();
  await dropdown.locator('vscode-option', { hasText: 'none（默认）' }).click();
  await panel.locator('#verdict-cause[data-cause="unknown"]').waitFor({ timeout: 30_000 });
  const answered = await waitForText(panel.locator('.evidence-item[data-id="cpu-manager-static"] .detail'), /按你的回答/);
  assert.match(answered, /^none（默认），按你的回答（输入显示为是：策略“static”，来自 kubelet(?:-config\.yaml|\.log):\d+ 的 /);
  const unknownSummary = await panel.locator('section#verdict p.summary').innerText();
  assert.match(unknownSummary, /存在运行时 exec 错误（OCI exec EOF），但证据不足以锁定单一原因：领先的是 /);
  const question = panel.locator('#question');
  await question.scrollIntoViewIfNeeded();
  assert.match(await question.locator('.question-prompt').innerText(), CJK);
  await session.screenshot(`${tag}-question`);
  const before = await panel.locator('#question').getAttribute('data-observation');
  await question.locator('vscode-button#question-yes').click();
  // Answered: the ranking moves on, and that observation's evidence says it was answered.
  await waitForText(panel.locator(`.evidence-item[data-id="${before}"] .detail`), /按你的回答/, 30_000);
  await session.screenshot(`${tag}-answered`);

  // 6. The report for the ticket, as "Copy as Markdown" copies it: in Chinese, quotes verbatim.
  await panel.locator('section#report summary').click();
  const report = await panel.locator('section#report pre').innerText();
  // Headed by the verdict the panel shows (the answer moved it), in the catalog's Chinese title.
  const verdictTitle = await panel.locator('#verdict-cause').innerText();
  assert.match(verdictTitle, CJK);
  assert.ok(report.startsWith(`# Runtime Lens 诊断：${verdictTitle}\n`), report.slice(0, 200));
  for (const heading of ['## 原因排序', '## 症状', '## 证据', '| 检查项 | 状态 | 详情 | 来源 |', '在节点上检查：', '由 Runtime Lens 于 ']) assert.ok(report.includes(heading), heading);
  for (const english of ['## Evidence', '## Symptom', 'Check on the node', 'Generated by', 'Node-local times']) assert.ok(!report.includes(english), english);
  assert.match(report, /\| OCI exec EOF \|/);
  await panel.locator('section#report pre').scrollIntoViewIfNeeded();
  await session.screenshot(`${tag}-report`);
}

test('Simplified Chinese, dark: open the sample, hover, Problems, the panel in Chinese, a question answered, the report', async () => {
  vs = await openVsCode({ name: 'zh-dark', sample: 'eof-incident', locale: 'zh-cn', settings: { 'runtimeLens.includeSystemSources': false } });
  await flow(vs, 'zh-dark');
});

test('Simplified Chinese, light: the same flow in the light theme', async () => {
  await vs?.close();
  vs = await openVsCode({ name: 'zh-light', sample: 'eof-incident', locale: 'zh-cn', settings: { 'workbench.colorTheme': 'Default Light Modern', 'runtimeLens.includeSystemSources': false } });
  await flow(vs, 'zh-light');
});
