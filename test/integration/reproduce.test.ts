import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { chooseRootfs, cpuCount, describeLeftovers, isClean, leftovers } from '../../src/core/reproduce/host';
import { runLab } from '../../src/core/reproduce/lab';
import { DEFAULT_ATTEMPTS, HOST_DIRS, type LabPlan, makePlan } from '../../src/core/reproduce/plan';
import { reading, signatureOf } from '../../src/core/reproduce/result';
import { rateUpperBound } from '../../src/core/reproduce/stats';
import type { ReproduceResult, Scenario } from '../../src/core/reproduce/types';
import { builtInSignatures } from '../../src/core/signatures/catalog';
import { Matcher } from '../../src/core/signatures/matcher';
import { cliBundle, debianRunc, oldRunc, removeCliBundle } from '../harness/runc';

/** The signature ids the runc failure texts must get (catalog.json); the only place the reproduce tests write them. */
const SIGNATURE = {
  stateRace: 'oci-exec-eof',
  initPipeReset: 'runc-init-pipe-reset',
  pthreadCreate: 'runc-pthread-create',
} as const;

/** The texts runc printed on these machines (../shared/lab.md). */
const TEXT = {
  eof: /^exec failed: (?:unexpected )?EOF$/,
  initOom115: 'exec failed: unable to start container process: read init-p: connection reset by peer (possibly OOM-killed)',
  pthreadCreate: 'runtime/cgo: pthread_create failed: Resource temporarily unavailable',
};

/**
 * Attempts for the race. runc rc6 failed 17 of 200 (lab.md) and 3 to 21 in 100–300 here under
 * load: even at a pessimistic 2% per exec, 300 attempts all succeed with probability 0.98^300 ≈ 0.2%.
 */
const RACE_ATTEMPTS = 300;

const matcher = new Matcher(builtInSignatures());
let runc115: string;
let runcRc6: string;

before(() => {
  runc115 = debianRunc();
  runcRc6 = oldRunc();
});

after(removeCliBundle);

function plan(scenario: Scenario, runc: string, attempts: number, timeoutSeconds = 900): LabPlan {
  return makePlan({ scenario, runc, attempts, timeoutSeconds, token: randomBytes(6).toString('hex'), tmpDir: os.tmpdir(), rootfs: chooseRootfs(), cpuCount: cpuCount() });
}

async function lab(p: LabPlan): Promise<ReproduceResult> {
  try {
    return await runLab({ plan: p, matcher });
  } finally {
    const rest = leftovers(p);
    assert.ok(isClean(rest), `left behind: ${describeLeftovers(rest)}`);
  }
}

test(`Debian's runc 1.1.5 (atomic state.json): the race does not reproduce in ${RACE_ATTEMPTS} attempts`, async (t) => {
  const r = await lab(plan('state-race', runc115, RACE_ATTEMPTS));
  t.diagnostic(`${reading(r)} (${(r.elapsedMs / 1000).toFixed(0)} s)`);
  assert.match(r.runc.version ?? '', /^1\.1\.5/);
  assert.equal(r.attempts, RACE_ATTEMPTS);
  assert.equal(r.failures, 0, JSON.stringify(r.errors));
  assert.equal(r.reproduced, false);
  assert.equal(r.rateUpper95, 1 - 0.05 ** (1 / RACE_ATTEMPTS));
});

test(`runc v1.0.0-rc6 built by the harness: the race reproduces as "exec failed: EOF" within ${RACE_ATTEMPTS} attempts`, async (t) => {
  const r = await lab(plan('state-race', runcRc6, RACE_ATTEMPTS));
  t.diagnostic(`${reading(r)} (${(r.elapsedMs / 1000).toFixed(0)} s)`);
  assert.equal(r.runc.version, null, 'a bare go build of rc6 prints only the spec line');
  assert.equal(r.attempts, RACE_ATTEMPTS);
  assert.equal(r.reproduced, true);
  const eof = r.errors.filter((e) => TEXT.eof.test(e.text));
  assert.ok(eof.length > 0, JSON.stringify(r.errors));
  for (const e of eof) assert.equal(e.signature, SIGNATURE.stateRace);
  assert.equal(r.rateUpper95, rateUpperBound(r.failures, r.attempts));
});

test("without busybox: an empty read-only root with the host's directories bind-mounted read-only runs the execs", async () => {
  const rootfs = { kind: 'host' as const, dirs: HOST_DIRS.filter((d) => fs.existsSync(d)) };
  const p = makePlan({ scenario: 'state-race', runc: runc115, attempts: 20, timeoutSeconds: 300, token: randomBytes(6).toString('hex'), tmpDir: os.tmpdir(), rootfs, cpuCount: cpuCount() });
  const r = await lab(p);
  assert.equal(r.attempts, 20);
  assert.equal(r.failures, 0, JSON.stringify(r.errors));
  // The binds lived in the container's mount namespace only: removing the bundle removed none of the host's files.
  for (const d of rootfs.dirs) assert.ok(fs.readdirSync(d).length > 0, d);
  assert.ok(fs.existsSync('/usr/bin/true'));
});

