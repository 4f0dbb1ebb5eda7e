import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { prng } from '../harness/prng';
import { CAUSES } from '../../src/core/diagnosis/causes';
import { causeCatalogErrors } from '../../src/core/diagnosis/causesCheck';
import { diagnose } from '../../src/core/diagnosis/diagnose';
import { decide, nextQuestion, rank } from '../../src/core/diagnosis/differential';
import type { PlacedFinding } from '../../src/core/diagnosis/clock';
import { eofPresent, evidence } from '../../src/core/diagnosis/evidence';
import { parseWebviewMessage } from '../../src/core/diagnosis/protocol';
import { binomialTail } from '../../src/core/diagnosis/stats';
import type { Diagnosis, Evidence, Timeline, UserFacts } from '../../src/core/diagnosis/types';
import type { NodeFact } from '../../src/core/logs/facts';
import type { LogTime } from '../../src/core/logs/types';
import { builtInSignatures } from '../../src/core/signatures/catalog';
import { Matcher } from '../../src/core/signatures/matcher';
import { recogniseFile, recogniseText } from '../../src/core/signatures/recognise';

/** The phase timeline the alignment observation attached, when the input has one. */
function timelineOf(d: Diagnosis): Timeline {
  const a = d.verdict.evidence.flatMap((e) => e.attachments ?? []).find((x) => x.kind === 'phase-timeline');
  assert.ok(a && a.kind === 'phase-timeline', 'a phase timeline is attached');
  return a.timeline;
}

const matcher = new Matcher(builtInSignatures());
const titles = Object.fromEntries(matcher.signatures.map((s) => [s.def.id, s.def.title]));
const CONTRACT_CAUSES = ['cpu-manager-state-race', 'runc-init-oom', 'pids-limit', 'namespace-setup', 'frozen-cgroup', 'probe-timeout-load', 'device-cgroup-update', 'container-stopped', 'runtime-dir-full', 'runc-go-glibc'];
/** Causes that recur among the training threads with the same confirmed cause (issue 16). */
const ADDED_CAUSES = ['lsm-denies-exec', 'keyring-quota', 'runtime-dir-removed', 'runc-hybrid-cgroup-v1', 'container-paused', 'exec-cgroup-join-race'];

/** Evidence as the engine sees it: every catalog observation unknown unless given. */
function observed(known: Record<string, boolean | { holds: boolean; attempts: number }>): Evidence[] {
  return CAUSES.observations.map((o) => {
    const k = known[o.id];
    if (k === undefined) return evidence(o.id, null, 'unknown', 'logs');
    return typeof k === 'boolean' ? evidence(o.id, k, 'given', 'logs') : evidence(o.id, k.holds, 'given', 'measured', { attempts: k.attempts });
  });
}
const ranking = (sigs: string[], known: Record<string, boolean | { holds: boolean; attempts: number }>) => rank(CAUSES, observed(known), new Set(sigs), titles);
const post = (r: ReturnType<typeof ranking>, id: string) => r.find((x) => x.cause === id)!.posterior;

test('the cause catalog is valid against its schema and holds every cause of the contract, each with references and fixes', () => {
  assert.equal(causeCatalogErrors(CAUSES), null);
  assert.deepEqual(CAUSES.causes.map((c) => c.id).sort(), [...CONTRACT_CAUSES, ...ADDED_CAUSES, 'other'].sort());
  for (const c of CAUSES.causes) {
    assert.ok(c.references.length > 0 && c.fixes.length > 0 && Object.keys(c.signatures).length > 0, c.id);
    for (const w of Object.values(c.evidence)) assert.ok(w.why.length > 10);
  }
  const priors = CAUSES.causes.reduce((s, c) => s + c.prior, 0);
  assert.ok(Math.abs(priors - 1) < 1e-9, `priors sum to ${priors}`);
  // A broken catalog is refused with the reason.
  assert.match(causeCatalogErrors({ ...CAUSES, causes: [{ ...CAUSES.causes[0]!, evidence: { 'no-such-thing': { holds: 2, fails: 0.5, why: 'a reason that is long enough' } } }] })!, /unknown observation no-such-thing/);
  assert.match(causeCatalogErrors({ ...CAUSES, margin: 2 })!, /margin/);
});

