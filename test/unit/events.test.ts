import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import * as zlib from 'node:zlib';
import { type EventEntry, eventListReader, looksLikeEventDocument, parseEventDocument } from '../../src/core/logs/events';
import { builtInSignatures } from '../../src/core/signatures/catalog';
import { Matcher } from '../../src/core/signatures/matcher';
import { type Recognition, recogniseFile, recogniseText } from '../../src/core/signatures/recognise';
import { repoRoot } from '../harness/paths';

const matcher = new Matcher(builtInSignatures());
const fixtures = path.join(repoRoot, 'test', 'unit', 'fixtures');
const JSON_DOC = fs.readFileSync(path.join(fixtures, 'events.json'), 'utf8');
const YAML_DOC = fs.readFileSync(path.join(fixtures, 'events.yaml'), 'utf8');
/** Events in the fixture lists (both formats hold the same). */
const EVENT_ITEMS = (JSON.parse(JSON_DOC) as { items: unknown[] }).items.length;
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
    // Every event of the list counted, matching a signature or not.
    assert.equal(r.events, EVENT_ITEMS);
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
  assert.equal(f.record.count, 16);
  assert.equal(f.record.component, 'kubelet');
  assert.equal(f.time, null);
  assert.equal(f.text.slice(f.match.start, f.match.end), 'OCI runtime exec failed: exec failed: EOF');
  assert.equal(r.lines, 30);
});

test('kubectl describe of two pods: each event row gets its own pod', () => {
  const second = DESCRIBE.replace('Name:         payments-api-6d8f7c9b4-kx2lp', 'Name:         payments-api-6d8f7c9b4-q8v7d')
    .replace('Namespace:    shop', 'Namespace:    shop-canary')
    .replace('(x16 over 6h)', '(x9 over 1h)');
  const text = `${DESCRIBE}\n\n${second}`;
  const r = recogniseText('describe.txt', text, { matcher });
  assert.deepEqual(
    r.findings.map((f) => [f.line, f.record.namespace, f.record.pod, f.record.count]),
    [
      [30, 'shop', 'payments-api-6d8f7c9b4-kx2lp', 16],
      [62, 'shop-canary', 'payments-api-6d8f7c9b4-q8v7d', 9],
    ],
  );
});

test('recogniseFile on the describe sample agrees with recogniseText', async () => {
  const r = await recogniseFile(path.join(repoRoot, 'samples', 'eof-incident', 'kubectl-describe-pod.txt'), { matcher });
  // Describe output is read line by line, as a log: its size is its lines.
  assert.equal(r.events, undefined);
  assert.deepEqual(
    r.findings.map((f) => [f.line, f.signature, f.record.pod, f.record.namespace, f.record.count]),
    [[30, 'oci-exec-eof', 'payments-api-6d8f7c9b4-kx2lp', 'shop', 16]],
  );
});

// ---------------------------------------------------------------------------- streamed event lists

/** Feeds a document to a reader in pieces of `size` bytes: every piece boundary must be harmless. */
function readInPieces(source: string, format: 'kubectl-events-json' | 'kubectl-events-yaml', size: number) {
  const entries: EventEntry[] = [];
  const notes: { line: number | null; note: string }[] = [];
  const reader = eventListReader(format, { event: (e) => entries.push(e), note: (line, note) => notes.push({ line, note }), unparsed: () => assert.fail('nothing unparsed') });
  const bytes = Buffer.from(source, 'utf8');
  for (let at = 0; at < bytes.length; at += size) reader.push(bytes.subarray(at, at + size));
  reader.end();
  return { entries, notes };
}

const COMPACT = JSON.stringify(JSON.parse(JSON_DOC));
const ESCAPED_HTTP = 'Readiness probe failed: Get "http://10.244.3.17:8080/healthz": EOF';

