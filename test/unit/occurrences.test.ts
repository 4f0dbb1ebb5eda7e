import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { diagnoseOnClock } from '../../src/core/diagnosis/diagnose';
import { writeDiagnosisJson } from '../../src/core/diagnosis/json';
import { DiagnosisSession, gatherInputs } from '../../src/core/diagnosis/session';
import { parseZone, resolveTime } from '../../src/core/logs/time';
import type { LogFormat, LogRecord, LogTime } from '../../src/core/logs/types';
import { builtInSignatures } from '../../src/core/signatures/catalog';
import { Matcher } from '../../src/core/signatures/matcher';
import { findingsOf, newSetHint, OccurrenceBuilder, occurrenceSets, SAMPLE_PER_FILE, type SetHint, setsOf } from '../../src/core/signatures/occurrences';
import { type Recognition, type RecogniseOptions, recogniseFile, recogniseText } from '../../src/core/signatures/recognise';
import type { ErrorAnatomy, Finding, OccurrenceSet } from '../../src/core/signatures/types';
import { repoRoot } from '../harness/paths';

// Issue 18: findings as OccurrenceSets must carry what the flat findings did. Each input is read twice:
// keeping every Finding (the flat form; each finding then its own set) and keeping only the sets the
// reader groups as it goes. Both must give the same Diagnosis, the same `--json` bytes, and every
// occurrence back as the Finding it was.

const matcher = new Matcher(builtInSignatures());
const samples = path.join(repoRoot, 'samples');
let dir: string;
const inputs: { name: string; files: string[]; options?: { tz?: string; year?: number } }[] = [];

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-occurrences-'));
  const generate = (...args: string[]) => JSON.parse(execFileSync('node', [path.join(repoRoot, 'bench', 'generate-events.mjs'), dir, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })) as { file: string };
  const compact = generate('2000').file;
  const indented = generate('1500', '--indent').file;
  const journal = generate('--journal', '3000').file;
  // Lines the sets must give back exactly: a leap second, a yearless 29 February, no time at all, microseconds.
  const odd = path.join(dir, 'odd-kubelet.log');
  fs.writeFileSync(
    odd,
    [
      'I0229 23:59:60.999999   1234 prober.go:117] Readiness probe for "web-0_shop(0a1b2c3d-0000-4000-8000-000000000001):web" failed (failure): OCI runtime exec failed: exec failed: EOF: unknown',
      'I0301 00:00:00.000001   1234 prober.go:117] Readiness probe for "web-1_shop(0a1b2c3d-0000-4000-8000-000000000002):web" failed (failure): OCI runtime exec failed: exec failed: unexpected EOF: unknown',
      'OCI runtime exec failed: exec failed: EOF: unknown',
      '',
    ].join('\n'),
  );
  const found = new Map<string, string[]>();
  for (const d of ['eof-incident', 'ambiguous-case', 'oom-case']) found.set(d, (await gatherInputs([path.join(samples, d)])).files.map((f) => f.path));
  const files = (d: string) => found.get(d)!;
  inputs.push(
    { name: 'eof-incident', files: files('eof-incident') },
    { name: 'eof-incident --tz', files: files('eof-incident'), options: { tz: '+08:00' } },
    { name: 'ambiguous-case', files: files('ambiguous-case') },
    { name: 'oom-case', files: files('oom-case') },
    { name: 'every sample', files: [...files('eof-incident'), ...files('ambiguous-case'), ...files('oom-case')] },
    { name: 'event lists and a journal', files: [compact, indented, journal, ...files('eof-incident')] },
    { name: 'odd times', files: [odd], options: { year: 2024 } },
    { name: 'odd times without a year', files: [odd] },
  );
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

function timeOptions(o: { tz?: string; year?: number } = {}) {
  return { ...(o.tz ? { zone: parseZone(o.tz)! } : {}), ...(o.year !== undefined ? { year: o.year } : {}) };
}

async function readAll(files: string[], options: RecogniseOptions): Promise<Recognition[]> {
  const out: Recognition[] = [];
  for (const f of files) out.push(await recogniseFile(f, options));
  return out;
}