let initOom: ReproduceResult;
let pids: ReproduceResult;

test("init-oom on 1.1.5: a 1M memory limit kills runc's exec helper, with lab.md's text", async () => {
  // Under a 1M limit the OOM killer sometimes takes runc's own exec process instead of its helper
  // ("runc exited with status 137 and printed nothing"): lab.md's text must be among the errors seen.
  initOom = await lab(plan('init-oom', runc115, 10));
  assert.equal(initOom.reproduced, true);
  const helper = initOom.errors.find((e) => e.text === TEXT.initOom115);
  assert.ok(helper, JSON.stringify(initOom.errors));
  assert.equal(helper.signature, signatureOf(TEXT.initOom115, matcher));
});

test('pids-limit on 1.1.5: a pids limit of 1 stops the exec helper from starting a thread, with lab.md\'s text', async () => {
  // Only the execs whose helper still has a thread to start once it is in the pids cgroup fail (plan.ts DEFAULT_ATTEMPTS): at 9 in 100, 100 attempts all succeed with probability 0.91^100 ≈ 0.01%.
  pids = await lab(plan('pids-limit', runc115, DEFAULT_ATTEMPTS['pids-limit']));
  assert.equal(pids.reproduced, true);
  const e = pids.errors.find((x) => x.text === TEXT.pthreadCreate);
  assert.ok(e, JSON.stringify(pids.errors));
  assert.equal(e.signature, signatureOf(TEXT.pthreadCreate, matcher));
});

test(`init-oom's text is recognised as ${SIGNATURE.initPipeReset} (never as an HTTP probe's reset)`, () => {
  assert.equal(initOom.errors.find((e) => e.text === TEXT.initOom115)?.signature, SIGNATURE.initPipeReset);
});

test(`pids-limit's text is recognised as ${SIGNATURE.pthreadCreate}`, () => {
  assert.equal(pids.errors.find((x) => x.text === TEXT.pthreadCreate)!.signature, SIGNATURE.pthreadCreate);
});

interface CliRun {
  child: ChildProcess;
  stderr: () => string;
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

function cli(args: string[], opts: { uid?: number } = {}): CliRun {
  const child = spawn(process.execPath, [cliBundle(), 'reproduce', ...args], { stdio: ['ignore', 'pipe', 'pipe'], cwd: os.tmpdir(), ...opts });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { child, stderr: () => stderr, done };
}

/** The plan a CLI run announced on stderr ("scratch container runtime-lens-<token>: …"), to look for its leftovers. */
function announced(stderr: string, scenario: Scenario, runc: string): LabPlan | null {
  const m = /scratch container runtime-lens-([0-9a-f]+)/.exec(stderr);
  return m ? makePlan({ scenario, runc, attempts: 1, timeoutSeconds: 1, token: m[1]!, tmpDir: os.tmpdir(), rootfs: chooseRootfs(), cpuCount: cpuCount() }) : null;
}

/** Polls a real process's output until it shows `pattern`, or the process has ended. */
async function until(run: CliRun, pattern: RegExp): Promise<void> {
  while (!pattern.test(run.stderr()) && run.child.exitCode === null && run.child.signalCode === null) await new Promise((r) => setTimeout(r, 100));
  assert.match(run.stderr(), pattern);
}

for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
  test(`${signal} in the middle of a run (Ctrl-C; Cancel in VS Code): a real signal stops it, exit ${code}, nothing left behind`, { timeout: 120_000 }, async () => {
    const run = cli(['--runc', runc115, '--attempts', '10000']);
    await until(run, /state-race: \d+\/10000 attempts/);
    run.child.kill(signal);
    const r = await run.done;
    assert.equal(r.code, code, r.stderr);
    assert.match(r.stderr, /interrupted; the scratch container and everything it made are removed/);
    assert.equal(r.stdout, '');
    const p = announced(r.stderr, 'state-race', runc115);
    assert.ok(p, r.stderr);
    const rest = leftovers(p);
    assert.ok(isClean(rest), describeLeftovers(rest));
  });
}

test('the time limit stops a long run: the attempts made so far are reported, nothing left behind', { timeout: 120_000 }, async () => {
  const r = await cli(['--runc', runc115, '--attempts', '10000', '--timeout', '4', '--json']).done;
  assert.equal(r.code, 0, r.stderr);
  const result = JSON.parse(r.stdout) as ReproduceResult;
  assert.equal(result.timedOut, true);
  assert.ok(result.attempts > 0 && result.attempts < 10000, String(result.attempts));
  assert.match(r.stderr, /the time limit of 4 s stopped the run after \d+ of 10000 attempts/);
  const rest = leftovers(announced(r.stderr, 'state-race', runc115)!);
  assert.ok(isClean(rest), describeLeftovers(rest));
});