test('a compact list (one line): every event read, on line 1, with its count, pod, node', () => {
  const r = recogniseText('events.json', COMPACT, { matcher });
  assert.deepEqual(r.notes, []);
  assert.equal(r.lines, 1);
  assert.deepEqual(
    r.findings.map((f) => [f.line, f.signature, f.record.count, f.record.pod, f.record.node]),
    [
      [1, 'oci-exec-eof', 31, 'payments-api-6d8f7c9b4-kx2lp', 'node-a'],
      [1, 'http-probe-eof', 4, 'checkout-web-7b9d8c6f5-2jx4n', 'node-a'],
    ],
  );
  // The text is the event's message member as written, not the first 4 KB of a line holding every
  // event, nor the rest of the item (its metadata differs in every event).
  const eof = r.findings[0]!;
  assert.equal(eof.text, `"message":"${EOF_MESSAGE}"`);
  assert.equal(eof.text.slice(eof.match.start, eof.match.end), 'OCI runtime exec failed: exec failed: EOF');
  // In the line (the editor's Problems entries), the span is at textColumn + match.
  for (const f of r.findings) {
    assert.equal(COMPACT.slice(f.textColumn, f.textColumn + f.text.length), f.text);
    assert.ok(f.textColumn > 0);
  }
  assert.equal(COMPACT.slice(eof.textColumn + eof.match.start, eof.textColumn + eof.match.end), 'OCI runtime exec failed: exec failed: EOF');
});

test('a compact list: events with the same message share one text and one span; escaped quotes end the member', () => {
  const item = (i: number, message: string) => ({
    // Before the message, characters of 2, 3 and 4 bytes (the last two UTF-16 units): the columns of
    // later events are UTF-16 columns, not byte offsets.
    annotation: 'Ünïcode ✓ 𝄞',
    count: i + 1,
    involvedObject: { fieldPath: 'spec.containers{web}', kind: 'Pod', name: `web-${i % 3}`, namespace: 'shop' },
    lastTimestamp: `2021-05-07T03:00:0${i}Z`,
    message,
    metadata: { name: `web.${i}`, uid: `uid-${i}`, resourceVersion: String(1000 + i) },
    source: { component: 'kubelet', host: 'node-a' },
    type: 'Warning',
  });
  const doc = JSON.stringify({ apiVersion: 'v1', items: [0, 1, 2, 3].map((i) => item(i, ESCAPED_HTTP)), kind: 'List' });
  const r = recogniseText('events.json', doc, { matcher });
  assert.deepEqual(r.notes, []);
  assert.equal(r.findings.length, 4);
  const [a, ...rest] = r.findings;
  assert.equal(a!.text, `"message":${JSON.stringify(ESCAPED_HTTP)}`);
  for (const f of rest) {
    assert.equal(f.text, a!.text);
    assert.equal(f.match, a!.match, 'one span object for one message');
    assert.deepEqual([f.record.count, f.record.pod], [r.findings.indexOf(f) + 1, `web-${r.findings.indexOf(f) % 3}`]);
  }
  assert.ok(Object.isFrozen(a!.match), 'a shared span cannot be changed through one finding');
  for (const f of r.findings) {
    assert.equal(doc.slice(f.textColumn, f.textColumn + f.text.length), f.text);
    assert.equal(doc.slice(f.textColumn + f.match.start, f.textColumn + f.match.end), 'Get \\"http://10.244.3.17:8080/healthz\\": EOF');
  }
  // In pieces of any size (a character's bytes split between them), the same columns.
  for (const size of [1, 2, 3, 5, 64]) {
    assert.deepEqual(readInPieces(doc, 'kubectl-events-json', size).entries.map((e) => e.column), r.findings.map((f) => f.textColumn), `pieces of ${size}`);
  }
  // Read from disk in pieces, the same columns.
  const file = path.join(dir, 'compact-unicode.json');
  fs.writeFileSync(file, doc);
  return recogniseFile(file, { matcher }).then((d) => assert.deepEqual(d.findings.map((f) => f.textColumn), r.findings.map((f) => f.textColumn)));
  assert.equal(a!.text.slice(a!.match.start, a!.match.end), 'Get \\"http://10.244.3.17:8080/healthz\\": EOF');
});

test('pieces of any size give the same events: compact, indented, YAML', () => {
  for (const [source, format] of [
    [COMPACT, 'kubectl-events-json'],
    [JSON_DOC, 'kubectl-events-json'],
    [YAML_DOC, 'kubectl-events-yaml'],
  ] as const) {
    const whole = parseEventDocument(source, format);
    assert.equal(whole.entries.length, 3);
    for (const size of [1, 2, 3, 7, 64, 1000]) {
      const pieces = readInPieces(source, format, size);
      assert.deepEqual(pieces.notes, [], `${format} in pieces of ${size}`);
      assert.deepEqual(pieces.entries, whole.entries, `${format} in pieces of ${size}`);
    }
  }
});

