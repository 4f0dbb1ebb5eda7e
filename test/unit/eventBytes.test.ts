import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hashBytes } from '../../src/core/logs/byteTable';
import { EventBytes, INVOLVED, SLOT, STRING } from '../../src/core/logs/eventBytes';
import { type EventEntry, FIRST_SIGHT, eventListReader, eventRecord, eventRecordAt, parseEventDocument, sharedValues } from '../../src/core/logs/events';
import { builtInSignatures } from '../../src/core/signatures/catalog';
import { Matcher } from '../../src/core/signatures/matcher';
import { recogniseText } from '../../src/core/signatures/recognise';
import { pushInPieces } from '../harness/pieces';

// The byte reader of events (eventBytes.ts) against JSON.parse: where it answers, its answer must be
// eventRecord(JSON.parse(text)); where it cannot tell (a syntax error, an event cut by a chunk), it
// must say so (-1) and leave the event to the general path.

const EOF = 'Readiness probe failed: OCI runtime exec failed: exec failed: EOF: unknown';

/** Events of varied shapes: what a reader may meet in real lists. */
const EVENTS: unknown[] = [
  // core/v1, kubectl's key order
  { apiVersion: 'v1', count: 3, firstTimestamp: '2021-05-07T03:43:00Z', involvedObject: { apiVersion: 'v1', fieldPath: 'spec.containers{api}', kind: 'Pod', name: 'payments-7d9', namespace: 'shop', resourceVersion: '1', uid: 'u-1' }, kind: 'Event', lastTimestamp: '2021-05-07T03:43:28Z', message: EOF, metadata: { creationTimestamp: '2021-05-07T03:43:00Z', managedFields: [{ fieldsV1: { 'f:count': {}, 'f:message': {} }, manager: 'kubelet', operation: 'Update' }], name: 'payments-7d9.16f', namespace: 'shop', resourceVersion: '42', uid: 'x' }, reason: 'Unhealthy', source: { component: 'kubelet', host: 'ip-10-0-0-2.ec2.internal' }, type: 'Warning' },
  // keys in another order, message first; nested arrays and objects in members no one reads
  { message: `Readiness probe failed: Get "http://10.0.0.1:8080/healthz": EOF`, related: null, extra: [1, -2.5e3, true, false, null, [[{}]], { a: { b: [] } }], type: 'Warning', involvedObject: { name: 'web-0', kind: 'Pod', namespace: 'default' }, lastTimestamp: '2021-05-07T03:43:29Z', count: '4' },
  // events.k8s.io: regarding, series, reportingInstance, eventTime with micros
  { regarding: { kind: 'Pod', name: 'db-1', namespace: 'data', fieldPath: 'spec.initContainers{init}' }, note: 'x', message: 'Liveness probe failed: command timed out', eventTime: '2021-05-07T03:43:30.123456Z', series: { count: 7, lastObservedTime: '2021-05-07T03:44:00.000001Z' }, reportingController: 'kubelet', reportingInstance: 'node-b', type: 'Warning' },
  // escapes of every kind, unicode escapes and raw non-ASCII (a surrogate pair too), in the message and in names
  { message: 'exec failed: \\"quoted\\" tab\there nl\nthere é 中文 😀 \u0001 / \\/ \u2028', involvedObject: { kind: 'Pod', name: 'pod-é', namespace: 'ns-中' }, source: { host: 'node-😀', component: 'kubelet' }, count: 1e2, lastTimestamp: '2021-05-07T03:43:31Z' },
  // involvedObject not an object (falls to regarding), source an array, count negative, message a number
  { involvedObject: 'not an object', regarding: { kind: 'Node', name: 'n1' }, source: ['a'], count: -3, message: 42, firstTimestamp: '2021-05-07T03:43:32Z' },
  // an empty message: no record
  { message: '', involvedObject: { kind: 'Pod', name: 'p' } },
  // no message at all
  { involvedObject: { kind: 'Pod', name: 'p' }, count: 2 },
  // series given as a string; count zero; type not Warning; numbers with fractions and exponents
  { message: 'Back-off restarting failed container', series: 'x', count: 0, type: 'Normal', eventTime: null, lastTimestamp: '2021-05-07T03:43:33Z', deprecatedCount: 1.5e-7, x: -0 },
];

