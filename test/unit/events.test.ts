import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import * as zlib from 'node:zlib';
import { looksLikeEventDocument, parseEventDocument } from '../../src/core/logs/events';
import { builtInSignatures } from '../../src/core/signatures/catalog';
import { Matcher } from '../../src/core/signatures/matcher';
import { type Recognition, recogniseFile, recogniseText } from '../../src/core/signatures/recognise';
import { repoRoot } from '../harness/paths';

const matcher = new Matcher(builtInSignatures());
const fixtures = path.join(repoRoot, 'test', 'unit', 'fixtures');
const JSON_DOC = fs.readFileSync(path.join(fixtures, 'events.json'), 'utf8');
const YAML_DOC = fs.readFileSync(path.join(fixtures, 'events.yaml'), 'utf8');
const EOF_MESSAGE = 'Readiness probe failed: OCI runtime exec failed: exec failed: EOF: unknown';
const HTTP_MESSAGE = 'Readiness probe failed: Get http://10.244.3.17:8080/healthz: EOF';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runtime-lens-events-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The 1-based line of the first line containing `needle`, computed the obvious way. */
function lineOf(text: string, needle: string): number {
  return text.split('\n').findIndex((l) => l.includes(needle)) + 1;
}

function checkEventFindings(r: Recognition, text: string, format: 'kubectl-events-json' | 'kubectl-events-yaml', lines: [number, number]): void {
  assert.deepEqual(r.notes, []);
  assert.deepEqual(
    r.findings.map((f) => [f.line, f.signature]),
    [
      [lines[0], 'oci-exec-eof'],
      [lines[1], 'http-probe-eof'],
    ],
  );
  assert.equal(lines[0], lineOf(text, EOF_MESSAGE));
  assert.equal(lines[1], lineOf(text, HTTP_MESSAGE));
  const [eof, http] = r.findings as [Recognition['findings'][0], Recognition['findings'][0]];
  assert.equal(eof.record.format, format);
  assert.equal(eof.record.pod, 'payments-api-6d8f7c9b4-kx2lp');
  assert.equal(eof.record.namespace, 'shop');
  assert.equal(eof.record.container, 'api');
  assert.equal(eof.record.count, 31);
  assert.equal(eof.record.severity, 'warning');
  assert.equal(eof.record.component, 'kubelet');
  assert.equal(eof.record.message, EOF_MESSAGE);
  assert.equal(eof.time?.iso, '2021-05-06T19:43:28.000000Z');
  assert.equal(eof.text, text.split('\n')[lines[0] - 1]);
  assert.equal(eof.text.slice(eof.match.start, eof.match.end), 'OCI runtime exec failed: exec failed: EOF');
  assert.equal(http.record.pod, 'checkout-web-7b9d8c6f5-2jx4n');
  assert.equal(http.record.container, 'web');
  assert.equal(http.record.count, 4);
  assert.equal(http.time?.iso, '2021-05-06T21:12:03.000000Z');
  assert.equal(http.text.slice(http.match.start, http.match.end), 'Get http://10.244.3.17:8080/healthz: EOF');
  assert.equal(r.lines, text.split('\n').length - 1);
}

test('looksLikeEventDocument recognises kubectl -o json / -o yaml event lists, not logs', () => {
  assert.equal(looksLikeEventDocument(JSON_DOC.slice(0, 4096)), 'kubectl-events-json');
  assert.equal(looksLikeEventDocument(YAML_DOC.slice(0, 4096)), 'kubectl-events-yaml');
  assert.equal(looksLikeEventDocument('I0507 03:43:28.310630   57003 prober.go:112] hi\n'), null);
  assert.equal(looksLikeEventDocument('{"level":"error","msg":"x"}\n{"level":"info","msg":"y"}\n'), null);
  assert.equal(looksLikeEventDocument('apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncpuManagerPolicy: static\n'), null);
  assert.equal(looksLikeEventDocument(''), null);
});

test('parseEventDocument (JSON): one record per event at the line of its message', () => {
  const { entries, notes } = parseEventDocument(JSON_DOC, 'kubectl-events-json');
  assert.deepEqual(notes, []);
  assert.equal(entries.length, 3);
  assert.deepEqual(
    entries.map((e) => e.line),
    [20, 51, 74],
  );
  const first = entries[0]!.record;
  assert.deepEqual(first, {
    format: 'kubectl-events-json',
    payloadFormat: 'kubectl-events-json',
    time: { year: 2021, month: 5, day: 6, hour: 19, minute: 43, second: 28, micros: 0, offsetMinutes: 0 },
    severity: 'warning',
    component: 'kubelet',
    pod: 'payments-api-6d8f7c9b4-kx2lp',
    namespace: 'shop',
    container: 'api',
    count: 31,
    message: EOF_MESSAGE,
    firstTime: { year: 2021, month: 5, day: 6, hour: 19, minute: 34, second: 28, micros: 0, offsetMinutes: 0 },
    node: 'node-a',
  });
  const scheduled = entries[1]!.record;
  assert.equal(scheduled.severity, 'info');
  assert.equal(scheduled.component, 'default-scheduler');
  assert.equal(scheduled.container, null);
  assert.equal(scheduled.count, 1);
});