/** Each finding its own set: the flat form, as the diagnosis read findings before sets. */
function flat(recognitions: Recognition[]): Recognition[] {
  return recognitions.map((r) => ({ ...r, sets: r.findings.flatMap((f) => occurrenceSets([f])) }));
}

const input = (recognitions: Recognition[], o: { tz?: string; year?: number } = {}) => ({
  recognitions,
  facts: recognitions.flatMap((r) => r.facts),
  saveState: null,
  user: {},
  ...timeOptions(o),
  titles: Object.fromEntries(matcher.signatures.map((s) => [s.def.id, s.def.title])),
});

/** What a Finding says that the diagnosis, the views and `--json` read. */
function said(f: Finding) {
  const r = f.record;
  return {
    file: f.file,
    line: f.line,
    signature: f.signature,
    match: { ...f.match },
    text: f.text,
    textColumn: f.textColumn,
    wallTime: f.wallTime,
    time: f.time,
    record: { format: r.format, component: r.component, pod: r.pod, namespace: r.namespace, container: r.container, count: r.count, node: r.node ?? null },
    // A runtime error's anatomy, an event's other lines and its id: per occurrence, as --json writes them.
    anatomy: f.anatomy ?? null,
    related: f.related ?? null,
    event: f.event ?? null,
  };
}

function json(recognitions: Recognition[], clock: ReturnType<typeof diagnoseOnClock>['clock'], rest: Record<string, unknown>): string {
  let out = '';
  writeDiagnosisJson((s) => (out += s), recognitions, clock, rest);
  return out;
}

test('every occurrence comes back from the sets as the Finding it was, in input order', async () => {
  for (const c of inputs) {
    const options = { ...timeOptions(c.options), matcher };
    const kept = await readAll(c.files, options);
    const grouped = await readAll(c.files, { ...options, keepFindings: false });
    for (const [k, r] of grouped.entries()) {
      assert.deepEqual(r.findings, [], 'the sets alone are kept');
      const want = kept[k]!.findings.map(said);
      assert.ok(want.length > 0 || c.name === 'odd times' || r.sets!.length === 0, `${c.name}: ${r.file}`);
      assert.deepEqual(findingsOf(r.sets!).map(said), want, `${c.name}: ${r.file}`);
      // Every count is kept: per set, and as the sum of its lines'.
      for (const s of r.sets!) {
        assert.equal(s.count, s.counts.reduce((a, b) => a + b, 0));
        assert.equal(s.lines.length, s.size);
        assert.ok(s.sample.length > 0 && s.sample.length <= 65);
        assert.equal(s.sample[0]!.line, s.lines[0]);
      }
    }
  }
});

/** Everything a set and its store hold, as plain values: two readings that agree on this agree on every set. */
function held(sets: readonly OccurrenceSet[]) {
  const stores = [...new Set(sets.map((s) => s.store))].map((store) => ({ byOrder: Array.from(store.byOrder), sets: store.sets.length }));
  return { stores, sets: sets.map((s) => ({
    key: s.key,
    fields: [s.file, s.signature, s.node, s.pod, s.namespace, s.container, s.component, s.format, s.recordNode],
    count: s.count,
    place: [s.start, s.size],
    columns: [s.lines, s.counts, s.wallMs, s.offsets, s.epochUs, s.flags, s.order, s.columns, s.matches].map((a) => Array.from(a as ArrayLike<number>)),
    texts: s.store.texts.slice(s.start, s.start + s.size),
    anatomies: Array.from(s.store.anatomyIds.subarray(s.start, s.start + s.size), (a) => (a > 0 ? s.store.anatomies[a - 1] : null)),
    related: [...s.store.related].filter(([k]) => k >= s.start && k < s.start + s.size),
    events: [...s.store.events].filter(([k]) => k >= s.start && k < s.start + s.size),
    sample: s.sample,
  })) };
}

