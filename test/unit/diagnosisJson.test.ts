import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { ClusterTable, isoOf, outputOrder } from '../../src/core/diagnosis/clusters';
import { diagnoseOnClock } from '../../src/core/diagnosis/diagnose';
import { gatherInputs } from '../../src/core/diagnosis/session';
import { Arena, ByteWriter, CACHE_BOUNDS, diagnosisJson, findingJson, writeNumber } from '../../src/core/diagnosis/json';
import { placeFinding } from '../../src/core/diagnosis/clock';
import { isoMicros } from '../../src/core/logs/time';
import { builtInSignatures } from '../../src/core/signatures/catalog';
import { Matcher } from '../../src/core/signatures/matcher';
import { findingsOf, forEachInOrder, setsOf } from '../../src/core/signatures/occurrences';
import { type Recognition, recogniseFile, recogniseText } from '../../src/core/signatures/recognise';
import { repoRoot } from '../harness/paths';

// Issue 18: `diagnose --json` writes its document straight into buffers (findings, then the rest, the
// clusters made one at a time from a table). Whatever the pieces, they must make the bytes of
// JSON.stringify({ findings, ...rest }, null, 2) and a newline.

const matcher = new Matcher(builtInSignatures());
const titles = Object.fromEntries(matcher.signatures.map((s) => [s.def.id, s.def.title]));
let dir: string;
let events: Recognition[];
let oneMessage: Recognition;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-json-'));
  const generate = (...args: string[]) => JSON.parse(execFileSync('node', [path.join(repoRoot, 'bench', 'generate-events.mjs'), dir, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })) as { file: string };
  events = [await recogniseFile(generate('600').file, { matcher, keepFindings: false }), await recogniseFile(generate('--journal', '400').file, { matcher, keepFindings: false })];
  // One message, word for word, reported by two nodes in turn: equal texts of one list, each finding its own node's.
  const item = (i: number) => ({
    count: 1 + (i % 3),
    involvedObject: { fieldPath: `spec.containers{${i % 3 === 0 ? 'sidecar' : 'web'}}`, kind: 'Pod', name: `web-${i % 2}`, namespace: 'shop' },
    lastTimestamp: `2021-05-07T03:00:0${i % 4}Z`,
    message: 'Readiness probe failed: Get "http://10.0.0.1:8080/healthz": EOF — é 中文 \u2028',
    source: { component: 'kubelet', host: i % 2 === 0 ? 'node-a' : 'node-b' },
    type: 'Warning',
  });
  const list = path.join(dir, 'one-message.json');
  fs.writeFileSync(list, JSON.stringify({ apiVersion: 'v1', items: Array.from({ length: 12 }, (_, i) => item(i)), kind: 'List' }));
  oneMessage = await recogniseFile(list, { matcher, keepFindings: false });
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const input = (recognitions: Recognition[]) => ({ recognitions, facts: recognitions.flatMap((r) => r.facts), saveState: null, user: {}, titles });

/** The document as JSON.stringify writes it from the findings as objects and the rest as plain data. */
function expected(recognitions: Recognition[], d: ReturnType<typeof diagnoseOnClock>, rest: Record<string, unknown>): string {
  const findings = findingsOf(recognitions.flatMap((r) => setsOf(r))).map((f) => findingJson(placeFinding(f, d.clock), d.clock));
  return `${JSON.stringify({ findings, ...rest }, null, 2)}\n`;
}

function pieces(recognitions: Recognition[], d: ReturnType<typeof diagnoseOnClock>, rest: Record<string, unknown>, piece?: number): Buffer[] {
  return [...diagnosisJson(recognitions, d.clock, rest, piece)];
}

// Strings JSON.stringify escapes, or encodes in two, three or four bytes; lone surrogates at either end.
const awkward = [
  '',
  'plain',
  'quote " backslash \\ slash / tab \t newline \n return \r feed \f back \b nul \u0000 unit \u001f del \u007f',
  'déjà vu — 中文 ✓ 😀 ẞ',
  'lone high \ud800 here',
  'lone low \udc00 here',
  'ends high \udbff',
  '\udfff starts low',
  'reversed \udc00\ud800 pair',
  'pair split by text \ud83d x \ude00',
  '\u2028\u2029 separators',
];

