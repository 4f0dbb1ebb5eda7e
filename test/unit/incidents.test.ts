import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { sharedAnatomyReader } from '../../src/core/messages/anatomy';
import { errorText } from '../../src/core/messages/split';
import { builtInSignatures } from '../../src/core/signatures/catalog';
import { Matcher, isRuntimeError } from '../../src/core/signatures/matcher';
import { recogniseText } from '../../src/core/signatures/recognise';
import { repoRoot } from '../harness/paths';

// The real text of 67 public threads (../shared/incidents-train.jsonl), each labelled with the cause its
// thread confirmed. Every runtime error line is recognised with its layers and its innermost error (with
// the message index shipped with Runtime Lens); the look-alikes are recognised as look-alikes.

interface Incident {
  source: string;
  text: string;
  label: string;
}

const FILE = path.join(repoRoot, '..', 'shared', 'incidents-train.jsonl');
const incidents: Incident[] = fs
  .readFileSync(FILE, 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l) as Incident);
const matcher = new Matcher(builtInSignatures());
const byId = new Map(matcher.signatures.map((s) => [s.def.id, s.def]));
const lookAlike = (i: Incident) => i.label.startsWith('lookalike:');

/**
 * A runtime error line, as people who report them would point at it: the words the runtimes put in their
 * errors (the shim's `OCI runtime … failed`, runc's `exec failed:` and `file_linux.go:NNN:` call sites,
 * the CRI's `failed to exec in container`, dockerd's and runc's refusals to exec a stopped or paused
 * container, runc's thread failure at the pids limit, the passwd lookup of runc's user package).
 */
const RUNTIME_LINE =
  /\b(?:OCI|oci) runtime\b|\bOCI permission denied\b|\bexec failed: (?!(?:unexpected )?EOF\b)|unable to start container process|[a-z_]+_linux\.go:\d+: |failed to exec in container|error executing command in container|cannot (?:exec|start) (?:in )?a (?:stopped|container)|is not running|pthread_create failed: Resource|no matching entries in passwd file|unpause the container before exec/;

/**
 * Threads whose text is other output than an error: process tables, mount traces, a bare event header, a
 * kernel stack, and a kernel OOM report alone (the kill of runc:[2:INIT] is the kernel-oom-runc-init
 * observation, a fact the diagnosis weighs, not an exec failure of its own). runc#4193 quotes runc's --debug
 * trace (`DEBU[0000] nsexec[42599]: => nsexec container setup`): printed on every start, no error.
 */
const NO_ERROR_LINE = new Set(['cloudfoundry/garden-runc-release#121', 'opencontainers/runc#2532', 'antrea-io/antrea#833', 'opencontainers/runc#3759', 'containerd/containerd#10799', 'opencontainers/runc#4193']);

function recognise(i: Incident) {
  return recogniseText(`${i.source}.log`, i.text, { matcher });
}

test('the incidents file is there: 67 threads, 17 of them look-alikes', () => {
  assert.equal(incidents.length, 67);
  assert.equal(incidents.filter(lookAlike).length, 17);
});

