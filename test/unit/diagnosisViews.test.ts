import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { run as runCli } from '../../src/cli/main';
import { CAUSES, execFailureSignatures } from '../../src/core/diagnosis/causes';
import { diagnose } from '../../src/core/diagnosis/diagnose';
import { nextQuestion, rank } from '../../src/core/diagnosis/differential';
import { headline, probability } from '../../src/core/diagnosis/numbers';
import { panelDiagnosis } from '../../src/core/diagnosis/protocol';
import { READERS, answerFrom, sourceAttachments, withLabResult } from '../../src/core/diagnosis/observations';
import { reportMarkdown } from '../../src/core/diagnosis/report';
import type { Diagnosis, Evidence, SourceCheckAttachment, UserFacts } from '../../src/core/diagnosis/types';
import { discoverLogs } from '../../src/core/logs/discover';
import { builtInSignatures } from '../../src/core/signatures/catalog';
import { hoverMarkdown, whichCause } from '../../src/core/signatures/describe';
import { Matcher } from '../../src/core/signatures/matcher';
import { type Recognition, recogniseFile, recogniseText } from '../../src/core/signatures/recognise';
import type { SaveStateFact } from '../../src/core/trace/facts';
import type { Hop } from '../../src/core/trace/types';
import { parsePanelState } from '../../media/validate';
import { prng } from '../harness/prng';
import { repoRoot } from '../harness/paths';

const matcher = new Matcher(builtInSignatures());
const titles = Object.fromEntries(matcher.signatures.map((s) => [s.def.id, s.def.title]));
const sample = (name: string) => path.join(repoRoot, 'samples', name);

async function recogniseDir(dir: string): Promise<Recognition[]> {
  return Promise.all(discoverLogs(dir).files.map((f) => recogniseFile(f, { matcher })));
}

function diagnoseWith(recognitions: Recognition[], user: UserFacts = {}, saveState: SaveStateFact | null = null): Diagnosis {
  return diagnose({ recognitions, facts: recognitions.flatMap((r) => r.facts), saveState, user, titles });
}

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, (s) => (out += s), (s) => (err += s));
  return { code, out, err };
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'runtime-lens-views-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const ev = (d: Diagnosis, id: string): Evidence => d.verdict.evidence.find((e) => e.id === id)!;

// ── The adapters and the webview name no cause ──────────────────────────────────────────────────

function filesUnder(dir: string, exts: string[]): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? filesUnder(p, exts) : exts.some((x) => e.name.endsWith(x)) ? [p] : [];
  });
}

test('src/extension/ and media/ name no cause of causes.json: what is known about a cause lives in the core and its data', () => {
  const ids = CAUSES.causes.map((c) => c.id);
  const words = [...ids, ...CAUSES.causes.map((c) => c.title)];
  assert.ok(ids.length >= 10);
  // The search itself finds them where they are.
  const catalogText = fs.readFileSync(path.join(repoRoot, 'src', 'core', 'knowledge', 'causes.json'), 'utf8');
  for (const w of words) assert.ok(catalogText.includes(JSON.stringify(w).slice(1, -1)), w);
  const files = [...filesUnder(path.join(repoRoot, 'src', 'extension'), ['.ts']), ...filesUnder(path.join(repoRoot, 'media'), ['.ts', '.css'])];
  assert.ok(files.length > 20, `${files.length} files`);
  const hits: string[] = [];
  // An id is named as a string (`'other'`, "other", `other`): the outside cause's id is also an English word.
  const named = (text: string, w: string) => (ids.includes(w) ? ['"', "'", '`'].some((q) => text.includes(`${q}${w}${q}`)) : text.includes(w));
  for (const f of files) {
    const text = fs.readFileSync(f, 'utf8');
    for (const w of words) if (named(text, w)) hits.push(`${path.relative(repoRoot, f)}: ${w}`);
  }
  assert.deepEqual(hits, []);
});

// ── Observations as plugins ─────────────────────────────────────────────────────────────────────