test('strings are written as JSON.stringify writes them, lone surrogates escaped, in UTF-8', () => {
  const all = Array.from({ length: 0x800 }, (_, c) => String.fromCharCode(c)).join('') + awkward.join('');
  for (const s of [...awkward, all, 'x'.repeat(100_000) + '\ud800']) {
    const w = new ByteWriter(16);
    w.json(s);
    assert.deepEqual(w.take(), Buffer.from(JSON.stringify(s), 'utf8'), JSON.stringify(s).slice(0, 60));
  }
});

test('integers are written in decimal, padded to a width; other numbers as String() writes them', () => {
  const w = new ByteWriter();
  const cases: [number, number, string][] = [
    [0, 1, '0'],
    [7, 6, '000007'],
    [999_999, 6, '999999'],
    [4_294_967_295, 1, '4294967295'],
    [4_294_967_296, 1, '4294967296'],
    [12, 6, '000012'],
    [2 ** 53, 1, String(2 ** 53)],
    [1.5, 1, '1.5'],
  ];
  for (const [x, width, want] of cases) {
    w.int(x, width);
    assert.equal(w.take().toString('latin1'), want, `${x}`);
  }
});

test('the rest of the document is JSON.stringify(…, null, 2) of plain data, whatever it holds', () => {
  const d = diagnoseOnClock(input([]));
  const rest = {
    empty: [],
    nothing: {},
    gone: undefined,
    fn: () => 1,
    numbers: [0, -0, 1.5, -2, 1e21, 1e-7, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53 + 2],
    flags: [true, false, null],
    texts: awkward,
    nested: { a: { b: [[], [{}], [1, [2, [3]]]], c: null, skipped: undefined }, 'key "quoted" é': awkward[3] },
    holes: [undefined, () => 2, 'x'],
    date: new Date(Date.UTC(2021, 4, 7, 3, 43, 28)),
    dated: { at: new Date(0), boxed: Object('text') as string },
  };
  const text = Buffer.concat(pieces([], d, rest)).toString('utf8');
  assert.equal(text, `${JSON.stringify({ findings: [], ...rest }, null, 2)}\n`);
});

test('pieces cut anywhere give the same document, each of whole characters', () => {
  const names = recogniseText(
    '/nodes/nœud-é/kubelet.log',
    [
      'I0507 03:43:28.310630    1234 prober.go:117] Readiness probe for "wëb-0_shöp(0a1b2c3d-0000-4000-8000-000000000001):wéb" failed (failure): OCI runtime exec failed: exec failed: EOF: unknown — 中文 😀',
      'I0507 03:43:29.000001    1234 prober.go:117] Readiness probe for "web-1_shop(0a1b2c3d-0000-4000-8000-000000000002):web" failed (failure): OCI runtime exec failed: exec failed: unexpected EOF: unknown \ud800 lone',
      '',
    ].join('\n'),
    { matcher, keepFindings: false },
  );
  const recognitions = [names, ...events];
  const d = diagnoseOnClock(input(recognitions));
  const rest = { verdict: d.diagnosis.verdict, clusters: d.clusters, fleet: d.diagnosis.fleet, groups: d.diagnosis.groups };
  const want = expected(recognitions, d, { ...rest, clusters: d.diagnosis.clusters });
  assert.match(want, /wëb-0/);
  assert.match(want, /\\ud800 lone/);
  for (const piece of [1, 7, 100, 4096, undefined]) {
    const got = pieces(recognitions, d, rest, piece);
    assert.equal(Buffer.concat(got).toString('utf8'), want, `pieces of ${piece}`);
    for (const p of got) assert.deepEqual(Buffer.from(p.toString('utf8'), 'utf8'), p, 'a piece holds whole characters');
    if (piece !== undefined && piece < 4096) assert.ok(got.length > 10, `${got.length} pieces of ${piece}`);
  }
});

