import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as zlib from 'node:zlib';
import { FIRST_SIGHT } from '../../src/core/logs/events';
import { EventSplit, findItemStart } from '../../src/core/logs/eventSplit';
import { Cancelled } from '../../src/core/logs/input';
import type { EventSplitOptions, SplitReport } from '../../src/core/logs/parallel';
import { builtInSignatures } from '../../src/core/signatures/catalog';
import { Matcher } from '../../src/core/signatures/matcher';
import { type Recognition, recogniseFile } from '../../src/core/signatures/recognise';
import { prng } from '../harness/prng';
import { tempFiles } from '../harness/tempFiles';
import * as fs from 'node:fs';

// A large event list read by the main thread and a worker together (logs/eventSplit.ts) must give
// exactly what one thread reading it whole gives: the same findings on the same lines and columns,
// with the same texts and records, the same notes, the same line count — whether the split point is
// a real item start or a look-alike (in a message, in a nested array), whatever the worker leaves to
// the main thread (an item too big for it, a malformed one), and for streams of documents. Small
// files and batches of a few events put the boundaries where a test can reach them.

const matcher = new Matcher(builtInSignatures());
const { write } = tempFiles('runtime-lens-split-');

const MESSAGES = [
  'Readiness probe failed: OCI runtime exec failed: exec failed: EOF: unknown',
  'Liveness probe errored: rpc error: code = Unknown desc = failed to exec in container: failed to start exec "0f1e": OCI runtime exec failed: exec failed: unable to start container process: read init-p: connection reset by peer: unknown',
  'Started container api',
  'Pulling image "registry.local/shop/api:1.2"',
];

interface Item {
  /** The item as written. */
  json: string;
}

/** An event as kubectl writes it, with a message and fields that vary with `i`. */
function event(i: number, rand: () => number, message?: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const m = message ?? (rand() < 0.5 ? `${MESSAGES[Math.floor(rand() * MESSAGES.length)]!}` : `Readiness probe failed: Get "http://10.244.${i % 13}.${i % 7}:8080/healthz": EOF`);
  const s = String(i % 60).padStart(2, '0');
  const withSource = i % 3 !== 0;
  return {
    count: 1 + (i % 4),
    involvedObject: { fieldPath: `spec.containers{c${i % 5}}`, kind: 'Pod', name: `pod-${i % 41}`, namespace: i % 9 === 0 ? 'kube-system' : 'shop' },
    lastTimestamp: `2021-05-07T03:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${s}Z`,
    ...(i % 11 === 0 ? { firstTimestamp: `2021-05-07T02:00:${s}Z` } : {}),
    message: m,
    ...(withSource ? { source: { component: 'kubelet', host: `ip-10-0-0-${i % 17}.ec2.internal` } } : { reportingComponent: 'kubelet', reportingInstance: `ip-10-0-0-${i % 17}` }),
    type: i % 5 === 0 ? 'Normal' : 'Warning',
    ...extra,
  };
}

/** A list of `n` events (`special(i)` replaces event i when it gives one): compact (one line) or indented as kubectl does. */
function list(n: number, seed: number, indented: boolean, special: (i: number, rand: () => number) => Record<string, unknown> | string | undefined = () => undefined): { text: string; offsets: number[] } {
  const rand = prng(seed);
  const items: Item[] = [];
  for (let i = 0; i < n; i++) {
    const s = special(i, rand);
    const e = s ?? event(i, rand);
    items.push({ json: typeof e === 'string' ? e : indented ? JSON.stringify(e, null, 4).replace(/\n/g, '\n        ') : JSON.stringify(e) });
  }
  const head = indented ? '{\n    "apiVersion": "v1",\n    "items": [\n        ' : '{"apiVersion":"v1","items":[';
  const sep = indented ? ',\n        ' : ',';
  const tail = indented ? '\n    ],\n    "kind": "List",\n    "metadata": {\n        "resourceVersion": ""\n    }\n}\n' : '],"kind":"List","metadata":{"resourceVersion":""}}\n';
  const offsets: number[] = [];
  let at = Buffer.byteLength(head);
  for (const item of items) {
    offsets.push(at);
    at += Buffer.byteLength(item.json) + Buffer.byteLength(sep);
  }
  return { text: head + items.map((i) => i.json).join(sep) + tail, offsets };
}