test('every observation of the catalog has a reader, or a question for a person to answer; every reader is registered under a catalog id', () => {
  const ids = new Set(CAUSES.observations.map((o) => o.id));
  for (const o of CAUSES.observations) assert.ok(READERS[o.id] || o.question, `${o.id}: no reader and no question`);
  for (const id of Object.keys(READERS)) assert.ok(ids.has(id), `reader ${id} is not in causes.json`);
});

test('the readers name no signature: the signatures they read reach them from causes.json', () => {
  const dir = path.join(repoRoot, 'src', 'core', 'diagnosis', 'observations');
  const sigIds = matcher.signatures.map((s) => s.def.id);
  const hits = filesUnder(dir, ['.ts']).flatMap((f) => sigIds.filter((id) => fs.readFileSync(f, 'utf8').includes(`'${id}'`)).map((id) => `${path.basename(f)}: ${id}`));
  assert.deepEqual(hits, []);
  // Given other signatures, the same reader reads them: the catalog's params decide.
  const rec = recogniseText('/n/kubelet.log', 'I0507 03:43:28.310630    1234 prober.go:117] Readiness probe for "shop/a (1):a" failed (failure): Get "http://10.0.0.5:8080/healthz": EOF\n', { matcher });
  const catalog = structuredClone(CAUSES);
  catalog.observations.find((o) => o.id === 'eof-errors-present')!.params = { signatures: ['http-probe-eof'] };
  const d = diagnose({ recognitions: [rec], facts: [], saveState: null, user: {}, titles, catalog });
  assert.equal(ev(d, 'eof-errors-present').holds, true);
  assert.equal(ev(diagnoseWith([rec]), 'eof-errors-present').holds, false);
});

test('answers are observation answers: yes/no to the question, a typed version or period, each checked by its observation', () => {
  assert.equal(answerFrom(CAUSES, 'cpu-manager-static', 'yes'), true);
  assert.equal(answerFrom(CAUSES, 'cpu-manager-static', 'static'), null);
  assert.equal(answerFrom(CAUSES, 'runc-before-fix', '1.0.0-rc6'), '1.0.0-rc6');
  assert.equal(answerFrom(CAUSES, 'runc-before-fix', 'no'), false);
  assert.equal(answerFrom(CAUSES, 'reconcile-aligned', '10'), 10);
  assert.equal(answerFrom(CAUSES, 'reconcile-aligned', '0'), null);
  assert.equal(answerFrom(CAUSES, 'eof-errors-present', 'yes'), null);
  assert.equal(answerFrom(CAUSES, 'no-such-observation', 'yes'), null);
  // A stored answer of the wrong kind (an older panel's, a hand-edited state) is ignored, never a crash.
  // With policy none the race has no writer: the EOF alone no longer settles it (the catalog's other EOF printer and a cause outside it remain).
  const rec = recogniseText('/n/kubelet.log', 'I0507 03:40:01.000000    1234 flags.go:33] FLAG: --cpu-manager-policy="none"\nI0507 03:43:28.310630    1234 prober.go:117] Readiness probe for "shop/a (1):a" failed (failure): OCI runtime exec failed: exec failed: EOF: unknown\n', { matcher });
  const d = diagnoseWith([rec], { observations: { 'reconcile-aligned': 'ten', 'reproduced-state-race': 'yes', 'runc-before-fix': 42 } as unknown as UserFacts['observations'] });
  assert.equal(ev(d, 'reproduced-state-race').holds, null);
  assert.equal(ev(d, 'runc-before-fix').holds, null);
});

// ── One number, one meaning ─────────────────────────────────────────────────────────────────────

/** The percentages a text states for each cause id, e.g. "  97%  cpu-manager-state-race — …" or "| … (`id`) | 97% |". */
function cliRanking(out: string): Map<string, string> {
  return new Map([...out.matchAll(/^\s+(\d+%)\s+([a-z0-9-]+) — /gm)].map((m) => [m[2]!, m[1]!]));
}
function reportRanking(md: string): Map<string, string> {
  return new Map([...md.matchAll(/\(`([a-z0-9-]+)`\) \| (\d+%) \|/g)].map((m) => [m[1]!, m[2]!]));
}

