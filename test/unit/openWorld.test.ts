import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { calibrate, expected, isHeldOut, loadThreads, score } from '../../bench/calibration';
import { CAUSES } from '../../src/core/diagnosis/causes';
import { diagnose } from '../../src/core/diagnosis/diagnose';
import { reportMarkdown } from '../../src/core/diagnosis/report';
import type { Diagnosis, UserFacts } from '../../src/core/diagnosis/types';
import { builtInSignatures } from '../../src/core/signatures/catalog';
import { Matcher } from '../../src/core/signatures/matcher';
import { type Recognition, recogniseText } from '../../src/core/signatures/recognise';
import type { Finding } from '../../src/core/signatures/types';
import { prng } from '../harness/prng';
import { repoRoot } from '../harness/paths';

const matcher = new Matcher(builtInSignatures());
const titles = Object.fromEntries(matcher.signatures.map((s) => [s.def.id, s.def.title]));
const threads = loadThreads(path.join(repoRoot, 'bench', 'incidents-train.jsonl'));
const DOCUMENTED = new Set(CAUSES.causes.map((c) => c.id).filter((id) => id !== 'other'));

function run(recognitions: Recognition[], user: UserFacts = {}): Diagnosis {
  return diagnose({ recognitions, facts: recognitions.flatMap((r) => r.facts), saveState: null, user, titles });
}

// ── The training set: 67 public threads (bench/incidents-train.jsonl) ──────────────────────────

test('the training set: 67 threads, every label maps onto the catalog, about a fifth held out by the hash of its source', () => {
  assert.equal(threads.length, 67);
  for (const t of threads) expected(t.label);
  const held = threads.filter(isHeldOut).length;
  assert.ok(held >= 8 && held <= 20, String(held));
});

test('training set: each confirmed documented cause is among the top two, unless its text does not show it', () => {
  const confirmed = threads.filter((t) => t.confidence === 'confirmed' && DOCUMENTED.has(expected(t.label) ?? ''));
  assert.ok(confirmed.length >= 12, String(confirmed.length));
  const missed: string[] = [];
  for (const t of confirmed) {
    const s = score(t)!;
    if (s.top2.includes(s.expected)) continue;
    missed.push(`${t.source} (${s.expected}: ${s.verdict} ${s.stated})`);
    // A miss may say it does not know (none, other, unknown), never name another documented cause with confidence.
    assert.ok(!(DOCUMENTED.has(s.verdict) && s.stated >= 0.6), `${t.source}: ${s.expected} → ${s.verdict} ${s.stated}`);
  }
  // The threads whose text does not show their cause: runc#4193 quotes only runc's --debug trace; containerd#10799 only the
  // kernel's kill (evidence, no failed exec); moby#41167's runc error is split over three lines, of which a line reader reads
  // dockerd's "cannot start a stopped process" alone; podman#1579 shows runc's start refusing a stopped container beside the kill.
  assert.ok(missed.length <= 4, missed.join('; '));
});

test('training set: threads outside the catalog never get a documented cause with confidence ≥ 0.6', () => {
  const other = threads.filter((t) => expected(t.label) === 'other');
  assert.ok(other.length >= 10);
  for (const t of other) {
    const s = score(t)!;
    assert.ok(!(DOCUMENTED.has(s.verdict) && s.stated >= 0.6), `${t.source}: ${s.verdict} ${s.stated}`);
  }
});

test('training set: look-alikes are never blamed on the runtime', () => {
  const lookAlikes = threads.filter((t) => t.label.startsWith('lookalike:'));
  assert.equal(lookAlikes.length, 17);
  for (const t of lookAlikes) assert.equal(score(t)!.verdict, 'none', t.source);
});