/** Everything a recognition says, for comparing two of them. */
function whole(r: Recognition) {
  return { findings: r.findings, lines: r.lines, events: r.events, notes: r.notes, facts: r.facts, hints: r.hints };
}

/** The file read on one thread, and split with `split` (a worker forced, small batches). */
async function both(file: string, split: EventSplitOptions = {}) {
  const single = await recogniseFile(file, { matcher, parallel: false });
  const reports: SplitReport[] = [];
  const progress: number[] = [];
  const multi = await recogniseFile(file, {
    matcher,
    onProgress: (n) => progress.push(n),
    parallel: { workers: 1, eventSplit: { minBytes: 0, batchEvents: 7, ...split, onSplit: (r) => reports.push(r) } },
  });
  assert.ok(single.findings.length > 0, 'the input has no findings');
  return { single, multi, reports, progress };
}

/** Byte offset of `needle` in `text` at or after byte offset `from`. */
function byteIndex(text: string, needle: string, from: number): number {
  const at = Buffer.from(text).indexOf(needle, from);
  assert.ok(at >= 0, `${needle} not found`);
  return at;
}

test('a compact list split at an item: the worker reads the rest, and the findings are those of one thread', { timeout: 60000 }, async () => {
  const { text, offsets } = list(12000, 1, false);
  const file = write('events.json', text);
  const from = offsets[3001]! - 2;
  const { single, multi, reports, progress } = await both(file, { from });
  assert.equal(reports.length, 1);
  assert.deepEqual(reports[0], { at: offsets[3001], verified: true, resumedAt: Buffer.byteLength(text) - '],"kind":"List","metadata":{"resourceVersion":""}}\n'.length, events: 12000 - 3001 });
  assert.ok(single.findings.length > 3000);
  assert.deepEqual(whole(multi), whole(single));
  // Every event counted once, whichever thread read it.
  assert.equal(multi.events, 12000);
  // The findings past the split point are on the list's one line, at columns past it.
  assert.ok(multi.findings.some((f) => f.textColumn > offsets[3001]!));
  // Progress reaches the file's size and never goes back.
  assert.equal(progress.at(-1), Buffer.byteLength(text));
  for (let k = 1; k < progress.length; k++) assert.ok(progress[k]! > progress[k - 1]!, `progress went from ${progress[k - 1]} to ${progress[k]}`);
});

test('an indented list split where an item begins on its own line', { timeout: 60000 }, async () => {
  const { text, offsets } = list(6000, 2, true);
  const file = write('events-indented.json', text);
  const { single, multi, reports } = await both(file, { from: offsets[1500]! - 20 });
  assert.equal(reports.length, 1);
  assert.equal(reports[0]!.at, offsets[1500]);
  assert.equal(reports[0]!.verified, true);
  assert.equal(reports[0]!.events, 6000 - 1500);
  assert.deepEqual(whole(multi), whole(single));
  assert.equal(multi.lines, text.split('\n').length - 1);
});