for (const name of ['eof-incident', 'oom-case', 'ambiguous-case']) {
  test(`${name}: the CLI, the report and the JSON state one number with one meaning`, async () => {
    const report = path.join(tmp, `${name}.md`);
    const human = await cli('diagnose', '--report', report, sample(name));
    assert.equal(human.code, 0, human.err);
    const json = JSON.parse((await cli('diagnose', '--json', sample(name))).out) as { verdict: { cause: string; confidence: number }; hypotheses: { cause: string; confidence: number }[]; ranked: { cause: string; posterior: number }[] };
    const md = fs.readFileSync(report, 'utf8');
    const verdictLine = /^Verdict: ([a-z-]+) — (.*?) \((.*)\)$/m.exec(human.out)!;
    const reportLine = /^\*\*Verdict:\*\* `([a-z-]+)` — (.*)$/m.exec(md)!;
    assert.ok(verdictLine && reportLine, `${human.out}\n${md}`);
    assert.equal(verdictLine[1], json.verdict.cause);
    assert.equal(reportLine[1], json.verdict.cause);
    // The same label, and its number is the verdict's confidence: the leader's posterior.
    assert.equal(verdictLine[3], reportLine[2]);
    assert.ok(verdictLine[3]!.includes(probability(json.verdict.confidence)), verdictLine[3]);
    assert.equal(json.verdict.confidence, json.hypotheses[0]!.confidence);
    assert.equal(probability(json.ranked[0]!.posterior), probability(json.verdict.confidence));
    if (json.verdict.cause === 'unknown') {
      // Never one minus the leader: the number is the leader's, and the label names it.
      assert.match(verdictLine[3]!, /^leading cause .+: \d+% probability$/);
      assert.ok(Math.abs(json.verdict.confidence - Math.min(0.97, json.ranked[0]!.posterior)) < 0.006);
    } else assert.match(verdictLine[3]!, /^\d+% probability given the evidence$/);
    // Every cause both rank shows the same percentage in both.
    const a = cliRanking(human.out);
    const b = reportRanking(md);
    const shared = [...a.keys()].filter((k) => b.has(k));
    assert.ok(shared.length >= 2, `${[...a]} / ${[...b]}`);
    for (const k of shared) assert.equal(a.get(k), b.get(k), k);
    for (const r of json.ranked) if (a.has(r.cause)) assert.equal(a.get(r.cause), probability(r.posterior), r.cause);
  });
}

test('a leader above the cap reads the same in the headline and in the ranking (never 97% here and 100% there)', async () => {
  const d = diagnoseWith(await recogniseDir(sample('eof-incident')));
  assert.ok(d.ranked[0]!.posterior > 0.97, String(d.ranked[0]!.posterior));
  assert.equal(probability(d.ranked[0]!.posterior), '97%');
  assert.equal(headline(d).line, `${d.causes[d.verdict.cause]!.title} — 97% probability given the evidence`);
});

// ── Questions that separate two causes ──────────────────────────────────────────────────────────

test('a next question always separates two different causes, or is not asked', () => {
  const failures = [...execFailureSignatures()];
  const askable = CAUSES.observations.filter((o) => o.question).map((o) => o.id);
  const rand = prng(16);
  let asked = 0;
  for (let i = 0; i < 600; i++) {
    const sigs = new Set(failures.filter(() => rand() < 0.25));
    if (sigs.size === 0) sigs.add(failures[Math.floor(rand() * failures.length)]!);
    const evidence: Evidence[] = CAUSES.observations.map((o) => {
      const r = rand();
      const holds = askable.includes(o.id) && r < 0.5 ? null : r < 0.3 ? null : r < 0.65;
      return { id: o.id, holds, detail: '', title: o.title, source: 'logs' };
    });
    const ranked = rank(CAUSES, evidence, sigs, titles);
    const q = nextQuestion(CAUSES, ranked, evidence);
    if (!q) continue;
    asked += 1;
    assert.notEqual(q.ifYes, q.ifNo, `${[...sigs]}: ${q.observation} points at ${q.ifYes} either way`);
  }
  assert.ok(asked > 50, `only ${asked} questions asked`);
});

