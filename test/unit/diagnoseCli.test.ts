import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import * as zlib from 'node:zlib';
import { run } from '../../src/cli/main';
import { CAUSES } from '../../src/core/diagnosis/causes';
import { repoRoot } from '../harness/paths';

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await run(argv, (s) => (out += s), (s) => (err += s));
  return { code, out, err };
}

interface FindingJson {
  file: string;
  line: number;
  signature: string;
  time: string | null;
  localTime?: string;
  pod: string | null;
  container: string | null;
  text: string;
  namespace?: string | null;
  count?: number;
  related?: number[];
}
interface DiagnoseJson {
  findings: FindingJson[];
  verdict: { cause: string; confidence: number; summary: string; evidence: { id: string; holds: boolean | null; detail: string }[] };
  hypotheses: { cause: string; confidence: number }[];
  groups: { id: string; node: string | null; container: string | null; signature: string; count: number; verdict: { cause: string; confidence: number }; hypotheses: { cause: string; confidence: number }[] }[];
  causes: { cause: string; groups: string[]; count: number }[];
}

/** stdout must be exactly one JSON document. */
function parseOne(out: string): DiagnoseJson {
  assert.ok(out.endsWith('\n'));
  assert.equal(out.trimStart()[0], '{');
  return JSON.parse(out) as DiagnoseJson;
}