test('look-alikes of an item start are not taken: in a message, indented in a message, in a nested array', { timeout: 60000 }, async () => {
  const cases: { name: string; indented: boolean; special: (i: number, rand: () => number) => Record<string, unknown> | undefined; needle: string }[] = [
    { name: 'in a message', indented: false, special: (i, rand) => (i === 2000 ? event(i, rand, 'OCI runtime exec failed: exec failed: EOF: unknown {"a":1},{ "b":2}') : undefined), needle: '},{ ' },
    { name: 'indented in a message', indented: true, special: (i, rand) => (i === 2000 ? event(i, rand, 'exec failed: EOF: unknown },    {  x') : undefined), needle: '},    { ' },
    { name: 'in a nested array', indented: false, special: (i, rand) => (i === 2000 ? event(i, rand, undefined, { related: [{ kind: 'Pod', name: 'a' }, { kind: 'Pod', name: 'b' }] }) : undefined), needle: '},{"kind"' },
    { name: 'in a nested array, indented', indented: true, special: (i, rand) => (i === 2000 ? event(i, rand, undefined, { related: [{ kind: 'Pod' }, { kind: 'Node' }] }) : undefined), needle: '"kind": "Pod"' },
  ];
  for (const c of cases) {
    const { text, offsets } = list(5000, 3, c.indented, c.special);
    const file = write('events.json', text);
    const lookAlike = byteIndex(text, c.needle, offsets[2000]!);
    const { single, multi, reports } = await both(file, { from: offsets[2000]! + 1 });
    assert.equal(reports.length, 1, c.name);
    assert.ok(reports[0]!.at > lookAlike && reports[0]!.at < offsets[2001]!, `${c.name}: split at ${reports[0]!.at}, look-alike at ${lookAlike}`);
    assert.deepEqual(reports[0], { at: reports[0]!.at, verified: false, resumedAt: reports[0]!.at, events: 0 }, c.name);
    assert.deepEqual(whole(multi), whole(single), c.name);
  }
});

test('non-ASCII messages before and after the split point: columns on a compact list are UTF-16 columns', { timeout: 60000 }, async () => {
  // Item 3000 does not parse: the worker stops there and the main thread reads the rest of the line,
  // its columns counted past what the worker's items lost in decoding.
  const special = (i: number, rand: () => number) =>
    i === 3000 ? '{"message":"exec failed: EOF: unknown","count":-}' : i % 10 === 3 ? event(i, rand, `Readiness probe failed: café ☕ 𝔈 OCI runtime exec failed: exec failed: EOF: unknown`) : i % 10 === 4 ? event(i, rand, undefined, { note: 'naïve' }) : undefined;
  const { text, offsets } = list(4000, 4, false, special);
  const file = write('events-utf8.json', text);
  for (const k of [1000, 1004, 1005]) {
    const { single, multi, reports } = await both(file, { from: offsets[k]! - 2 });
    assert.deepEqual(reports[0], { at: offsets[k], verified: true, resumedAt: offsets[3000], events: 3000 - k });
    assert.ok(single.findings.some((f) => f.line === 1 && f.textColumn > offsets[3000]! && f.record.message.includes('café')));
    assert.deepEqual(whole(multi), whole(single), `split before item ${k}`);
  }
});

test('items crossing the main thread\'s chunks and the worker\'s buffer, and one too big for the worker', { timeout: 60000 }, async () => {
  // A 1.5 MB message past the split: the worker stops before it, the main thread reads it and the rest.
  const big = `OCI runtime exec failed: exec failed: EOF: unknown ${'x'.repeat(1536 * 1024)}`;
  const { text, offsets } = list(9000, 5, false, (i, rand) => (i === 6000 ? event(i, rand, big) : undefined));
  const file = write('events-big.json', text);
  assert.ok(text.length > 3 * 1024 * 1024);
  const { single, multi, reports } = await both(file, { from: offsets[1000]! - 2, batchEvents: 1000 });
  assert.deepEqual(reports[0], { at: offsets[1000], verified: true, resumedAt: offsets[6000], events: 5000 });
  assert.deepEqual(whole(multi), whole(single));
  assert.ok(multi.findings.some((f) => f.record.message === big));
});

test('a malformed item after the split: the worker stops there and the main thread gives the same note', { timeout: 60000 }, async () => {
  for (const indented of [false, true]) {
    // Indented, the broken item is on one line: its note's column is counted from the line's start.
    const broken = indented ? '{ "message": "OCI runtime exec failed: exec failed: EOF: unknown", "count": 01 }' : '{"message":"OCI runtime exec failed: exec failed: EOF: unknown","count":01}';
    const { text, offsets } = list(3000, 6, indented, (i) => (i === 2500 ? broken : undefined));
    const file = write('events-broken.json', text);
    const { single, multi, reports } = await both(file, { from: offsets[500]! - 20 });
    assert.deepEqual(reports[0], { at: offsets[500], verified: true, resumedAt: offsets[2500], events: 2000 });
    assert.ok(single.notes.some((n) => /event 2501 does not parse/.test(n.note)), JSON.stringify(single.notes));
    assert.deepEqual(whole(multi), whole(single), indented ? 'indented' : 'compact');
  }
});