/** A raw event text JSON.parse accepts but JSON.stringify never writes: duplicate keys, escaped key names, odd blanks. */
const ODD_EVENTS = [
  '{"count":1,\n"message":"OCI runtime exec failed: exec failed: EOF: after one newline"}',
  '{"message":"first","message":"Readiness probe failed: OCI runtime exec failed: exec failed: EOF: unknown","count":1,"count":"5"}',
  '{"mess\\u0061ge":"OCI runtime exec failed: exec failed: unexpected EOF","involvedObject":{"kind":"Pod","name":"a"},"involvedObject":{"kind":"Pod","name":"b"}}',
  '{ "source" : { "host" : "h1" } , "source" : "gone" , "message" : "m" , "type" : "Warning" }',
  '{\r\n\t"message": "crlf",\r\n\t"count": 2\r\n}',
  '{"involvedObject":{"kind":"Pod","name":"x","kind":"Node"},"message":"dup inside"}',
  // Where the text of a compact event starts: the first `"message":` in its bytes, whatever it belongs to.
  '{"metadata":{"annotations":{"message":"nested, before the top one"}},"message":"OCI runtime exec failed: exec failed: EOF: top","count":1}',
  '{"a\\"message":1,"message":"after a key ending in an escaped quote and message"}',
  '{"message" :"a blank before the colon: no member as written, the text is the whole event"}',
  '{"message":\r"a carriage return before the value","count":3}',
  '{"message":"OCI runtime exec failed: exec failed: EOF","message":5}',
];

function fastRecord(text: string, format: 'kubectl-events-json' = 'kubectl-events-json') {
  const bytes = Buffer.from(text, 'utf8');
  const s = new EventBytes();
  const end = s.scan(bytes, 0, bytes.length, 256);
  assert.equal(end, bytes.length, `scanned whole: ${text.slice(0, 80)}`);
  return eventRecordAt(s, format, sharedValues());
}

test('the byte reader gives eventRecord(JSON.parse) for events of every shape', () => {
  const texts = [...EVENTS.map((e) => JSON.stringify(e)), ...EVENTS.map((e) => JSON.stringify(e, null, 4)), ...ODD_EVENTS];
  for (const text of texts) {
    assert.deepEqual(fastRecord(text), eventRecord(JSON.parse(text), 'kubectl-events-json', sharedValues()), text.slice(0, 120));
  }
});

test('the scanner hashes each string it reads as byteTable.ts hashes its bytes', () => {
  const text = JSON.stringify({ message: 'Get "http://x/": EOF \u0001 é', type: 'Warning', source: { host: 'node-1', component: '' }, involvedObject: { kind: 'Pod' } });
  const bytes = Buffer.from(text, 'utf8');
  const s = new EventBytes();
  assert.equal(s.scan(bytes, 0, bytes.length, 256), bytes.length);
  for (const slot of [SLOT.message, SLOT.type, SLOT.sourceHost, SLOT.sourceComponent, SLOT.involvedObject + INVOLVED.kind]) {
    assert.equal(s.kind[slot], STRING);
    assert.equal(s.hash[slot], hashBytes(bytes, s.start[slot]!, s.end[slot]!), `slot ${slot}`);
  }
});