test('each cause, given its own error text and its direct evidence, ranks first: the ranking is the data', () => {
  for (const c of CAUSES.causes) {
    const sig = Object.entries(c.signatures).sort((a, b) => b[1].lr - a[1].lr)[0]![0];
    const known = Object.fromEntries(Object.entries(c.evidence).filter(([, w]) => w.fails !== undefined).map(([id, w]) => [id, w.holds > 1]));
    const r = ranking([sig], known);
    assert.equal(r[0]!.cause, c.id, `${c.id}: ${r.slice(0, 3).map((x) => `${x.cause} ${x.posterior}`).join(', ')}`);
    assert.ok(r[0]!.for.length > 0);
    const sum = r.reduce((s, x) => s + x.posterior, 0);
    assert.ok(Math.abs(sum - 1) < 0.01);
  }
});

test('OOM-killed init on a node with a static cpu-manager and a fixed runc: the OOM cause, never the race', () => {
  const r = ranking(['runc-init-pipe-reset'], { 'kernel-oom-runc-init': true, 'cpu-manager-static': true, 'runc-before-fix': false });
  assert.equal(r[0]!.cause, 'runc-init-oom');
  assert.ok(r[0]!.posterior > 0.8, String(r[0]!.posterior));
  assert.ok(post(r, 'cpu-manager-state-race') < 0.01);
  const d = decide(CAUSES, r);
  assert.equal(d.cause, 'runc-init-oom');
  assert.ok(r[0]!.for.some((c) => c.id === 'kernel-oom-runc-init' && c.lr === 20));
});

test('the init-pipe reset with no other evidence: no confident single cause; OOM and pids both ranked high, and the question separates them', () => {
  const r = ranking(['runc-init-pipe-reset'], {});
  assert.deepEqual(r.slice(0, 2).map((x) => x.cause), ['runc-init-oom', 'pids-limit']);
  // OOM is the likelier printer a priori (train: 3 OOM threads, 2 pids), but a prior is not evidence.
  assert.equal(decide(CAUSES, r).cause, 'unknown');
  const q = nextQuestion(CAUSES, r, observed({}))!;
  assert.ok(['kernel-oom-runc-init', 'pids-at-limit'].includes(q.observation), q.observation);
  assert.ok(q.gain > 0.1);
  assert.notEqual(q.ifYes, q.ifNo);
  // Answering it moves the ranking: each answer settles on the cause the question predicted.
  const yes = ranking(['runc-init-pipe-reset'], { [q.observation]: true });
  const no = ranking(['runc-init-pipe-reset'], { [q.observation]: false });
  assert.equal(yes[0]!.cause, q.ifYes);
  assert.equal(no[0]!.cause, q.ifNo);
  assert.notEqual(yes[0]!.cause, no[0]!.cause);
});

test('timeouts across many pods: the busy node, not the race', () => {
  const r = ranking(['probe-timeout'], { 'timeouts-many-pods': true, 'cpu-manager-static': true });
  assert.equal(r[0]!.cause, 'probe-timeout-load');
  assert.ok(post(r, 'cpu-manager-state-race') < 0.05);
  assert.ok(post(r, 'frozen-cgroup') < r[0]!.posterior);
});

test('the reproduce lab: a reproduced race is strong evidence for it; N clean attempts weigh against it, more with larger N', () => {
  const base = post(ranking(['oci-exec-eof'], {}), 'cpu-manager-state-race');
  const yes = post(ranking(['oci-exec-eof'], { 'reproduced-state-race': { holds: true, attempts: 300 } }), 'cpu-manager-state-race');
  const no30 = post(ranking(['oci-exec-eof'], { 'reproduced-state-race': { holds: false, attempts: 30 } }), 'cpu-manager-state-race');
  const no300 = post(ranking(['oci-exec-eof'], { 'reproduced-state-race': { holds: false, attempts: 300 } }), 'cpu-manager-state-race');
  assert.ok(yes > 0.9 && yes > base, `${yes} vs ${base}`);
  assert.ok(no30 < base && no300 < no30, `${no300} < ${no30} < ${base}`);
});

test('binomial tail: exact small cases', () => {
  assert.equal(binomialTail(10, 0, 0.3), 1);
  assert.ok(Math.abs(binomialTail(3, 3, 0.5) - 0.125) < 1e-12);
  assert.ok(Math.abs(binomialTail(4, 2, 0.5) - 11 / 16) < 1e-12);
  assert.ok(binomialTail(100, 60, 0.05) < 1e-40);
});

// ── Timing: the physics of the reconcile (../shared/causes.md, "Timing") ─────────────────────

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
const klogAt = (ms: number) => {
  const d = new Date(ms);
  return `I${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}000   4711`;
};
const timeOf = (ms: number): LogTime => {
  const d = new Date(ms);
  return { year: null, month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds(), micros: d.getUTCMilliseconds() * 1000, offsetMinutes: null };
};
const PODS = ['api-a', 'api-b', 'api-c', 'api-d'];
const START = Date.UTC(2021, 4, 7, 0, 0, 3, 120);