test('recycled pieces: a reader done with each piece before the next gets the same document from two buffers', () => {
  const recognitions = events;
  const d = diagnoseOnClock(input(recognitions));
  const rest = { verdict: d.diagnosis.verdict, clusters: d.clusters, fleet: d.diagnosis.fleet };
  const want = expected(recognitions, d, { ...rest, clusters: d.diagnosis.clusters });
  for (const piece of [7, 4096, undefined]) {
    // Decoded as each comes, as the CLI writes each before it asks for the next.
    let got = '';
    const buffers = new Set<ArrayBufferLike>();
    let n = 0;
    for (const p of diagnosisJson(recognitions, d.clock, rest, piece, true)) {
      got += p.toString('utf8');
      buffers.add(p.buffer);
      n += 1;
    }
    assert.equal(got, want, `recycled pieces of ${piece}`);
    assert.ok(n > 4, `${n} pieces of ${piece}`);
    // Two buffers take turns, and one more each time a part outgrew its buffer (it doubles: a few times).
    assert.ok(buffers.size <= 8, `${buffers.size} buffers for ${n} pieces of ${piece}`);
    if (piece !== undefined) assert.ok(buffers.size * 10 <= n, `${buffers.size} buffers for ${n} pieces of ${piece}`);
  }
  // Kept without recycle, each piece stays as it was written.
  const kept = [...diagnosisJson(recognitions, d.clock, rest, 4096)];
  assert.equal(Buffer.concat(kept).toString('utf8'), want);
  assert.equal(new Set(kept.map((p) => p.buffer)).size, kept.length, 'a buffer of its own for each kept piece');
});

test('a member longer than 64 Ki characters is written a line at a time, in pieces no larger than a part, the same bytes', () => {
  const recognitions = events;
  const d = diagnoseOnClock(input(recognitions));
  // A verdict with a phase timeline of thousands of events (as on a cluster's list), awkward strings and all.
  const timeline = Array.from({ length: 3000 }, (_, k) => ({ offsetMs: k * 997, phaseSeconds: (k * 0.37) % 10, pod: awkward[k % awkward.length], nested: { deeper: [k, null, true, {}, []] } }));
  const verdict = { cause: 'cpu-manager-state-race', summary: awkward.join(' '), evidence: [{ id: 'reconcile-aligned', attachments: [{ kind: 'phase-timeline', timeline: { events: timeline } }] }, { id: 'empty', attachments: [] }] };
  const rest = { verdict, groups: [verdict, { small: 1 }], fleet: { nodes: timeline.slice(0, 500) } };
  assert.ok(JSON.stringify(verdict, null, 2).length > 65536, 'the member is long enough to be written line by line');
  const want = expected(recognitions, d, rest);
  for (const piece of [4096, undefined]) {
    // Copied as each comes: with recycling, a piece's buffer is written over after the next one.
    const got: Buffer[] = [];
    for (const p of diagnosisJson(recognitions, d.clock, rest, piece, true)) got.push(Buffer.from(p));
    assert.equal(Buffer.concat(got).toString('utf8'), want, `pieces of ${piece}`);
    // No piece holds the whole member: each is cut at a line once full (a line here is well under a piece).
    const most = Math.max(...got.map((p) => p.length));
    assert.ok(most < (piece ?? 65536) * 2, `largest piece ${most} bytes for pieces of ${piece}`);
  }
});