test('the end of the list cut short after the split: the worker stops at the end of the file', { timeout: 60000 }, async () => {
  const { text, offsets } = list(3000, 7, false);
  const cut = text.slice(0, text.indexOf('"message"', offsets[2900]! - 1) + 20);
  const file = write('events-cut.json', cut);
  const { single, multi, reports } = await both(file, { from: offsets[100]! - 2 });
  assert.deepEqual(reports[0], { at: offsets[100], verified: true, resumedAt: offsets[2900], events: 2800 });
  assert.ok(single.notes.some((n) => /cut short/.test(n.note)));
  assert.deepEqual(whole(multi), whole(single));
});

test('streams of documents (-w): a split in the second list; Events one after another are not split', { timeout: 60000 }, async () => {
  const a = list(800, 8, false);
  const b = list(2000, 9, true);
  const text = `${a.text}${b.text}`;
  const file = write('events-w.json', text);
  const second = Buffer.byteLength(a.text);
  const { single, multi, reports } = await both(file, { from: second + b.offsets[1000]! - 20 });
  assert.deepEqual(reports[0], { at: second + b.offsets[1000]!, verified: true, resumedAt: reports[0]!.resumedAt, events: 1000 });
  assert.deepEqual(whole(multi), whole(single));
  // kubectl get events -w -o json: one Event after another, no list around them.
  const rand = prng(10);
  const events = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ kind: 'Event', apiVersion: 'v1', ...event(i, rand) }, null, 4)).join('\n');
  const w = write('events-watch.json', `${events}\n`);
  const watched = await both(w, { from: 1000 });
  assert.deepEqual(watched.reports, []);
  assert.deepEqual(whole(watched.multi), whole(watched.single));
});

test('small, gzip and unsplittable files are read on one thread; a cancel during the worker\'s part stops the reading', { timeout: 60000 }, async () => {
  const { text, offsets } = list(3000, 11, false);
  const file = write('events.json', text);
  // Under the default minimum: no split.
  assert.equal(EventSplit.open(file, { workers: 1 }), null);
  assert.equal(EventSplit.open(file, false), null);
  assert.equal(EventSplit.open(file, { workers: 0, eventSplit: { minBytes: 0 } }), null);
  assert.equal(EventSplit.open(write('events.json.gz', zlib.gzipSync(text)), { workers: 1, eventSplit: { minBytes: 0 } }), null);
  const { multi, single, reports } = await both(file, { minBytes: text.length + 1 });
  assert.deepEqual(reports, []);
  assert.deepEqual(whole(multi), whole(single));
  // One event, one item: no item start to split at.
  const fd = fs.openSync(write('one.json', list(1, 12, false).text), 'r');
  try {
    assert.equal(findItemStart(fd, 0, fs.fstatSync(fd).size), -1);
  } finally {
    fs.closeSync(fd);
  }
  // Cancelled once the main thread takes the worker's events.
  const controller = new AbortController();
  const from = offsets[500]! - 2;
  await assert.rejects(
    recogniseFile(file, {
      matcher,
      signal: controller.signal,
      onProgress: (n) => n > offsets[500]! && controller.abort(),
      parallel: { workers: 1, eventSplit: { minBytes: 0, batchEvents: 5, from } },
    }),
    (e: unknown) => e instanceof Cancelled,
  );
});

