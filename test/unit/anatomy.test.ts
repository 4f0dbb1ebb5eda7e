import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import Ajv from 'ajv';
import errno from '../../src/core/knowledge/errno.json';
import errnoSchema from '../../src/core/knowledge/errno.schema.json';
import innermost from '../../src/core/knowledge/innermost.json';
import innermostSchema from '../../src/core/knowledge/innermost.schema.json';
import { AnatomyReader, type WordTable, keyWords, loadWordTable, serialiseWordTable, wordTable } from '../../src/core/messages/anatomy';
import { innermostReader } from '../../src/core/messages/innermost';
import { errorText } from '../../src/core/messages/split';
import type { MessageIndex } from '../../src/core/messages/types';
import { builtInSignatures } from '../../src/core/signatures/catalog';
import { Matcher } from '../../src/core/signatures/matcher';
import { recogniseText } from '../../src/core/signatures/recognise';
import { repoRoot } from '../harness/paths';
import fixture from './fixtures/messages-fixture.json';

// The anatomy of a runtime error: its layers matched to index formats (here a fixture index whose every
// entry is copied from the upstream file:line in its site), the innermost error, the versions.

const index = fixture as unknown as MessageIndex;
const reader = new AnatomyReader(index);
const inner = innermostReader();
const GO_ZERRORS = '/usr/lib/go/src/syscall/zerrors_linux_amd64.go';

test('errno.json and innermost.json validate against their schemas', () => {
  const ajv = new Ajv({ allErrors: true, strict: false });
  assert.equal(ajv.validate(errnoSchema, errno), true, JSON.stringify(ajv.errors));
  assert.equal(ajv.validate(innermostSchema, innermost), true, JSON.stringify(ajv.errors));
  for (const r of innermost.rules) {
    for (const re of [r.operation, r.object]) if (re !== undefined) assert.doesNotThrow(() => new RegExp(re), `${r.id}: ${re}`);
    for (const e of r.errno ?? []) assert.ok(e === 'EOF' || inner.names(e), `${r.id}: ${e} is one of Go's errno names`);
  }
});

test("errno.json is Go's syscall table: texts and names as zerrors_linux_amd64.go has them", () => {
  const rows = (errno as { errno: { number: number; names: string[]; text: string; line: number }[] }).errno;
  const byName = new Map(rows.flatMap((r) => r.names.map((n) => [n, r] as const)));
  assert.deepEqual(byName.get('ENOENT'), { number: 2, names: ['ENOENT'], text: 'no such file or directory', line: byName.get('ENOENT')!.line });
  assert.equal(byName.get('EAGAIN')!.names[0], 'EAGAIN');
  assert.deepEqual(byName.get('EWOULDBLOCK')!.names, ['EAGAIN', 'EWOULDBLOCK']);
  assert.equal(byName.get('EDQUOT')!.text, 'disk quota exceeded');
  assert.equal(byName.get('ECONNRESET')!.number, 104);
  if (!fs.existsSync(GO_ZERRORS)) return;
  // Where Go is installed (Debian's golang-go, as in CI), every row is re-read from the source itself.
  const source = fs.readFileSync(GO_ZERRORS, 'utf8').split('\n');
  for (const r of rows) {
    assert.match(source[r.line - 1]!, new RegExp(`^\\t${r.number}:\\s+"`), `line ${r.line} is errno ${r.number}`);
    assert.ok(source[r.line - 1]!.endsWith(`${JSON.stringify(r.text)},`), `line ${r.line}: ${r.text}`);
    for (const n of r.names) assert.match(source.join('\n'), new RegExp(`\\t${n}\\s+= Errno\\(0x${r.number.toString(16)}\\)`));
  }
});

