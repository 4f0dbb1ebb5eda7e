import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { run } from '../../src/cli/main';
import { parseReproduceArgs } from '../../src/cli/reproduce';
import { UsageError } from '../../src/cli/commands';
import { LabError, isStaticElf, requireCgroups, requireRoot, resolveRunc } from '../../src/core/reproduce/host';
import { FILL_BYTES, type LabPlan, bundleConfig, limitArgs, makePlan, memoryLimitAbove, planCommands, reproduceCommand, shellWord } from '../../src/core/reproduce/plan';
import { errorText, makeResult, outcomeFromResult, reading, signatureOf } from '../../src/core/reproduce/result';
import { percent, rateUpperBound } from '../../src/core/reproduce/stats';
import { builtInSignatures } from '../../src/core/signatures/catalog';
import { Matcher } from '../../src/core/signatures/matcher';

const matcher = new Matcher(builtInSignatures());

function plan(over: Partial<Parameters<typeof makePlan>[0]> = {}): LabPlan {
  return makePlan({
    scenario: 'state-race',
    runc: '/usr/sbin/runc',
    attempts: 300,
    timeoutSeconds: 600,
    token: '0123456789ab',
    tmpDir: '/tmp',
    rootfs: { kind: 'busybox', busybox: '/bin/busybox' },
    cpuCount: 2,
    ...over,
  });
}

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await run(argv, (s) => (out += s), (s) => (err += s));
  return { code, out, err };
}

test('upper bound with no failures is the closed form 1 - 0.05^(1/N)', () => {
  for (const n of [1, 10, 300, 10000]) assert.ok(Math.abs(rateUpperBound(0, n) - (1 - 0.05 ** (1 / n))) < 1e-15, String(n));
  assert.ok(Math.abs(rateUpperBound(0, 300) - 0.00994) < 1e-5);
});

test('upper bound with failures matches published Clopper-Pearson one-sided 95% values', () => {
  // The 0.95 quantiles of Beta(k+1, n-k), from SciPy 1.17: scipy.stats.beta.ppf(0.95, k+1, n-k).
  const cases: [number, number, number][] = [
    [1, 10, 0.39416330243650466],
    [3, 100, 0.07571079374983004],
    [21, 300, 0.0992392609900893],
    [27, 300, 0.12197510772470535],
    [5, 5, 1],
  ];
  for (const [k, n, want] of cases) assert.ok(Math.abs(rateUpperBound(k, n) - want) < 1e-9, `${k}/${n}: ${rateUpperBound(k, n)} vs ${want}`);
  // At the bound, seeing at most k failures has probability 5%: check one by direct summation.
  const p = rateUpperBound(2, 20);
  let cdf = 0;
  for (let i = 0; i <= 2; i++) cdf += [1, 20, 190][i]! * p ** i * (1 - p) ** (20 - i);
  assert.ok(Math.abs(cdf - 0.05) < 1e-9, String(cdf));
});

test('upper bound refuses impossible counts and knows nothing without attempts', () => {
  assert.equal(rateUpperBound(0, 0), 1);
  assert.throws(() => rateUpperBound(3, 2), RangeError);
  assert.throws(() => rateUpperBound(-1, 2), RangeError);
  assert.throws(() => rateUpperBound(0.5, 2), RangeError);
});

test('percentages read at a glance', () => {
  assert.equal(percent(0.00994), '1.0%');
  assert.equal(percent(0.125), '12.5%');
  assert.equal(percent(0.0003), '0.030%');
  assert.equal(percent(0), '0%');
});

function result(attempts: number, errors: string[], timedOut = false) {
  return makeResult({ scenario: 'state-race', runc: { path: '/usr/sbin/runc', version: '1.1.5' }, attempts, errors, elapsedMs: 1234.4, timedOut, matcher });
}