test('the samples: the question asked (if any) points at different causes for yes and no', async () => {
  for (const name of ['eof-incident', 'oom-case', 'ambiguous-case']) {
    const d = diagnoseWith(await recogniseDir(sample(name)));
    if (d.question) assert.notEqual(d.question.ifYes, d.question.ifNo, name);
  }
});

// ── Settle on this cause ────────────────────────────────────────────────────────────────────────

test('settling on a cause makes it the verdict, with its fixes, and the report says it was settled by hand', async () => {
  const recs = await recogniseDir(sample('ambiguous-case'));
  const before = diagnoseWith(recs);
  assert.equal(before.verdict.cause, 'unknown');
  const settledOn = before.ranked[1]!.cause;
  const d = diagnoseWith(recs, { settledCause: settledOn });
  assert.equal(d.verdict.cause, settledOn);
  assert.equal(d.verdict.settled?.by, 'hand');
  assert.equal(d.verdict.settled?.evidenceCause, 'unknown');
  assert.equal(d.verdict.settled?.leader, before.ranked[0]!.cause);
  assert.equal(d.fixesFor, settledOn);
  assert.deepEqual(d.fixes, CAUSES.causes.find((c) => c.id === settledOn)!.fixes);
  // Its number is the settled cause's posterior, said to be what the evidence alone gives it.
  assert.equal(d.verdict.confidence, Math.round(Math.min(0.97, before.ranked[1]!.posterior) * 100) / 100);
  assert.match(headline(d).label, /^settled by hand — the evidence alone gives it \d+%; .+ leads$/);
  assert.match(d.verdict.summary, /^Settled by hand on /);
  const md = reportMarkdown(d, 'ambiguous-case', null, 'now');
  assert.match(md, new RegExp(`^# Runtime Lens diagnosis: ${d.causes[settledOn]!.title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
  assert.match(md, /^\*\*Verdict:\*\* `[a-z-]+` — settled by hand/m);
  assert.ok(!md.includes('Cause not established'), 'the report does not mix the old verdict in');
  // A settled cause the catalog does not know, or settling with no errors at all, changes nothing.
  assert.equal(diagnoseWith(recs, { settledCause: 'no-such-cause' }).verdict.cause, 'unknown');
});

// ── The user's Go sources are not the node ──────────────────────────────────────────────────────

function saveStateOf(version: string | null, atomic: boolean): SaveStateFact {
  const hop = {
    id: 'runc.libcontainer.linuxcontainer.savestate', component: 'runc', project: 'runc', symbol: '(*linuxContainer).saveState', boundary: 'call',
    resolved: true, file: '/src/runc/libcontainer/container_linux.go', line: 1927, ...(version ? { root: { version } } : {}),
  } as unknown as Hop;
  return { atomic, detail: `saveState at container_linux.go:1927${version ? ` (runc ${version})` : ''} ${atomic ? 'writes a temp file and renames it' : 'writes state.json in place'}`, hop };
}

const sourceCheck = (d: Diagnosis): SourceCheckAttachment => ev(d, 'runc-savestate-atomic').attachments!.find((a): a is SourceCheckAttachment => a.kind === 'source-check')!;

test('sources of another runc than the node\'s are shown as what they are, with no weight: the verdict does not move when a trace finishes', async () => {
  const recs = await recogniseDir(sample('eof-incident'));
  const without = diagnoseWith(recs);
  const traced = diagnoseWith(recs, {}, saveStateOf('1.1.5', true));
  const e = ev(traced, 'runc-savestate-atomic');
  assert.equal(e.holds, null);
  assert.match(e.detail, /^your sources are runc 1\.1\.5; the node runs 1\.0\.0-rc6\+dev: not weighed/);
  const check = sourceCheck(traced);
  assert.deepEqual([check.weighed, check.sourcesVersion, check.nodeVersion, check.holds], [false, '1.1.5', '1.0.0-rc6+dev', true]);
  assert.deepEqual(traced.ranked.map((r) => [r.cause, r.posterior]), without.ranked.map((r) => [r.cause, r.posterior]));
  assert.equal(traced.verdict.confidence, without.verdict.confidence);
  assert.ok(!traced.ranked.some((r) => [...r.for, ...r.against].some((c) => c.id === 'runc-savestate-atomic')));
  // Under another verdict (the OOM-killed helper on runc 1.1.12) the same sources weigh nothing either.
  const oom = await recogniseDir(sample('oom-case'));
  assert.deepEqual(diagnoseWith(oom, {}, saveStateOf('1.1.5', true)).ranked.map((r) => r.posterior), diagnoseWith(oom).ranked.map((r) => r.posterior));
});

test('sources of the node\'s own runc version speak for the node, and say so; without a node version nothing is weighed', async () => {
  const recs = await recogniseDir(sample('eof-incident'));
  const mine = diagnoseWith(recs, {}, saveStateOf('v1.0.0-rc6+dev', false));
  assert.equal(ev(mine, 'runc-savestate-atomic').holds, false);
  assert.match(ev(mine, 'runc-savestate-atomic').detail, /^your sources are runc v1\.0\.0-rc6\+dev, the version the node runs \(runc --version in runc-version\.txt:\d+\): they speak for the node/);
  assert.equal(sourceCheck(mine).weighed, true);
  assert.ok(mine.ranked.find((r) => r.cause === 'cpu-manager-state-race')!.for.some((c) => c.id === 'runc-savestate-atomic'));
  // The version the user typed is the node's too.
  const typed = diagnoseWith(recs, { observations: { 'runc-before-fix': '1.1.5' } }, saveStateOf('1.1.5', true));
  assert.equal(ev(typed, 'runc-savestate-atomic').holds, true);
  assert.match(ev(typed, 'runc-savestate-atomic').detail, /\(as you answered\)/);
  // A log that states no runc version: the sources are shown, not weighed.
  const kubeletOnly = recs.filter((r) => path.basename(r.file) === 'kubelet.log');
  const unknownNode = diagnoseWith(kubeletOnly, {}, saveStateOf('1.1.5', true));
  assert.equal(ev(unknownNode, 'runc-savestate-atomic').holds, null);
  assert.match(ev(unknownNode, 'runc-savestate-atomic').detail, /the input does not say which runc the node runs: not weighed/);
});

// ── The race's own words stay with the race ─────────────────────────────────────────────────────

test('the phase timeline is attached only where the input has events to place on it', async () => {
  const race = diagnoseWith(await recogniseDir(sample('eof-incident')));
  const t = ev(race, 'reconcile-aligned').attachments?.find((a) => a.kind === 'phase-timeline');
  assert.ok(t && t.kind === 'phase-timeline' && t.timeline.events.length > 40);
  const oom = diagnoseWith(await recogniseDir(sample('oom-case')));
  assert.equal(oom.verdict.cause, 'runc-init-oom');
  assert.deepEqual(oom.verdict.evidence.flatMap((e) => e.attachments ?? []).filter((a) => a.kind === 'phase-timeline'), []);
  assert.ok(!reportMarkdown(oom, 'oom-case', null, 'now').includes('## Timeline'));
  assert.match(reportMarkdown(race, 'eof-incident', null, 'now'), /^## Timeline — EOF failures against the cpu-manager reconcile$/m);
});

test('the EOF hover names the causes that print it and what this input supports, never one cause as "the known cause"', () => {
  const sig = matcher.byId('oci-exec-eof')!;
  assert.ok(sig.causes!.length >= 2);
  // With policy none the race has no writer: the EOF alone no longer settles it (the catalog's other EOF printer and a cause outside it remain).
  const rec = recogniseText('/n/kubelet.log', 'I0507 03:40:01.000000    1234 flags.go:33] FLAG: --cpu-manager-policy="none"\nI0507 03:43:28.310630    1234 prober.go:117] Readiness probe for "shop/a (1):a" failed (failure): OCI runtime exec failed: exec failed: EOF: unknown\n', { matcher });
  const finding = rec.findings[0]!;
  const alone = hoverMarkdown(sig, finding, undefined);
  assert.doesNotMatch(alone, /known cause/i);
  assert.doesNotMatch(alone, /Fix:/);
  for (const c of sig.causes!) assert.ok(alone.includes(CAUSES.causes.find((x) => x.id === c)!.title), c);
  assert.match(alone, /This line alone does not say which/);
  // With the panel's diagnosis of this input, the hover says what it concluded, in its words.
  const d = diagnoseWith([rec]);
  assert.equal(d.verdict.cause, 'unknown');
  const withDiagnosis = hoverMarkdown(sig, finding, undefined, { subject: 'kubelet.log', line: headline(d).line });
  assert.match(withDiagnosis, /The diagnosis of kubelet\.log: Cause not established — leading cause .+: \d+% probability\./);
  // Look-alikes that no cause prints get no cause paragraph at all.
  assert.equal(whichCause(matcher.byId('http-probe-eof')!, null), null);
});

test('the Call Path view\'s state.json node comes from the saveState observation\'s attachment', () => {
  const nodes = sourceAttachments(CAUSES, saveStateOf('1.1.5', true)).filter((a) => a.kind === 'chain-node');
  assert.equal(nodes.length, 1);
  const n = nodes[0]!;
  assert.ok(n.kind === 'chain-node');
  assert.equal(n.label, 'state.json');
  assert.match(n.chains.reader!, /empty gives EOF/);
  assert.match(n.chains.writer!, /saveState/);
  assert.match(n.tooltip, /writes a temp file and renames it/);
});

// ── What the webview accepts ────────────────────────────────────────────────────────────────────

test('the webview accepts the states these diagnoses make (attachments, settled verdicts, fleets) and drops a malformed attachment', async () => {
  const state = (diagnosis: Diagnosis) => ({ subject: 's', ...panelDiagnosis(diagnosis), chain: null, report: reportMarkdown(diagnosis, 's', null, 'now'), answers: {}, pasted: [] });
  const race = diagnoseWith(await recogniseDir(sample('eof-incident')), {}, saveStateOf('1.1.5', true));
  const ambiguous = await recogniseDir(sample('ambiguous-case'));
  for (const d of [race, diagnoseWith(await recogniseDir(sample('oom-case'))), diagnoseWith(ambiguous), diagnoseWith(ambiguous, { settledCause: 'pids-limit', observations: { 'reproduced-init-oom': { scenario: 'init-oom', attempts: 10, failures: 0, source: 'user' } } })]) {
    assert.ok(parsePanelState(JSON.parse(JSON.stringify(state(d)))), d.verdict.cause);
  }
  const broken = JSON.parse(JSON.stringify(state(race)));
  broken.diagnosis.verdict.evidence.find((e: Evidence) => e.id === 'runc-savestate-atomic').attachments[0].weighed = 'yes';
  assert.equal(parsePanelState(broken), null);
});

test('a reproduce outcome, measured or entered, is the answer of the observation its scenario names in the catalog', async () => {
  const recs = await recogniseDir(sample('ambiguous-case'));
  const oom = (d: Diagnosis) => d.ranked.find((r) => r.cause === 'runc-init-oom')!.posterior;
  const before = diagnoseWith(recs);
  const user = withLabResult({}, 'init-oom', { scenario: 'init-oom', attempts: 10, failures: 10, source: 'measured', runcVersion: '1.1.12' });
  assert.deepEqual(Object.keys(user.observations!), ['reproduced-init-oom']);
  const after = diagnoseWith(recs, user);
  assert.ok(oom(after) > oom(before), `${oom(after)} > ${oom(before)}`);
  assert.match(ev(after, 'reproduced-init-oom').detail, /10 of 10 attempts failed \(measured here with runc 1\.1\.12\)/);
  // An outcome stored under another scenario's observation is not that observation's evidence.
  assert.equal(ev(diagnoseWith(recs, { observations: { 'reproduced-pids-limit': user.observations!['reproduced-init-oom']! } }), 'reproduced-pids-limit').holds, null);
  assert.deepEqual(withLabResult(user, 'init-oom', null).observations, {});
});