const samples = path.join(repoRoot, 'samples', 'eof-incident');
const kubeletLog = path.join(samples, 'kubelet.log');
const dockerdLog = path.join(samples, 'dockerd.log');
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runtime-lens-cli-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
function write(rel: string, content: string | Buffer): string {
  const file = path.join(dir, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  return file;
}

test('diagnose --json on the incident samples: one JSON document with the contract\'s fields', async () => {
  const r = await cli('diagnose', '--json', samples);
  assert.equal(r.code, 0);
  assert.equal(r.err, '');
  const doc = parseOne(r.out);
  assert.deepEqual(Object.keys(doc).sort(), ['causes', 'clock', 'clusters', 'findings', 'fixes', 'fixesFor', 'fleet', 'groups', 'hypotheses', 'notes', 'question', 'ranked', 'verdict']);
  assert.ok(doc.findings.length > 100);
  for (const f of doc.findings) {
    for (const k of ['file', 'line', 'signature', 'time', 'pod', 'container', 'text']) assert.ok(k in f, `finding lacks ${k}`);
    assert.equal(typeof f.file, 'string');
    assert.ok(Number.isInteger(f.line) && f.line >= 1);
    assert.match(f.signature, /^[a-z0-9]+(-[a-z0-9]+)*$/);
    assert.ok(f.time === null || ISO.test(f.time), String(f.time));
    assert.ok(f.pod === null || typeof f.pod === 'string');
    assert.ok(f.container === null || typeof f.container === 'string');
    assert.equal(typeof f.text, 'string');
  }
  const files = new Set(doc.findings.map((f) => path.basename(f.file)));
  assert.deepEqual([...files].sort(), ['dockerd.log', 'kubectl-describe-pod.txt', 'kubelet.log']);
});

test('diagnose --json: kubelet.log line 21 is the incident\'s redacted-pod EOF, with the time of the inferred clock', async () => {
  const doc = parseOne((await cli('diagnose', '--json', samples)).out);
  const f = doc.findings.find((x) => x.file === kubeletLog && x.line === 21)!;
  assert.ok(f, 'no finding at kubelet.log:21');
  assert.equal(f.signature, 'oci-exec-eof');
  assert.equal(f.pod, 'adsfadofadfabdfhaodsfa');
  assert.equal(f.container, 'c0');
  assert.equal(f.namespace, null);
  // The klog line has no year or zone: dockerd's zoned lines give both (UTC+08:00 inferred), and the finding carries the instant.
  assert.equal(f.time, '2021-05-06T19:43:28.310630Z');
  assert.equal(f.text, fs.readFileSync(kubeletLog, 'utf8').split('\n')[20]);
  for (const k of doc.findings.filter((x) => x.file === kubeletLog)) assert.match(k.time!, ISO);
  // Alone, the kubelet log cannot be placed: no time, the node-local one instead.
  const alone = parseOne((await cli('diagnose', '--json', kubeletLog)).out).findings.find((x) => x.line === 21)!;
  assert.equal(alone.time, null);
  assert.equal(alone.localTime, '05-07T03:43:28.310630');
  // The look-alikes in kubelet.log keep their own ids.
  const sigs = new Set(doc.findings.filter((x) => x.file === kubeletLog).map((x) => x.signature));
  assert.deepEqual([...sigs].sort(), ['exec-not-found', 'http-probe-connection-reset', 'http-probe-eof', 'oci-exec-eof']);
});

test('diagnose --json --year 2021 --tz +08:00 resolves the klog times', async () => {
  for (const tz of ['+08:00', 'Asia/Shanghai', '+0800']) {
    const r = await cli('diagnose', '--json', '--year', '2021', '--tz', tz, kubeletLog);
    assert.equal(r.code, 0);
    const doc = parseOne(r.out);
    const f = doc.findings.find((x) => x.line === 21)!;
    assert.equal(f.time, '2021-05-06T19:43:28.310630Z', tz);
    for (const x of doc.findings) assert.match(x.time!, ISO);
  }
});

test('diagnose --json: dockerd.log findings have ISO times from their own lines', async () => {
  const doc = parseOne((await cli('diagnose', '--json', dockerdLog)).out);
  const lines = fs.readFileSync(dockerdLog, 'utf8').split('\n');
  assert.ok(doc.findings.length > 0);
  for (const f of doc.findings) {
    assert.equal(f.file, dockerdLog);
    assert.match(f.time!, ISO);
    assert.equal(f.text, lines[f.line - 1]);
  }
  const first = doc.findings[0]!;
  assert.equal(first.line, 7);
  assert.equal(first.signature, 'closed-fifo');
  assert.equal(first.time, '2021-05-06T19:43:28.256372Z');
  const eof = doc.findings.find((f) => f.signature === 'oci-exec-eof')!;
  assert.equal(eof.line, 9);
  assert.equal(eof.time, '2021-05-06T19:43:28.271982Z');
});

test('diagnose --json: the sample incident is the cpu-manager race, with every contract evidence id', async () => {
  const doc = parseOne((await cli('diagnose', '--json', samples)).out);
  assert.equal(doc.verdict.cause, 'cpu-manager-state-race');
  assert.ok(doc.verdict.confidence >= 0.9 && doc.verdict.confidence <= 1);
  assert.deepEqual(
    doc.verdict.evidence.slice(0, 6).map((e) => [e.id, e.holds]),
    [
      ['eof-errors-present', true],
      ['reconcile-aligned', true],
      ['cpu-manager-static', true],
      ['runc-before-fix', true],
      ['runc-savestate-atomic', null],
      ['fifo-closed-nearby', true],
    ],
  );
  assert.equal(doc.hypotheses[0]!.cause, 'cpu-manager-state-race');
  // Every cause of the catalog is weighed: the contract's ten, the six added from the training threads, and `other`.
  assert.equal(doc.hypotheses.length, CAUSES.causes.length);
  assert.equal(doc.hypotheses.length, 17);
  assert.equal(typeof doc.verdict.summary, 'string');
  const eof = doc.verdict.evidence.find((e) => e.id === 'eof-errors-present')!;
  assert.equal(eof.holds, true);
  assert.ok(eof.detail.length > 0);
  assert.ok(Array.isArray(doc.hypotheses));
  for (const h of doc.hypotheses) assert.ok(h.confidence >= 0 && h.confidence <= 1);
});

test('diagnose --json: the describe sample contributes its aggregated count', async () => {
  const doc = parseOne((await cli('diagnose', '--json', path.join(samples, 'kubectl-describe-pod.txt'))).out);
  assert.deepEqual(
    doc.findings.map((f) => [f.line, f.signature, f.pod, f.namespace, f.count]),
    [[30, 'oci-exec-eof', 'payments-api-6d8f7c9b4-kx2lp', 'shop', 16]],
  );
});

test('diagnose on a directory without errors: verdict none', async () => {
  const clean = path.join(dir, 'clean');
  write('clean/kubelet.log', 'I0507 03:40:01.417531   57003 server.go:417] Version: v1.14.8\n');
  write('clean/dockerd.log', 'time="2021-05-07T03:39:40.005845707+08:00" level=info msg="Docker daemon"\n');
  const r = await cli('diagnose', '--json', clean);
  assert.equal(r.code, 0);
  const doc = parseOne(r.out);
  assert.deepEqual(doc.findings, []);
  assert.equal(doc.verdict.cause, 'none');
  assert.equal(doc.verdict.evidence.find((e) => e.id === 'eof-errors-present')?.holds, false);
  const human = await cli('diagnose', clean);
  assert.equal(human.code, 0);
  assert.match(human.out, /Verdict: none/);
});

test('diagnose on look-alikes only: verdict none, findings still listed', async () => {
  const f = write('lookalike/kubelet.log', 'I0507 05:12:03.481450   57003 prober.go:112] Readiness probe for "web-1_shop(91e0c7aa-ae90-11eb-a151-080027049c65):web" failed (failure): Get http://10.244.3.17:8080/healthz: EOF\n');
  const doc = parseOne((await cli('diagnose', '--json', f)).out);
  assert.deepEqual(
    doc.findings.map((x) => [x.line, x.signature, x.pod, x.container]),
    [[1, 'http-probe-eof', 'web-1', 'web']],
  );
  assert.equal(doc.verdict.cause, 'none');
});

test('diagnose --json on a gzip log gives the plain file\'s findings', async () => {
  const gz = write('gz/kubelet.log.gz', zlib.gzipSync(fs.readFileSync(kubeletLog)));
  const a = parseOne((await cli('diagnose', '--json', kubeletLog)).out);
  const b = parseOne((await cli('diagnose', '--json', gz)).out);
  assert.deepEqual(
    b.findings.map((f) => ({ ...f, file: '' })),
    a.findings.map((f) => ({ ...f, file: '' })),
  );
});

// ------------------------------------------------------------------------------------ exit code 2

async function usageError(argv: string[], pattern: RegExp): Promise<void> {
  const r = await cli(...argv);
  assert.equal(r.code, 2, `exit code for ${argv.join(' ')}`);
  assert.equal(r.out, '', 'nothing on stdout');
  assert.match(r.err, pattern);
  assert.match(r.err, /^runtime-lens diagnose: /);
}

test('exit 2: a missing path, named on stderr', async () => {
  const missing = path.join(dir, 'nope', 'kubelet.log');
  await usageError(['diagnose', '--json', missing], new RegExp(`${missing.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: no such file`));
});

test('exit 2: an explicit binary file, named on stderr', async () => {
  const bin = write('explicit/core.dump', Buffer.concat([Buffer.from('\u007fELF'), Buffer.alloc(256)]));
  await usageError(['diagnose', '--json', bin], new RegExp(`${bin.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: .*binary`));
  await usageError(['diagnose', bin], /binary/);
});

test('exit 2: an explicit corrupt .gz, named on stderr', async () => {
  const whole = zlib.gzipSync(fs.readFileSync(kubeletLog));
  const gz = write('explicit/kubelet.log.gz', whole.subarray(0, whole.length >> 1));
  await usageError(['diagnose', '--json', gz], new RegExp(`${gz.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: corrupt gzip`));
});

test('exit 2: bad --year, bad --tz, unknown flag, no paths, bad --sources', async () => {
  await usageError(['diagnose', '--json', '--year', '21', samples], /--year.*'21'/);
  await usageError(['diagnose', '--json', '--year', 'abcd', samples], /--year/);
  await usageError(['diagnose', '--json', '--year', '1969', samples], /--year.*'1969'/);
  await usageError(['diagnose', '--json', '--tz', 'Mars/Olympus', samples], /--tz.*'Mars\/Olympus'/);
  await usageError(['diagnose', '--json', '--tz', '+25:00', samples], /--tz/);
  await usageError(['diagnose', '--json', '--frobnicate', samples], /--frobnicate/);
  await usageError(['diagnose', '--json'], /at least one log file or directory/);
  await usageError(['diagnose'], /at least one/);
  await usageError(['diagnose', '--json', '--sources', path.join(dir, 'no-such-src'), samples], /--sources .*no-such-src: not a directory/);
});

test('a directory holding a binary file and a corrupt gzip: exit 0, both reported as skipped', async () => {
  const mixed = path.join(dir, 'mixed');
  write('mixed/kubelet.log', fs.readFileSync(kubeletLog));
  const bin = write('mixed/blob.dat', Buffer.concat([Buffer.alloc(16), Buffer.from('OCI runtime exec failed: exec failed: EOF: unknown\n')]));
  const whole = zlib.gzipSync(Buffer.from('x\n'.repeat(100000)));
  const gz = write('mixed/old.log.gz', whole.subarray(0, whole.length - 20));
  const r = await cli('diagnose', '--json', mixed);
  assert.equal(r.code, 0);
  const doc = parseOne(r.out);
  assert.ok(doc.findings.length > 0);
  assert.ok(doc.findings.every((f) => f.file.endsWith('kubelet.log')));
  // The kubelet log alone holds the static policy and the aligned EOFs of two containers.
  assert.equal(doc.verdict.cause, 'cpu-manager-state-race');
  assert.match(r.err, new RegExp(`skipped: ${bin.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: binary`));
  assert.match(r.err, new RegExp(`skipped: ${gz.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: corrupt gzip`));
  const human = await cli('diagnose', mixed);
  assert.equal(human.code, 0);
  assert.match(human.out, /skipped: .*blob\.dat: binary/);
  assert.equal(human.err, '');
});

// --------------------------------------------------------------------------------- human output

test('human output names each signature with its title and counts', async () => {
  const doc = parseOne((await cli('diagnose', '--json', samples)).out);
  const r = await cli('diagnose', samples);
  assert.equal(r.code, 0);
  assert.equal(r.err, '');
  assert.match(r.out, /^Runtime Lens diagnose — 5 file\(s\), \d+ line\(s\) examined$/m);
  // Counts per file and signature, aggregated events counted as what they stand for.
  const counts = new Map<string, number>();
  for (const f of doc.findings) counts.set(`${f.file}\u0000${f.signature}`, (counts.get(`${f.file}\u0000${f.signature}`) ?? 0) + (f.count ?? 1));
  const titles: Record<string, string> = {
    'oci-exec-eof': 'OCI exec EOF',
    'closed-fifo': 'Stream copy: closed fifo',
    'exec-not-found': 'Exec: executable not found',
    'http-probe-eof': 'HTTP probe EOF',
    'http-probe-connection-reset': 'HTTP probe connection reset',
  };
  for (const [key, n] of counts) {
    const signature = key.split('\u0000')[1]!;
    const title = titles[signature]!;
    assert.ok(title, signature);
    assert.ok(r.out.includes(`${n}× ${title} [${signature}]`), `missing "${n}× ${title} [${signature}]"`);
  }
  assert.ok(r.out.includes('16× OCI exec EOF [oci-exec-eof]'));
  assert.match(r.out, /16× shop\/payments-api-6d8f7c9b4-kx2lp/);
  assert.match(r.out, /05-07 03:43:28\.310630 \(node-local\)/);
  assert.match(r.out, /Verdict: cpu-manager-state-race — runc state\.json race with the kubelet cpu-manager \(9\d% probability given the evidence\)/);
});

// --------------------------------------------------------------------------------- notes and nodes

test('diagnose --json: every note — an event list cut short, a file skipped — with file and line; findings carry their node', async () => {
  const events = JSON.parse(fs.readFileSync(path.join(repoRoot, 'test', 'unit', 'fixtures', 'events.json'), 'utf8'));
  const compact = JSON.stringify(events);
  const cut = write('notes/nodes/ip-10-0-1-5.ec2.internal/events.json', compact.slice(0, compact.indexOf('"checkout-web-7b9d8c6f5-2jx4n"')));
  write('notes/nodes/ip-10-0-1-5/kubelet.log', fs.readFileSync(kubeletLog));
  const blob = write('notes/blob.log', Buffer.concat([Buffer.alloc(16), Buffer.from('x\n')]));
  const r = await cli('diagnose', '--json', path.join(dir, 'notes'));
  assert.equal(r.code, 0);
  const doc = JSON.parse(r.out) as DiagnoseJson & { notes: { file: string; line: number | null; note: string }[]; findings: (FindingJson & { node: string | null })[] };
  assert.deepEqual(
    doc.notes.map((n) => [n.file, n.line]),
    [
      [cut, 1],
      [blob, null],
    ],
  );
  assert.match(doc.notes[0]!.note, /^the document is cut short inside event 3 \(it ends at line 1:\d+\); the 2 event\(s\) before it were read/);
  assert.equal(doc.notes[1]!.note, 'skipped: binary file (NUL bytes), not a text log');
  const eventFinding = doc.findings.find((f) => f.file === cut)! as FindingJson & { node: string | null };
  assert.equal(eventFinding.node, 'node-a', "the event's source.host");
  // The kubelet log names no node: its folder does; the FQDN folder and the short one are one node.
  assert.ok(doc.findings.filter((f) => f.file.endsWith('kubelet.log')).every((f) => (f as { node?: string }).node === 'ip-10-0-1-5'));
  const human = await cli('diagnose', path.join(dir, 'notes'));
  assert.match(human.out, /note: line 1: the document is cut short inside event 3/);
  assert.match(human.out, /This verdict rests on input that was not read in full: 2 note\(s\)/);
  assert.match(human.out, /^Nodes: 2 \(ip-10-0-1-5, node-a\)$/m);
  // What was read: the log's lines, and the cut list's events (the two read before the cut).
  const logLines = fs.readFileSync(kubeletLog, 'utf8').split('\n').filter((l, i, all) => i < all.length - 1 || l !== '').length;
  assert.match(human.out, new RegExp(`^Runtime Lens diagnose — 2 file\\(s\\), ${logLines} line\\(s\\) and 2 event\\(s\\) examined$`, 'm'));
});

test('diagnose --json: groups and causes exactly as the contract has them; the incident is one cause over every group', async () => {
  const doc = parseOne((await cli('diagnose', '--json', samples)).out);
  assert.ok(doc.groups.length >= 2, String(doc.groups.length));
  for (const g of doc.groups) {
    assert.deepEqual(Object.keys(g), ['id', 'node', 'container', 'signature', 'count', 'verdict', 'hypotheses']);
    assert.deepEqual(Object.keys(g.verdict), ['cause', 'confidence']);
    assert.ok(g.count > 0);
    assert.equal(g.hypotheses[0]!.cause, g.verdict.cause === 'unknown' ? g.hypotheses[0]!.cause : g.verdict.cause);
  }
  assert.equal(new Set(doc.groups.map((g) => g.id)).size, doc.groups.length, 'group ids are unique');
  assert.deepEqual(doc.causes.map((c) => c.cause), ['cpu-manager-state-race']);
  for (const c of doc.causes) assert.deepEqual(Object.keys(c), ['cause', 'groups', 'count']);
  assert.deepEqual([...doc.causes[0]!.groups].sort(), doc.groups.filter((g) => g.verdict.cause === 'cpu-manager-state-race').map((g) => g.id).sort());
  // The same input gives the same ids.
  const again = parseOne((await cli('diagnose', '--json', samples)).out);
  assert.deepEqual(again.groups.map((g) => g.id), doc.groups.map((g) => g.id));
});

test('diagnose --json on samples/two-nodes: two causes, each for its own node; on samples/outside-catalog: other, naming the innermost error', async () => {
  const two = parseOne((await cli('diagnose', '--json', path.join(repoRoot, 'samples', 'two-nodes'))).out);
  assert.deepEqual(two.causes.map((c) => c.cause).sort(), ['cpu-manager-state-race', 'runc-init-oom']);
  for (const g of two.groups) assert.equal(g.verdict.cause, g.node === 'node-a' ? 'cpu-manager-state-race' : 'runc-init-oom', g.id);
  assert.match(two.verdict.summary, /node-a: runc state\.json race[^;]*; node-b: runc's exec helper OOM-killed/);
  const outside = parseOne((await cli('diagnose', '--json', path.join(repoRoot, 'samples', 'outside-catalog'))).out);
  assert.equal(outside.verdict.cause, 'other');
  assert.match(outside.verdict.summary, /The innermost error: openat2 \/sys\/fs\/cgroup\/kubepods\.slice\/.*\.scope: ENOENT \(no such file or directory\)/);
  assert.match(outside.verdict.summary, /Search upstream for "can't open cgroup" "no such file or directory" in runc's issues/);
});

test('diagnose --json: one event, one finding — the 75 OOM kills and 75 failed execs of oom-case, each with its related lines', async () => {
  const r = await cli('diagnose', '--json', path.join(repoRoot, 'samples', 'oom-case'));
  assert.equal(r.code, 0, r.err);
  const doc = JSON.parse(r.out) as DiagnoseJson;
  const of = (file: string, signature: string) => doc.findings.filter((f) => f.file.endsWith(file) && f.signature === signature);
  assert.equal(of('journalctl-k.log', 'kernel-oom-kill').length, 75);
  assert.ok(of('journalctl-k.log', 'kernel-oom-kill').every((f) => f.related?.length === 1 && f.related[0] === f.line + 2));
  assert.equal(of('kubelet.log', 'runc-init-pipe-reset').length, 75);
  assert.ok(of('kubelet.log', 'runc-init-pipe-reset').every((f) => f.related?.[0] === f.line + 1));
  assert.equal(doc.verdict.cause, 'runc-init-oom');
});