const INNERMOST: [string, { operation: string | null; object: string | null; errno: string | null; text: string }, string | null][] = [
  [
    'OCI runtime exec failed: exec failed: unable to start container process: error adding pid 791507 to cgroups: failed to write 791507: open /sys/fs/cgroup/unified/kubepods/cgroup.procs: no such file or directory: unknown',
    { operation: 'open', object: '/sys/fs/cgroup/unified/kubepods/cgroup.procs', errno: 'ENOENT', text: 'open /sys/fs/cgroup/unified/kubepods/cgroup.procs: no such file or directory' },
    'cgroup-procs-enoent',
  ],
  [
    'container_linux.go:345: starting container process caused "process_linux.go:83: starting setns process caused \\"fork/exec /proc/self/exe: cannot allocate memory\\"": unknown',
    { operation: 'fork/exec', object: '/proc/self/exe', errno: 'ENOMEM', text: 'fork/exec /proc/self/exe: cannot allocate memory' },
    'exec-helper-enomem',
  ],
  ['exec failed: unable to start container process: open /dev/ptmx: no space left on device', { operation: 'open', object: '/dev/ptmx', errno: 'ENOSPC', text: 'open /dev/ptmx: no space left on device' }, 'ptmx-enospc'],
  [
    'starting container process caused "apparmor failed to apply profile: write /proc/self/attr/exec: operation not permitted": unknown',
    { operation: 'write', object: '/proc/self/attr/exec', errno: 'EPERM', text: 'write /proc/self/attr/exec: operation not permitted' },
    'lsm-attr-eperm',
  ],
  ['decoding init error from pipe caused "read parent: connection reset by peer"', { operation: 'read', object: 'parent', errno: 'ECONNRESET', text: 'read parent: connection reset by peer' }, null],
  ['read init-p: connection reset by peer (possibly OOM-killed)', { operation: 'read', object: 'init-p', errno: 'ECONNRESET', text: 'read init-p: connection reset by peer' }, null],
  ['runtime/cgo: pthread_create failed: Resource temporarily unavailable', { operation: 'pthread_create', object: null, errno: 'EAGAIN', text: 'pthread_create failed: Resource temporarily unavailable' }, 'thread-create-eagain'],
  ['runtime/cgo: pthread_create failed: Operation not permitted', { operation: 'pthread_create', object: null, errno: 'EPERM', text: 'pthread_create failed: Operation not permitted' }, 'thread-create-eperm'],
  ['OCI runtime exec failed: exec failed: EOF: unknown', { operation: null, object: null, errno: 'EOF', text: 'EOF' }, null],
  ['oci runtime error: could not synchronise with container process: could not create session key: disk quota exceeded', { operation: 'create session key', object: null, errno: 'EDQUOT', text: 'disk quota exceeded' }, 'keyring-edquot'],
  ['nsenter: failed to unshare namespaces: No space left on device', { operation: 'unshare', object: 'namespaces', errno: 'ENOSPC', text: 'failed to unshare namespaces: No space left on device' }, 'unshare-enospc'],
  ['OCI runtime exec failed: write /tmp/runc-process3947626735: no space left on device: unknown', { operation: 'write', object: '/tmp/runc-process3947626735', errno: 'ENOSPC', text: 'write /tmp/runc-process3947626735: no space left on device' }, 'runtime-dir-enospc'],
  ['open /dev/pts/0: operation not permitted: unknown', { operation: 'open', object: '/dev/pts/0', errno: 'EPERM', text: 'open /dev/pts/0: operation not permitted' }, 'device-eperm'],
  [
    'adding pid 18580 to cgroups caused "failed to write 18580 to cgroup.procs: write /sys/fs/cgroup/cpu,cpuacct/kubepods/x/cgroup.procs: invalid argument"": unknown',
    { operation: 'write', object: '/sys/fs/cgroup/cpu,cpuacct/kubepods/x/cgroup.procs', errno: 'EINVAL', text: 'write /sys/fs/cgroup/cpu,cpuacct/kubepods/x/cgroup.procs: invalid argument' },
    'cgroup-procs-einval',
  ],
  ['accept4: too many open files', { operation: 'accept4', object: null, errno: 'EMFILE', text: 'too many open files' }, 'file-limit'],
  ['Error: chdir: Permission denied: OCI permission denied', { operation: 'chdir', object: null, errno: 'EACCES', text: 'chdir: Permission denied' }, null],
  // Rust's io::Error (kata's agent) names the errno by number.
  ['unable to write to a control group file cgroup.procs, value 952 caused by: Os { code: 16, kind: ResourceBusy, message: "Resource busy" }', { operation: 'write', object: 'cgroup.procs', errno: 'EBUSY', text: 'unable to write to a control group file cgroup.procs, value 952 caused by: Os { code: 16, kind: ResourceBusy, message: "Resource busy" }' }, null],
  // No system call's error at the bottom: the last words are the innermost error.
  ['rpc error: code = 2 desc = oci runtime error: exec failed: cannot exec a container that has run and stopped', { operation: null, object: null, errno: null, text: 'cannot exec a container that has run and stopped' }, null],
  ['OCI runtime exec failed: exec failed: unable to create new parent process: namespace NEWIPC is not supported', { operation: null, object: null, errno: null, text: 'namespace NEWIPC is not supported' }, null],
  ['command error: exec failed: starting container process caused "exec: \\"pidof\\": executable file not found in $PATH"\\n, stdout: , stderr: , exit code -1', { operation: null, object: null, errno: null, text: 'executable file not found in $PATH' }, null],
];