test('the reading: not reproduced, reproduced, every attempt failed, stopped at the limit, nothing done', () => {
  assert.equal(reading(result(300, [])), 'not reproduced in 300 attempts: rate < 1.0% at 95%');
  const eofs = [...Array(20).fill('exec failed: EOF'), 'exec failed: unexpected EOF'];
  assert.equal(reading(result(300, eofs)), 'reproduced in 21 of 300 attempts (rate 7.0%, < 9.9% at 95%): exec failed: EOF [oci-exec-eof] (20 of 21; the other 1: exec failed: unexpected EOF)');
  assert.equal(reading(result(2, ['boom', 'boom'])), 'reproduced in 2 of 2 attempts (every attempt failed): boom');
  // The recognised error first, even when a bare kill was more frequent; the rest counted after it.
  const oom = 'exec failed: unable to start container process: read init-p: connection reset by peer (possibly OOM-killed)';
  const killed = 'runc exited with status 137 and printed nothing';
  assert.equal(
    reading(result(10, [killed, killed, killed, killed, killed, oom, oom, oom, oom])),
    `reproduced in 9 of 10 attempts (rate 90.0%, < 99.5% at 95%): ${oom} [runc-init-pipe-reset] (4 of 9; the other 5: ${killed})`,
  );
  assert.equal(reading(result(3, ['a', 'b', 'b'])), 'reproduced in 3 of 3 attempts (every attempt failed): b (2 of 3; the other 1: a)');
  assert.equal(reading(result(4, ['a', 'b', 'b', 'c'])), 'reproduced in 4 of 4 attempts (every attempt failed): b (2 of 4; the other 2: a and more)');
  assert.equal(reading(result(40, [], true)), 'not reproduced in 40 attempts (stopped at the time limit): rate < 7.2% at 95%');
  assert.equal(reading(result(0, [], true)), 'no attempt finished (stopped at the time limit): nothing is known about the rate');
  assert.equal(reading(result(1, [])), 'not reproduced in 1 attempt: rate < 95.0% at 95%');
});

test("the result is the contract's JSON: distinct texts most frequent first, each with its signature", () => {
  const r = result(300, ['exec failed: unexpected EOF', 'exec failed: EOF', 'exec failed: EOF']);
  assert.deepEqual(Object.keys(r), ['scenario', 'runc', 'attempts', 'failures', 'reproduced', 'rate', 'rateUpper95', 'errors', 'elapsedMs']);
  assert.deepEqual(r.errors, [
    { text: 'exec failed: EOF', count: 2, signature: 'oci-exec-eof' },
    { text: 'exec failed: unexpected EOF', count: 1, signature: 'oci-exec-eof' },
  ]);
  assert.equal(r.failures, 3);
  assert.equal(r.rate, 0.01);
  assert.equal(r.elapsedMs, 1234);
  assert.equal(result(3, [], true).timedOut, true);
});

test('a text is recognised as runc prints it or as the shim wraps it, and look-alikes are not claimed', () => {
  assert.equal(signatureOf('exec failed: EOF', matcher), 'oci-exec-eof');
  assert.equal(signatureOf('OCI runtime exec failed: exec failed: unexpected EOF: unknown', matcher), 'oci-exec-eof');
  // runc's own pipe, never an HTTP probe's reset (causes.md).
  assert.notEqual(signatureOf('exec failed: unable to start container process: read init-p: connection reset by peer (possibly OOM-killed)', matcher), 'http-probe-connection-reset');
});

test('error text: the crash line of the exec helper, else logrus msg, else the first line, else the exit', () => {
  const logrus = 'time="2026-12-02T11:55:12Z" level=error msg="exec failed: unable to start container process: read init-p: connection reset by peer (possibly OOM-killed)"\n';
  assert.equal(errorText(logrus, { code: 255, signal: null }), 'exec failed: unable to start container process: read init-p: connection reset by peer (possibly OOM-killed)');
  const crash = `runtime/cgo: pthread_create failed: Resource temporarily unavailable\nSIGABRT: abort\nPC=0x7f\n\ngoroutine 0 [idle]:\n${'0x00007fff20674890:  0x0 0x0\n'.repeat(50)}time="x" level=error msg="exec failed: unable to start container process: read init-p: connection reset by peer"\n`;
  assert.equal(errorText(crash, { code: 255, signal: null }), 'runtime/cgo: pthread_create failed: Resource temporarily unavailable');
  assert.equal(errorText('\nexec failed: EOF\n', { code: 1, signal: null }), 'exec failed: EOF');
  assert.equal(errorText('level=error msg="say \\"hi\\""', { code: 1, signal: null }), 'say "hi"');
  assert.equal(errorText('', { code: null, signal: 'SIGSEGV' }), 'runc was killed by SIGSEGV');
  assert.equal(errorText('', { code: 3, signal: null }), 'runc exited with status 3 and printed nothing');
  assert.equal(errorText('x'.repeat(2000), { code: 1, signal: null }).length, 501);
});