test('sets read without a Finding per occurrence hold what the sets of the Findings hold, their samples the Findings in full', async () => {
  for (const c of inputs) {
    const options = { ...timeOptions(c.options), matcher };
    const kept = await readAll(c.files, options);
    const grouped = await readAll(c.files, { ...options, keepFindings: false });
    for (const [k, r] of grouped.entries()) {
      // The Findings' sets are made from the Findings (OccurrenceBuilder.add); the others straight
      // from each record, span and text (addOccurrence), their sample's Findings made from the records.
      const fromFindings = occurrenceSets(kept[k]!.findings);
      assert.deepEqual(held(r.sets!), held(fromFindings), `${c.name}: ${r.file}`);
      // The sample is the recognised Findings: record, message and severity included.
      const byPlace = new Map(kept[k]!.findings.map((f) => [`${f.line}:${f.textColumn}:${f.signature}`, f]));
      for (const s of r.sets!) for (const f of s.sample) assert.deepEqual(f, byPlace.get(`${f.line}:${f.textColumn}:${f.signature}`), `${c.name}: ${r.file}:${f.line}`);
    }
  }
});

test('the builder keeps every occurrence across its chunks, with more sets than its first tables and more strings than 16 bits count', () => {
  // Enough occurrences for several chunks of the builder's columns; sets by pod and signature, the
  // later pods each their own (over 65,536 strings); times, anatomies, events and related lines on some.
  const n = 90_000;
  const anatomy: ErrorAnatomy = { layers: [], innermost: { operation: 'write', object: 'init-p', errno: 'EPIPE', text: 'broken pipe' }, versions: {} };
  const times: LogTime[] = Array.from({ length: 50 }, (_, s) => ({ year: s % 7 === 0 ? null : 2024, month: 3, day: 1, hour: 10, minute: s, second: s === 3 ? 60 : s % 60, micros: s * 1001, offsetMinutes: s % 5 === 0 ? null : 60 }));
  const hints = { year: 2023, offsetMinutes: -300, line: 1 };
  const findings: Finding[] = [];
  for (let i = 0; i < n; i++) {
    const wallTime = i % 11 === 0 ? null : times[Math.floor(i / 1800) % times.length]!;
    const record: LogRecord = {
      format: i % 13 === 0 ? 'journald' : 'klog',
      payloadFormat: 'klog',
      time: wallTime,
      severity: 'error',
      component: i % 3 === 0 ? 'kubelet' : 'containerd',
      pod: i < 20_000 ? `pod-${i % 97}` : `pod-${i}`,
      namespace: i % 2 ? 'shop' : null,
      container: i % 5 ? 'web' : null,
      count: 1 + (i % 4),
      message: `message ${i % 300}`,
      ...(i % 3 === 0 ? {} : { node: i % 3 === 1 ? `node-${i % 7}` : null }),
    };
    const f: Finding = { file: '/logs/node-x/kubelet.log', line: i + 1, signature: `sig-${i % 3}`, match: { start: i % 17, end: (i % 17) + 5 }, record, wallTime, time: null, text: `text ${i % 1000}`, textColumn: i % 29 };
    if (i >= 20_000 && i % 9 === 0) f.anatomy = anatomy;
    if (i % 1000 === 7) f.event = `exec-id:${i}`;
    if (i % 2000 === 9) f.related = [i + 2, i + 3];
    findings.push(f);
  }
  const resolve = (t: LogTime) => resolveTime(t, {}, hints);
  for (const f of findings) f.time = f.wallTime ? resolve(f.wallTime) : null;
  const fromFindings = occurrenceSets(findings);
  assert.deepEqual(findingsOf(fromFindings).map(said), findings.map(said));
  assert.ok(fromFindings.length > 65_536, `${fromFindings.length} sets`);
  // Straight from the records, times resolved by the builder: the same sets, the same occurrences.
  const b = new OccurrenceBuilder();
  for (const f of findings) {
    const i = b.addOccurrence(f.file, f.line, f.signature, f.match.start, f.match.end, f.record, f.text, f.textColumn, f.anatomy, f.event);
    for (const l of f.related ?? []) b.relate(i, l);
  }
  const direct = b.finish(resolve);
  assert.deepEqual(findingsOf(direct).map(said), findings.map(said));
  assert.deepEqual(held(direct), held(fromFindings));
  // The sample: at most SAMPLE_PER_FILE Findings kept over the file, and each set's last when it has a sample.
  const sampled = direct.filter((s) => s.sample.length > 0);
  assert.ok(sampled.length > 0 && direct.reduce((k, s) => k + s.sample.length, 0) <= SAMPLE_PER_FILE + sampled.length);
  for (const s of sampled) {
    assert.deepEqual(s.sample[0], findings[s.lines[0]! - 1]);
    assert.deepEqual(s.sample.at(-1), findings[s.lines.at(-1)! - 1]);
  }
});