test('the innermost error: operation, object, errno (Go names) and its words; its row of innermost.json', () => {
  for (const [text, want, rule] of INNERMOST) {
    const got = inner.parse(text.replace(/\\+"/g, '"'));
    assert.deepEqual(got?.innermost, want, text);
    assert.equal(inner.rule(got!.innermost)?.id ?? null, rule, `rule of ${text}`);
  }
  // `OCI permission denied` is podman's class, not an errno after `: `; `exec failed: EOF` is no exec that read EOF.
  assert.equal(inner.parse('OCI permission denied')?.innermost.errno, null);
  assert.equal(inner.parse('exec failed: EOF')?.innermost.operation, null);
  assert.equal(inner.parse(''), null);
  // Nothing left once the wrappers' trailers are peeled: no innermost error rather than a made-up one.
  assert.equal(inner.parse(': unknown'), null);
});

test('the innermost error in words, as the Problems entry says it', () => {
  const e = inner.parse('write /sys/fs/cgroup/x/cgroup.procs: no such file or directory')!.innermost;
  assert.equal(inner.describe(e), 'write /sys/fs/cgroup/x/cgroup.procs: ENOENT (no such file or directory)');
  assert.equal(inner.describe(inner.parse('exec failed: EOF')!.innermost), 'EOF');
  assert.equal(inner.describe(inner.parse('namespace NEWIPC is not supported')!.innermost), 'namespace NEWIPC is not supported');
});

test('EPERM on pthread_create is not the pids limit; EAGAIN is', () => {
  const eperm = inner.rule(inner.parse('pthread_create failed: Operation not permitted')!.innermost)!;
  const eagain = inner.rule(inner.parse('pthread_create failed: Resource temporarily unavailable')!.innermost)!;
  assert.equal(eagain.family, 'pids-limit');
  assert.notEqual(eperm.family, 'pids-limit');
  assert.match(eperm.meaning, /seccomp|LSM/);
});

test('a structured klog line is its message wrapping the err value; the other pairs are neither', () => {
  const line = '"ExecSync cmd from runtime service failed" err="rpc error: code = Unknown desc = failed to exec in container: failed to start exec \\"8b17\\": OCI runtime exec failed: exec failed: unable to create new parent process: namespace NEWIPC is not supported" containerID="5533" cmd=["/app/probe"]';
  assert.equal(errorText(line), 'ExecSync cmd from runtime service failed: rpc error: code = Unknown desc = failed to exec in container: failed to start exec "8b17": OCI runtime exec failed: exec failed: unable to create new parent process: namespace NEWIPC is not supported');
  assert.equal(errorText('"Probe failed" probeType="Readiness"'), 'Probe failed');
  assert.equal(errorText('plain text: here'), 'plain text: here');
  // A value cut at the end of the line is read to its end.
  assert.equal(errorText('"X failed" err="open /dev/ptmx: no space'), 'X failed: open /dev/ptmx: no space');
});

const summary = (a: ReturnType<AnatomyReader['read']>) => a.layers.map((l) => [l.program, l.text, l.origin ? `${l.origin.file}:${l.origin.line}` : null, l.versions]);

test('layers: kubelet → CRI → containerd → shim → runc → kernel, each at the format that printed it, with its versions', () => {
  const a = reader.read(
    'Liveness probe errored: rpc error: code = Unknown desc = failed to exec in container: failed to start exec "e31b6183": OCI runtime exec failed: exec failed: unable to start container process: error adding pid 846 to cgroups: failed to write 846: openat2 /sys/fs/cgroup/unified/kubelet.slice/cgroup.procs: no such file or directory: unknown',
  );
  assert.deepEqual(summary(a), [
    ['kubelet', 'Liveness probe errored', 'pkg/kubelet/prober/prober.go:115', '1.20.2'],
    ['cri', 'rpc error: code = Unknown desc =', 'vendor/google.golang.org/grpc/status/status.go:54', '1.20.2'],
    ['containerd', 'failed to exec in container', 'internal/cri/server/container_execsync.go:94', '2.0.0'],
    ['containerd', 'failed to start exec "e31b6183', 'internal/cri/server/container_execsync.go:205', '2.0.0'],
    ['shim', 'OCI runtime exec failed', 'cmd/containerd-shim-runc-v2/process/exec.go:209', '1.2.2–2.0.0'],
    // `exec failed: %v` (rc6) and `%w` (1.3.0) print the same words: the one consistent with the other runc layers is shown.
    ['runc', 'exec failed', 'exec.go:114', '1.3.0'],
    ['runc', 'unable to start container process', 'libcontainer/container_linux.go:345', '1.3.0'],
    ['runc', 'error adding pid 846 to cgroups', 'libcontainer/process_linux.go:257', '1.3.0'],
    ['runc', 'failed to write 846', 'vendor/github.com/opencontainers/cgroups/utils.go:394', '1.3.0'],
    ['kernel', 'openat2 /sys/fs/cgroup/unified/kubelet.slice/cgroup.procs: no such file or directory', null, null],
  ]);
  assert.deepEqual(a.innermost, { operation: 'openat2', object: '/sys/fs/cgroup/unified/kubelet.slice/cgroup.procs', errno: 'ENOENT', text: 'openat2 /sys/fs/cgroup/unified/kubelet.slice/cgroup.procs: no such file or directory' });
  assert.deepEqual(a.versions, { kubelet: '1.20.2', cri: '1.20.2', containerd: '2.0.0', shim: '1.2.2–2.0.0', runc: '1.3.0' });
});

test("runc's rc-era wording: `file.go:NNN: cause caused \"…\"` layers, the versions of that era only", () => {
  const a = reader.read('OCI runtime exec failed: exec failed: container_linux.go:344: starting container process caused "process_linux.go:83: starting setns process caused \\"fork/exec /proc/self/exe: cannot allocate memory\\"": unknown');
  assert.deepEqual(
    a.layers.map((l) => [l.program, l.text]),
    [
      ['shim', 'OCI runtime exec failed'],
      ['runc', 'exec failed: container_linux.go:344'],
      ['runc', 'starting container process'],
      ['runc', 'caused "process_linux.go:83'],
      ['runc', 'starting setns process'],
      ['runc', 'caused'],
      ['kernel', 'fork/exec /proc/self/exe: cannot allocate memory'],
    ],
  );
  assert.equal(a.versions.runc, '1.0.0-rc6');
  assert.equal(a.innermost?.errno, 'ENOMEM');
});

test('a message no format printed still has its innermost error; the same message is split once', () => {
  const a = reader.read('frobnicator: open /var/run/frob.sock: permission denied');
  assert.deepEqual(summary(a), [['kernel', 'open /var/run/frob.sock: permission denied', null, null]]);
  assert.deepEqual(a.versions, {});
  assert.equal(reader.read('frobnicator: open /var/run/frob.sock: permission denied'), a);
  const empty = new AnatomyReader({ generated: { by: 'test', programs: {} }, entries: [] });
  assert.equal(empty.read('OCI runtime exec failed: exec failed: EOF: unknown').innermost?.errno, 'EOF');
});

test('an index is read lazily and bad entries are skipped, never thrown', () => {
  let loads = 0;
  const lazy = new AnatomyReader(() => {
    loads += 1;
    return { generated: { by: 'test', programs: { runc: { repo: 'opencontainers/runc', tags: ['v1.1.0'] } } }, entries: [null, { program: 'nope' }, { program: 'runc', format: 'exec failed: %w', kind: 'error', site: { file: 'exec.go', line: 1, function: 'f' }, versions: [[0, 0]] }] } as unknown as MessageIndex;
  });
  assert.equal(loads, 0);
  assert.deepEqual(summary(lazy.read('exec failed: open /x: no such file or directory')), [
    ['runc', 'exec failed', 'exec.go:1', '1.1.0'],
    ['kernel', 'open /x: no such file or directory', null, null],
  ]);
  lazy.read('exec failed: EOF');
  assert.equal(loads, 1);
});

test('the words a format is looked up by are whole words wherever it prints them', () => {
  assert.deepEqual(keyWords('error adding pid %d to cgroups: %w'), ['error', 'adding', 'pid', 'cgroups']);
  assert.deepEqual(keyWords('runc-process%d'), ['runc']);
  assert.deepEqual(keyWords('%sfoo bar'), ['bar']);
  assert.deepEqual(keyWords('%s: %w'), []);
});

test('recognition: a runtime error no curated signature covers is a runtime-error finding with its anatomy; curated ones keep their id and carry it too', () => {
  const text = [
    'E0507 03:43:28.310630   57003 prober.go:117] Liveness probe errored: rpc error: code = Unknown desc = failed to exec in container: failed to start exec "e31b": OCI runtime exec failed: exec failed: unable to start container process: open /dev/ptmx: no space left on device: unknown',
    'E0507 03:43:29.310630   57003 prober.go:117] Readiness probe failed: OCI runtime exec failed: exec failed: unable to start container process: open /dev/pts/0: operation not permitted: unknown',
    'E0507 03:43:30.310630   57003 prober.go:117] Readiness probe failed: Get "http://10.0.0.1:80/": dial tcp 10.0.0.1:80: connect: connection refused',
    'I0507 03:43:31.310630   57003 kubelet.go:1926] SyncLoop (SYNC): 1 pods',
  ].join('\n');
  const r = recogniseText('kubelet.log', text, { matcher: new Matcher(builtInSignatures()), anatomy: reader });
  assert.deepEqual(
    r.findings.map((f) => [f.line, f.signature, f.anatomy?.innermost?.errno ?? null]),
    [
      [1, 'runtime-error', 'ENOSPC'],
      [2, 'device-cgroup-denied', 'EPERM'],
      [3, 'http-probe-refused', null],
    ],
  );
  assert.equal(r.findings[2]!.anatomy, undefined, 'a look-alike carries no anatomy');
  assert.deepEqual(r.findings[0]!.anatomy!.layers.map((l) => l.program), ['kubelet', 'cri', 'containerd', 'containerd', 'shim', 'runc', 'runc', 'kernel']);
  // Without a reader the findings are the same, without anatomy.
  const bare = recogniseText('kubelet.log', text, { matcher: new Matcher(builtInSignatures()), anatomy: null });
  assert.deepEqual(bare.findings.map((f) => [f.signature, f.anatomy]), [['runtime-error', undefined], ['device-cgroup-denied', undefined], ['http-probe-refused', undefined]]);
});

test('messages-words.json is the word table of messages.json, as the generator writes it', () => {
  const dir = path.join(repoRoot, 'src', 'core', 'knowledge');
  const index = JSON.parse(fs.readFileSync(path.join(dir, 'messages.json'), 'utf8')) as MessageIndex;
  const committed = fs.readFileSync(path.join(dir, 'messages-words.json'), 'utf8');
  assert.equal(committed, serialiseWordTable(wordTable(index)), 'run `npm run knowledge:words` after changing messages.json');
  // Every kept format is filed once, under a word of its own constant text.
  const table = JSON.parse(committed) as WordTable;
  for (const [word, rows] of Object.entries(table.words)) for (const r of JSON.parse(rows) as [string, string][]) assert.ok(keyWords(r[1]).includes(word), `${word}: ${r[1]}`);
});

test('the shipped table read a word at a time gives what the whole index gives', () => {
  const index = JSON.parse(fs.readFileSync(path.join(repoRoot, 'src', 'core', 'knowledge', 'messages.json'), 'utf8')) as MessageIndex;
  const lazy = new AnatomyReader(loadWordTable);
  const whole = new AnatomyReader(index);
  const line = 'Liveness probe errored: rpc error: code = Unknown desc = failed to exec in container: failed to start exec "e31b": OCI runtime exec failed: exec failed: unable to start container process: error adding pid 846 to cgroups: failed to write 846: openat2 /sys/fs/cgroup/unified/x/cgroup.procs: no such file or directory: unknown';
  assert.deepEqual(lazy.read(line), whole.read(line));
  assert.ok(lazy.read(line).layers.length >= 8);
});

test('the shipped table looked up a word at a time: every word gives its line as written, other words nothing', () => {
  const committed = JSON.parse(fs.readFileSync(path.join(repoRoot, 'src', 'core', 'knowledge', 'messages-words.json'), 'utf8')) as WordTable;
  const lazy = loadWordTable();
  const words = Object.keys(committed.words);
  assert.ok(words.length > 1000, `${words.length} words`);
  for (const word of words) assert.equal(lazy.literals.get(word), JSON.stringify(committed.words[word]), word);
  assert.deepEqual(lazy.programs, committed.programs);
  // Before the first word, after the last, between two, a word's prefix and extension, other characters.
  const absent = ['', 'A', 'zzzzzzzz', `${words[0]}zz`, words[words.length - 1]!.slice(0, -1), `${words[500]}q`, words[500]!.slice(0, -1), 'caf\u00e9', '"', 'a b'];
  for (const word of absent.filter((w) => !Object.prototype.hasOwnProperty.call(committed.words, w))) assert.equal(lazy.literals.get(word), undefined, word);
});

test('messages of one shape (another pod, pid, container) reuse its formats, each with its own words', () => {
  const a = reader.read('OCI runtime exec failed: exec failed: unable to start container process: error adding pid 846 to cgroups: failed to write 846: open /sys/fs/cgroup/a/cgroup.procs: no such file or directory: unknown');
  const b = reader.read('OCI runtime exec failed: exec failed: unable to start container process: error adding pid 9913 to cgroups: failed to write 9913: open /sys/fs/cgroup/b/cgroup.procs: no such file or directory: unknown');
  assert.deepEqual(
    b.layers.map((l) => l.text),
    a.layers.map((l) => l.text.replace(/846/g, '9913').replace('/a/', '/b/')),
  );
  assert.equal(b.innermost?.object, '/sys/fs/cgroup/b/cgroup.procs');
});

test('a reader whose index cannot be loaded still names the innermost error', () => {
  const broken = new AnatomyReader(() => {
    throw new Error('no such file');
  });
  const a = broken.read('exec failed: open /dev/ptmx: no space left on device');
  assert.deepEqual(a.layers.map((l) => l.program), ['kernel']);
  assert.equal(a.innermost?.errno, 'ENOSPC');
});