test('outcome for the diagnosis: measured, with the counts and the version', () => {
  assert.deepEqual(outcomeFromResult(result(300, ['exec failed: EOF'])), { scenario: 'state-race', attempts: 300, failures: 1, source: 'measured', runcVersion: '1.1.5' });
});

test('plan: one random token names the folder, the container and its own cgroup parent', () => {
  const p = plan();
  assert.equal(p.id, 'runtime-lens-0123456789ab');
  assert.equal(p.dir, '/tmp/runtime-lens-0123456789ab');
  assert.equal(p.stateRoot, '/tmp/runtime-lens-0123456789ab/state');
  assert.equal(p.cgroupsPath, '/runtime-lens-0123456789ab/runtime-lens-0123456789ab');
  assert.deepEqual(p.cpusets, ['0', '0-1']);
  assert.deepEqual(plan({ cpuCount: 1 }).cpusets, ['0', '0']);
  assert.throws(() => plan({ token: '../etc' }), RangeError);
});

test('config.json: no terminal, sleep outliving the time limit by a minute, our cgroups path, busybox root writable', () => {
  const c = bundleConfig(plan()) as {
    process: { terminal: boolean; args: string[] };
    root: { path: string; readonly: boolean };
    mounts: { destination: string; type: string; options?: string[] }[];
    linux: { cgroupsPath: string; namespaces: { type: string }[] };
  };
  assert.equal(c.process.terminal, false);
  assert.deepEqual(c.process.args, ['/bin/sleep', '660']);
  assert.deepEqual(c.root, { path: 'rootfs', readonly: false });
  assert.equal(c.linux.cgroupsPath, '/runtime-lens-0123456789ab/runtime-lens-0123456789ab');
  assert.deepEqual(c.linux.namespaces.map((n) => n.type), ['pid', 'network', 'ipc', 'uts', 'mount']);
  assert.ok(!c.mounts.some((m) => m.type === 'bind'));
});

test("config.json without busybox: read-only empty root with the host's directories bind-mounted read-only", () => {
  const c = bundleConfig(plan({ rootfs: { kind: 'host', dirs: ['/bin', '/usr'] } })) as { root: { readonly: boolean }; mounts: object[] };
  assert.equal(c.root.readonly, true);
  assert.deepEqual(c.mounts.slice(-2), [
    { destination: '/bin', type: 'bind', source: '/bin', options: ['rbind', 'ro'] },
    { destination: '/usr', type: 'bind', source: '/usr', options: ['rbind', 'ro'] },
  ]);
});

test('the dry run lists every runc command with the private root, and nothing touches /run/runc', () => {
  const lines = planCommands(plan());
  const runcLines = lines.filter((l) => l.includes('/usr/sbin/runc'));
  assert.ok(runcLines.length >= 5);
  for (const l of runcLines) assert.ok(l.includes('/usr/sbin/runc --root /tmp/runtime-lens-0123456789ab/state '), l);
  assert.ok(!lines.join('\n').includes('/run/runc') && !lines.join('\n').includes('/run/containerd'));
  assert.ok(lines.includes('/usr/sbin/runc --root /tmp/runtime-lens-0123456789ab/state run -d --bundle /tmp/runtime-lens-0123456789ab/bundle runtime-lens-0123456789ab'));
  assert.ok(lines.some((l) => l.includes('update --cpuset-cpus 0 runtime-lens-0123456789ab;') && l.includes('update --cpuset-cpus 0-1 runtime-lens-0123456789ab;')));
  assert.ok(lines.some((l) => l.startsWith('for i in $(seq 300); do /usr/sbin/runc --root /tmp/runtime-lens-0123456789ab/state exec runtime-lens-0123456789ab /bin/true; done')));
  assert.ok(lines.includes('/usr/sbin/runc --root /tmp/runtime-lens-0123456789ab/state delete -f runtime-lens-0123456789ab'));
  assert.equal(lines[lines.length - 1], 'rm -rf /tmp/runtime-lens-0123456789ab');
  // The config.json shown is the one written.
  const at = lines.findIndex((l) => l.startsWith('cat > '));
  assert.deepEqual(JSON.parse(lines[at + 1]!), bundleConfig(plan()));
});