test('the grouped findings give the same Diagnosis and the same --json bytes as the flat ones', async () => {
  for (const c of inputs) {
    const options = { ...timeOptions(c.options), matcher };
    const kept = flat(await readAll(c.files, options));
    const grouped = await readAll(c.files, { ...options, keepFindings: false });
    assert.ok(grouped.flatMap((r) => r.sets!).length < kept.flatMap((r) => r.sets!).length || kept.flatMap((r) => r.findings).length === 0 || c.name.startsWith('odd'), `${c.name}: grouping groups`);
    const a = diagnoseOnClock(input(kept, c.options));
    const b = diagnoseOnClock(input(grouped, c.options));
    assert.deepEqual(b.diagnosis, a.diagnosis, c.name);
    assert.deepEqual(b.clock, a.clock, c.name);
    const rest = { verdict: b.diagnosis.verdict, clusters: b.diagnosis.clusters, fleet: b.diagnosis.fleet };
    const text = json(grouped, b.clock, rest);
    assert.equal(text, json(kept, a.clock, rest), c.name);
    // One document, as JSON.stringify would write it.
    const doc = JSON.parse(text) as { findings: unknown[] };
    assert.equal(text, `${JSON.stringify(doc, null, 2)}\n`);
    assert.equal(doc.findings.length, kept.reduce((n, r) => n + r.findings.length, 0));
  }
});

test('the event lists: every event, occurrence, node and time is in the sets', async () => {
  const files = inputs.find((c) => c.name === 'event lists and a journal')!.files.filter((f) => f.startsWith(dir));
  for (const file of files) {
    const meta = JSON.parse(fs.readFileSync(`${file}.meta.json`, 'utf8')) as { counts: Record<string, number>; occurrences?: Record<string, number>; nodes: number };
    const r = await recogniseFile(file, { matcher, keepFindings: false });
    const events: Record<string, number> = {};
    const occurrences: Record<string, number> = {};
    let timed = 0;
    for (const s of setsOf(r)) {
      events[s.signature] = (events[s.signature] ?? 0) + s.size;
      occurrences[s.signature] = (occurrences[s.signature] ?? 0) + s.count;
      timed += s.epochUs.filter((t) => !Number.isNaN(t)).length;
    }
    assert.deepEqual(events, meta.counts, file);
    if (meta.occurrences) assert.deepEqual(occurrences, meta.occurrences, file);
    assert.equal(new Set(setsOf(r).map((s) => s.node)).size, meta.nodes, file);
    assert.equal(timed, Object.values(meta.counts).reduce((a, b) => a + b, 0), `${file}: every time known`);
  }
});

test('what was read: an event list counts its events (a compact list is one line), every other input its lines', async () => {
  const c = inputs.find((i) => i.name === 'event lists and a journal')!;
  const [compact, indented, journal, ...logs] = c.files;
  const session = new DiagnosisSession({ matcher, time: {} });
  await session.read(c.files);
  const by = new Map(session.recognitions.map((r) => [r.file, r]));
  const metaOf = (f: string) => JSON.parse(fs.readFileSync(`${f}.meta.json`, 'utf8')) as { events: number };
  assert.equal(by.get(compact!)!.lines, 1);
  assert.equal(by.get(compact!)!.events, metaOf(compact!).events);
  assert.ok(by.get(indented!)!.lines > metaOf(indented!).events);
  assert.equal(by.get(indented!)!.events, metaOf(indented!).events);
  for (const f of [journal!, ...logs]) assert.equal(by.get(f)!.events, undefined, f);
  const lines = [journal!, ...logs].reduce((n, f) => n + by.get(f)!.lines, 0);
  assert.ok(lines > 0);
  assert.deepEqual(session.diagnose({ saveState: null, user: {} }).diagnosis.inputs, { files: c.files.length, lines, events: metaOf(compact!).events + metaOf(indented!).events });
  // Logs alone: no events.
  const alone = new DiagnosisSession({ matcher, time: {} });
  await alone.read(logs);
  assert.equal(alone.diagnose({ saveState: null, user: {} }).diagnosis.inputs.events, 0);
});