test('calibration: cross-validated and held-out figures, with the shipped ratios those the cross-validation fits', () => {
  const c = calibrate(threads);
  assert.equal(c.fitSet + c.heldOut, 67);
  assert.equal(c.crossValidation.folds.reduce((n, f) => n + f.n, 0), c.fitSet);
  // Out of fold, the shipped ratios and priors do at least as well as those fitted per fold on the other folds.
  assert.ok(c.crossValidation.shipped.logLoss <= c.crossValidation.fitted.logLoss + 1e-9, `${c.crossValidation.shipped.logLoss} vs ${c.crossValidation.fitted.logLoss}`);
  assert.ok(c.crossValidation.shipped.logLoss <= c.crossValidation.withPriors.logLoss + 1e-9);
  assert.ok(c.crossValidation.shipped.top1 >= c.crossValidation.fitted.top1);
  // The outside cause's ratio is the one every fold chooses.
  for (const f of c.crossValidation.folds) assert.equal(f.knobs.otherSignatures, c.shippedKnobs.otherSignatures);
  assert.ok(c.shipped.heldOut.top2 / c.shipped.heldOut.scored >= 0.6, `${c.shipped.heldOut.top2}/${c.shipped.heldOut.scored}`);
  // Whatever the leader says at 0.6 or more, it is right at least that often.
  for (const b of c.shipped.all.reliability.filter((x) => x.from >= 0.6 && x.n > 0)) assert.ok(b.right / b.n >= b.from, JSON.stringify(b));
});

// ── Mixed inputs: several causes at once ───────────────────────────────────────────────────────

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
const klogAt = (ms: number, level = 'I') => {
  const d = new Date(ms);
  return `${level}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}000   57003`;
};
const isoAt = (ms: number) => `${new Date(ms).toISOString().slice(0, 23)}000000Z`;
const journalAt = (ms: number) => `${new Date(ms).toISOString().slice(0, 19)}+0000`;
const hex = (rand: () => number, n: number) => Array.from({ length: n }, () => Math.floor(rand() * 16).toString(16)).join('');
const BASE = Date.UTC(2026, 10, 30, 9, 0, 0);
const PODS = ['api-a', 'api-b', 'api-c'].map((name, i) => ({ name, uid: `${String(i + 1).repeat(8)}-ae8f-11eb-a151-080027049c65` }));
const PIPE = 'OCI runtime exec failed: exec failed: unable to start container process: read init-p: connection reset by peer (possibly OOM-killed): unknown';

/** node-a: the state race (EOFs of three pods at one phase of the reconcile, static policy, runc rc6). */
function raceNode(dir: string, events: number): Recognition[] {
  const rand = prng(11);
  const lines = [`${klogAt(BASE)} flags.go:33] FLAG: --cpu-manager-policy="static"`, `${klogAt(BASE + 1)} flags.go:33] FLAG: --cpu-manager-reconcile-period="10s"`];
  for (let i = 0; i < events; i++) {
    const t = BASE + 8204 + (60 + i * 37 + Math.floor(rand() * 30)) * 10_000 + 100 + Math.floor(rand() * 300);
    const pod = PODS[i % PODS.length]!;
    lines.push(`${klogAt(t)} prober.go:112] Readiness probe for "${pod.name}_shop(${pod.uid}):api" failed (failure): OCI runtime exec failed: exec failed: EOF: unknown`);
  }
  return [
    recogniseText(`${dir}/kubelet.log`, `${lines.sort().join('\n')}\n`, { matcher }),
    recogniseText(`${dir}/runc-version.txt`, 'runc version 1.0.0-rc6\ncommit: 96ec2177\nspec: 1.0.1-dev\n', { matcher }),
  ];
}