test('recycled pieces: a buffer grown for a part of megabytes is not kept for the rest of the output', () => {
  const w = new ByteWriter(4096, true);
  const big = Buffer.alloc(3 * 1024 * 1024, 0x61);
  w.bytes(big);
  const grown = w.take().buffer;
  assert.ok(grown.byteLength >= big.length);
  const later = new Set<ArrayBufferLike>();
  for (let k = 0; k < 6; k++) {
    w.ascii('x'.repeat(100));
    later.add(w.take().buffer);
  }
  assert.ok(!later.has(grown), 'the grown buffer is dropped');
  assert.equal(later.size, 2, 'two buffers of a piece take turns');
  // One grown a little (a part of a few pieces) is still reused.
  const v = new ByteWriter(4096, true);
  v.bytes(Buffer.alloc(20_000, 0x62));
  const some = v.take().buffer;
  const after2 = new Set<ArrayBufferLike>();
  for (let k = 0; k < 4; k++) {
    v.ascii('y');
    after2.add(v.take().buffer);
  }
  assert.ok(after2.has(some), 'kept');
});

test('a finding larger than a piece is written whole, in one larger piece', () => {
  const long = `I0507 03:43:28.310630    1234 prober.go:117] Readiness probe for "web-0_shop(0a1b2c3d-0000-4000-8000-000000000001):web" failed (failure): OCI runtime exec failed: exec failed: EOF: unknown ${'é"\\'.repeat(40_000)}`;
  const r = recogniseText('/node/kubelet.log', `${long}\n`, { matcher, keepFindings: false });
  const d = diagnoseOnClock(input([r]));
  assert.equal(setsOf(r).length, 1);
  const got = pieces([r], d, { clusters: d.clusters }, 1024);
  assert.ok(Math.max(...got.map((p) => p.length)) > 100_000, 'one piece holds the finding');
  assert.equal(Buffer.concat(got).toString('utf8'), expected([r], d, { clusters: d.diagnosis.clusters }));
});

test('clusters: the table gives the clusters one at a time, as the diagnosis lists them, most first', () => {
  const recognitions = [...events];
  const d = diagnoseOnClock(input(recognitions));
  const table = d.clusters;
  assert.ok(table instanceof ClusterTable);
  const streamed = [...table];
  assert.ok(streamed.length > 100, `${streamed.length} clusters`);
  // Made when first read, then kept: the same array every time.
  const listed = d.diagnosis.clusters;
  assert.equal(d.diagnosis.clusters, listed);
  assert.deepEqual(streamed, listed);
  assert.deepEqual(table.at(3), listed[3]);
  for (let k = 1; k < listed.length; k++) assert.ok(listed[k - 1]!.count >= listed[k]!.count);
  // Every occurrence is in one cluster; the diagnosis's key order is kept.
  assert.equal(
    listed.reduce((n, c) => n + c.count, 0),
    recognitions.flatMap((r) => setsOf(r)).reduce((n, s) => n + s.count, 0),
  );
  assert.deepEqual(Object.keys(JSON.parse(JSON.stringify(diagnoseOnClock(input(recognitions)).diagnosis)) as object), Object.keys(d.diagnosis));
  // A diagnosis whose clusters are set keeps what it is given (the panel bounds them).
  const other = diagnoseOnClock(input(recognitions)).diagnosis;
  other.clusters = listed.slice(0, 2);
  assert.equal(other.clusters.length, 2);
});

test('instants by arithmetic are isoMicros: leap days, the ends of the range, before 1970', () => {
  const day = 86_400_000_000;
  const edges = [0, 1, 999_999, 1_000_000, -1, -1_000_001, 1.5, Date.UTC(2000, 1, 29) * 1000, Date.UTC(2100, 1, 28, 23, 59, 59) * 1000 + 999_999, Date.UTC(2024, 11, 31, 23, 59, 59) * 1000, 253_402_300_799_999_999, 253_402_300_800_000_000];
  // A walk over the years 1970–9999, about 146 days and a varying time of day a step.
  const walk = Array.from({ length: 20_000 }, (_, i) => i * 12_600_000_000_007 + ((i * 7_919_000_003) % day));
  for (const us of [...edges, ...walk]) assert.equal(isoOf(us), isoMicros(us), String(us));
});

