import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { unpackBundle } from '../../src/core/collect/bundle';
import type { Manifest } from '../../src/core/collect/collect';
import { COLLECT_PLAN } from '../../src/core/collect/plan';
import { cliBundle, debianRunc, removeCliBundle } from '../harness/runc';

/**
 * `runtime-lens collect` and its sh script on this machine, as root: Debian's runc 1.1.5, real cgroup
 * files under a kubepods cgroup made for the test, the kernel log, and a process named kubelet whose
 * flags, config and environment hold secrets. Everything the test starts or makes is removed after.
 */

const SECRETS = { flag: 'FLAGSECRET123', config: 'CONFIGSECRET456', env: 'ENVSECRET789', state: 'STATESECRET000' };
const POD = 'pod0f0e0d0c-0b0a-4909-8807-060504030201';
const CONTAINER = 'c0ffee'.padEnd(64, '0');

let work: string;
let cli: string;
let kubelet: ChildProcess | null = null;
let sleeper: ChildProcess | null = null;
const cgroups: string[] = [];

function cgroupV1(controller: string): string | null {
  const base = `/sys/fs/cgroup/${controller}`;
  return fs.existsSync(path.join(base, 'cgroup.procs')) ? base : null;
}

before(() => {
  assert.equal(process.getuid?.(), 0, 'the collect integration tests run as root (they read /proc of other processes and make cgroups)');
  debianRunc(); // runc and busybox-static, from Debian (test/harness/apt.sh)
  cli = cliBundle();
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-collect-'));

  // A kubelet: node under the name kubelet (the process's comm is the name it was started by).
  const bin = path.join(work, 'bin');
  fs.mkdirSync(bin);
  fs.symlinkSync(process.execPath, path.join(bin, 'kubelet'));
  const root = path.join(work, 'kubelet-root');
  fs.mkdirSync(root);
  fs.writeFileSync(path.join(root, 'cpu_manager_state'), `{"policyName":"static","defaultCpuSet":"0-1","checksum":1,"token":"${SECRETS.state}"}\n`);
  const config = path.join(work, 'config.yaml');
  fs.writeFileSync(config, ['apiVersion: kubelet.config.k8s.io/v1beta1', 'kind: KubeletConfiguration', 'cpuManagerPolicy: static', 'cgroupDriver: systemd', `token: ${SECRETS.config}`, ''].join('\n'));
  kubelet = spawn(
    path.join(bin, 'kubelet'),
    ['-e', 'setTimeout(() => {}, 600000)', '--', `--config=${config}`, `--root-dir=${root}`, '--cpu-manager-policy=static', `--token=${SECRETS.flag}`, '--v=2'],
    { env: { PATH: process.env.PATH, KUBELET_BOOTSTRAP_TOKEN: SECRETS.env }, stdio: 'ignore' },
  );

  // A container's cgroups under kubepods (v1, as on this machine), at its pids limit: its shell's fork is
  // refused (pids.events max 1), then it becomes a sleep.
  sleeper = spawn('sh', ['-c', 'read go; /bin/true; exec sleep 600'], { stdio: ['pipe', 'ignore', 'ignore'] });
  for (const controller of ['pids', 'memory', 'freezer']) {
    const base = cgroupV1(controller);
    if (!base) continue;
    const pod = path.join(base, 'kubepods', POD);
    const dir = path.join(pod, CONTAINER);
    fs.mkdirSync(dir, { recursive: true });
    cgroups.push(dir, pod, path.join(base, 'kubepods'));
    if (controller === 'pids') fs.writeFileSync(path.join(dir, 'pids.max'), '1');
    fs.writeFileSync(path.join(dir, 'cgroup.procs'), String(sleeper.pid));
  }
  assert.ok(cgroups.length > 0, 'a cgroup v1 pids, memory or freezer hierarchy under /sys/fs/cgroup');
  sleeper.stdin!.end('go\n');
  const events = path.join(cgroupV1('pids')!, 'kubepods', POD, CONTAINER, 'pids.events');
  for (let i = 0; i < 100 && !/^max [1-9]/m.test(fs.readFileSync(events, 'utf8')); i++) execFileSync('sleep', ['0.05']);
  assert.match(fs.readFileSync(events, 'utf8'), /^max [1-9]/m);
});

after(() => {
  for (const child of [kubelet, sleeper]) child?.kill('SIGKILL');
  // A cgroup can be removed once its processes are gone (reaped or zombie).
  const gone = (pid: number | undefined) => {
    try {
      return pid === undefined || fs.readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z');
    } catch {
      return true;
    }
  };
  for (let i = 0; i < 100 && !gone(sleeper?.pid); i++) execFileSync('sleep', ['0.05']);
  for (const dir of cgroups) {
    try {
      fs.rmdirSync(dir);
    } catch {
      // kubepods itself when it existed before the test (on a real node it holds other pods)
    }
  }
  if (work) fs.rmSync(work, { recursive: true, force: true });
  removeCliBundle();
});