/** node-b: runc's exec helper OOM-killed (the pipe reset, and the kernel's kills of runc:[2:INIT] when `kernel`). */
function oomNode(dir: string, failures: number, kernel: 'kills' | 'quiet' | 'none'): Recognition[] {
  const kubelet: string[] = [];
  const kern: string[] = [];
  for (let i = 0; i < failures; i++) {
    const t = BASE + 3_600_000 + i * 610_000;
    kubelet.push(`${klogAt(t, 'I')} prober.go:107] "Probe errored" err="rpc error: code = Unknown desc = failed to exec in container: ${PIPE}" probeType="Readiness" pod="shop/cart-1" podUID="44444444-ae8f-11eb-a151-080027049c65" containerName="worker"`);
    if (kernel === 'kills') kern.push(`${journalAt(t - 40)} node-b kernel: Memory cgroup out of memory: Killed process ${40000 + i} (runc:[2:INIT]) total-vm:1083112kB, anon-rss:4032kB, file-rss:1932kB, shmem-rss:0kB, UID:0 pgtables:100kB oom_score_adj:-997`);
    if (kernel === 'quiet') kern.push(`${journalAt(t - 40)} node-b kernel: eth0: renamed from veth${i}a2c`);
  }
  const out = [recogniseText(`${dir}/kubelet.log`, `${kubelet.join('\n')}\n`, { matcher })];
  if (kernel !== 'none') out.push(recogniseText(`${dir}/journalctl-k.log`, `${kern.join('\n')}\n`, { matcher }));
  return out;
}