test('the sample stays a sample: at most SAMPLE_PER_FILE full findings per file', async () => {
  const file = inputs.find((c) => c.name === 'event lists and a journal')!.files[0]!;
  const r = await recogniseFile(file, { matcher, keepFindings: false });
  const kept = r.sets!.reduce((n, s) => n + s.sample.length, 0);
  assert.ok(kept <= SAMPLE_PER_FILE + r.sets!.length, `${kept} sample findings`);
});

test('a session reads each file once: answers, settling and pasting diagnose without reading again', async () => {
  const files = (await gatherInputs([path.join(samples, 'eof-incident')])).files.map((f) => f.path);
  const copy = path.join(dir, 'session');
  fs.mkdirSync(copy, { recursive: true });
  const mine = files.map((f) => {
    const to = path.join(copy, path.basename(f));
    fs.copyFileSync(f, to);
    return to;
  });
  const read: string[] = [];
  const session = new DiagnosisSession({ matcher, time: {}, readFile: (f, o) => (read.push(f), recogniseFile(f, o)) });
  await session.read(mine);
  assert.equal(read.length, mine.length);
  assert.equal(session.reads, mine.length);
  const first = session.diagnose({ saveState: null, user: {} }).diagnosis;
  const answered = session.diagnose({ saveState: null, user: { observations: { 'cpu-manager-static': false }, settledCause: 'runc-init-oom' } }).diagnosis;
  assert.notDeepEqual(answered.verdict.evidence, first.verdict.evidence, 'the answer is weighed');
  assert.equal(answered.fixesFor, 'runc-init-oom');
  session.setPasted([{ name: 'pasted-1', text: 'runc version 1.0.0-rc6\ncommit: ccb5efd\nspec: 1.0.1-dev\n' }]);
  const pasted = session.diagnose({ saveState: null, user: {} }).diagnosis;
  assert.match(pasted.verdict.evidence.find((e) => e.id === 'runc-before-fix')!.detail, /1\.0\.0-rc6/);
  // Reading the same files again reads nothing; a changed file is read again, alone.
  await session.read(mine);
  assert.equal(read.length, mine.length);
  const changed = mine.find((f) => f.endsWith('kubelet.log'))!;
  fs.appendFileSync(changed, 'I0507 03:50:00.000000   1234 server.go:417] Version: v1.14.8\n');
  await session.read(mine);
  assert.deepEqual(read.slice(mine.length), [changed]);
  assert.equal(session.diagnose({ saveState: null, user: {} }).diagnosis.inputs.files, mine.length + 1);
  // New signatures: everything is read again with them.
  session.configure(new Matcher(builtInSignatures()), {});
  await session.read(mine);
  assert.equal(read.length, 2 * mine.length + 1);
});

test('a session leaves out what it cannot read, and a missing path is an InputError', async () => {
  const session = new DiagnosisSession({ matcher, time: {} });
  const binary = path.join(dir, 'binary.log');
  fs.writeFileSync(binary, Buffer.from([0, 1, 2, 3, 0, 0, 0, 255]));
  const good = path.join(samples, 'eof-incident', 'dockerd.log');
  const { failed } = await session.read([binary, good]);
  assert.deepEqual(failed.map((e) => e.file), [binary]);
  assert.deepEqual(session.recognitions.map((r) => r.file), [good]);
  await assert.rejects(gatherInputs([path.join(dir, 'nope')]), /nope: no such file or directory/);
});