test('numbers (counts, rates and confidences of one or two decimals, others) are written as JSON.stringify writes them', () => {
  const w = new ByteWriter();
  const tenths = Array.from({ length: 30_000 }, (_, k) => k / 10).concat(Array.from({ length: 2000 }, (_, k) => (k * 7_919_993) / 10));
  const hundredths = Array.from({ length: 30_000 }, (_, k) => k / 100).concat(Array.from({ length: 2000 }, (_, k) => (k * 7_919_993) / 100), [0.97, 0.01, 0.1, 0.995, 42_949_672.95]);
  const others = [0.05, 1e-7, 1 / 3, 2 ** 32 + 0.5, 4_294_967_295.5, 1e21, 12.25, Number.NaN, Number.POSITIVE_INFINITY, -1.5];
  for (const v of [...tenths, ...hundredths, ...others, -0]) {
    writeNumber(w, v);
    assert.equal(w.take().toString('latin1'), JSON.stringify(v), String(v));
  }
});

test('instants written by arithmetic are isoMicros: a run of one day, the ends of the range, what it leaves to isoMicros', () => {
  const day = 86_400_000_000;
  const edges = [0, 1, 999_999, 1_000_000, Date.UTC(2000, 1, 29) * 1000, Date.UTC(2100, 1, 28, 23, 59, 59) * 1000 + 999_999, Date.UTC(2024, 11, 31, 23, 59, 59) * 1000, 253_402_300_799_000_000];
  const end = 253_402_300_800_000_000;
  const walk = Array.from({ length: 20_000 }, (_, i) => i * 12_600_000_000_007 + ((i * 7_919_000_003) % day)).filter((us) => us < end);
  // Instants of one day in a row, then the next day: the day's date is kept between them.
  const run = Array.from({ length: 2000 }, (_, i) => Date.UTC(2021, 4, 7) * 1000 + i * 86_000_000 + (i % 7));
  const w = new ByteWriter();
  for (const us of [...edges, ...walk, ...run]) {
    assert.ok(w.iso(us), String(us));
    assert.equal(`${w.take().toString('latin1')}Z`, isoMicros(us), String(us));
  }
  // Before 1970, from the year 10000 on, a fraction of a µs: nothing written, isoMicros's own.
  for (const us of [-1, -1_000_001, end, end + 86_400_000_000, 1.5, Number.NaN]) {
    assert.equal(w.iso(us), false, String(us));
    assert.equal(w.length, 0);
  }
});

test('arena: parts kept side by side up to the bound, a part larger than the bound alone', () => {
  const a = new Arena(16);
  const w = new ByteWriter();
  const x = a.add(Buffer.from('abcdef'), 7);
  assert.ok(a.fits(10));
  assert.ok(!a.fits(11));
  const y = a.add(Buffer.from('0123456789'), 9);
  a.write(w, x);
  a.writeRange(w, y, 2, 5);
  assert.equal(w.take().toString('latin1'), 'abcdef234');
  assert.deepEqual([a.mark(x), a.mark(y), a.length(y)], [7, 9, 10]);
  a.clear();
  assert.ok(a.fits(100), 'nothing kept: a part of any size fits, alone');
  const z = a.add(Buffer.alloc(100, 0x7a), 1);
  assert.equal(z, 0, 'ids are given again after a clear');
  assert.ok(!a.fits(1));
  a.write(w, z);
  assert.equal(w.take().toString('latin1'), 'z'.repeat(100));
});

