import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../harness/paths';
import { parseLine } from '../../src/core/logs/formats';
import { builtInSignatures } from '../../src/core/signatures/catalog';
import { Matcher } from '../../src/core/signatures/matcher';

// The whole family of exec-probe failures (../shared/causes.md): each runc text in its rc-era and ≥ 1.1
// wording, carried into the logs by each of the ways a node prints it.

const builtIn = builtInSignatures();
const matcher = new Matcher(builtIn);
const UID = 'd1aab5f0-ae8f-11eb-a151-080027049c65';
const EXEC_ID = '8e34e8b910694abe95a467b2936b37635fdabd2f7b7c464dfef952fa5732aa4e';
const fixtures = path.join(repoRoot, 'test', 'unit', 'fixtures', 'runc-1.1.5');

const idOf = (line: string) => matcher.match(line)?.signature.id ?? null;
/** A text inside a quoted logfmt/klog value: `\` and `"` escaped, as logrus and klog print them. */
const quoted = (t: string) => t.replace(/\\/g, '\\\\').replace(/"/g, '\\"');

/** The ways a runtime's exec error reaches a log, given runc's text (after `OCI runtime exec failed: `). */
const carriers: Record<string, (runc: string) => string> = {
  dockershim: (t) => `I0507 03:43:28.310630   57003 prober.go:112] Readiness probe for "web-1_shop(${UID}):web" failed (failure): OCI runtime exec failed: ${t}: unknown`,
  dockerd: (t) => `time="2021-05-07T03:43:28.310630123+08:00" level=error msg="Error running exec ${EXEC_ID} in container: OCI runtime exec failed: ${quoted(t)}: unknown"`,
  'containerd CRI (structured klog)': (t) =>
    `E0507 03:43:28.310630   57003 prober.go:107] "Probe errored" err="rpc error: code = Unknown desc = failed to exec in container: failed to start exec \\"${EXEC_ID}\\": OCI runtime exec failed: ${quoted(t)}: unknown" probeType="Readiness" pod="shop/web-1" podUID=${UID} containerName="web"`,
  'containerd ExecSync': (t) =>
    `time="2021-05-07T03:43:28.310630123Z" level=error msg="ExecSync for \\"4f1d0c6c8a3e\\" failed" error="failed to exec in container: failed to start exec \\"${EXEC_ID}\\": OCI runtime exec failed: ${quoted(t)}: unknown"`,
  'kubectl describe': (t) => `  Warning  Unhealthy  4m (x31 over 9m)  kubelet  Readiness probe failed: OCI runtime exec failed: ${t}: unknown`,
  'kubectl get events': (t) => `shop   4m (x31 over 9m)   Warning   Unhealthy   pod/web-1   Readiness probe errored: rpc error: code = Unknown desc = failed to exec in container: failed to start exec "${EXEC_ID}": OCI runtime exec failed: ${t}: unknown`,
};

/** runc's texts per signature: [wording, text]. */
const runcTexts: Record<string, [string, string][]> = {
  'runc-init-pipe-reset': [
    ['≥ 1.1 with the OOM hint (real, runc 1.1.5)', 'exec failed: unable to start container process: read init-p: connection reset by peer (possibly OOM-killed)'],
    ['≥ 1.1 (real, runc 1.1.5 at the pids limit)', 'exec failed: unable to start container process: read init-p: connection reset by peer'],
    ['rc (real, rc8)', 'exec failed: container_linux.go:345: starting container process caused "read init-p: connection reset by peer"'],
  ],
  'runc-init-oom-killed': [
    ['≥ rc94', 'exec failed: unable to start container process: container init was OOM-killed (memory limit too low?)'],
    ['rc94/95', 'exec failed: container_linux.go:367: starting container process caused: process_linux.go:340: container init was OOM-killed (memory limit too low?)'],
  ],
  'runc-final-child-pid-eof': [
    ['≥ 1.1', "exec failed: unable to start container process: can't get final child's PID from pipe: EOF"],
    ['rc', 'exec failed: container_linux.go:349: starting container process caused "process_linux.go:319: getting the final child\'s pid from pipe caused \\"EOF\\""'],
  ],
  'runc-pthread-create': [['runc aborting at the pids limit (real, runc 1.1.5)', 'exec failed: runtime/cgo: pthread_create failed: Resource temporarily unavailable\\nSIGABRT: abort']],
  'runc-namespace-setup': [
    ['≥ 1.1 nsexec', 'exec failed: unable to start container process: nsexec-1[2819]: failed to unshare remaining namespaces: No space left on device'],
    ['≥ 1.1 setns', 'exec failed: unable to start container process: error executing setns process: exit status 1'],
    ['rc setns', 'exec failed: container_linux.go:348: starting container process caused "process_linux.go:90: executing setns process caused \\"exit status 1\\""'],
  ],
  'device-cgroup-denied': [
    ['≥ 1.1 tty', 'exec failed: unable to start container process: open /dev/pts/0: operation not permitted'],
    ['rc tty', 'exec failed: container_linux.go:349: starting container process caused "open /dev/pts/0: operation not permitted"'],
  ],
  'runtime-dir-no-space': [
    ['state.json', 'exec failed: write /run/runc/4f1d0c6c8a3e/state.json: no space left on device'],
    ['containerd runtime root', 'exec failed: write /run/containerd/runc/k8s.io/4f1d0c6c8a3e/state.json: no space left on device'],
    ['process spec', 'exec failed: write /tmp/runc-process123456789: no space left on device'],
  ],
  'exec-stopped-container': [
    ['≥ 1.1 (real, runc 1.1.5)', 'exec failed: cannot exec in a stopped container'],
    ['rc', 'exec failed: cannot exec a container that has stopped'],
    ['containerd shim', 'cannot exec in a stopped state'],
  ],
  'oci-exec-eof': [
    ['EOF', 'exec failed: EOF'],
    ['unexpected EOF', 'exec failed: unexpected EOF'],
  ],
};

for (const [id, texts] of Object.entries(runcTexts)) {
  test(`${id}: every wording through every carrier`, () => {
    for (const [wording, text] of texts) {
      for (const [carrier, wrap] of Object.entries(carriers)) {
        const line = wrap(text);
        const m = matcher.match(line);
        assert.equal(m?.signature.id, id, `${wording} via ${carrier}: ${line}`);
        assert.notEqual(parseLine(line).format, 'plain', `${carrier} parses: ${line}`);
      }
    }
  });
}

test('CRI and kubelet texts of a stopped container or a gone shim are exec-stopped-container', () => {
  const lines = [
    `E0507 03:43:28.310630   57003 prober.go:107] "Probe errored" err="rpc error: code = Unknown desc = failed to exec in container: container is in CONTAINER_EXITED state" probeType="Readiness" pod="shop/web-1" podUID=${UID} containerName="web"`,
    `E0507 03:43:28.310630   57003 prober.go:107] "Probe errored" err="rpc error: code = NotFound desc = failed to exec in container: failed to load task: no running task found: task 4f1d0c6c8a3e not found: not found" probeType="Liveness" pod="shop/web-1" podUID=${UID} containerName="web"`,
    'time="2021-05-07T03:43:28Z" level=error msg="ExecSync for \\"4f1d\\" failed" error="failed to exec in container: failed to start exec \\"8e34\\": ttrpc: closed: unknown"',
  ];
  for (const line of lines) assert.equal(idOf(line), 'exec-stopped-container', line);
  // The same words outside an exec are the shim or task lifecycle, not a failed probe.
  assert.equal(idOf('time="2021-05-07T03:43:28Z" level=error msg="failed to delete task" error="ttrpc: closed"'), null);
  assert.equal(idOf('time="2021-05-07T03:43:28Z" level=info msg="cleaning up dead shim: no running task found"'), null);
});

test('exec probe timeouts through the CRI are probe-timeout', () => {
  for (const line of [
    `E0507 03:43:28.310630   57003 prober.go:107] "Probe errored" err="rpc error: code = DeadlineExceeded desc = failed to exec in container: timeout 1s exceeded: context deadline exceeded" probeType="Readiness" pod="shop/web-1" podUID=${UID} containerName="web"`,
    'W0507 05:12:03.481450   57003 prober.go:108] Readiness probe for "web-1_shop(91e0c7aa-ae90-11eb-a151-080027049c65):web" errored: rpc error: code = DeadlineExceeded desc = context deadline exceeded',
    'shop   2m   Warning   Unhealthy   pod/web-1   Readiness probe errored: rpc error: code = DeadlineExceeded desc = failed to exec in container: timeout 1s exceeded: context deadline exceeded',
  ]) {
    assert.equal(idOf(line), 'probe-timeout', line);
  }
});

test('kernel OOM kills of runc init, from dmesg, dmesg -T and journalctl -k', () => {
  const dmesg = fs.readFileSync(path.join(fixtures, 'dmesg-oom.txt'), 'utf8').trim().split('\n');
  const dmesgT = fs.readFileSync(path.join(fixtures, 'dmesg-T-oom.txt'), 'utf8').trim().split('\n');
  for (const lines of [dmesg, dmesgT]) {
    // The CPU line and the process-table row name runc init but are not the kill; the constraint line
    // is the same kill as the next, which says it in words.
    assert.deepEqual(
      lines.map(idOf),
      [null, null, null, 'kernel-oom-kill'],
      lines.join('\n'),
    );
  }
  const journal = 'Dec 02 11:54:43 node-a kernel: Memory cgroup out of memory: Killed process 26655 (runc:[2:INIT]) total-vm:1015728kB, anon-rss:896kB';
  const m = matcher.match(journal)!;
  assert.equal(m.signature.id, 'kernel-oom-kill');
  assert.equal(journal.slice(m.start, m.end), 'Memory cgroup out of memory: Killed process 26655 (runc:[2:INIT])');
  assert.equal(idOf('Dec 02 11:54:43 node-a kernel: runc:[2:INIT] invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=-998'), 'kernel-oom-kill');
  // The OOM killer killing the application is not runc's init.
  assert.equal(idOf('Dec 02 11:54:43 node-a kernel: Memory cgroup out of memory: Killed process 4242 (java) total-vm:1015728kB'), null);
});

test('runc 1.1.5\'s own stderr (real fixtures) is recognised line by line', () => {
  const read = (f: string) => fs.readFileSync(path.join(fixtures, f), 'utf8').trim().split('\n');
  assert.equal(idOf(read('exec-init-oom.stderr.txt')[0]!), 'runc-init-pipe-reset');
  assert.equal(idOf(read('exec-stopped.stderr.txt')[0]!), 'exec-stopped-container');
  assert.equal(idOf(read('exec-not-found.stderr.txt')[0]!), 'exec-not-found');
  const pids = read('exec-pids-limit.stderr.txt');
  assert.equal(idOf(pids[0]!), 'runc-pthread-create');
  // Bare `SIGABRT: abort` names no runc: any Go program prints it. With runc's words around it, it is runc's.
  assert.equal(pids[1], 'SIGABRT: abort');
  assert.equal(idOf(pids[1]!), null);
  assert.equal(idOf('Dec 02 11:54:44 node-a runc[26655]: SIGABRT: abort'), 'runc-sigabrt');
  assert.equal(idOf(pids.at(-1)!), 'runc-init-pipe-reset');
});

test('look-alike: runc\'s init pipe reset is never an HTTP probe reset, whatever the catalog order', () => {
  for (const [, text] of runcTexts['runc-init-pipe-reset']!) {
    for (const wrap of Object.values(carriers)) assert.notEqual(idOf(wrap(text)), 'http-probe-connection-reset');
  }
  // Even a matcher holding the HTTP signature alone (a user catalog reordering the built-ins) refuses it.
  const httpOnly = new Matcher(builtIn.filter((s) => s.def.id === 'http-probe-connection-reset'));
  assert.equal(httpOnly.match(carriers.dockershim!(runcTexts['runc-init-pipe-reset']![0]![1]))?.signature.id ?? null, null);
  assert.equal(
    httpOnly.match('Readiness probe failed: Get "http://10.0.0.5:8080/": read tcp 10.0.0.1:5->10.0.0.5:8080: read: connection reset by peer')?.signature.id,
    'http-probe-connection-reset',
  );
});

test('look-alike: the final child\'s PID EOF is never oci-exec-eof', () => {
  for (const [, text] of runcTexts['runc-final-child-pid-eof']!) {
    for (const wrap of Object.values(carriers)) assert.equal(idOf(wrap(text)), 'runc-final-child-pid-eof');
  }
  const eofOnly = new Matcher(builtIn.filter((s) => s.def.id === 'oci-exec-eof'));
  for (const [, text] of runcTexts['runc-final-child-pid-eof']!) assert.equal(eofOnly.match(carriers.dockershim!(text)), null);
});

test('look-alike: a streaming client going away is exec-stream-eof, not a runtime failure', () => {
  assert.equal(idOf('error: Internal error occurred: error executing command in container: EOF'), 'exec-stream-eof');
  assert.equal(
    idOf('time="2021-05-07T03:43:28Z" level=error msg="Error running exec 8e34 in container: exec attach failed: error attaching stdin stream: write unix /var/run/docker.sock->@: write: broken pipe"'),
    'exec-stream-eof',
  );
  // kubectl exec into a container hit by the race still shows the race's own text.
  assert.equal(
    idOf('error: Internal error occurred: error executing command in container: failed to exec in container: failed to start exec "8e34": OCI runtime exec failed: exec failed: EOF: unknown'),
    'oci-exec-eof',
  );
});

test('the probe\'s own shell denied /dev/null is device-cgroup-denied', () => {
  assert.equal(idOf(`I0507 03:43:28.310630   57003 prober.go:112] Readiness probe for "web-1_shop(${UID}):web" failed (failure): sh: can't create /dev/null: Operation not permitted`), 'device-cgroup-denied');
});

test('every signature names the causes that print it, with the contract\'s cause ids', () => {
  const contract = new Set([
    'cpu-manager-state-race',
    'runc-init-oom',
    'pids-limit',
    'namespace-setup',
    'frozen-cgroup',
    'probe-timeout-load',
    'device-cgroup-update',
    'container-stopped',
    'runtime-dir-full',
    'runc-go-glibc',
    // Added from the training threads (issue 16).
    'lsm-denies-exec',
    'keyring-quota',
    'runtime-dir-removed',
    'runc-hybrid-cgroup-v1',
    'container-paused',
    'exec-cgroup-join-race',
    // A cause outside the catalog: what an unclassified runtime error (runtime-error) is printed by.
    'other',
  ]);
  for (const s of builtIn) {
    assert.ok(Array.isArray(s.def.causes), `${s.def.id} has causes`);
    for (const c of s.def.causes!) assert.ok(contract.has(c), `${s.def.id}: ${c}`);
  }
  const causes = (id: string) => matcher.byId(id)!.causes;
  assert.deepEqual(causes('runc-init-oom-killed'), ['runc-init-oom']);
  assert.ok(causes('runc-init-pipe-reset')!.includes('runc-init-oom') && causes('runc-init-pipe-reset')!.includes('pids-limit'));
  assert.ok(causes('oci-exec-eof')!.includes('cpu-manager-state-race'));
  assert.deepEqual(causes('http-probe-connection-reset'), []);
  // Every cause of causes.md is printed by some signature.
  assert.deepEqual(new Set(builtIn.flatMap((s) => s.def.causes!)), contract);
});

test('the catalog\'s needles stay selective: long, and none a common log word', () => {
  for (const n of matcher.needles) {
    assert.ok(n.length >= 6, `needle too short: ${n}`);
    assert.ok(!['error', 'failed', 'exec', 'container', 'runc'].includes(n.toLowerCase()), `needle too common: ${n}`);
  }
});