/** Every file of a bundle, unpacked (the reader diagnose uses). */
async function readBundle(file: string): Promise<{ dir: string; manifest: Manifest; all: string }> {
  const { dir } = await unpackBundle(file, path.join(work, 'unpacked'));
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as Manifest;
  const all = execFileSync('cat', COLLECT_PLAN.entries.map((e) => path.join(dir, e.file)).filter((f) => fs.existsSync(f))).toString('latin1');
  return { dir, manifest, all };
}

function diagnose(target: string): { evidence: Record<string, { holds: boolean | null; detail: string }>; out: unknown } {
  const r = spawnSync(process.execPath, [cli, 'diagnose', '--json', target], { encoding: 'utf8', env: { ...process.env, RUNTIME_LENS_CACHE: path.join(work, 'cache') } });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { verdict: { evidence: { id: string; holds: boolean | null; detail: string }[] } };
  return { evidence: Object.fromEntries(out.verdict.evidence.map((e) => [e.id, e])), out };
}

/** What every bundle of this machine must say, whichever collector wrote it. */
async function checkBundle(file: string, by: RegExp): Promise<Manifest> {
  const { dir, manifest, all } = await readBundle(file);
  assert.match(manifest.by, by);
  assert.equal(manifest.since, '6h');
  assert.ok(!Number.isNaN(Date.parse(manifest.collectedAt)));
  assert.equal(manifest.host, fs.readFileSync('/proc/sys/kernel/hostname', 'utf8').trim());
  assert.deepEqual(manifest.entries.map((e) => e.file), COLLECT_PLAN.entries.map((e) => e.file));
  for (const e of manifest.entries) {
    assert.deepEqual(Object.keys(e), ['what', 'command', 'file', 'exit', 'bytes', 'note']);
    assert.equal(e.bytes, fs.statSync(path.join(dir, e.file)).size, e.file);
  }
  const entry = (f: string) => manifest.entries.find((e) => e.file === f)!;

  for (const s of Object.values(SECRETS)) assert.ok(!all.includes(s), `${s} must not reach the bundle`);
  assert.ok(manifest.redactions >= 4, `redactions ${manifest.redactions}`);
  const flags = fs.readFileSync(path.join(dir, 'kubelet/flags.txt'), 'utf8');
  assert.match(flags, /--token=<redacted>/);
  assert.match(flags, /--cpu-manager-policy=static/);
  assert.match(fs.readFileSync(path.join(dir, 'kubelet/environ.txt'), 'utf8'), /^KUBELET_BOOTSTRAP_TOKEN=<redacted>$/m);
  assert.match(fs.readFileSync(path.join(dir, 'kubelet/config.yaml'), 'utf8'), /^cpuManagerPolicy: static$/m);
  assert.match(fs.readFileSync(path.join(dir, 'kubelet/cpu_manager_state'), 'utf8'), /"policyName":"static"/);

  assert.equal(entry('runtime/runc-version.txt').exit, 0);
  assert.match(fs.readFileSync(path.join(dir, 'runtime/runc-version.txt'), 'utf8'), /^runc version 1\.1\.5/);
  assert.match(entry('runtime/runc-version.txt').note ?? '', /runc: \/usr\/s?bin\/runc/);
  assert.ok(entry('journal/kernel.log').bytes > 0, 'the kernel log');
  const pids = fs.readFileSync(path.join(dir, 'cgroup/pids.txt'), 'utf8');
  assert.match(pids, new RegExp(`==> /sys/fs/cgroup/pids/kubepods/${POD}/${CONTAINER}/pids.max <==\\n1\\n`));

  const d = diagnose(file);
  assert.equal(d.evidence['runc-before-fix']!.holds, false, d.evidence['runc-before-fix']!.detail);
  assert.match(d.evidence['runc-before-fix']!.detail, /1\.1\.5/);
  assert.equal(d.evidence['cpu-manager-static']!.holds, true);
  assert.equal(d.evidence['pids-at-limit']!.holds, true, d.evidence['pids-at-limit']!.detail);
  // The kernel log is read: whether it holds OOM kills of runc's helper depends on what ran on this
  // machine since boot (the reproduce lab's init-oom scenario makes some).
  const kernelLog = fs.readFileSync(path.join(dir, 'journal/kernel.log'), 'latin1');
  assert.equal(d.evidence['kernel-oom-runc-init']!.holds, /Killed process \d+ \(runc/.test(kernelLog), d.evidence['kernel-oom-runc-init']!.detail);
  assert.equal(d.evidence['cgroup-driver-systemd']!.holds, true);
  // df of /run and /tmp answers whether they are full, whatever holds them here.
  assert.notEqual(d.evidence['run-dir-full']!.holds, null, d.evidence['run-dir-full']!.detail);
  // The folder reads as the .tar.gz does.
  const verdicts = (e: Record<string, { holds: boolean | null; detail: string }>) => Object.entries(e).map(([id, x]) => [id, x.holds, x.detail]);
  assert.deepEqual(verdicts(diagnose(dir).evidence), verdicts(d.evidence));
  return manifest;
}

test('runtime-lens collect writes a bundle diagnose reads: runc 1.1.5, cgroup files, kernel log, kubelet flags — and no secret', async () => {
  const file = path.join(work, 'cli.tar.gz');
  const r = spawnSync(process.execPath, [cli, 'collect', '--out', file], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), file);
  await checkBundle(file, /^runtime-lens \d/);
});