test('a runc that is missing, not executable or not runc: exit 2 with the reason', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-badrunc-'));
  const plain = path.join(dir, 'runc-not-executable');
  fs.writeFileSync(plain, '#!/bin/sh\n', { mode: 0o644 });
  const cases: [string, RegExp][] = [
    [path.join(dir, 'no-such-runc'), /--runc .*no-such-runc: no such file/],
    [plain, /--runc .*runc-not-executable: not executable \(mode 644\)/],
    ['/bin/true', /\/bin\/true is not runc: `true --version` printed "true \(GNU coreutils\)/],
    [dir, /--runc .*: not a file/],
  ];
  for (const [runc, message] of cases) {
    const r = await cli(['--runc', runc, '--attempts', '5']).done;
    assert.equal(r.code, 2, `${runc}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.equal(r.stdout, '');
  }
  fs.rmSync(dir, { recursive: true });
});

test('a binary that claims to be runc but cannot start a container: exit 2, and its scratch folder is removed', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-fakerunc-'));
  const fake = path.join(dir, 'runc');
  fs.writeFileSync(fake, '#!/bin/sh\n[ "$1" = --version ] && { echo "runc version 1.1.5"; exit 0; }\necho "fake runc: $*" >&2\nexit 1\n', { mode: 0o755 });
  const r = await cli(['--runc', fake, '--attempts', '5']).done;
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /cannot start a container: `runc --root \S+ run -d --bundle \S+ runtime-lens-[0-9a-f]+` failed: fake runc: --root/);
  const rest = leftovers(announced(r.stderr, 'state-race', fake)!);
  assert.ok(isClean(rest), describeLeftovers(rest));
  fs.rmSync(dir, { recursive: true });
});

test('names already in use (a reused --token) are refused, and what holds them is left alone', async () => {
  const token = randomBytes(6).toString('hex');
  const theirs = path.join(os.tmpdir(), `runtime-lens-${token}`);
  fs.mkdirSync(path.join(theirs, 'state'), { recursive: true });
  fs.writeFileSync(path.join(theirs, 'keep'), 'not ours to remove');
  const r = await cli(['--runc', runc115, '--token', token, '--attempts', '5']).done;
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, new RegExp(`the scratch names of runtime-lens-${token} are in use \\(files ${theirs.replace(/[/.]/g, '\\$&')}\\): run again without --token`));
  assert.equal(fs.readFileSync(path.join(theirs, 'keep'), 'utf8'), 'not ours to remove');
  fs.rmSync(theirs, { recursive: true });
});

test('not root: exit 2 saying why, and --dry-run still prints the commands', async () => {
  const nobody = { uid: 65534 };
  const r = await cli(['--runc', runc115], nobody).done;
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /needs root \(running as uid 65534\)/);
  const dry = await cli(['--runc', runc115, '--dry-run', '--scenario', 'init-oom'], nobody).done;
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /^\/usr\/sbin\/runc --root \/\S+\/state update --memory 1M --memory-swap 1M runtime-lens-[0-9a-f]+$/m);
});

test('diagnose --reproduce on the node: the leaders are close (OOM or pids), so it runs init-oom with the node\'s runc and weighs the result', { timeout: 300_000 }, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-diag-repro-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.cpSync(path.join(__dirname, '..', '..', '..', 'samples', 'ambiguous-case'), dir, { recursive: true });
  // This machine is the node: the input's runc --version is this runc's.
  const version = await new Promise<string>((resolve) => {
    const c = spawn(runc115, ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    c.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
    c.on('close', () => resolve(out));
  });
  fs.writeFileSync(path.join(dir, 'runc-version.txt'), `$ runc --version\n${version}`);
  const run = (args: string[]) => {
    const child = spawn(process.execPath, [cliBundle(), 'diagnose', '--json', ...args, dir], { stdio: ['ignore', 'pipe', 'pipe'], cwd: os.tmpdir() });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  };
  type Doc = { hypotheses: { cause: string; confidence: number }[]; reproduce?: { scenario: string; ran: boolean; why: string; result: ReproduceResult | null } };
  const before = JSON.parse((await run([])).stdout) as Doc;
  const r = await run(['--reproduce', '--runc', runc115]);
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as Doc;
  assert.equal(doc.reproduce!.scenario, 'init-oom');
  assert.equal(doc.reproduce!.ran, true, doc.reproduce!.why);
  assert.match(doc.reproduce!.why, /this machine's runc .* is the node's/);
  assert.ok(doc.reproduce!.result!.failures > 0);
  const oom = (d: Doc) => d.hypotheses.find((h) => h.cause === 'runc-init-oom')!.confidence;
  assert.ok(oom(doc) > oom(before), `${oom(doc)} > ${oom(before)}`);
  const rest = leftovers(announced(r.stderr, 'init-oom', runc115)!);
  assert.ok(isClean(rest), describeLeftovers(rest));
  // Another node's input: this machine's runc is not that node's, so nothing runs.
  fs.writeFileSync(path.join(dir, 'runc-version.txt'), 'runc version 1.1.12\ncommit: v1.1.12-0-g51d5e946\n');
  const other = JSON.parse((await run(['--reproduce', '--runc', runc115])).stdout) as Doc;
  assert.equal(other.reproduce!.ran, false);
  assert.match(other.reproduce!.why, /is not the node's 1\.1\.12/);
});