test('every runtime error line of every thread is a runtime finding with its layers and its innermost error', () => {
  let lines = 0;
  for (const i of incidents.filter((x) => !lookAlike(x))) {
    const findings = new Map(recognise(i).findings.map((f) => [f.line, f]));
    i.text.split('\n').forEach((text, n) => {
      if (!RUNTIME_LINE.test(text)) return;
      lines += 1;
      const f = findings.get(n + 1);
      const where = `${i.source} line ${n + 1}: ${text.slice(0, 160)}`;
      assert.ok(f, `no finding: ${where}`);
      assert.ok(isRuntimeError(byId.get(f.signature)!), `${f.signature} is a look-alike: ${where}`);
      assert.ok(f.anatomy, `no anatomy: ${where}`);
      assert.ok(f.anatomy.layers.length > 0, `no layers: ${where}`);
      assert.ok(f.anatomy.innermost && f.anatomy.innermost.text.length > 0, `no innermost error: ${where}`);
      // A structured klog message is read as its message wrapping its err value (messages/split.ts): a
      // layer matched there ("ExecSync cmd from runtime service failed" since kubelet 1.21) is in that reading.
      const readings = [text, ...[...text.matchAll(/\] (?=")/g)].map((m) => errorText(text.slice(m.index + 2)))].map((r) => r.replace(/\\+"/g, '"'));
      for (const l of f.anatomy.layers) assert.ok(l.text.length > 0 && readings.some((r) => r.includes(l.text.replace(/\\+"/g, '"'))) || l.program === 'kernel', `layer ${l.program} "${l.text}" is not in the line: ${where}`);
    });
  }
  assert.equal(lines, 49, 'runtime error lines in the 50 threads');
});

test('every thread whose text holds a runtime error gets a runtime finding (17 of 50 before the message index)', () => {
  const missed = incidents.filter((i) => !lookAlike(i) && !NO_ERROR_LINE.has(i.source) && !recognise(i).findings.some((f) => isRuntimeError(byId.get(f.signature)!)));
  assert.deepEqual(
    missed.map((i) => i.source),
    [],
  );
});

test('the look-alikes are recognised as look-alikes, never as runtime errors', () => {
  for (const i of incidents.filter(lookAlike)) {
    const findings = recognise(i).findings;
    assert.ok(findings.length > 0, `${i.source} (${i.label}): not recognised at all`);
    for (const f of findings) {
      assert.ok(!isRuntimeError(byId.get(f.signature)!), `${i.source} (${i.label}) line ${f.line}: taken for a runtime error (${f.signature})`);
      assert.equal(f.anatomy, undefined);
    }
  }
});

/** What the innermost error of a thread's first runtime error line is: [operation, object suffix, errno, innermost.json row]. */
const INNERMOST: Record<string, [string | null, string | null, string | null, string | null]> = {
  'awslabs/amazon-eks-ami#1023': ['open', '/dev/pts/1', 'EPERM', 'device-eperm'],
  'oracle/vagrant-projects#449': ['open', '/dev/pts/0', 'EPERM', 'device-eperm'],
  'canonical/microk8s#1454': ['write', '/proc/self/attr/exec', 'EPERM', 'lsm-attr-eperm'],
  'kserve/kserve#839': ['write', '/proc/self/attr/exec', 'EPERM', 'lsm-attr-eperm'],
  'coreos/bugs#2605': ['write', '/cgroup.procs', 'EINVAL', 'cgroup-procs-einval'],
  'kubernetes/kubernetes#94257': ['write', '/cgroup.procs', 'EINVAL', 'cgroup-procs-einval'],
  'kubernetes-sigs/kind#3223': ['openat2', '/cgroup.procs', 'ENOENT', 'cgroup-procs-enoent'],
  'kubernetes/kubernetes#116766': ['open', '/cgroup.procs', 'ENOENT', 'cgroup-procs-enoent'],
  'opencontainers/runc#4620': ['open', '/cgroup.procs', 'ENOENT', 'cgroup-procs-enoent'],
  'moby/moby#22865': ['create session key', null, 'EDQUOT', 'keyring-edquot'],
  'travis-ci/worker#427': ['create session key', null, 'EDQUOT', 'keyring-edquot'],
  'siderolabs/talos#9007': ['write', '/tmp/runc-process3947626735', 'ENOSPC', 'runtime-dir-enospc'],
  'containerd/containerd#3019': ['pthread_create', null, 'EAGAIN', 'thread-create-eagain'],
  'opencontainers/runc#1914': ['pthread_create', null, 'EAGAIN', 'thread-create-eagain'],
  'opencontainers/runc#2173': ['fork/exec', '/proc/self/exe', 'ENOENT', null],
  'opencontainers/runc#1476': ['lstat', '/proc/15386/ns/ipc', 'ENOENT', null],
  'siderolabs/talos#32': ['open', '/dev/ptmx', 'ENOENT', null],
  'opencontainers/runc#1499': ['open', '/proc/391/status', 'ENOENT', null],
  'containers/crun#793': ['chdir', null, 'EACCES', null],
  'docker/for-linux#177': ['read', 'init-p', 'ECONNRESET', null],
  'moby/moby#39621': [null, null, null, null],
  'opencontainers/runc#5305': [null, null, null, null],
};

test("the innermost error of each thread's first runtime error: operation, object, errno and its row", () => {
  const reader = sharedAnatomyReader();
  for (const [source, [operation, object, errno, rule]] of Object.entries(INNERMOST)) {
    const i = incidents.find((x) => x.source === source)!;
    const f = recognise(i).findings.find((x) => x.anatomy);
    assert.ok(f?.anatomy?.innermost, source);
    const e = f.anatomy.innermost;
    assert.equal(e.operation, operation, `${source}: operation`);
    assert.equal(e.errno, errno, `${source}: errno`);
    if (object) assert.ok(e.object?.endsWith(object), `${source}: object ${e.object}`);
    else assert.equal(e.object, null, `${source}: object`);
    assert.equal(reader.rule(e)?.id ?? null, rule, `${source}: row`);
  }
});

test('versions from the wording alone: the rc-era call sites are runc rc, today’s wording runc ≥ 1.1; containerd from the CRI plugin’s words', () => {
  const first = (source: string) => recognise(incidents.find((x) => x.source === source)!).findings.find((f) => f.anatomy)!.anatomy!;
  const rc = first('canonical/microk8s#1454');
  assert.match(rc.versions.runc ?? '', /^1\.0\.0-rc1–1\.0\.0-rc\d+$/);
  const modern = first('kubernetes-sigs/kind#3223');
  assert.match(modern.versions.runc ?? '', /^1\.1\.0–/);
  assert.match(modern.versions.containerd ?? '', /^1\.6\.0–/);
  assert.deepEqual(
    modern.layers.map((l) => l.program),
    ['containerd', 'containerd', 'containerd', 'shim', 'runc', 'runc', 'runc', 'runc', 'kernel'],
  );
  for (const l of modern.layers.filter((x) => x.program !== 'kernel')) assert.ok(l.origin && l.origin.line > 0 && l.origin.file.endsWith('.go') && l.versions, `${l.program} ${l.text}`);
});