test('escaped quotes: `Get \\"http://…\\": EOF` in JSON is the HTTP probe EOF, matched unescaped', () => {
  const doc = JSON.stringify({ apiVersion: 'v1', items: [{ involvedObject: { kind: 'Pod', name: 'web-1', namespace: 'shop' }, message: ESCAPED_HTTP, count: 2, type: 'Warning' }], kind: 'List' }, null, 4);
  const r = recogniseText('events.json', doc, { matcher });
  assert.deepEqual(r.notes, []);
  assert.equal(r.findings.length, 1);
  const f = r.findings[0]!;
  assert.equal(f.signature, 'http-probe-eof');
  assert.equal(f.record.message, ESCAPED_HTTP);
  assert.equal(f.line, lineOf(doc, '"message"'));
  assert.equal(f.text.slice(f.match.start, f.match.end), 'Get \\"http://10.244.3.17:8080/healthz\\": EOF');
});

test('events.k8s.io style events: series count and last observed time, reportingInstance as the node', () => {
  const doc = JSON.stringify({
    apiVersion: 'v1',
    items: [
      {
        eventTime: '2021-05-07T03:40:00.000000Z',
        involvedObject: { kind: 'Pod', name: 'web-1', namespace: 'shop', fieldPath: 'spec.containers{web}' },
        message: EOF_MESSAGE,
        reportingComponent: 'kubelet',
        reportingInstance: 'ip-10-0-1-5',
        series: { count: 17, lastObservedTime: '2021-05-07T03:43:28.310630Z' },
        type: 'Warning',
      },
    ],
    kind: 'List',
  });
  const [e] = parseEventDocument(doc, 'kubectl-events-json').entries;
  assert.equal(e!.record.count, 17);
  assert.deepEqual(e!.record.time, { year: 2021, month: 5, day: 7, hour: 3, minute: 43, second: 28, micros: 310630, offsetMinutes: 0 });
  assert.equal(e!.record.firstTime?.minute, 40);
  assert.equal(e!.record.node, 'ip-10-0-1-5');
  assert.equal(e!.record.component, 'kubelet');
  assert.equal(e!.record.container, 'web');
});

test('items: [] (JSON and YAML): no events and no notes', () => {
  for (const [source, format] of [
    ['{\n    "apiVersion": "v1",\n    "items": [],\n    "kind": "List",\n    "metadata": {\n        "resourceVersion": ""\n    }\n}\n', 'kubectl-events-json'],
    ['apiVersion: v1\nitems: []\nkind: List\nmetadata:\n  resourceVersion: ""\n', 'kubectl-events-yaml'],
  ] as const) {
    const r = parseEventDocument(source, format);
    assert.deepEqual(r, { entries: [], notes: [], unparsed: [] }, format);
  }
});

test('a broken event: a note with the parser\'s reason and line:column; the events around it are read', () => {
  // The second event loses a comma: `"count": 1 "eventTime"`.
  const broken = JSON_DOC.replace('"count": 1,\n            "eventTime": null,\n            "firstTimestamp": "2021-05-06T19:41:02Z"', '"count": 1\n            "eventTime": null,\n            "firstTimestamp": "2021-05-06T19:41:02Z"');
  assert.notEqual(broken, JSON_DOC);
  const at = lineOf(broken, '"count": 1') + 1;
  const r = recogniseText('events.json', broken, { matcher });
  assert.equal(r.notes.length, 1);
  assert.equal(r.notes[0]!.line, lineOf(broken, '"count": 1') - 2);
  assert.match(r.notes[0]!.note, new RegExp(`^event 2 does not parse \\(.+ at line ${at}:13\\); its lines were scanned as text$`));
  assert.deepEqual(
    r.findings.map((f) => [f.line, f.signature, f.record.count]),
    [
      [20, 'oci-exec-eof', 31],
      [74, 'http-probe-eof', 4],
    ],
  );
});

test('a structural error: where it is, and the events before it are kept', () => {
  const broken = JSON_DOC.replace('            "type": "Normal"\n        },', '            "type": "Normal"\n        ]],');
  const r = recogniseText('events.json', broken, { matcher });
  assert.equal(r.notes.length, 1);
  const line = lineOf(broken, ']],');
  assert.equal(r.notes[0]!.note, `does not parse as kubectl -o json: unexpected ']' at line ${line}:9; the 1 event(s) before it were read`);
  assert.deepEqual(
    r.findings.map((f) => [f.line, f.signature]),
    [[20, 'oci-exec-eof']],
  );
});