for (const shell of [['sh'], ['busybox', 'sh']]) {
  test(`the printed script run with \`${shell.join(' ')}\` writes a bundle diagnose reads, with the same entries`, async () => {
    const script = path.join(work, 'collect.sh');
    fs.writeFileSync(script, spawnSync(process.execPath, [cli, 'collect', '--print-script'], { encoding: 'utf8' }).stdout);
    const file = path.join(work, `${shell.join('-')}.tar.gz`);
    const r = spawnSync(shell[0]!, [...shell.slice(1), script, file], { encoding: 'utf8', cwd: work });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), file);
    await checkBundle(file, /collect\.sh$/);

    // Without FILE: runtime-lens-<host>-<UTC time>.tar.gz in the current folder, its name printed.
    const here = fs.mkdtempSync(path.join(work, 'cwd-'));
    const d = spawnSync(shell[0]!, [...shell.slice(1), script], { encoding: 'utf8', cwd: here });
    assert.equal(d.status, 0, d.stderr);
    assert.match(d.stdout.trim(), /^runtime-lens-[A-Za-z0-9._-]+-\d{8}T\d{6}Z\.tar\.gz$/);
    assert.ok(fs.existsSync(path.join(here, d.stdout.trim())));
    // Fed on stdin with FILE - (as over ssh): the bundle on stdout, whole.
    const piped = spawnSync(shell[0]!, [...shell.slice(1), '-s', '--', '-'], { input: fs.readFileSync(script), cwd: here, maxBuffer: 256 * 1024 * 1024 });
    assert.equal(piped.status, 0, piped.stderr.toString());
    const viaStdin = path.join(work, `${shell.join('-')}-stdin.tar.gz`);
    fs.writeFileSync(viaStdin, piped.stdout);
    assert.deepEqual((await readBundle(viaStdin)).manifest.entries.map((e) => e.file), COLLECT_PLAN.entries.map((e) => e.file));
    // It leaves nothing behind in TMPDIR.
    assert.deepEqual(fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith('runtime-lens.')), []);
  });
}

test('without journalctl and docker on the PATH both collectors record them as missing and still write the bundle', async () => {
  // A PATH holding every tool of this machine except journalctl and docker.
  const bin = path.join(work, 'path-without');
  fs.mkdirSync(bin);
  const missing = new Set(['journalctl', 'docker', 'dockerd']);
  for (const d of ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']) {
    if (!fs.existsSync(d)) continue;
    for (const n of fs.readdirSync(d)) {
      if (!missing.has(n) && !fs.existsSync(path.join(bin, n))) fs.symlinkSync(path.join(d, n), path.join(bin, n));
    }
  }
  const env = { ...process.env, PATH: bin };
  const viaCli = path.join(work, 'nojournal-cli.tar.gz');
  const r = spawnSync(process.execPath, [cli, 'collect', '--out', viaCli], { encoding: 'utf8', env });
  assert.equal(r.status, 0, r.stderr);
  const script = path.join(work, 'collect.sh');
  fs.writeFileSync(script, spawnSync(process.execPath, [cli, 'collect', '--print-script'], { encoding: 'utf8' }).stdout);
  const viaSh = path.join(work, 'nojournal-sh.tar.gz');
  const s = spawnSync('/bin/sh', [script, viaSh], { encoding: 'utf8', env, cwd: work });
  assert.equal(s.status, 0, s.stderr);
  for (const file of [viaCli, viaSh]) {
    const { manifest } = await readBundle(file);
    const entry = (f: string) => manifest.entries.find((e) => e.file === f)!;
    for (const j of ['journal/kubelet.log', 'journal/containerd.log', 'journal/docker.log']) assert.match(entry(j).note ?? '', /journalctl not found/, `${file} ${j}`);
    assert.equal(entry('runtime/docker-version.txt').exit, 127, file);
    assert.match(entry('runtime/docker-version.txt').note ?? '', /not found/);
    assert.equal(entry('runtime/docker-info.txt').exit, 127);
    // The kernel log falls back to dmesg; runc is still found.
    assert.match(entry('journal/kernel.log').note ?? '', /dmesg/);
    assert.equal(entry('runtime/runc-version.txt').exit, 0);
  }
});