test('kept parts: equal texts of other nodes and files, awkward texts, and every cache forgotten again and again give the same document', () => {
  // Lines whose texts repeat (four instants, three pods, the awkward strings), in a changing order.
  const lines = Array.from({ length: 90 }, (_, i) => {
    const uid = `0a1b2c3d-0000-4000-8000-00000000000${i % 3}`;
    return `I0507 03:43:2${i % 4}.310630    1234 prober.go:117] Readiness probe for "web-${i % 3}_shop(${uid}):web" failed (failure): OCI runtime exec failed: exec failed: EOF: unknown ${awkward[(i * 7) % awkward.length]}`;
  }).join('\n');
  // The same lines in two nodes' files: equal texts, each finding with its own node and file.
  const a = recogniseText('/nodes/node-a/kubelet.log', `${lines}\n`, { matcher, keepFindings: false });
  const b = recogniseText('/nodes/node-b/kubelet.log', `${lines}\n`, { matcher, keepFindings: false });
  // Another file of node-a with other texts, right after the first: numbers given again mean other texts of the same node.
  const a2 = recogniseText('/nodes/node-a/kubelet.1.log', `${lines.replace(/web-/g, 'api-')}\n`, { matcher, keepFindings: false });
  const recognitions = [a, a2, oneMessage, b, ...events];
  const d = diagnoseOnClock(input(recognitions));
  // A second table of the same sets whose titles differ: each table's clusters with its own titles.
  const retitled = Object.fromEntries(Object.entries(titles).map(([id, title]) => [id, `${title} (again) é`]));
  const other = new ClusterTable(recognitions.flatMap((r) => setsOf(r)), d.clock, retitled);
  const rest = { verdict: d.diagnosis.verdict, clusters: d.clusters, groups: d.diagnosis.groups, retitled: other };
  const want = expected(recognitions, d, { ...rest, clusters: d.diagnosis.clusters, retitled: other.toArray() });
  assert.match(want, /\(again\) é/);
  const doc = JSON.parse(want) as { findings: { node: string | null; text: string; file: string }[] };
  // What the test is about is in it: one text said on two nodes, in one list and in two files; lone surrogates, U+2028.
  const nodesOf = (text: string, file: string) => new Set(doc.findings.filter((f) => f.text === text && f.file === file).map((f) => f.node));
  const listText = doc.findings.find((f) => f.file.endsWith('one-message.json'))!.text;
  assert.deepEqual(nodesOf(listText, oneMessage.file), new Set(['node-a', 'node-b']));
  const fileText = doc.findings.find((f) => f.file === a.file)!.text;
  assert.equal(doc.findings.filter((f) => f.text === fileText && f.file === b.file).length, doc.findings.filter((f) => f.text === fileText && f.file === a.file).length);
  assert.notEqual(nodesOf(fileText, a.file).values().next().value, nodesOf(fileText, b.file).values().next().value);
  assert.match(want, /\\ud800 here/);
  assert.match(want, /\u2028\u2029 separators/);
  const saved = { ...CACHE_BOUNDS };
  const tiny = [
    // Every text part forgotten at each new one (a stale id would copy another text's bytes).
    { textBytes: 1 },
    // Three texts numbered per store (the rest encoded in place; the numbers start over at the next store, their parts forgotten).
    { textsNumbered: 3 },
    // A few texts' parts at a time, and three texts numbered.
    { textBytes: 600, textsNumbered: 3 },
    // Every set's parts forgotten at each set met; one node kept (its text parts no longer match its new id); clusters' encodings made again.
    { partBytes: 1, nodes: 1, clusterParts: 1 },
    { partBytes: 700, textBytes: 900, textsNumbered: 5, nodes: 2, clusterParts: 3 },
    // Stores whose first texts hardly repeat (the generated list's: an item per pod and message) numbered no further.
    { textProbe: 4 },
    { textProbe: 0, textsNumbered: 3, textBytes: 600 },
  ];
  try {
    for (const bounds of tiny) {
      Object.assign(CACHE_BOUNDS, saved, bounds);
      for (const piece of [7, undefined]) assert.equal(Buffer.concat(pieces(recognitions, d, rest, piece)).toString('utf8'), want, `${JSON.stringify(bounds)}, pieces of ${piece}`);
    }
  } finally {
    Object.assign(CACHE_BOUNDS, saved);
  }
  assert.equal(Buffer.concat(pieces(recognitions, d, rest)).toString('utf8'), want);
});