test('a compact list cut short mid-event (a download that stopped): the events before are kept, a note says where', async () => {
  const cutAt = COMPACT.indexOf('"checkout-web-7b9d8c6f5-2jx4n"');
  const cut = COMPACT.slice(0, cutAt);
  const file = path.join(dir, 'cut.json.gz');
  fs.writeFileSync(file, zlib.gzipSync(Buffer.from(cut)));
  const r = await recogniseFile(file, { matcher });
  assert.deepEqual(
    r.findings.map((f) => [f.line, f.signature, f.record.count]),
    [[1, 'oci-exec-eof', 31]],
  );
  assert.equal(r.notes.length, 1);
  assert.equal(r.notes[0]!.file, file);
  assert.equal(r.notes[0]!.note, `the document is cut short inside event 3 (it ends at line 1:${Buffer.byteLength(cut) + 1}); the 2 event(s) before it were read, the rest of that event was scanned as text`);
  // Only the events read count: the one cut short was scanned as text.
  assert.equal(r.events, 2);
});

test('YAML with indented items (`items:` then `  - `) reads the same events', () => {
  const indented = YAML_DOC.replace(/^items:\n([\s\S]*?)^kind: List/m, (_, body: string) => `items:\n${body.replace(/^(?=.)/gm, '  ')}kind: List`);
  assert.notEqual(indented, YAML_DOC);
  const r = parseEventDocument(indented, 'kubectl-events-yaml');
  assert.deepEqual(r.notes, []);
  assert.deepEqual(
    r.entries.map((e) => [e.line, e.record.count, e.record.pod]),
    parseEventDocument(YAML_DOC, 'kubectl-events-yaml').entries.map((e) => [e.line, e.record.count, e.record.pod]),
  );
});

test('recogniseFile on a large compact list streams it (no whole-document limit) and finds every event', async () => {
  // ~70 MB: beyond the old 64 MB whole-document limit, where only the first MB of the line was examined.
  const item = JSON.parse(JSON_DOC).items[0];
  const file = path.join(dir, 'large-events.json');
  const out = fs.openSync(file, 'w');
  fs.writeSync(out, '{"apiVersion":"v1","items":[');
  const n = 12_000;
  const piece = Array.from({ length: 1000 }, (_, k) => JSON.stringify({ ...item, count: 1 + (k % 3), annotations: 'x'.repeat(5800) })).join(',');
  for (let i = 0; i < n / 1000; i++) fs.writeSync(out, (i ? ',' : '') + piece);
  fs.writeSync(out, '],"kind":"List","metadata":{"resourceVersion":""}}');
  fs.closeSync(out);
  assert.ok(fs.statSync(file).size > 64 * 1024 * 1024);
  const r = await recogniseFile(file, { matcher });
  assert.deepEqual(r.notes, []);
  assert.equal(r.findings.length, n);
  // Counts 1, 2, 3, 1, 2, 3… within each thousand (334 ones, 333 twos, 333 threes).
  assert.equal(r.findings.reduce((s, f) => s + f.record.count, 0), (n / 1000) * (334 * 1 + 333 * 2 + 333 * 3));
  fs.rmSync(file);
});

test('kubectl get events -w -o json: one Event document after another, each at its own lines', () => {
  const [first, second] = JSON.parse(JSON_DOC).items as Record<string, unknown>[];
  const stream = `${JSON.stringify({ ...first, kind: 'Event' }, null, 4)}\n${JSON.stringify({ ...second, kind: 'Event', message: ESCAPED_HTTP }, null, 4)}\n`;
  assert.equal(looksLikeEventDocument(stream.slice(0, 4096)), 'kubectl-events-json');
  const r = recogniseText('events-watch.json', stream, { matcher });
  assert.deepEqual(r.notes, []);
  assert.deepEqual(
    r.findings.map((f) => [f.line, f.signature, f.record.count]),
    [
      [lineOf(stream, EOF_MESSAGE), 'oci-exec-eof', 31],
      [lineOf(stream, 'Get \\"http'), 'http-probe-eof', 1],
    ],
  );
  for (const f of r.findings) assert.ok(f.text.trimStart().startsWith('"message": '), f.text);
  const compact = `${JSON.stringify({ ...first, kind: 'Event' })}${JSON.stringify({ ...second, kind: 'Event', message: ESCAPED_HTTP })}`;
  assert.deepEqual(
    recogniseText('events-watch.json', compact, { matcher }).findings.map((f) => [f.line, f.signature]),
    [
      [1, 'oci-exec-eof'],
      [1, 'http-probe-eof'],
    ],
  );
});