/**
 * A node over `hours`: the reconcile tick slides by `drift` ms a period (with jitter), each pod's exec
 * probe fires on its own fixed 10 s phase. `race`: an EOF when the probe's read meets its container's
 * update; otherwise the same number of failures at random probe firings (another cause).
 */
function node(opts: { race: boolean; hours: number; drift: number; logUpdates: boolean; seed: number }) {
  const rand = prng(opts.seed);
  const phases = PODS.map((_, i) => 1300 + i * 2200);
  const lines: string[] = [];
  const facts: NodeFact[] = [];
  const end = START + opts.hours * 3_600_000;
  let failures = 0;
  for (let tick = START, k = 0; tick < end; k++) {
    PODS.forEach((pod, c) => {
      const write = tick + 2 + 2 * c;
      if (opts.logUpdates) {
        const text = `${klogAt(write)} policy_static.go:373] [cpumanager] reconcileState: updating container (pod: ${pod}, container: app, container id: ${String(c).repeat(12)}, cpuset: "0-3")`;
        lines.push(text);
        facts.push({ kind: 'containerUpdate', value: String(c).repeat(64), file: '/n/kubelet.log', line: lines.length, time: timeOf(write), how: 'kubelet -v=4', pod: `shop/${pod}`, container: 'app', detail: { via: 'kubelet reconcile' } });
      }
      const m = Math.round((write - 50 - START - phases[c]!) / 10_000);
      const read = START + phases[c]! + m * 10_000 + 50;
      const hit = opts.race ? Math.abs(read - write) <= 40 && rand() < 0.6 : rand() < 0.004;
      if (hit) {
        failures += 1;
        lines.push(`${klogAt(read + 60)} prober.go:112] Readiness probe for "${pod}_shop(${String(c + 1).repeat(8)}-ae8f-11eb-a151-080027049c65):app" failed (failure): OCI runtime exec failed: exec failed: EOF: unknown`);
      }
    });
    tick += 10_000 + opts.drift + (rand() - 0.5);
  }
  lines.sort();
  const rec = recogniseText('/n/kubelet.log', `${lines.join('\n')}\n`, { matcher });
  return { rec, facts: facts.length ? facts : rec.facts, failures };
}

function run(n: ReturnType<typeof node>, user: UserFacts = {}) {
  return diagnose({ recognitions: [n.rec], facts: n.facts, saveState: null, user, titles });
}
const ev = (d: ReturnType<typeof run>, id: string) => d.verdict.evidence.find((e) => e.id === id)!;