test('the dry run of the limit scenarios sets the limit once, with no update loop', () => {
  const oom = planCommands(plan({ scenario: 'init-oom', attempts: 10 }));
  const limit = oom.indexOf('/usr/sbin/runc --root /tmp/runtime-lens-0123456789ab/state update --memory 1M --memory-swap 1M runtime-lens-0123456789ab');
  assert.ok(limit > 0);
  assert.ok(!oom.some((l) => l.includes('--cpuset-cpus')));
  // The container is filled close to the limit before it is set (plan.ts FILL_BYTES), with busybox's head.
  const fill = oom.findIndex((l) => l.startsWith(`/usr/sbin/runc --root /tmp/runtime-lens-0123456789ab/state exec runtime-lens-0123456789ab /bin/sh -c 'head -c ${FILL_BYTES} /dev/zero > /dev/runtime-lens-fill'`));
  assert.ok(fill > oom.findIndex((l) => l.includes(' run -d ')) && fill < limit, oom.join('\n'));
  assert.ok(oom.some((l) => /^for c in .*\bhead\b.*; do ln -s busybox /.test(l)));
  const pids = planCommands(plan({ scenario: 'pids-limit', attempts: 10 }));
  assert.ok(pids.includes('/usr/sbin/runc --root /tmp/runtime-lens-0123456789ab/state update --pids-limit 1 runtime-lens-0123456789ab'));
  for (const other of [pids, planCommands(plan())]) assert.ok(!other.some((l) => l.includes('runtime-lens-fill')));
});

test('the command a user copies to run the lab on the node', () => {
  assert.equal(reproduceCommand('state-race'), 'sudo runtime-lens reproduce --scenario state-race --attempts 300');
  assert.equal(reproduceCommand('init-oom', { runc: '/usr/bin/docker-runc', json: true }), 'sudo runtime-lens reproduce --scenario init-oom --runc /usr/bin/docker-runc --attempts 10 --json');
  assert.equal(reproduceCommand('pids-limit', { runc: "/opt/my runc's", attempts: 5 }), "sudo runtime-lens reproduce --scenario pids-limit --runc '/opt/my runc'\\''s' --attempts 5");
  assert.equal(shellWord(''), "''");
});

test('arguments: defaults per scenario, and each bad value named with what it wants', () => {
  assert.deepEqual(parseReproduceArgs([]), { json: false, dryRun: false, runc: undefined, scenario: 'state-race', attempts: 300, timeoutSeconds: 600, token: undefined });
  assert.equal(parseReproduceArgs(['--scenario', 'init-oom']).attempts, 10);
  assert.deepEqual(parseReproduceArgs(['--attempts', '10000', '--timeout', '5', '--json', '--dry-run', '--runc', 'x', '--token', '0123456789ab']), { json: true, dryRun: true, runc: 'x', scenario: 'state-race', attempts: 10000, timeoutSeconds: 5, token: '0123456789ab' });
  for (const bad of ['../../etc', '0123456789AB', '0123', '']) assert.throws(() => parseReproduceArgs(['--token', bad]), /--token wants 12 hex digits/, bad);
  for (const bad of ['0', '-1', 'abc', '10001', '1e3', '99999999999999999999', '2.5', '']) {
    assert.throws(() => parseReproduceArgs(['--attempts', bad]), (e: Error) => e instanceof UsageError && e.message.includes('--attempts wants a whole number from 1 to 10000'), bad);
  }
  assert.throws(() => parseReproduceArgs(['--timeout', '0']), /--timeout wants a whole number from 1 to 86400/);
  assert.throws(() => parseReproduceArgs(['--scenario', 'oom']), /--scenario wants state-race, init-oom, pids-limit, got 'oom'/);
  assert.throws(() => parseReproduceArgs(['extra']), UsageError);
  assert.throws(() => parseReproduceArgs(['--frobnicate']), UsageError);
});

