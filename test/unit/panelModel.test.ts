import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { PANEL_GROUPS_PER_CAUSE, PANEL_ROWS_PER_SIGNATURE, panelDiagnosis } from '../../src/core/diagnosis/protocol';
import { reportMarkdown } from '../../src/core/diagnosis/report';
import { DiagnosisSession } from '../../src/core/diagnosis/session';
import type { Diagnosis } from '../../src/core/diagnosis/types';
import { builtInSignatures } from '../../src/core/signatures/catalog';
import { Matcher } from '../../src/core/signatures/matcher';
import { recogniseFile } from '../../src/core/signatures/recognise';
import { parseHostMessage, parsePanelState } from '../../media/validate';
import { repoRoot } from '../harness/paths';

// Issue 18, the panel on big inputs: what the extension host keeps and posts to the webview is bounded
// by what the panel shows, not by the input, and still adds up to every occurrence.

const matcher = new Matcher(builtInSignatures());
let dir: string;
let list: { file: string; occurrences: Record<string, number>; nodes: number };
let full: Diagnosis;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-panel-model-'));
  list = JSON.parse(execFileSync('node', [path.join(repoRoot, 'bench', 'generate-events.mjs'), dir, '20000'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
  const session = new DiagnosisSession({ matcher, time: {} });
  await session.read([list.file]);
  full = session.diagnose({ saveState: null, user: {} }).diagnosis;
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('the panel keeps the largest rows of each signature, and totals that add up to every occurrence and pod', () => {
  const { diagnosis, symptom } = panelDiagnosis(full);
  const signatures = [...new Set(full.clusters.map((c) => c.signature))];
  // The list is one that needs bounding: many more pod/container rows than the panel lists.
  assert.ok(full.clusters.length > 20 * PANEL_ROWS_PER_SIGNATURE, `${full.clusters.length} clusters`);
  assert.ok(diagnosis.clusters.length <= PANEL_ROWS_PER_SIGNATURE * signatures.length, `${diagnosis.clusters.length} rows`);
  assert.equal(symptom.count, Object.values(list.occurrences).reduce((a, b) => a + b, 0));
  assert.equal(symptom.pods, new Set(full.clusters.flatMap((c) => (c.pod === null ? [] : [c.pod]))).size);
  assert.deepEqual(symptom.signatures.map((s) => s.count), [...symptom.signatures.map((s) => s.count)].sort((a, b) => b - a), 'largest first');
  for (const s of symptom.signatures) {
    const all = full.clusters.filter((c) => c.signature === s.signature);
    const listed = diagnosis.clusters.filter((c) => c.signature === s.signature);
    assert.equal(s.count, list.occurrences[s.signature], s.signature);
    assert.equal(s.rows, all.length, s.signature);
    assert.equal(s.listed, Math.min(PANEL_ROWS_PER_SIGNATURE, all.length), s.signature);
    // The largest, as the diagnosis ranks them, unchanged.
    assert.deepEqual(listed, all.slice(0, s.listed), s.signature);
    const smallestListed = Math.min(...listed.map((c) => c.count));
    assert.ok(all.slice(s.listed).every((c) => c.count <= smallestListed), s.signature);
  }
});

test('the panel keeps the groups it lists per cause, and the rest of the diagnosis whole', () => {
  const { diagnosis } = panelDiagnosis(full);
  const listed = full.explained.flatMap((span) => span.groups.slice(0, PANEL_GROUPS_PER_CAUSE));
  assert.ok(full.groups.length > listed.length, `${full.groups.length} groups, ${listed.length} listed`);
  assert.deepEqual(new Set(diagnosis.groups.map((g) => g.id)), new Set(listed));
  assert.deepEqual(diagnosis.groups, full.groups.filter((g) => listed.includes(g.id)));
  const { clusters: _c, groups: _g, ...rest } = diagnosis;
  const { clusters: _fc, groups: _fg, ...fullRest } = full;
  assert.deepEqual(rest, fullRest);
  assert.equal(diagnosis.fleet.length, list.nodes);
});

test('the state the panel posts is a fraction of the whole diagnosis, and the webview accepts it', () => {
  const { diagnosis, symptom } = panelDiagnosis(full);
  const state = { subject: 'events', diagnosis, symptom, chain: null, report: reportMarkdown(full, 'events', null, 'now'), answers: {}, pasted: [] };
  const posted = JSON.stringify(state).length;
  const whole = JSON.stringify(full).length;
  assert.ok(posted * 5 < whole, `${posted} chars posted of ${whole}`);
  assert.ok(parsePanelState(JSON.parse(JSON.stringify(state))));
  assert.equal(parsePanelState({ ...state, symptom: { count: 1, pods: 0 } }), null, 'a state without its totals per signature is dropped');
  // A state comes numbered, so the webview lays out a state sent again (on ready) only once.
  assert.equal(parseHostMessage({ type: 'state', state: JSON.parse(JSON.stringify(state)), seq: 3 })?.type, 'state');
  assert.equal(parseHostMessage({ type: 'state', state: JSON.parse(JSON.stringify(state)) }), null);
});

test("a session's version changes with what it holds (a new or changed file, a paste), not with a read of the same files", async () => {
  const session = new DiagnosisSession({ matcher, time: {} });
  const a = path.join(dir, 'a-kubelet.log');
  const b = path.join(dir, 'b-dockerd.log');
  fs.copyFileSync(path.join(repoRoot, 'samples', 'eof-incident', 'kubelet.log'), a);
  fs.copyFileSync(path.join(repoRoot, 'samples', 'eof-incident', 'dockerd.log'), b);
  await session.read([a]);
  const v1 = session.version;
  await session.read([a]);
  assert.equal(session.version, v1, 'the same file, unchanged');
  session.diagnose({ saveState: null, user: { settledCause: 'runc-init-oom' } });
  assert.equal(session.version, v1, 'a diagnosis changes nothing held');
  await session.read([a, b]);
  const v2 = session.version;
  assert.notEqual(v2, v1, 'another file');
  await session.read([b, a]);
  assert.notEqual(session.version, v2, 'the same files in another order');
  const v3 = session.version;
  fs.appendFileSync(a, 'I0507 03:50:00.000000   1234 server.go:417] Version: v1.14.8\n');
  await session.read([b, a]);
  assert.notEqual(session.version, v3, 'a changed file');
  const v4 = session.version;
  session.setPasted([{ name: 'pasted-1', text: 'runc version 1.0.0-rc6\n' }]);
  assert.notEqual(session.version, v4, 'a paste');
  const v5 = session.version;
  const counted = await recogniseFile(a, { matcher, keepFindings: false });
  await session.read([b]);
  const v6 = session.version;
  assert.notEqual(v6, v5, 'a file left out');
  session.keep(a, fs.statSync(a), counted);
  await session.read([b, a]);
  assert.notEqual(session.version, v6, 'a reading kept from elsewhere, taken');
  assert.equal(session.recognitions[1], counted);
});