test('parseEventDocument (YAML): the same records', () => {
  const { entries } = parseEventDocument(YAML_DOC, 'kubectl-events-yaml');
  assert.deepEqual(
    entries.map((e) => e.line),
    [17, 43, 61],
  );
  const json = parseEventDocument(JSON_DOC, 'kubectl-events-json').entries;
  entries.forEach((e, i) => assert.deepEqual({ ...e.record, format: 'x', payloadFormat: 'x' }, { ...json[i]!.record, format: 'x', payloadFormat: 'x' }));
});

test('parseEventDocument: cut short → a note; a single Event; series count; non-pod objects', () => {
  const cut = parseEventDocument('{"kind": "EventList", "items": [ {"message": "x"', 'kubectl-events-json');
  assert.deepEqual(cut.entries, []);
  assert.equal(cut.notes.length, 1);
  assert.match(cut.notes[0]!.note, /cut short inside event 1 \(it ends at line 1:49\)/);
  const single = parseEventDocument(
    JSON.stringify({ kind: 'Event', involvedObject: { kind: 'Pod', name: 'web-1', namespace: 'prod', fieldPath: 'spec.initContainers{init}' }, message: 'm', type: 'Warning', series: { count: 7 }, reportingComponent: 'kubelet', eventTime: '2021-05-06T19:43:28.123456Z' }),
    'kubectl-events-json',
  ).entries;
  assert.equal(single.length, 1);
  assert.equal(single[0]!.line, 1);
  assert.equal(single[0]!.record.container, 'init');
  assert.equal(single[0]!.record.count, 7);
  assert.equal(single[0]!.record.component, 'kubelet');
  assert.equal(single[0]!.record.time?.micros, 123456);
  const node = parseEventDocument(JSON.stringify({ kind: 'EventList', items: [{ involvedObject: { kind: 'Node', name: 'node-a' }, message: 'NodeNotReady', count: 0 }] }), 'kubectl-events-json').entries;
  assert.equal(node[0]!.record.pod, null);
  assert.equal(node[0]!.record.count, 1);
  assert.equal(node[0]!.record.component, 'unknown');
});

test('recogniseText on kubectl get events -o json', () => {
  checkEventFindings(recogniseText('events.json', JSON_DOC, { matcher }), JSON_DOC, 'kubectl-events-json', [20, 74]);
});

test('recogniseText on kubectl get events -o yaml', () => {
  checkEventFindings(recogniseText('events.yaml', YAML_DOC, { matcher }), YAML_DOC, 'kubectl-events-yaml', [17, 61]);
});

test('recogniseFile on kubectl get events -o json and -o yaml, plain and gzip', async () => {
  for (const [name, text, format, lines] of [
    ['events.json', JSON_DOC, 'kubectl-events-json', [20, 74]],
    ['events.yaml', YAML_DOC, 'kubectl-events-yaml', [17, 61]],
  ] as const) {
    const plain = path.join(dir, name);
    fs.writeFileSync(plain, text);
    const r = await recogniseFile(plain, { matcher });
    checkEventFindings(r, text, format, [lines[0], lines[1]]);
    const gz = path.join(dir, `${name}.gz`);
    fs.writeFileSync(gz, zlib.gzipSync(Buffer.from(text)));
    checkEventFindings(await recogniseFile(gz, { matcher }), text, format, [lines[0], lines[1]]);
  }
});

test('a CRLF event document gives the same lines and no \\r in the text', async () => {
  const crlf = YAML_DOC.replace(/\n/g, '\r\n');
  const r = recogniseText('events.yaml', crlf, { matcher });
  assert.deepEqual(
    r.findings.map((f) => [f.line, f.signature, f.record.pod, f.record.count]),
    [
      [17, 'oci-exec-eof', 'payments-api-6d8f7c9b4-kx2lp', 31],
      [61, 'http-probe-eof', 'checkout-web-7b9d8c6f5-2jx4n', 4],
    ],
  );
  for (const f of r.findings) assert.ok(!f.text.includes('\r'));
});

test('a folded YAML message (kubectl wraps long strings) still gives a finding at the message line', () => {
  const folded = YAML_DOC.replace(`  message: '${EOF_MESSAGE}'`, "  message: 'Readiness probe failed: OCI runtime exec failed: exec failed:\n    EOF: unknown'");
  const r = recogniseText('events.yaml', folded, { matcher });
  const f = r.findings[0]!;
  assert.equal(f.line, 17);
  assert.equal(f.signature, 'oci-exec-eof');
  assert.equal(f.record.message, EOF_MESSAGE);
  assert.equal(f.record.count, 31);
  assert.ok(f.match.start >= 0 && f.match.end <= f.text.length && f.match.start < f.match.end);
  assert.equal(r.findings[1]!.line, 62);
});