test('the race with logged updates over hours of drift: each EOF follows its own container\'s update; reconcile-aligned true, the race leads', () => {
  const n = node({ race: true, hours: 8, drift: 12, logUpdates: true, seed: 3 });
  assert.ok(n.failures >= 8, `only ${n.failures} failures`);
  const d = run(n);
  assert.equal(ev(d, 'reconcile-aligned').holds, true, ev(d, 'reconcile-aligned').detail);
  assert.match(ev(d, 'reconcile-aligned').detail, /each EOF follows its own container's update: \d+ of \d+ EOFs come ≤ 1000 ms after/);
  assert.equal(d.ranked[0]!.cause, 'cpu-manager-state-race');
});

test('no race, updates logged: failures at the probes\' own phases do not follow the updates: reconcile-aligned false', () => {
  const n = node({ race: false, hours: 8, drift: 12, logUpdates: true, seed: 5 });
  assert.ok(n.failures >= 8);
  const d = run(n);
  assert.equal(ev(d, 'reconcile-aligned').holds, false, ev(d, 'reconcile-aligned').detail);
  assert.ok(d.ranked[0]!.posterior < 0.9 || d.ranked[0]!.cause !== 'cpu-manager-state-race');
});

test('the race without logged updates: bursts per container at their own phases meet in the sliding frame, and the fitted slide is named', () => {
  const n = node({ race: true, hours: 10, drift: 12, logUpdates: false, seed: 7 });
  const d = run(n);
  const a = ev(d, 'reconcile-aligned');
  assert.equal(a.holds, true, a.detail);
  assert.match(a.detail, /a sliding period of 10\.01\d\d s fitted best \(the tick slides 1[0-4]\.\d ms a period/);
  // On the fixed 10 s grid the same EOFs spread: a test without the slide would have missed the race.
  assert.ok(timelineOf(d).fittedPeriodSeconds > 10.009);
});

test('another cause at the probes\' own phases, no logged updates: the containers share no phase, fixed or sliding', () => {
  const n = node({ race: false, hours: 10, drift: 12, logUpdates: false, seed: 11 });
  const d = run(n);
  assert.notEqual(ev(d, 'reconcile-aligned').holds, true, ev(d, 'reconcile-aligned').detail);
});

test('answers re-rank: a yes/no observation, a hand-entered reproduce result, and the settled cause the fixes follow', () => {
  const rec = recogniseText('/n/kubelet.log', `${klogAt(START)} prober.go:112] Readiness probe for "web_shop(11111111-ae8f-11eb-a151-080027049c65):app" failed (failure): OCI runtime exec failed: exec failed: EOF: unknown\n`, { matcher });
  const base = diagnose({ recognitions: [rec], facts: [], saveState: null, user: {}, titles });
  assert.ok(base.question, 'a question is asked when nothing settles it');
  const answered = diagnose({ recognitions: [rec], facts: [], saveState: null, user: { observations: { [base.question!.observation]: true } }, titles });
  assert.notDeepEqual(answered.ranked.map((r) => r.posterior), base.ranked.map((r) => r.posterior));
  assert.equal(answered.verdict.evidence.find((e) => e.id === base.question!.observation)!.source, 'user');
  const lab = diagnose({ recognitions: [rec], facts: [], saveState: null, user: { observations: { 'reproduced-state-race': { scenario: 'state-race', attempts: 300, failures: 21, source: 'user' } } }, titles });
  assert.equal(lab.ranked[0]!.cause, 'cpu-manager-state-race');
  assert.ok(lab.ranked[0]!.posterior > base.ranked.find((r) => r.cause === 'cpu-manager-state-race')!.posterior);
  const settled = diagnose({ recognitions: [rec], facts: [], saveState: null, user: { settledCause: 'runtime-dir-full' }, titles });
  assert.equal(settled.fixesFor, 'runtime-dir-full');
  assert.match(settled.fixes[0]!.title, /\/run and \/tmp/);
  assert.equal(base.causes['cpu-manager-state-race']!.confirm!.scenario, 'state-race');
  assert.match(base.causes['cpu-manager-state-race']!.confirm!.command, /reproduce --scenario state-race/);
});

test('several nodes in one input: each node is diagnosed on its own evidence, the fleet names them with their runc', () => {
  const line = (t: number) => `${klogAt(t)} prober.go:112] Readiness probe for "web_shop(11111111-ae8f-11eb-a151-080027049c65):app" failed (failure): OCI runtime exec failed: exec failed: EOF: unknown`;
  const a = recogniseText('/fleet/a/kubelet.log', `${line(START)}\n${line(START + 60_000)}\n`, { matcher });
  const b = recogniseText('/fleet/b/kubelet.log', `${line(START)}\n`, { matcher });
  for (const f of a.findings) f.record.node = 'node-a';
  for (const f of b.findings) f.record.node = 'node-b';
  const facts: NodeFact[] = [{ kind: 'runcVersion', value: '1.0.0-rc6', file: '/fleet/a/runc.txt', line: 1, time: null, how: 'runc --version', node: 'node-a' }];
  const d = diagnose({ recognitions: [a, b], facts, saveState: null, user: {}, titles });
  assert.deepEqual(d.fleet.map((n) => [n.node, n.failures, n.runc]), [['node-a', 2, '1.0.0-rc6'], ['node-b', 1, null]]);
  assert.ok(d.fleet.every((n) => n.signatures.includes('oci-exec-eof')));
});

test('webview messages for the differential are validated: known observations, scenarios and causes only, sane numbers', () => {
  assert.deepEqual(parseWebviewMessage({ type: 'answer', fact: 'observation:kernel-oom-runc-init', value: 'yes' }), { type: 'answer', fact: 'observation:kernel-oom-runc-init', value: 'yes' });
  assert.deepEqual(parseWebviewMessage({ type: 'reproduced', scenario: 'state-race', attempts: 300, failures: 2 }), { type: 'reproduced', scenario: 'state-race', attempts: 300, failures: 2 });
  assert.deepEqual(parseWebviewMessage({ type: 'settle', cause: 'pids-limit' }), { type: 'settle', cause: 'pids-limit' });
  assert.deepEqual(parseWebviewMessage({ type: 'settle', cause: null }), { type: 'settle', cause: null });
  assert.deepEqual(parseWebviewMessage({ type: 'paste', text: 'oom_kill 3\n' }), { type: 'paste', text: 'oom_kill 3\n' });
  for (const bad of [
    { type: 'answer', fact: 'observation:no-such', value: 'yes' },
    { type: 'answer', fact: 'observation:kernel-oom-runc-init', value: 'maybe' },
    { type: 'answer', fact: 'observation:reproduced-state-race', value: 'yes' },
    { type: 'reproduced', scenario: 'fork-bomb', attempts: 3, failures: 0 },
    { type: 'reproduced', scenario: 'state-race', attempts: 3, failures: 4 },
    { type: 'reproduced', scenario: 'state-race', attempts: 0, failures: 0 },
    { type: 'reproduced', scenario: 'state-race', attempts: 1.5, failures: 0 },
    { type: 'settle', cause: 'rm -rf' },
    { type: 'paste', text: '   ' },
    { type: 'unpaste', name: '../etc/passwd' },
  ]) assert.equal(parseWebviewMessage(bad), null, JSON.stringify(bad));
});

// ── Texts from a real runc (test/unit/fixtures/runc-1.1.5: made by lab.md's recipe with Debian's runc) ──

const REAL = path.join(__dirname, '..', '..', '..', 'test', 'unit', 'fixtures', 'runc-1.1.5');

async function diagnoseFiles(names: string[]) {
  const recognitions = await Promise.all(names.map((n) => recogniseFile(path.join(REAL, n), { matcher })));
  return diagnose({ recognitions, facts: recognitions.flatMap((r) => r.facts), saveState: null, user: {}, titles });
}

test('real runc 1.1.5: the OOM-killed exec helper with its kernel log and memory cgroup → runc-init-oom, never the race', async () => {
  const d = await diagnoseFiles(['exec-init-oom.stderr.txt', 'dmesg-oom.txt', 'memory.oom_control', 'runc-version.txt']);
  assert.equal(d.ranked[0]!.cause, 'runc-init-oom', JSON.stringify(d.ranked.slice(0, 3)));
  assert.equal(d.verdict.evidence.find((e) => e.id === 'kernel-oom-runc-init')!.holds, true);
  assert.equal(d.verdict.evidence.find((e) => e.id === 'runc-before-fix')!.holds, false);
  assert.ok(d.ranked.find((r) => r.cause === 'cpu-manager-state-race')!.posterior < 0.01);
  // dmesg -T carries the same kill with wall-clock times.
  const t = await diagnoseFiles(['exec-init-oom.stderr.txt', 'dmesg-T-oom.txt']);
  assert.equal(t.verdict.evidence.find((e) => e.id === 'kernel-oom-runc-init')!.holds, true);
});

test('real runc 1.1.5: the pids limit (pthread_create, pids.* at the limit) → pids-limit', async () => {
  const d = await diagnoseFiles(['exec-pids-limit.stderr.txt', 'pids.current', 'pids.max', 'pids.events']);
  assert.equal(d.ranked[0]!.cause, 'pids-limit', JSON.stringify(d.ranked.slice(0, 3)));
  assert.equal(d.verdict.evidence.find((e) => e.id === 'pids-at-limit')!.holds, true);
  assert.equal(d.verdict.cause, 'pids-limit');
});

test('real runc 1.1.5: exec into a stopped container → container-stopped leads', async () => {
  const d = await diagnoseFiles(['exec-stopped.stderr.txt']);
  assert.equal(d.ranked[0]!.cause, 'container-stopped');
});

test('eofPresent counts failures per file name: files of one name in two folders add up, in order of first failure', () => {
  const at = (file: string, signature: string, count: number, line: number) => ({ finding: { file, signature, line, record: { count } }, wall: null, epoch: null }) as unknown as PlacedFinding;
  const placed = [at('/n1/kubelet.log', 'oci-exec-eof', 1, 3), at('/n1/dockerd.log', 'oci-exec-eof', 1, 9), at('/n2/kubelet.log', 'oci-exec-eof', 2, 4), at('/n1/kubelet.log', 'http-probe-eof', 5, 7), at('/n1/kubelet.log', 'oci-exec-eof', 3, 8)];
  const e = eofPresent(placed, new Set(['oci-exec-eof']));
  assert.equal(e.holds, true);
  assert.equal(e.detail, '"OCI runtime exec failed: exec failed: (unexpected) EOF" errors: 6 in kubelet.log, 1 in dockerd.log');
  assert.deepEqual(e.where, { file: '/n1/kubelet.log', line: 3 });
  assert.equal(eofPresent(placed, new Set(['exec-not-found'])).holds, false);
});