test('two nodes, two causes: both named, each for its own node, each group ranked on its own evidence', () => {
  const d = run([...raceNode('/in/nodes/node-a', 30), ...oomNode('/in/nodes/node-b', 12, 'kills')]);
  const causes = d.explained.map((s) => s.cause);
  assert.deepEqual([...causes].sort(), ['cpu-manager-state-race', 'runc-init-oom']);
  for (const g of d.groups) {
    const want = g.node === 'node-a' ? 'cpu-manager-state-race' : 'runc-init-oom';
    assert.equal(g.verdict.cause, want, `${g.id}: ${JSON.stringify(g.hypotheses.slice(0, 2))}`);
    assert.ok(g.verdict.confidence >= 0.8, `${g.id} ${g.verdict.confidence}`);
    assert.ok(d.explained.find((s) => s.cause === want)!.groups.includes(g.id));
  }
  assert.equal(d.groups.filter((g) => g.node === 'node-a').length, 3, 'one group per pod of node-a');
  // The whole input: the cause that explains the most failures leads, and the summary names both, node by node.
  assert.equal(d.verdict.cause, 'cpu-manager-state-race');
  assert.deepEqual(d.hypotheses.slice(0, 2).map((h) => h.cause), ['cpu-manager-state-race', 'runc-init-oom']);
  assert.match(d.verdict.summary, /node-a: runc state\.json race with the kubelet cpu-manager \(30 × OCI exec EOF, in 3 groups\)/);
  // The kernel's kills are evidence for node-b's group, not failures of their own.
  assert.match(d.verdict.summary, /node-b: runc's exec helper OOM-killed in the container's memory cgroup \(12 × runc init pipe reset\)/);
  // Step 5's ranking is the leading cause's own group's, where the race's evidence holds.
  assert.equal(d.ranked[0]!.cause, 'cpu-manager-state-race');
  assert.ok(d.ranked[0]!.for.some((c) => c.id === 'reconcile-aligned'));
  const report = reportMarkdown(d, 'two nodes', null, '2026-11-30');
  assert.match(report, /## Causes by group/);
  assert.match(report, /node-a: runc state\.json race with the kubelet cpu-manager \(30\)/);
  assert.match(report, /node-b: runc's exec helper OOM-killed in the container's memory cgroup \(12\)/);
});

test('one node, one cause: the groups agree and the verdict is the whole input\'s, as before', () => {
  const d = run(oomNode('/in/nodes/node-b', 12, 'kills'));
  assert.equal(d.verdict.cause, 'runc-init-oom');
  assert.deepEqual(d.explained.map((s) => s.cause), ['runc-init-oom']);
  assert.equal(d.explained[0]!.count, d.groups.reduce((n, g) => n + g.count, 0));
});

test('absence is evidence: a kernel log that was read and shows no OOM kill makes the OOM check false, not unknown', () => {
  const quiet = run(oomNode('/in/nodes/node-b', 6, 'quiet'));
  const kernel = quiet.verdict.evidence.find((e) => e.id === 'kernel-oom-runc-init')!;
  assert.equal(kernel.holds, false, kernel.detail);
  assert.match(kernel.detail, /journalctl-k\.log/);
  const none = run(oomNode('/in/nodes/node-b', 6, 'none'));
  assert.equal(none.verdict.evidence.find((e) => e.id === 'kernel-oom-runc-init')!.holds, null);
  // Without the kill the OOM loses ground to the pids limit.
  const oom = (d: Diagnosis) => d.ranked.find((r) => r.cause === 'runc-init-oom')!.posterior;
  assert.ok(oom(quiet) < oom(none), `${oom(quiet)} < ${oom(none)}`);
});

test('a stopped-container log with its TaskExit lines: container-stopped at 0.8 or more', () => {
  const rand = prng(5);
  const lines: string[] = [];
  for (let i = 0; i < 11; i++) {
    const id = hex(rand, 64);
    const t = BASE + i * 420_000;
    lines.push(`time="${isoAt(t)}" level=info msg="TaskExit event &TaskExit{ContainerID:${id},ID:${id},Pid:${3100 + i},ExitStatus:137,ExitedAt:${new Date(t).toISOString()},XXX_unrecognized:[],}"`);
    lines.push(`time="${isoAt(t + 800)}" level=error msg="ExecSync for \\"${id}\\" failed" error="failed to exec in container: failed to start exec \\"${hex(rand, 64)}\\": OCI runtime exec failed: exec failed: cannot exec in a stopped container: unknown"`);
  }
  const d = run([recogniseText('/in/containerd.log', `${lines.join('\n')}\n`, { matcher })]);
  assert.equal(d.verdict.evidence.find((e) => e.id === 'task-exit-nearby')!.holds, true);
  assert.equal(d.verdict.cause, 'container-stopped');
  assert.ok(d.verdict.confidence >= 0.8, String(d.verdict.confidence));
  // The text alone settles it too: only one cause prints it (was unknown at 0.48 with a default ratio of 0.1).
  const bare = run([recogniseText('/in/containerd.log', `${lines.filter((l) => !l.includes('TaskExit')).join('\n')}\n`, { matcher })]);
  assert.equal(bare.verdict.cause, 'container-stopped');
  assert.ok(bare.verdict.confidence >= 0.8, String(bare.verdict.confidence));
});

test('alignment is tested for every failing exec\'s family: a device-denied probe that follows its own container\'s update by ms is aligned', () => {
  const rand = prng(9);
  const containers = ['api-a', 'api-b', 'api-c'].map((name) => ({ name, id: hex(rand, 64) }));
  const containerd: string[] = [];
  for (let k = 0; k < 40; k++) {
    containers.forEach((c, i) => {
      const update = BASE + k * 10_003 + i * 7;
      containerd.push(`time="${isoAt(update)}" level=info msg="UpdateContainerResources for \\"${c.id}\\" with Resources &LinuxContainerResources{CpusetCpus:0-3,}"`);
      if ((k + i) % 4 === 0) {
        const t = update + 40 + Math.floor(rand() * 200);
        containerd.push(`time="${isoAt(t)}" level=error msg="ExecSync for \\"${c.id}\\" failed" error="failed to exec in container: failed to start exec \\"${hex(rand, 64)}\\": OCI runtime exec failed: exec failed: unable to start container process: open /dev/pts/0: operation not permitted: unknown"`);
      }
    });
  }
  const d = run([recogniseText('/in/containerd.log', `${containerd.join('\n')}\n`, { matcher })]);
  const aligned = d.verdict.evidence.find((e) => e.id === 'reconcile-aligned')!;
  assert.equal(aligned.holds, true, aligned.detail);
  assert.match(aligned.detail, /failed exec/);
  assert.equal(d.verdict.cause, 'device-cgroup-update');
  assert.ok(d.ranked[0]!.for.some((c) => c.id === 'reconcile-aligned'));
});

// ── An open world: a cause outside the catalog ─────────────────────────────────────────────────

/** A finding as the message index (wt/anatomy) marks one: a runtime error no curated signature covers, with its anatomy. */
function runtimeError(file: string, line: number, node: string): Finding {
  const text = 'OCI runtime exec failed: exec failed: unable to start container process: error adding pid 846 to cgroups: failed to write 846: openat2 /sys/fs/cgroup/misc/kubepods/cgroup.procs: no such device: unknown';
  return {
    file,
    line,
    signature: 'runtime-error',
    match: { start: 0, end: text.length },
    record: { format: 'plain', text, count: 1, node, pod: 'web-1', namespace: 'shop', container: 'web', component: 'kubelet' } as unknown as Finding['record'],
    wallTime: null,
    time: null,
    text,
    textColumn: 0,
    anatomy: {
      layers: [
        { program: 'shim', text: 'OCI runtime exec failed', origin: null, versions: null },
        { program: 'runc', text: 'failed to write 846', origin: { file: 'libcontainer/cgroups/utils.go', line: 394, function: 'WriteCgroupProc' }, versions: '1.1.0–1.1.15' },
      ],
      innermost: { operation: 'openat2', object: '/sys/fs/cgroup/misc/kubepods/cgroup.procs', errno: 'ENODEV', text: 'no such device' },
      versions: { runc: '1.1.0–1.1.15' },
    },
  };
}

function recognitionOf(findings: Finding[], file: string): Recognition {
  return { file, findings, lines: findings.length, hints: { year: null, offsetMinutes: null } as unknown as Recognition['hints'], notes: [], facts: [] };
}

test('an error no documented cause prints: the verdict is other, names the innermost error and what to search, and no documented cause', () => {
  const findings = Array.from({ length: 9 }, (_, i) => runtimeError('/in/nodes/node-c/kubelet.log', i + 1, 'node-c'));
  const d = run([recognitionOf(findings, '/in/nodes/node-c/kubelet.log')]);
  assert.equal(d.verdict.cause, 'other');
  assert.ok(d.verdict.confidence >= 0.6, String(d.verdict.confidence));
  assert.match(d.verdict.summary, /openat2 \/sys\/fs\/cgroup\/misc\/kubepods\/cgroup\.procs: ENODEV \(no such device\)/);
  assert.match(d.verdict.summary, /Search upstream for "failed to write" "no such device" in runc's issues \(runc 1\.1\.0–1\.1\.15, libcontainer\/cgroups\/utils\.go:394\)/);
  for (const c of CAUSES.causes.filter((x) => x.id !== 'other')) assert.ok(!d.verdict.summary.includes(c.title), `names ${c.id}`);
  assert.equal(d.groups.length, 1);
  assert.equal(d.groups[0]!.family, 'innermost:openat2:ENODEV');
  assert.deepEqual(d.groups[0]!.innermost, findings[0]!.anatomy!.innermost);
});

test('a node that does not run runc: a runc cause\'s own text is not enough, the cause is outside the catalog', () => {
  const kata = 'E1130 09:12:00.000000   57003 remote_runtime.go:496] "ExecSync cmd from runtime service failed" err="rpc error: code = Unknown desc = failed to exec in container: failed to start exec \\"ab12\\": OCI runtime exec failed: exec failed: unable to start container process: open /dev/pts/0: operation not permitted: unknown" containerID="c0ffee" kata-agent=true';
  const d = run([recogniseText('/in/kubelet.log', `${kata}\n`, { matcher })]);
  assert.equal(d.verdict.evidence.find((e) => e.id === 'runtime-not-runc')!.holds, true);
  assert.equal(d.hypotheses[0]!.cause, 'other');
  const answered = run([recogniseText('/in/kubelet.log', `${kata.replace(' kata-agent=true', '')}\n`, { matcher })], { observations: { 'runtime-not-runc': true } });
  assert.equal(answered.hypotheses[0]!.cause, 'other');
  assert.match(answered.verdict.summary, /does not run runc|outside the catalog/);
});