test('the byte reader gives up (-1) on what is not one whole, valid JSON object, and only then', () => {
  const s = new EventBytes();
  const bad = [
    '{"message":"x",}', // trailing comma
    '{"message":"x" "count":1}', // missing comma
    '{"message":"x\u0001"}', // a raw control character in a string
    '{"message":"\\x"}', // an unknown escape
    '{"message":"\\u12G4"}', // a bad unicode escape
    // The same in a key, and in values walked over (not read).
    '{"mess\u0001age":"x"}',
    '{"reason":"x\u001f y","message":"x"}',
    '{"metadata":{"uid":"a\tb"},"message":"x"}',
    '{"re\\qson":"x"}',
    '{"reason":"\\u00G0","message":"x"}',
    '{"items":["\\x"],"message":"x"}',
    '{"count":01}', // a leading zero
    '{"count":1.}', // a fraction without digits
    '{"count":-}', // a sign alone
    '{"count":tru}', // a broken literal
    "{'message':'x'}", // single quotes
    '{"message":"x"', // cut short
    '{"message":"x', // cut inside a string
    '{"a":[1,2}', // a bracket closing the wrong thing
    '{"a":[1,]}', // a trailing comma in an array
  ];
  for (const text of bad) {
    assert.throws(() => JSON.parse(text), `JSON.parse rejects ${text}`);
    const b = Buffer.from(text, 'utf8');
    assert.equal(s.scan(b, 0, b.length, 256), -1, text);
  }
  // Nesting beyond the allowed depth: left to the general path (which says where).
  const deep = Buffer.from(`{"a":${'['.repeat(20)}${']'.repeat(20)}}`);
  assert.equal(s.scan(deep, 0, deep.length, 10), -1);
  assert.equal(s.scan(deep, 0, deep.length, 30), deep.length);
  // An object followed by more: the offset past its own end.
  const two = Buffer.from('{"message":"a"},{"message":"b"}');
  assert.equal(s.scan(two, 0, two.length, 256), 15);
  assert.equal(s.scan(two, 16, two.length, 256), two.length);
});

/**
 * The reader fed in pieces of `size` bytes: with size 1 every event crosses a piece (the general path).
 * With `reuse`, every piece is pushed from one buffer, overwritten after each push (as openRaw reuses its).
 */
function inPieces(source: string, size: number, reuse = false, format: 'kubectl-events-json' | 'kubectl-events-yaml' = 'kubectl-events-json') {
  const entries: EventEntry[] = [];
  const notes: { line: number | null; note: string }[] = [];
  const unparsed: { text: string; firstLine: number }[] = [];
  const reader = eventListReader(format, { event: (e) => entries.push(e), note: (line, note) => notes.push({ line, note }), unparsed: (text, firstLine) => unparsed.push({ text, firstLine }) });
  // What a reader kept of a reused piece without copying it reads as this garbage.
  pushInPieces(Buffer.from(source, 'utf8'), size, (piece) => reader.push(piece), reuse ? '}"\\n{' : undefined);
  reader.end();
  return { entries, notes, unparsed };
}

/** Lists, compact and indented, in the wrappers kubectl and the API write. */
function documents(): [string, string][] {
  const items = [...EVENTS, ...EVENTS];
  const eventList = { apiVersion: 'v1', items, kind: 'EventList', metadata: { resourceVersion: '9' } };
  const list = { apiVersion: 'v1', items: items.map((e) => ({ ...(e as object), kind: 'Event' })), kind: 'List', metadata: { resourceVersion: '' } };
  const watch = EVENTS.slice(0, 4).map((e) => JSON.stringify({ ...(e as object), kind: 'Event', apiVersion: 'v1' }, null, 4)).join('\n');
  const odd = `{"apiVersion":"v1","items":[${ODD_EVENTS.join(',')}],"kind":"List"}`;
  return [
    ['EventList, compact', JSON.stringify(eventList)],
    ['EventList, indented as kubectl prints it', `${JSON.stringify(eventList, null, 4)}\n`],
    ['List of kubectl get -A -o json, compact', JSON.stringify(list)],
    ['List, indented, CRLF', JSON.stringify(list, null, 2).replace(/\n/g, '\r\n')],
    ['kubectl get events -w -o json (one Event after another)', watch],
    ['duplicate and escaped keys, odd blanks', odd],
    // The same messages on lines of other shapes: compact events (text: the member) between indented ones (text: the line).
    ['compact and indented events in one list', `{"apiVersion":"v1","items":[\n${items.map((e, i) => JSON.stringify(e, null, i % 3 === 0 ? undefined : i % 3)).join(',\n')}\n],"kind":"EventList"}`],
  ];
}