test('a reading kept from elsewhere (a large file counted in its tab) is taken by the next read while the file is unchanged', async () => {
  const file = path.join(dir, 'kept.log');
  fs.copyFileSync(path.join(samples, 'eof-incident', 'kubelet.log'), file);
  const read: string[] = [];
  const session = new DiagnosisSession({ matcher, time: {}, readFile: (f, o) => (read.push(f), recogniseFile(f, o)) });
  const counted = await recogniseFile(file, { matcher, keepFindings: false });
  session.keep(file, fs.statSync(file), counted);
  await session.read([file]);
  assert.deepEqual(read, [], 'the kept reading is used');
  assert.equal(session.recognitions[0], counted);
  // A kept reading waits while the session reads other files.
  await session.read([]);
  session.keep(file, fs.statSync(file), counted);
  await session.read([]);
  await session.read([file]);
  assert.deepEqual(read, [], 'kept across a read of other files');
  // Kept, then the file changes: the next read reads it.
  await session.read([]);
  session.keep(file, fs.statSync(file), counted);
  fs.appendFileSync(file, 'I0507 03:50:00.000000   1234 server.go:417] Version: v1.14.8\n');
  await session.read([file]);
  assert.deepEqual(read, [file], 'a changed file is read again');
  assert.notEqual(session.recognitions[0], counted);
});

test('an editor document keeps its findings, and its sets are made from them on first use', () => {
  const text = fs.readFileSync(path.join(samples, 'eof-incident', 'kubelet.log'), 'utf8');
  const r = recogniseText('kubelet.log', text, { matcher });
  assert.ok(r.findings.length > 0);
  assert.deepEqual(findingsOf(r.sets!).map(said), r.findings.map(said));
  assert.equal(r.sets, r.sets, 'made once');
});

test('a set hint gives the set of the occurrence’s own key, whatever the hint saw last and in whichever builder', () => {
  // The recogniser keeps a hint per distinct message. Here one hint serves every occurrence: every other
  // one has a base key, and those between it each differ from it in one field only (file, signature,
  // node undefined or null, namespace, pod, container, component, format), so a hint that skipped any
  // field's comparison would put an occurrence in its neighbour's set.
  const base = { file: '/logs/a.log', signature: 'sig-0', node: undefined as string | null | undefined, namespace: 'shop' as string | null, pod: 'web-0', container: 'web' as string | null, component: 'kubelet', format: 'klog' as LogFormat };
  const other: Partial<typeof base>[] = [{ file: '/logs/b.log' }, { signature: 'sig-1' }, { node: null }, { node: 'node-1' }, { namespace: null }, { pod: 'web-1' }, { container: null }, { component: 'containerd' }, { format: 'journald' }];
  const findings: Finding[] = [];
  for (let i = 0; i < 2000; i++) {
    const k = { ...base, ...(i % 2 ? other[(i >> 1) % other.length] : {}) };
    const record: LogRecord = { format: k.format, payloadFormat: 'klog', time: null, severity: 'error', component: k.component, pod: k.pod, namespace: k.namespace, container: k.container, count: 1 + (i % 4), message: 'm', ...(k.node === undefined ? {} : { node: k.node }) };
    findings.push({ file: k.file, line: i + 1, signature: k.signature, match: { start: 0, end: 1 }, record, wallTime: null, time: null, text: `t${i % 29}`, textColumn: 0 });
  }
  const read = (list: Finding[], hint?: SetHint) => {
    const b = new OccurrenceBuilder();
    for (const f of list) b.addOccurrence(f.file, f.line, f.signature, f.match.start, f.match.end, f.record, f.text, f.textColumn, undefined, undefined, hint);
    return held(b.finish());
  };
  const plain = read(findings);
  assert.equal(plain.sets.length, 1 + other.length);
  const hint = newSetHint();
  assert.deepEqual(read(findings, hint), plain);
  // The hint, holding the first builder's set of the last occurrence, in a builder where that key's set has another id.
  const reversed = [...findings].reverse();
  assert.deepEqual(read(reversed, hint), read(reversed));
});
