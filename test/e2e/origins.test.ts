import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { type VsCodeSession, hoverText, openVsCode, waitForText } from '../harness/vscode';

// Debian's sources are the source roots (runc 1.1.5, containerd 1.6.20, kubernetes 1.20.2); the
// expected lines are the ones test/integration/origins.test.ts asserts.
let vs: VsCodeSession;

const POD = 'payments-api-6d8f7c9b4-q8v7d';
const OOM_LINE = `I0507 03:43:28.310630    1234 prober.go:117] Readiness probe for "${POD}_default(3f0b9c2e-5a1d-4c8e-9f7a-2b6d1e0c4a93):api" failed (failure): OCI runtime exec failed: exec failed: unable to start container process: read init-p: connection reset by peer (possibly OOM-killed): unknown`;

before(async () => {
  vs = await openVsCode({ name: 'origins', sample: 'eof-incident', goSources: true });
  fs.writeFileSync(
    path.join(vs.workspace, 'kubelet-oom.log'),
    [
      'I0507 03:43:18.120044    1234 kubelet.go:1932] SyncLoop (PLEG): "payments-api-6d8f7c9b4-q8v7d_default(3f0b9c2e-5a1d-4c8e-9f7a-2b6d1e0c4a93)", event: ContainerStarted',
      OOM_LINE,
      'I0507 03:43:38.309120    1234 prober.go:126] Readiness probe for "payments-api-6d8f7c9b4-q8v7d_default(3f0b9c2e-5a1d-4c8e-9f7a-2b6d1e0c4a93):api" succeeded',
      '',
    ].join('\n'),
  );
  await vs.openFile('kubelet-oom.log');
});

after(async () => {
  await vs?.close();
});

const status = () => vs.page.locator('.statusbar-item[id="status.editor.selection"]');

test('hovering the OOM line says where each part is printed, and "Printed by runc" opens the line that adds (possibly OOM-killed)', async () => {
  const line = vs.page.locator('.view-lines .view-line', { hasText: 'possibly OOM-killed' }).first();
  const hover = vs.page.locator('.monaco-hover', { hasText: 'Printed by' });
  // The file's findings are in once the line's code lens shows: a hover asked before that has nothing to
  // show, and VS Code asks again only when the mouse comes back onto the line, as hoverText moves it.
  await waitForText(vs.page.locator('.codelens-decoration', { hasText: 'runc init pipe reset' }), /runc init pipe reset/, 60_000);
  // The first hover searches the sources cold; the search goes on when a hover goes, and the next joins it.
  await hoverText(vs.page, line, 300, hover, /Printed by .*kubelet at prober\.go:117/, 120_000);
  // The answer also reaches the log's code lens, which moves the lines: hover again once it is there.
  await vs.page.keyboard.press('Escape');
  await waitForText(vs.page.locator('.codelens-decoration', { hasText: 'Printed by' }), /kubelet at prober\.go:117/, 30_000);
  const text = await hoverText(vs.page, line, 300, hover, /Printed by .*kubelet at prober\.go:117/, 30_000);
  assert.match(text, /Printed by runc at process_linux\.go:98 · runc at container_linux\.go:355 · runc at exec\.go:110 · containerd shim at exec\.go:210 · kubelet at prober\.go:117/);
  const link = hover.locator('a', { hasText: 'runc at process_linux.go:98' }).first();
  // hover() scrolls the link into view and retries while VS Code re-renders the hover as its parts arrive.
  await link.hover();
  await vs.screenshot('hover-printed-by');
  await link.click();
  await vs.page.locator('.tab.active[data-resource-name="process_linux.go"]').waitFor({ timeout: 30_000 });
  assert.match(await waitForText(status(), /Ln 98, Col 1/), /Ln 98, Col 1/);
  const current = vs.page.locator('.view-lines .view-line', { hasText: 'possibly OOM-killed' }).first();
  assert.match(await waitForText(current, /retErr = fmt\.Errorf\("%w \(possibly OOM-killed\)", retErr\)/), /possibly OOM-killed/);
  await vs.screenshot('runc-process-linux-98');
});

test('the log code lens then links each program where it prints its innermost part; the shim link lands on exec.go:210', async () => {
  await vs.page.locator('.tab[data-resource-name="kubelet-oom.log"]').click();
  await vs.page.locator('.tab.active[data-resource-name="kubelet-oom.log"]').waitFor({ timeout: 15_000 });
  // The lens line is wider than the editor beside the side bar: hide it (Ctrl+B) so every link is on screen.
  await vs.page.keyboard.press('Control+B');
  const lens = vs.page.locator('.codelens-decoration', { hasText: 'Printed by' }).first();
  const text = await waitForText(lens, /kubelet at prober\.go:117/, 30_000).finally(() => vs.screenshot('code-lens-printed-by'));
  // innerText breaks the lens line where Monaco wraps its spans: compare with the whitespace collapsed.
  assert.match(text.replace(/\s+/g, ' '), /Printed by runc at process_linux\.go:98 \| containerd shim at exec\.go:210 \| kubelet at prober\.go:117$/);
  await lens.locator('a', { hasText: 'containerd shim at exec.go:210' }).click();
  await vs.page.locator('.tab.active[data-resource-name="exec.go"]').waitFor({ timeout: 30_000 });
  assert.match(await waitForText(status(), /Ln 210, Col 1/), /Ln 210, Col 1/);
  const current = vs.page.locator('.view-lines .view-line', { hasText: 'OCI runtime exec failed' }).first();
  assert.match(await waitForText(current, /runtimeError\(err, "OCI runtime exec failed"\)/), /OCI runtime exec failed/);
  await vs.screenshot('shim-exec-210');
});