test('a list read from its bytes gives the same events, lines, columns, texts and notes as the general path', () => {
  for (const [name, source] of documents()) {
    const fast = parseEventDocument(source, 'kubectl-events-json');
    const general = inPieces(source, 1);
    assert.ok(fast.entries.length > 0, name);
    assert.deepEqual(fast.entries, general.entries, name);
    assert.deepEqual(fast.notes, general.notes, name);
    assert.deepEqual(fast.unparsed, general.unparsed, name);
    for (const size of [7, 100, 4096]) assert.deepEqual(inPieces(source, size), { entries: fast.entries, notes: fast.notes, unparsed: fast.unparsed }, `${name}, pieces of ${size}`);
  }
});

test('a reader keeps nothing of a piece once push returns: one buffer reused for every piece reads the same', () => {
  for (const [name, source] of documents()) {
    const whole = inPieces(source, Buffer.byteLength(source));
    for (const size of [1, 7, 100, 4096]) assert.deepEqual(inPieces(source, size, true), whole, `${name}, pieces of ${size} in one buffer`);
  }
  // YAML: a list whose lines cross pieces, and pieces without a newline (kept until the next).
  const yaml = `apiVersion: v1\nitems:\n${EVENTS.slice(0, 4)
    .map((e) => `- message: ${JSON.stringify((e as { message: unknown }).message)}\n  involvedObject:\n    kind: Pod\n    name: ${'p'.repeat(300)}\n  count: 2\n`)
    .join('')}kind: List\n`;
  const whole = inPieces(yaml, Buffer.byteLength(yaml), false, 'kubectl-events-yaml');
  assert.equal(whole.entries.length, 4);
  for (const size of [1, 13, 200, 1000]) assert.deepEqual(inPieces(yaml, size, true, 'kubectl-events-yaml'), whole, `YAML, pieces of ${size} in one buffer`);
});

test('the findings of a list do not depend on how it was read', () => {
  const matcher = new Matcher(builtInSignatures());
  for (const [name, source] of documents()) {
    const r = recogniseText('events.json', source, { matcher });
    assert.ok(r.findings.some((f) => f.signature === 'oci-exec-eof'), name);
    // Columns of a compact list are UTF-16 offsets in the line: the text is where the column says.
    for (const f of r.findings) {
      const line = source.split('\n')[f.line - 1]!.replace(/\r$/, '');
      assert.equal(line.slice(f.textColumn, f.textColumn + f.text.length), f.text, `${name}: line ${f.line}`);
    }
  }
});

