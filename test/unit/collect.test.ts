import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import * as zlib from 'node:zlib';
import { run } from '../../src/cli/main';
import { isBundlePath, unpackBundle } from '../../src/core/collect/bundle';
import { noteOf } from '../../src/core/collect/collect';
import { COLLECT_PLAN, SINCE, bundleName } from '../../src/core/collect/plan';
import { redactor } from '../../src/core/collect/redact';
import { collectScript, sedArguments } from '../../src/core/collect/script';
import { TarReader, tarArchive } from '../../src/core/collect/tar';
import { CAUSES } from '../../src/core/diagnosis/causes';
import { discoverLogs } from '../../src/core/logs/discover';
import { InputError } from '../../src/core/logs/input';
import { FactReader, factsFromLine } from '../../src/core/logs/facts';
import { runDirFull } from '../../src/core/diagnosis/evidence';
import { nodeFromPath } from '../../src/core/logs/nodes';

const made: string[] = [];
// Removed once the file's tests end, passed or failed: a failed assertion never reaches a test's last line.
after(() => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

function tmp(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-collect-unit-'));
  made.push(dir);
  return dir;
}

/** Text with every kind of secret the rules are for, and look-alikes that must stay. */
const SECRETS = [
  '/usr/bin/kubelet --config=/var/lib/kubelet/config.yaml --token=SECRET123 --cpu-manager-policy=static',
  'kubeadm join 10.0.0.1:6443 --token abcdef.0123456789abcdef --discovery-token-ca-cert-hash sha256:1234',
  '--bootstrap-token SECRETBOOT --node-password=hunter2',
  'AWS_SECRET_ACCESS_KEY=AKIASECRETVALUE',
  'REGISTRY_TOKEN=tok123 PATH=/usr/bin:/bin',
  'password: hunter2',
  '  "token": "jsontoken", "cpuManagerPolicy": "static"',
  'client-key-data: LS0tLS1CRUdJTi',
  '[plugins."io.containerd.grpc.v1.cri".registry.configs."r.io".auth]',
  '  auth = "dXNlcjpwYXNz"',
  'I1205 curl -k -v -XGET -H "Authorization: Bearer eyJhbGciOi.payload.sig" https://10.0.0.1',
  'HTTPS_PROXY=http://user:pa55word@proxy:3128',
  '{"key": "-----BEGIN RSA PRIVATE KEY-----\\nMIIEow\\n-----END RSA PRIVATE KEY-----"}',
  '-----BEGIN EC PRIVATE KEY-----',
  'MHcCAQEEIIrYSSNQFaA2Hwf1duRSxKtLYX5CB04fSeQ6tF1aY/PuoAoGCCqGSM49',
  'AwEHoUQDQgAEPR3tU2Fta9ktY+6P9G0cWO+0kETA6SmvkH5RGHdfNS9E+3jowGi4',
  '-----END EC PRIVATE KEY-----',
  'tlsPrivateKeyFile: /var/lib/kubelet/pki/kubelet.key',
  'authentication:',
  'runc version 1.1.5',
  '',
].join('\n');

const KEPT = ['--cpu-manager-policy=static', 'tlsPrivateKeyFile: /var/lib/kubelet/pki/kubelet.key', 'authentication:', 'runc version 1.1.5', 'PATH=/usr/bin:/bin', '"cpuManagerPolicy": "static"', '-----BEGIN EC PRIVATE KEY-----'];
const GONE = ['SECRET123', 'abcdef.0123456789abcdef', 'SECRETBOOT', 'hunter2', 'AKIASECRETVALUE', 'tok123', 'jsontoken', 'LS0tLS1CRUdJTi', 'dXNlcjpwYXNz', 'eyJhbGciOi', 'pa55word', 'MIIEow', 'MHcCAQEE', 'AwEHoUQ'];

test('the redaction removes every planted secret and keeps what the diagnosis reads', () => {
  const { text, count } = redactor(COLLECT_PLAN).redact(Buffer.from(SECRETS));
  const out = text.toString('latin1');
  for (const s of GONE) assert.ok(!out.includes(s), `${s} redacted:\n${out}`);
  for (const s of KEPT) assert.ok(out.includes(s), `${s} kept:\n${out}`);
  assert.ok(count >= GONE.length, `counted ${count}`);
});

test('sed -E with the plan\'s arguments writes the same bytes and grep -oE counts the same as the node.js redaction', () => {
  const dir = tmp();
  const file = path.join(dir, 'raw');
  fs.writeFileSync(file, SECRETS);
  const env = { ...process.env, LC_ALL: 'C' };
  const sed = execFileSync('sed', ['-E', ...sedArguments(), file], { env });
  let count = 0;
  for (const b of COLLECT_PLAN.blocks) count += Number(spawnSync('grep', ['-cE', '-e', b.begin, file], { env }).stdout.toString().trim());
  for (const r of COLLECT_PLAN.lines) count += spawnSync('grep', ['-oE', '-e', r.pattern, file], { env }).stdout.toString().split('\n').filter(Boolean).length;
  const js = redactor(COLLECT_PLAN).redact(fs.readFileSync(file));
  assert.equal(js.text.toString('latin1'), sed.toString('latin1'));
  assert.equal(js.count, count);
});

test('the printed script is valid POSIX sh, carries every entry and the same redaction', () => {
  const script = collectScript();
  const dir = tmp();
  const file = path.join(dir, 'collect.sh');
  fs.writeFileSync(file, script);
  const check = spawnSync('dash', ['-n', file]);
  assert.equal(check.status, 0, check.stderr.toString());
  for (const e of COLLECT_PLAN.entries) assert.ok(script.includes(`'${e.file}'`), e.file);
  for (const r of COLLECT_PLAN.lines) assert.ok(script.includes(r.pattern.replace(/'/g, `'\\''`)), r.id);
  // No bashisms: [[ ]], `function`, pipefail, <<<, declare, local.
  assert.doesNotMatch(script, /\[\[ |^\s*function\s+\w+|pipefail|<<<|^\s*(?:declare|local)\s/m);
});

test('the plan: unique files, bounded, and every collected hint of the cause catalog names one of its files', () => {
  const files = COLLECT_PLAN.entries.map((e) => e.file);
  assert.equal(new Set(files).size, files.length);
  assert.equal(new Set(COLLECT_PLAN.entries.map((e) => e.id)).size, files.length);
  for (const e of COLLECT_PLAN.entries) {
    assert.ok(e.maxBytes > 0 && e.maxBytes <= COLLECT_PLAN.totalBytes, e.id);
    assert.ok(e.timeoutSeconds > 0 && e.timeoutSeconds <= 300, e.id);
  }
  const hinted = CAUSES.observations.flatMap((o) => (o.collected ?? []).map((f) => [o.id, f] as const));
  assert.ok(hinted.length >= 10);
  for (const [id, f] of hinted) assert.ok(files.includes(f), `${id}: ${f} is not a file of the collect plan`);
  assert.ok(CAUSES.observations.find((o) => o.id === 'runc-before-fix')?.collected?.includes('runtime/runc-version.txt'));
});

test('bundle names, --since durations and bundle paths', () => {
  assert.equal(bundleName('worker-3.example.com', new Date('2026-12-05T10:45:00.123Z')), 'runtime-lens-worker-3.example.com-20261205T104500Z');
  assert.equal(bundleName('a b/c', new Date('2026-01-02T03:04:05Z')), 'runtime-lens-a_b_c-20260102T030405Z');
  for (const ok of ['6h', '30m', '2d', '90s']) assert.match(ok, SINCE);
  for (const bad of ['6', 'h', '0h', '-6h', '6 h', '6h; rm -rf /', '1w']) assert.doesNotMatch(bad, SINCE);
  assert.ok(isBundlePath('/x/runtime-lens-a-20260102T030405Z.tar.gz'));
  assert.ok(isBundlePath('b.TGZ'));
  assert.ok(!isBundlePath('kubelet.log.gz'));
});

test('a file in a bundle belongs to the host its folder names', () => {
  assert.equal(nodeFromPath('/cache/ab12/runtime-lens-ip-10-0-1-5.ec2.internal-20261205T104500Z/journal/kubelet.log'), 'ip-10-0-1-5');
  assert.equal(nodeFromPath('/b/runtime-lens-worker-3-20261205T104500Z/runtime/runc-version.txt'), 'worker-3');
  assert.equal(nodeFromPath('/b/runtime-lens-notes/kubelet.log'), null);
});

test('the entry note as the script writes it: stderr on one line, timeout, cut, 300 bytes', () => {
  const entry = { timeoutSeconds: 30, keep: 'tail' as const };
  assert.equal(noteOf({ err: '', exit: 0, cut: false }, entry, 10), null);
  assert.equal(noteOf({ err: 'no kubelet process\n', exit: 1, cut: false }, entry, 10), 'no kubelet process');
  assert.equal(noteOf({ err: '', exit: 127, cut: false }, entry, 10), 'command not found');
  assert.equal(noteOf({ err: 'a\nb\n', exit: 124, cut: true }, entry, 10), 'timed out after 30 s; a b; cut at 10 bytes (the tail kept)');
  assert.equal(Buffer.byteLength(noteOf({ err: 'x'.repeat(1000), exit: 1, cut: false }, entry, 10)!), 300);
});

test('tar: what tarArchive writes, tar lists and TarReader reads back; long names use the ustar prefix', () => {
  const long = `runtime-lens-${'h'.repeat(60)}-20261205T104500Z/cgroup/${'d'.repeat(50)}/pids.txt`;
  const files = [
    { path: 'top/manifest.json', data: Buffer.from('{}\n') },
    { path: 'top/journal/kubelet.log', data: Buffer.alloc(1500, 'k') },
    { path: long, data: Buffer.from('==> x <==\n') },
  ];
  const tar = tarArchive(files, new Date('2026-12-05T10:45:00Z'));
  const listed = execFileSync('tar', ['-tf', '-'], { input: tar }).toString().split('\n').filter(Boolean);
  for (const f of files) assert.ok(listed.includes(f.path), f.path);
  const read: Record<string, Buffer[]> = {};
  let current = '';
  const reader = new TarReader(
    (e) => {
      current = e.path;
      if (e.type === 'file') read[e.path] = [];
    },
    (piece) => read[current]!.push(piece),
  );
  // In odd-sized pieces, as a gunzip stream hands them.
  for (let i = 0; i < tar.length; i += 333) reader.write(tar.subarray(i, i + 333));
  assert.ok(reader.done);
  for (const f of files) assert.deepEqual(Buffer.concat(read[f.path]!), f.data, f.path);
});

test('unpackBundle: reads GNU tar, refuses entries that climb out, names the file when it is no bundle', async () => {
  const dir = tmp();
  const src = path.join(dir, 'src', 'runtime-lens-n1-20261205T104500Z');
  fs.mkdirSync(path.join(src, 'journal'), { recursive: true });
  fs.writeFileSync(path.join(src, 'journal', 'kubelet.log'), 'line\n');
  const bundle = path.join(dir, 'b.tar.gz');
  execFileSync('tar', ['-czf', bundle, '-C', path.join(dir, 'src'), 'runtime-lens-n1-20261205T104500Z']);
  const root = path.join(dir, 'cache');
  const u = await unpackBundle(bundle, root);
  assert.equal(path.basename(u.dir), 'runtime-lens-n1-20261205T104500Z');
  assert.equal(fs.readFileSync(path.join(u.dir, 'journal', 'kubelet.log'), 'utf8'), 'line\n');
  assert.equal((await unpackBundle(bundle, root)).reused, true);

  const evil = path.join(dir, 'evil.tar.gz');
  fs.writeFileSync(evil, zlib.gzipSync(tarArchive([{ path: '../../escaped.txt', data: Buffer.from('x') }, { path: 'ok/a.txt', data: Buffer.from('a') }], new Date())));
  const e = await unpackBundle(evil, root);
  assert.ok(!fs.existsSync(path.join(dir, 'escaped.txt')) && !fs.existsSync(path.join(root, 'escaped.txt')));
  assert.equal(fs.readFileSync(path.join(e.dir, 'a.txt'), 'utf8'), 'a');

  const notTar = path.join(dir, 'log.tar.gz');
  fs.writeFileSync(notTar, zlib.gzipSync(Buffer.from('just a log line\n'.repeat(100))));
  await assert.rejects(unpackBundle(notTar, root), (x: unknown) => x instanceof InputError && /log\.tar\.gz/.test(x.message) && /not a readable bundle/.test(x.reason));
  const notGzip = path.join(dir, 'plain.tgz');
  fs.writeFileSync(notGzip, 'plain text');
  await assert.rejects(unpackBundle(notGzip, root), (x: unknown) => x instanceof InputError && /not a gzip-compressed tar/.test(x.reason));
});

test('facts from what collect gathers: containerd/dockerd --version and cpu_manager_state', () => {
  const one = (text: string) => factsFromLine(text, 'f', 1, null).map((f) => [f.kind, f.value, f.how]);
  assert.deepEqual(one('containerd github.com/containerd/containerd v1.6.20 2806fc1057397dbaeefbea0e4e17bddfbd388f38'), [['containerdVersion', '1.6.20', 'containerd --version']]);
  assert.deepEqual(one('containerd github.com/containerd/containerd 1.6.20~ds1 1.6.20~ds1-1+b1'), [['containerdVersion', '1.6.20~ds1', 'containerd --version']]);
  assert.deepEqual(one('Docker version 20.10.24+dfsg1, build 297e128'), [['dockerVersion', '20.10.24+dfsg1', 'dockerd --version']]);
  assert.deepEqual(one('{"policyName":"static","defaultCpuSet":"0,3-7","entries":{},"checksum":1}'), [['cpuManagerPolicy', 'static', 'cpu_manager_state']]);
});

test('collect: bad usage exits 2 with the reason', async () => {
  const cli = async (...argv: string[]) => {
    let out = '';
    let err = '';
    const code = await run(argv, (s) => (out += s), (s) => (err += s));
    return { code, out, err };
  };
  const bad = await cli('collect', '--since', '6 hours');
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--since wants a duration like 6h/);
  const both = await cli('collect', '--print-script', '--out', 'x.tar.gz');
  assert.equal(both.code, 2);
  const script = await cli('collect', '--print-script');
  assert.equal(script.code, 0);
  assert.match(script.out, /^#!\/bin\/sh\n/);
  const help = await cli('--help');
  assert.match(help.out, /collect \[--out FILE\] \[--since DURATION\] \[--print-script\]/);
});

test('diagnose: a kernel log read without an OOM kill says so (false), and a bundle PATH reads as its folder', async () => {
  const dir = tmp();
  const top = path.join(dir, 'src', 'runtime-lens-worker-7-20261205T104500Z');
  fs.mkdirSync(path.join(top, 'journal'), { recursive: true });
  fs.mkdirSync(path.join(top, 'runtime'), { recursive: true });
  fs.writeFileSync(path.join(top, 'journal', 'kernel.log'), '[Sat Dec  5 10:39:44 2026] Linux version 6.1.0\n[Sat Dec  5 10:39:45 2026] EXT4-fs (vda): mounted filesystem\n');
  fs.writeFileSync(path.join(top, 'runtime', 'runc-version.txt'), 'runc version 1.1.5\ncommit: v1.1.5\nspec: 1.0.2-dev\ngo: go1.19.8\n');
  const bundle = path.join(dir, 'worker-7.tar.gz');
  execFileSync('tar', ['-czf', bundle, '-C', path.join(dir, 'src'), 'runtime-lens-worker-7-20261205T104500Z']);
  // In a folder, an archive is no log: skipped with a note saying how to read it.
  const found = discoverLogs(dir);
  assert.ok(!found.files.includes(bundle));
  assert.match(found.skipped.find((n) => n.file === bundle)?.note ?? '', /as a PATH of its own/);
  const cache = process.env.RUNTIME_LENS_CACHE;
  process.env.RUNTIME_LENS_CACHE = path.join(dir, 'cache');
  try {
    for (const target of [top, bundle]) {
      let out = '';
      let err = '';
      const code = await run(['diagnose', '--json', target], (s) => (out += s), (s) => (err += s));
      assert.equal(code, 0, err);
      const evidence = (JSON.parse(out) as { verdict: { evidence: { id: string; holds: boolean | null; detail: string }[] } }).verdict.evidence;
      const kernel = evidence.find((e) => e.id === 'kernel-oom-runc-init')!;
      assert.equal(kernel.holds, false, kernel.detail);
      assert.match(kernel.detail, /kernel\.log/);
      assert.equal(evidence.find((e) => e.id === 'runc-before-fix')!.holds, false);
      if (target === bundle) assert.match(err, /worker-7\.tar\.gz: a bundle, read from .*runtime-lens-worker-7-20261205T104500Z/);
      // The report says which bundle files would answer what is still open (no kubelet flags here).
      const report = path.join(dir, 'report.md');
      assert.equal(await run(['diagnose', '--report', report, target], () => undefined, () => undefined), 0);
      assert.match(fs.readFileSync(report, 'utf8'), /Or in one step: `runtime-lens collect` on the node .* gathers [^\n]*`kubelet\/flags\.txt`/);
    }
  } finally {
    if (cache === undefined) delete process.env.RUNTIME_LENS_CACHE;
    else process.env.RUNTIME_LENS_CACHE = cache;
    }
});

test('run-dir-full from the df collect runs: the root row speaks for /tmp and /run when they have no mount of their own', () => {
  const factsOf = (text: string) => {
    const r = new FactReader('system/df.txt');
    assert.ok(r.wantsChunks(text.length, () => text));
    r.chunk(text, 1, (s) => s);
    return r.finish();
  };
  const header = 'Filesystem     1K-blocks     Used Available Use% Mounted on\n';
  // This machine: /run and /tmp both on /.
  const both = runDirFull(factsOf(`${header}/dev/vda       264212084 28276852  78114060  27% /\n/dev/vda       264212084 28276852  78114060  27% /\n`));
  assert.equal(both.holds, false);
  assert.match(both.detail, /\/ \(holding \/run and \/tmp\) 27%/);
  // A node: /run a full tmpfs, /tmp on a roomy root.
  const node = runDirFull(factsOf(`${header}tmpfs             814388   814388         0 100% /run\n/dev/sda1       41152736 9000000  30000000  24% /\n`));
  assert.equal(node.holds, true);
  assert.match(node.detail, /\/run 100%/);
  // A full root holding /tmp is a full /tmp.
  const fullRoot = runDirFull(factsOf(`${header}tmpfs             814388     1000    813388   1% /run\n/dev/sda1       41152736 41152736         0 100% /\n`));
  assert.equal(fullRoot.holds, true);
  assert.match(fullRoot.detail, /\/ \(holding \/tmp\) 100%/);
  // /tmp of its own: the root says nothing about it.
  const own = runDirFull(factsOf(`${header}tmpfs 814388 1000 813388 1% /run\ntmpfs 814388 1000 813388 1% /tmp\n/dev/sda1 41152736 41152736 0 100% /\n`));
  assert.equal(own.holds, false);
});
