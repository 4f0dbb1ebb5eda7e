import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { diagnoseOnClock } from '../../src/core/diagnosis/diagnose';
import { writeDiagnosisJson } from '../../src/core/diagnosis/json';
import { DiagnosisSession, gatherInputs } from '../../src/core/diagnosis/session';
import { parseZone } from '../../src/core/logs/time';
import { builtInSignatures } from '../../src/core/signatures/catalog';
import { Matcher } from '../../src/core/signatures/matcher';
import { findingsOf, occurrenceSets, SAMPLE_PER_FILE, setsOf } from '../../src/core/signatures/occurrences';
import { type Recognition, type RecogniseOptions, recogniseFile, recogniseText } from '../../src/core/signatures/recognise';
import type { Finding } from '../../src/core/signatures/types';
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