test('bad input: a clear note and no crash or hang', () => {
  const good = JSON.stringify({ message: EOF, involvedObject: { kind: 'Pod', name: 'a' }, count: 1 });
  // Cut short inside an event.
  const cut = `{"apiVersion":"v1","items":[${good},${good.slice(0, 30)}`;
  for (const r of [parseEventDocument(cut, 'kubectl-events-json'), inPieces(cut, 1)]) {
    assert.equal(r.entries.length, 1);
    assert.match(r.notes[0]!.note, /cut short inside event 2 .*line 1:\d+/);
  }
  // A broken event among good ones: its note names where, the others are read.
  const broken = `{"apiVersion":"v1","items":[${good},{"message":"x",},${good}],"kind":"List"}`;
  const b = parseEventDocument(broken, 'kubectl-events-json');
  assert.equal(b.entries.length, 2);
  assert.equal(b.notes.length, 1);
  assert.match(b.notes[0]!.note, /^event 2 does not parse \(.*at line 1:\d+\)/);
  // Invalid UTF-8 in a message: decoded as JSON.parse of the decoded text would (U+FFFD), the same on both paths.
  const invalid = Buffer.concat([Buffer.from(`{"apiVersion":"v1","items":[{"message":"OCI runtime exec failed: exec failed: EOF `), Buffer.from([0xff, 0xc3, 0x28, 0xe2, 0x82]), Buffer.from(`","count":2},${good}],"kind":"List"}`)]);
  const readBytes = (size: number) => {
    const entries: EventEntry[] = [];
    const notes: string[] = [];
    const reader = eventListReader('kubectl-events-json', { event: (e) => entries.push(e), note: (_l, n) => notes.push(n), unparsed: () => {} });
    for (let at = 0; at < invalid.length; at += size) reader.push(invalid.subarray(at, at + size));
    reader.end();
    return { entries, notes };
  };
  const whole = readBytes(invalid.length);
  assert.deepEqual(whole.notes, []);
  assert.equal(whole.entries.length, 2);
  assert.ok(whole.entries[0]!.record.message.includes('\ufffd'));
  assert.deepEqual(readBytes(1), whole);
  assert.equal(whole.entries[1]!.column, readBytes(1).entries[1]!.column);
  // A 10 MB message: read whole, promptly, its finding text kept short by the recogniser.
  const huge = `{"apiVersion":"v1","items":[{"involvedObject":{"kind":"Pod","name":"big"},"message":"OCI runtime exec failed: exec failed: EOF ${'x'.repeat(10 * 1024 * 1024)}","count":1},${good}],"kind":"List"}`;
  const started = Date.now();
  const h = recogniseText('huge.json', huge, { matcher: new Matcher(builtInSignatures()) });
  assert.ok(Date.now() - started < 20_000, 'a 10 MB string does not hang the reader');
  assert.equal(h.findings.length, 2);
  assert.ok(h.findings[0]!.text.length < 5000);
  // JSON that is not an event list: nothing read as events, nothing crashes.
  for (const other of ['{"apiVersion":"v1","items":[{"foo":1},[1,2],"s",3,null],"kind":"List"}', '{"kind":"ConfigMap","data":{"a":"b"}}', '[1,2,3]']) {
    const r = parseEventDocument(other, 'kubectl-events-json');
    assert.deepEqual(r.entries, [], other);
  }
});

test('a message number names one message, in pieces of any size, from its second sight on', () => {
  for (const [name, source] of documents()) {
    for (const size of [1, 7, Buffer.byteLength(source)]) {
      const byId = new Map<number, string>();
      const met = new Set<string>();
      let numbered = 0;
      let repeats = 0;
      let firstSights = 0;
      const reader = eventListReader('kubectl-events-json', {
        event: (e, id) => {
          const again = met.has(e.record.message);
          met.add(e.record.message);
          if (again) repeats += 1;
          if (id === FIRST_SIGHT) {
            // Only a message met for the first time: a recogniser does not remember it by its text.
            assert.ok(!again, `${name}: ${e.record.message} said to be met for the first time again`);
            firstSights += 1;
          }
          if (id === undefined || id < 0) return;
          // The reader's table takes a message at its second sight (byteTable.ts, probation).
          assert.ok(again, `${name}: ${e.record.message} numbered at its first sight`);
          numbered += 1;
          const known = byId.get(id);
          if (known === undefined) byId.set(id, e.record.message);
          else assert.equal(e.record.message, known, `${name}: number ${id}`);
        },
        note: () => {},
        unparsed: () => {},
      });
      pushInPieces(Buffer.from(source, 'utf8'), size, (piece) => reader.push(piece));
      reader.end();
      if (size > 7 && source.includes('"items"') && repeats > 0) assert.ok(numbered > 0, `${name}: no event numbered`);
      if (size > 7 && source.includes('"items"')) assert.ok(firstSights > 0, `${name}: no message met for the first time`);
    }
  }
});