test('clusters are ordered most first, ties in the order of their groups, counts whole or not', () => {
  const random = (seed: number) => () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  const next = random(7);
  const cases = [
    // Zeros among them: the largest key, 2^53 - 1 at most.
    Float64Array.from({ length: 5000 }, () => Math.floor(next() * 20)),
    Float64Array.from({ length: 3000 }, () => Math.floor(next() * 2 ** 31)),
    Float64Array.from([0, 2 ** 31 - 1, 5, 5, 0, 2 ** 31 - 1]),
    // Not as one number: a fraction, a count of 2^31 or more.
    Float64Array.from([1.5, 3, 1.5, 2 ** 31, 3]),
    new Float64Array(0),
  ];
  for (const counts of cases) {
    const want = Uint32Array.from({ length: counts.length }, (_, g) => g).sort((a, b) => counts[b]! - counts[a]! || a - b);
    assert.deepEqual(outputOrder(counts), want);
  }
});

test('the occurrences of a few sets of a store (the placed runtime errors) come in input order, a set asked for twice once', () => {
  const sets = setsOf(events[0]!);
  const few = sets.filter((_, i) => i % 17 === 3);
  assert.ok(few.reduce((n, s) => n + s.size, 0) * 8 < sets[0]!.store.byOrder.length, 'few enough to be sorted, not scanned for');
  const got: [number, number][] = [];
  forEachInOrder([...few, few[0]!], (s, i) => got.push([sets.indexOf(s), i]));
  // Every set asked for: the whole store scanned in its order.
  const want: [number, number][] = [];
  forEachInOrder(sets, (s, i) => {
    if (few.includes(s)) want.push([sets.indexOf(s), i]);
  });
  assert.ok(want.length > 10);
  assert.deepEqual(got, want);
});

test('the samples’ documents: related lines, node-local times with and without the clock’s year, times placed on an inferred clock', async () => {
  let related = 0;
  let local = 0;
  let placed = 0;
  // An older kernel's kill: three lines (mm/oom_kill.c before 4.19: "Kill process … or sacrifice child", then "Killed process").
  const kill = recogniseText(
    '/nodes/node-a/journalctl-k.log',
    [
      '2026-11-30T09:15:30+0000 ip-10-0-3-17 kernel: runc:[2:INIT] invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=-997',
      '2026-11-30T09:15:30+0000 ip-10-0-3-17 kernel: Memory cgroup out of memory: Kill process 46052 (runc:[2:INIT]) score 0 or sacrifice child',
      '2026-11-30T09:15:30+0000 ip-10-0-3-17 kernel: Killed process 46052 (runc:[2:INIT]) total-vm:1083112kB, anon-rss:4032kB, file-rss:1932kB, shmem-rss:0kB',
      '',
    ].join('\n'),
    { matcher, keepFindings: false },
  );
  const cases: Recognition[][] = [[kill]];
  for (const sample of fs.readdirSync(path.join(repoRoot, 'samples')).sort()) {
    const { files } = await gatherInputs([path.join(repoRoot, 'samples', sample)]);
    cases.push(await Promise.all(files.map((f) => recogniseFile(f.path, { matcher, keepFindings: false }))));
  }
  for (const recognitions of cases) {
    const sample = recognitions[0]!.file;
    const d = diagnoseOnClock(input(recognitions));
    const want = expected(recognitions, d, { verdict: d.diagnosis.verdict, clusters: d.diagnosis.clusters });
    assert.equal(Buffer.concat(pieces(recognitions, d, { verdict: d.diagnosis.verdict, clusters: d.clusters })).toString('utf8'), want, sample);
    const found = (JSON.parse(want) as { findings: { related?: number[]; time: string | null; localTime?: string; wallTime?: unknown }[] }).findings;
    related += found.filter((f) => (f.related?.length ?? 0) > 1).length;
    local += found.filter((f) => f.localTime !== undefined).length;
    // A finding with no instant of its own (epochUs NaN) whose time the clock gives.
    placed += findingsOf(recognitions.flatMap((r) => setsOf(r))).filter((f, i) => f.time === null && found[i]!.time !== null).length;
  }
  // What the test is about is in the samples: findings with two related lines or more, node-local times, instants only the clock gives.
  assert.ok(related > 0 && local > 0 && placed > 0, `related ${related}, local ${local}, placed ${placed}`);
});
