import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { repoRoot } from '../harness/paths';
import { type VsCodeSession, hoverText, openVsCode, waitForText } from '../harness/vscode';

// samples/mixed-errors/mixed.log: 16 lines as users pasted them into public threads
// (../shared/incidents-train.jsonl), 14 of them runtime errors of every kind and wording (kubectl output,
// kubectl describe, events, journald-wrapped structured klog, logrus, bare runc), 2 look-alikes (an HTTP
// probe, a missing executable). Every runtime error line has a Problems entry that names its innermost
// error, and a hover that lists its layers, each linked to the line that printed it.

const SAMPLE = path.join(repoRoot, 'samples', 'mixed-errors', 'mixed.log');
const lines = fs.readFileSync(SAMPLE, 'utf8').split('\n').filter(Boolean);
/** The runtime error lines, as a person would point at them (the incidents test's words). */
const RUNTIME_LINE = /\b(?:OCI|oci) runtime\b|\bexec failed: |failed to exec in container|error executing command in container|pthread_create failed: Resource/;
const LOOK_ALIKES = [5, 11];
const runtimeLines = lines.map((l, i) => (RUNTIME_LINE.test(l) && !LOOK_ALIKES.includes(i + 1) ? i + 1 : 0)).filter(Boolean);

let vs: VsCodeSession;

before(async () => {
  vs = await openVsCode({ name: 'anatomy', sample: 'mixed-errors' });
  await vs.openFile('mixed.log');
});

after(async () => {
  await vs?.close();
});

test('the sample holds 14 runtime error lines and 2 look-alikes', () => {
  assert.equal(lines.length, 16);
  assert.equal(runtimeLines.length, 14);
});

test('every runtime error line has a Problems entry naming its innermost error', async () => {
  const problems = vs.page.locator('.statusbar-item[id="status.problems"]');
  await waitForText(problems, /[1-9]\d*\D+[1-9]/, 60_000);
  await vs.runCommand('View: Focus Problems (Errors, Warnings, Infos)');
  await vs.runCommand('View: Toggle Maximized Panel');
  const rows = vs.page.locator('.markers-panel .monaco-list-row');
  await waitForText(rows.filter({ hasText: 'openat2' }), /ENOENT/, 30_000);
  const texts = (await rows.allInnerTexts()).map((t) => t.replace(/\s+/g, ' '));
  const byLine = new Map<number, string>();
  for (const t of texts) {
    const m = /\[Ln (\d+), Col \d+\]/.exec(t);
    if (m && /runtime-lens/.test(t)) byLine.set(Number(m[1]), t);
  }
  for (const n of runtimeLines) assert.ok(byLine.has(n), `line ${n} has no Problems entry: ${lines[n - 1]!.slice(0, 120)}\n${texts.join('\n')}`);
  // Unclassified ones are titled by their innermost error; curated ones keep their id and add it.
  // The open world's causes gave lines 1 and 8 signatures of their own; their entries still name the innermost error.
  assert.match(byLine.get(1)!, /openat2 \/sys\/fs\/cgroup\/…\/cgroup\.procs: ENOENT \(no such file or directory\)/);
  assert.match(byLine.get(1)!, /runc-cgroup-unified-missing/);
  assert.match(byLine.get(8)!, /create session key: EDQUOT \(disk quota exceeded\)/);
  assert.match(byLine.get(8)!, /runc-keyring-quota/);
  assert.match(byLine.get(9)!, /Runtime error: .*ENOENT/);
  assert.match(byLine.get(9)!, /runtime-error/);
  assert.match(byLine.get(7)!, /device-cgroup-denied/);
  assert.match(byLine.get(7)!, /open \/dev\/pts\/1: EPERM/);
  // The look-alikes are listed under their own ids, never as runtime errors.
  assert.match(byLine.get(5)!, /http-probe-refused/);
  assert.match(byLine.get(11)!, /exec-not-found/);
  await vs.screenshot('problems');
  await vs.runCommand('View: Toggle Maximized Panel');
  await vs.runCommand('View: Hide Panel');
});

test('hovering a runtime error lists its layers, each linked to its origin, and its innermost error', async () => {
  await vs.runCommand('Go to Line/Column...');
  await vs.page.keyboard.type('1');
  await vs.page.keyboard.press('Enter');
  const line = vs.page.locator('.view-lines .view-line', { hasText: 'kubelet-kubepods-podac27167f' }).first();
  await line.waitFor();
  const hover = vs.page.locator('.monaco-hover', { hasText: 'Layers' });
  const text = await hoverText(vs.page, line, 400, hover, /Versions with this wording/);
  assert.match(text, /hybrid cgroup2 path missing \(\/sys\/fs\/cgroup\/unified\) — openat2/);
  assert.match(text, /Layers \(outermost first\)/);
  for (const program of ['containerd', 'shim', 'runc', 'kernel']) assert.match(text, new RegExp(`\\b${program}\\b`), program);
  assert.match(text, /container_execsync\.go:\d+/);
  assert.match(text, /container_linux\.go:\d+/);
  assert.match(text, /error adding pid 846 to cgroups/);
  assert.match(text, /Innermost error: openat2 \/sys\/fs\/cgroup\/…\/cgroup\.procs: ENOENT/);
  assert.match(text, /ENOENT/);
  assert.match(text, /cgroup is gone|layout/);
  assert.match(text, /runc 1\.1\.0–/);
  const anchors = hover.locator('a');
  const links: string[] = [];
  for (let i = 0; i < (await anchors.count()); i++) links.push((await anchors.nth(i).getAttribute('data-href')) ?? (await anchors.nth(i).getAttribute('href')) ?? '');
  assert.ok(
    links.some((h) => /^https:\/\/github\.com\/opencontainers\/runc\/blob\/v1\.\d+\.\d+\/libcontainer\/container_linux\.go#L\d+$/.test(h)),
    `a runc layer links upstream at its tag: ${links.join(' ')}`,
  );
  assert.ok(links.some((h) => /^https:\/\/github\.com\/containerd\/containerd\/blob\/v[\d.]+\/internal\/cri\/server\/container_execsync\.go#L\d+$/.test(h)), `the CRI layer links upstream: ${links.join(' ')}`);
  await vs.screenshot('hover-layers');
  // The rest of the layers, the innermost error and the versions, further down the same hover.
  const box2 = await hover.boundingBox();
  assert.ok(box2);
  await vs.page.mouse.move(box2.x + box2.width / 2, box2.y + box2.height / 2);
  await vs.page.mouse.wheel(0, 220);
  await vs.screenshot('hover-innermost');
  await vs.page.keyboard.press('Escape');
});