test('the CLI: bad --attempts exits 2 with the message on stderr, before anything is checked or run', async () => {
  for (const bad of ['0', '-1', 'abc', '1000000']) {
    const r = await cli('reproduce', '--attempts', bad);
    assert.equal(r.code, 2, bad);
    assert.match(r.err, /^runtime-lens reproduce: --attempts wants a whole number from 1 to 10000/);
    assert.equal(r.out, '');
  }
  const help = await cli('--help');
  assert.match(help.out, /runtime-lens reproduce \[--json\] \[--runc PATH\] \[--scenario state-race\|init-oom\|pids-limit\] \[--attempts N\]/);
});

test('runc resolution: PATH lookup, runc before docker-runc, and clear refusals', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-resolve-'));
  const bin = (name: string, mode: number) => {
    fs.writeFileSync(path.join(dir, name), '#!/bin/sh\n', { mode });
    return path.join(dir, name);
  };
  const docker = bin('docker-runc', 0o755);
  assert.equal(resolveRunc(undefined, dir), docker);
  const runc = bin('runc', 0o755);
  assert.equal(resolveRunc(undefined, dir), runc);
  assert.equal(resolveRunc('docker-runc', dir), docker);
  bin('plain', 0o644);
  assert.throws(() => resolveRunc(undefined, path.join(dir, 'nowhere')), /no runc found: neither runc nor docker-runc is on PATH/);
  assert.throws(() => resolveRunc('missing', dir), /--runc missing: not found on PATH/);
  assert.throws(() => resolveRunc(path.join(dir, 'plain'), dir), /not executable \(mode 644\)/);
  assert.throws(() => resolveRunc(dir, dir), /not a file/);
  assert.throws(() => resolveRunc('', dir), LabError);
  fs.rmSync(dir, { recursive: true });
});

test('root and cgroup checks refuse with the reason', () => {
  assert.throws(() => requireRoot(1000), /needs root \(running as uid 1000\)/);
  assert.doesNotThrow(() => requireRoot(0));
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-cgroup-'));
  assert.throws(() => requireCgroups('state-race', root), /no cgroup hierarchy: neither cgroup v2 nor the v1 cpuset controller is mounted/);
  fs.mkdirSync(path.join(root, 'memory'));
  fs.writeFileSync(path.join(root, 'memory', 'cgroup.procs'), '');
  assert.equal(requireCgroups('init-oom', root), 'v1');
  assert.throws(() => requireCgroups('pids-limit', root), /v1 pids controller/);
  fs.writeFileSync(path.join(root, 'cgroup.controllers'), 'cpuset cpu io memory\n');
  assert.equal(requireCgroups('state-race', root), 'v2');
  assert.throws(() => requireCgroups('pids-limit', root), /cgroup v2 hierarchy .* lacks the pids controller/);
  fs.rmSync(root, { recursive: true });
});

test('a static ELF is told from a dynamic one and from a non-ELF', () => {
  assert.equal(isStaticElf(process.execPath), false, 'node is dynamically linked');
  assert.equal(isStaticElf(__filename), false);
  assert.equal(isStaticElf('/no/such/file'), false);
});

test("init-oom: cgroup v1's refusal of 1M below the container's use gives a limit just above it, still no room for runc init", () => {
  // runc 1.1.5's words on a busy node (the integration test met them under load).
  const said = 'unable to set memory limit to 1048576 (current usage: 2183168, peak usage: 2514944)';
  const above = memoryLimitAbove(said)!;
  assert.equal(above, 2293760);
  assert.ok(above > 2183168 && above - 2183168 <= 128 * 1024, 'within 128 KiB of the use: runc init needs megabytes more');
  assert.equal(above % (64 * 1024), 0);
  assert.equal(memoryLimitAbove('container not running'), null);
  const p = plan({ scenario: 'init-oom', attempts: 10 });
  assert.deepEqual(limitArgs(p)!.slice(-6), ['update', '--memory', '1M', '--memory-swap', '1M', p.id]);
  assert.deepEqual(limitArgs(p, above)!.slice(-6), ['update', '--memory', '2293760', '--memory-swap', '2293760', p.id]);
  assert.equal(limitArgs(plan()), null);
});