test('a cancel while the main thread waits for the worker\'s next batch wakes it at once', { timeout: 60000 }, async () => {
  const { text, offsets } = list(3000, 13, false);
  const file = write('events.json', text);
  const original = EventSplit.open;
  const controller = new AbortController();
  let taking = false;
  // The worker lives and reads, but none of its batches reaches the main thread: it waits for one that
  // never comes, and only the cancel's wake-up can end the wait (without it, this test runs into its
  // timeout). The cancel comes from a callback of its own once the main thread has begun to take the
  // worker's part: a callback runs only when the taking is parked in its wait.
  EventSplit.open = (f, options) => {
    const split = original(f, options);
    if (!split) return null;
    (split as unknown as { worker: { removeAllListeners(event: string): void } }).worker.removeAllListeners('message');
    const take = split.take.bind(split);
    split.take = (...args) => {
      taking = true;
      setImmediate(() => controller.abort());
      return take(...args);
    };
    return split;
  };
  try {
    await assert.rejects(
      recogniseFile(file, { matcher, signal: controller.signal, parallel: { workers: 1, eventSplit: { minBytes: 0, batchEvents: 5, from: offsets[1000]! - 2 } } }),
      (e: unknown) => e instanceof Cancelled,
    );
  } finally {
    EventSplit.open = original;
  }
  assert.ok(taking, 'the main thread never took the worker\'s part');
});

test('the worker says which messages it met for the first time, and numbers their repeats', { timeout: 60000 }, async () => {
  // Each message twice in a row: past the split point, the first of each pair is the worker's reader's
  // first sight of it (FIRST_SIGHT: not remembered by its text), the second has its number.
  const n = 6000;
  const from = 1000;
  const { text, offsets } = list(n, 21, false, (i, rand) => event(i, rand, `Readiness probe failed: OCI runtime exec failed: exec failed: EOF: unknown (${Math.floor(i / 2)})`));
  const file = write('events-pairs.json', text);
  const original = EventSplit.open;
  const ids: { message: string; id: number | undefined }[] = [];
  EventSplit.open = (f, options) => {
    const split = original(f, options);
    if (!split) return null;
    const take = split.take.bind(split);
    split.take = (reader, sink, ...rest) =>
      take(reader, { ...sink, event: (e, id) => (ids.push({ message: e.record.message, id }), sink.event(e, id)) }, ...rest);
    return split;
  };
  let multi: Recognition;
  try {
    multi = await recogniseFile(file, { matcher, parallel: { workers: 1, eventSplit: { minBytes: 0, batchEvents: 64, from: offsets[from]! - 2 } } });
  } finally {
    EventSplit.open = original;
  }
  assert.equal(ids.length, n - from, 'the worker read the rest');
  for (let k = 0; k < ids.length; k += 2) {
    assert.equal(ids[k]!.id, FIRST_SIGHT, `event ${from + k}: ${ids[k]!.message}`);
    assert.equal(ids[k + 1]!.message, ids[k]!.message);
    assert.ok(ids[k + 1]!.id! >= 0, `event ${from + k + 1}: its repeat has a number`);
  }
  const single = await recogniseFile(file, { matcher, parallel: false });
  assert.equal(single.findings.length, n);
  assert.deepEqual(whole(multi), whole(single));
});

test('more distinct values than the worker numbers (65,536): the rest come with their batches, the findings alike', { timeout: 120000 }, async () => {
  // Every event's message and pod distinct: the worker's numbering and the readers' tables fill up.
  const n = 70000;
  const { text, offsets } = list(n, 13, false, (i, rand) => event(i, rand, `Readiness probe failed: OCI runtime exec failed: exec failed: EOF: unknown (${i})`, { involvedObject: { kind: 'Pod', name: `pod-${i}`, namespace: 'shop' } }));
  const file = write('events-distinct.json', text);
  const { single, multi, reports } = await both(file, { from: offsets[1000]! - 2, batchEvents: 4096 });
  assert.deepEqual(reports[0], { at: offsets[1000], verified: true, resumedAt: reports[0]!.resumedAt, events: n - 1000 });
  assert.equal(single.findings.length, n);
  assert.deepEqual(whole(multi), whole(single));
});