test('a JSON event document cut short inside an event: a note says where, the event is scanned as text', async () => {
  const broken = JSON_DOC.slice(0, JSON_DOC.indexOf('"metadata": {\n                "creationTimestamp"'));
  const expectLine = lineOf(broken, EOF_MESSAGE);
  assert.equal(expectLine, 20);
  const t = recogniseText('events.json', broken, { matcher });
  assert.deepEqual(
    t.notes.map((n) => [n.file, n.line]),
    [['events.json', 4]],
  );
  assert.match(t.notes[0]!.note, /^the document is cut short inside event 1 \(it ends at line 21:13\); the 0 event\(s\) before it were read/);
  assert.deepEqual(
    t.findings.map((f) => [f.line, f.signature]),
    [[20, 'oci-exec-eof']],
  );
  assert.equal(t.findings[0]!.text, `            "message": "${EOF_MESSAGE}",`);
  const file = path.join(dir, 'broken-events.json');
  fs.writeFileSync(file, broken);
  const r = await recogniseFile(file, { matcher });
  assert.deepEqual(
    r.notes.map((n) => [n.line, n.note]),
    t.notes.map((n) => [n.line, n.note]),
  );
  assert.deepEqual(
    r.findings.map((f) => [f.line, f.signature, f.text]),
    t.findings.map((f) => [f.line, f.signature, f.text]),
  );
});

test('a YAML event that does not parse: a note with the reason and position, its lines scanned as text, the others read', () => {
  const broken = YAML_DOC.replace('  reason: Unhealthy\n', '  reason: [Unhealthy\n');
  const r = recogniseText('events.yaml', broken, { matcher });
  assert.equal(r.notes.length, 1);
  assert.match(r.notes[0]!.note, /^event 1 does not parse as YAML \(.+ at line \d+:\d+\); its lines were scanned as text$/);
  assert.equal(r.findings[1]!.record.count, 4, 'the second event is read as an event');
  assert.deepEqual(
    r.findings.map((f) => [f.line, f.signature]),
    [
      [17, 'oci-exec-eof'],
      [61, 'http-probe-eof'],
    ],
  );
});

// ---------------------------------------------------------------------------- kubectl describe pod

const DESCRIBE = fs.readFileSync(path.join(repoRoot, 'samples', 'eof-incident', 'kubectl-describe-pod.txt'), 'utf8');

test('recogniseText on kubectl describe pod: the event row gets the header\'s pod and namespace, and its count', () => {
  const r = recogniseText('kubectl-describe-pod.txt', DESCRIBE, { matcher });
  assert.equal(r.findings.length, 1);
  const f = r.findings[0]!;
  assert.equal(f.signature, 'oci-exec-eof');
  assert.equal(f.line, lineOf(DESCRIBE, 'Readiness probe failed: OCI runtime exec failed'));
  assert.equal(f.line, 30);
  assert.equal(f.record.format, 'kubectl-describe');
  assert.equal(f.record.pod, 'payments-api-6d8f7c9b4-kx2lp');
  assert.equal(f.record.namespace, 'shop');
  assert.equal(f.record.count, 22);
  assert.equal(f.record.component, 'kubelet');
  assert.equal(f.time, null);
  assert.equal(f.text.slice(f.match.start, f.match.end), 'OCI runtime exec failed: exec failed: EOF');
  assert.equal(r.lines, 30);
});

test('kubectl describe of two pods: each event row gets its own pod', () => {
  const second = DESCRIBE.replace('Name:         payments-api-6d8f7c9b4-kx2lp', 'Name:         payments-api-6d8f7c9b4-q8v7d')
    .replace('Namespace:    shop', 'Namespace:    shop-canary')
    .replace('(x22 over 6h)', '(x9 over 1h)');
  const text = `${DESCRIBE}\n\n${second}`;
  const r = recogniseText('describe.txt', text, { matcher });
  assert.deepEqual(
    r.findings.map((f) => [f.line, f.record.namespace, f.record.pod, f.record.count]),
    [
      [30, 'shop', 'payments-api-6d8f7c9b4-kx2lp', 22],
      [62, 'shop-canary', 'payments-api-6d8f7c9b4-q8v7d', 9],
    ],
  );
});

test('recogniseFile on the describe sample agrees with recogniseText', async () => {
  const r = await recogniseFile(path.join(repoRoot, 'samples', 'eof-incident', 'kubectl-describe-pod.txt'), { matcher });
  assert.deepEqual(
    r.findings.map((f) => [f.line, f.signature, f.record.pod, f.record.namespace, f.record.count]),
    [[30, 'oci-exec-eof', 'payments-api-6d8f7c9b4-kx2lp', 'shop', 22]],
  );
});
