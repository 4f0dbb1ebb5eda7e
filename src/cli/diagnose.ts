import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { InputError } from '../core/logs/input';
import { distinctNodes } from '../core/logs/nodes';
import type { Note } from '../core/logs/types';
import { type TimeOptions, formatWall, parseZone } from '../core/logs/time';
import { CAUSE_TITLES } from '../core/diagnosis/causes';
import { type DiagnoseInput, diagnoseOnClock } from '../core/diagnosis/diagnose';
import { diagnosisJson } from '../core/diagnosis/json';
import { DiagnosisSession, type InputFile, gatherInputs } from '../core/diagnosis/session';
import { headline, listed, probability, sizesShown } from '../core/diagnosis/numbers';
import { withLabResult } from '../core/diagnosis/observations';
import { reportMarkdown } from '../core/diagnosis/report';
import type { Diagnosis } from '../core/diagnosis/types';
import { loadGoParser } from '../core/sources/goParser';
import { builtInSignatures } from '../core/signatures/catalog';
import { setsOf } from '../core/signatures/occurrences';
import { loadAtlas } from '../core/trace/atlas';
import { type SaveStateFact, saveStateFact } from '../core/trace/facts';
import { Tracer } from '../core/trace/resolve';
import { Matcher } from '../core/signatures/matcher';
import { type Recognition, inputWasCut } from '../core/signatures/recognise';
import { groupOccurrences } from '../core/signatures/summary';
import type { Finding } from '../core/signatures/types';
import { scenarioToConfirm, isTheNode } from '../core/diagnosis/confirm';
import { LabError, resolveRunc } from '../core/reproduce/host';
import { runcVersion } from '../core/reproduce/lab';
import { DEFAULT_ATTEMPTS, DEFAULT_TIMEOUT_SECONDS } from '../core/reproduce/plan';
import { outcomeFromResult, reading } from '../core/reproduce/result';
import type { ReproduceResult, Scenario } from '../core/reproduce/types';
import { type Command, type Output, UsageError } from './commands';
import { GarbageWatch, capYoungGeneration, collectGarbage } from './heap';
import { runReproduce } from './reproduce';
import { mark } from './timings';
import { cliWasm } from './trace';

/** Every note of the run: what each file's reading left out, and the files skipped (contract `notes`). */
export function notesOf(recognitions: Recognition[], skipped: Note[]): Note[] {
  return [...recognitions.flatMap((r) => r.notes), ...skipped].map(({ file, line, note }) => ({ file, line, note }));
}

function timeOptions(values: { year?: string; tz?: string }): TimeOptions {
  const options: TimeOptions = {};
  if (values.year !== undefined) {
    // Lines' own years are accepted from 1970 on (validTime); an earlier --year would silently give no times.
    if (!/^\d{4}$/.test(values.year) || Number(values.year) < 1970) throw new UsageError(`--year wants a four-digit year from 1970 on, got '${values.year}'`);
    options.year = Number(values.year);
  }
  if (values.tz !== undefined) {
    const zone = parseZone(values.tz);
    if (!zone) throw new UsageError(`--tz wants UTC, an offset like +08:00 or an IANA zone like Asia/Shanghai, got '${values.tz}'`);
    options.zone = zone;
  }
  return options;
}

/**
 * Explicit files must be readable logs (exit 2 otherwise); directories are searched and their non-logs
 * skipped. A bundle (`runtime-lens collect`'s .tar.gz) is read as the folder it unpacks to.
 */
async function inputs(paths: string[], err: (s: string) => void): Promise<{ files: InputFile[]; skipped: Note[] }> {
  try {
    return await gatherInputs(paths, { onBundle: (bundle, dir) => err(`${bundle}: a bundle, read from ${dir}\n`) });
  } catch (e) {
    if (e instanceof InputError) throw new UsageError(e.message);
    throw e;
  }
}

const skippedLine = (s: Note) => `skipped: ${s.file}: ${s.note.replace(/^skipped: /, '')}`;

const MARK: Record<string, string> = { true: 'holds  ', false: 'fails  ', null: 'unknown' };

function human(recognitions: Recognition[], matcher: Matcher, d: Diagnosis, skipped: Note[]): string {
  const out: string[] = [];
  const { files, lines, events } = d.inputs;
  const shown = sizesShown(d.inputs);
  const read = [shown.lines ? `${lines} line(s)` : null, shown.events ? `${events} event(s)` : null].filter((s) => s !== null);
  out.push(`Runtime Lens diagnose — ${files} file(s), ${read.join(' and ')} examined`);
  const sets = recognitions.flatMap((r) => setsOf(r));
  const nodes = distinctNodes(sets.map((s) => s.node));
  if (nodes.length > 1) out.push(`Nodes: ${nodes.length} (${nodes.slice(0, 5).join(', ')}${nodes.length > 5 ? ', …' : ''})`);
  const groups = groupOccurrences(sets, matcher);
  for (const r of recognitions) {
    const mine = groups.filter((g) => g.file === r.file);
    if (mine.length === 0 && r.notes.length === 0) continue;
    out.push('', r.file);
    for (const g of mine) {
      const when = (f: Finding) => f.time?.iso ?? (f.wallTime ? `${formatWall(f.wallTime)} (node-local)` : 'no time');
      const lines = g.first.line === g.last.line ? `line ${g.first.line}, ${when(g.first)}` : `lines ${g.first.line}–${g.last.line}, ${when(g.first)} … ${when(g.last)}`;
      out.push(`  ${String(g.count).padStart(5)}× ${g.signature.title} [${g.signature.id}]  ${lines}`);
      for (const [pod, n] of g.pods.slice(0, 5)) out.push(`         ${n}× ${pod}`);
      if (g.pods.length > 5) out.push(`         … and ${g.pods.length - 5} more pod(s)`);
    }
    for (const n of r.notes) out.push(`  note: ${n.line !== null ? `line ${n.line}: ` : ''}${n.note}`);
  }
  for (const s of skipped) out.push(skippedLine(s));
  out.push('', `Clock: ${d.clock}`, '', 'Evidence:');
  for (const e of d.verdict.evidence) {
    // What only a person or the lab can tell is the next question's business, not a line of evidence.
    if (e.holds === null && (e.source === 'user' || e.source === 'measured')) continue;
    out.push(`  [${MARK[String(e.holds)]}] ${e.id}: ${e.detail}`);
    if (e.check && e.holds === null) out.push(`            check: ${e.check}`);
    if (e.collected && e.holds === null) out.push(`            in a bundle (runtime-lens collect): ${e.collected.join(', ')}`);
  }
  if (d.explained.length > 1 || distinctNodes(d.byNode.map((n) => n.node)).length > 1) {
    out.push('', 'Causes by node:');
    for (const n of d.byNode) out.push(`  ${(n.node ?? 'no node named').padEnd(28)} ${n.cause} — ${CAUSE_TITLES[n.cause] ?? n.cause} (${n.count}: ${n.errors.join(', ')}; ${n.confidence.toFixed(2)})`);
  }
  if (d.fleet.length > 1) {
    out.push('', `Fleet: ${d.fleet.length} nodes`);
    for (const n of d.fleet) {
      const lead = n.cause === 'unknown' && n.leader ? `unknown (${n.leader} leads, ${probability(n.confidence)})` : n.cause === 'none' ? 'none' : `${n.cause} (${probability(n.confidence)})`;
      out.push(`  ${n.node.padEnd(28)} ${String(n.failures).padStart(6)} failure(s)  runc ${n.runc ?? '?'}  → ${lead}  ${n.signatures.join(', ')}`);
    }
  }
  if (d.ranked.length) {
    out.push('', 'Causes, most likely first:');
    const { shown, rest } = listed(d.ranked);
    for (const r of shown) {
      out.push(`  ${probability(r.posterior).padStart(4)}  ${r.cause} — ${r.title}`);
      for (const c of r.for.slice(0, 4)) out.push(`         + ${c.kind === 'signature' ? `prints "${c.title}"` : c.holds ? c.title : `not: ${c.title}`} (×${fmtRatio(c.lr)})`);
      for (const c of r.against.slice(0, 3)) out.push(`         − ${c.holds ? c.title : `not: ${c.title}`} (×${fmtRatio(c.lr)})`);
    }
    if (rest.length) out.push(`  < 1%  ${rest.map((r) => r.cause).join(', ')}`);
  }
  const v = d.verdict;
  const head = headline(d);
  out.push('', `Verdict: ${v.cause} — ${head.title}${head.value === null ? '' : ` (${head.label})`}`, `  ${v.summary}`);
  const notes = notesOf(recognitions, skipped);
  if (inputWasCut(notes)) out.push(`  This verdict rests on input that was not read in full: ${notes.length} note(s) above say what was cut, skipped or not parsed.`);
  if (d.question) {
    const q = d.question;
    out.push('', `Next question (separates ${CAUSE_TITLES[q.ifYes] ?? q.ifYes} from ${CAUSE_TITLES[q.ifNo] ?? q.ifNo}, ${q.gain.toFixed(2)} bits):`, `  ${q.prompt}`);
    if (q.check) out.push(`  on the node: ${q.check}`);
    if (q.collected) out.push(`  in a bundle (runtime-lens collect): ${q.collected.join(', ')}`);
    out.push(`  yes → ${q.ifYes}; no → ${q.ifNo}`);
  }
  const confirm = d.fixesFor ? d.causes[d.fixesFor]?.confirm : null;
  if (confirm && v.cause === 'unknown') out.push('', `Confirm on the node: ${confirm.command}`);
  if (d.fixes.length) {
    out.push('', v.cause === 'unknown' ? `Fix, if it is ${d.fixesFor}:` : 'Fix:');
    for (const f of d.fixes) out.push(`  - ${f.title}: ${f.how}`, `    trade-offs: ${f.tradeoffs}`);
  }
  return `${out.join('\n')}\n`;
}

const fmtRatio = (x: number) => (x >= 10 || x < 0.1 ? x.toPrecision(2) : x.toFixed(2));

/** saveState in the given runc sources (evidence runc-savestate-atomic), via the writer chain. */
async function sourceFact(sources: string[]): Promise<SaveStateFact | null> {
  if (sources.length === 0) return null;
  const tracer = new Tracer(await loadGoParser(cliWasm()), loadAtlas());
  tracer.setSourceRoots(sources.map((s) => path.resolve(s)));
  const result = await tracer.trace(['writer']);
  return saveStateFact(tracer, result.chains);
}

/** `diagnose`'s options as parsed. */
interface DiagnoseValues {
  json?: boolean;
  year?: string;
  tz?: string;
  sources?: string[];
  report?: string;
  reproduce?: boolean;
  runc?: string;
}

export const diagnose: Command = async (args, out, err) => {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        json: { type: 'boolean', default: false },
        year: { type: 'string' },
        tz: { type: 'string' },
        sources: { type: 'string', multiple: true, default: [] },
        report: { type: 'string' },
        reproduce: { type: 'boolean', default: false },
        runc: { type: 'string' },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { values, positionals } = parsed;
  if (positionals.length === 0) throw new UsageError('give at least one log file or directory');
  for (const s of values.sources ?? []) {
    if (!fs.existsSync(s) || !fs.statSync(s).isDirectory()) throw new UsageError(`--sources ${s}: not a directory`);
  }
  const uncap = capYoungGeneration();
  try {
    return await diagnoseInputs(values, positionals, out, err);
  } finally {
    uncap();
  }
};

async function diagnoseInputs(values: DiagnoseValues, positionals: string[], out: Output, err: (s: string) => void): Promise<number> {
  const options = { matcher: new Matcher(builtInSignatures()), time: timeOptions(values) };
  const { files, skipped } = await inputs(positionals, err);
  const session = new DiagnosisSession(options);
  // Each 4 MB read (or a worker's batch of events): a reading's garbage is collected as it goes.
  const garbageOfReading = new GarbageWatch(1);
  const { failed } = await session.read(
    files.map((f) => f.path),
    { onProgress: () => garbageOfReading.check() },
  );
  mark('read');
  for (const e of failed) {
    if (files.find((f) => f.path === e.file)?.explicit) throw new UsageError(e.message);
    skipped.push({ file: e.file, line: null, note: `skipped: ${e.reason}` });
  }
  const recognitions = session.recognitions;
  collectGarbage();
  const input: DiagnoseInput = session.input({ saveState: await sourceFact(values.sources ?? []), user: {} });
  // Once more before the diagnosis: that second collection finishes freeing the array buffers the first
  // found dead (V8 frees their memory in a sweep after a collection), 50 MB of a 400,000-item list's
  // reading still held after one.
  collectGarbage();
  let diagnosed = diagnoseOnClock(input);
  let lab: ReproduceReport | null = null;
  if (values.reproduce) {
    const run = await confirmOnThisMachine(diagnosed.diagnosis, input, values.runc, err);
    if (typeof run === 'number') return run;
    lab = run;
    if (lab.result) {
      input.user = withLabResult(input.user, lab.result.scenario, outcomeFromResult(lab.result));
      diagnosed = diagnoseOnClock(input);
    }
  }
  const d = diagnosed.diagnosis;
  collectGarbage();
  if (values.report !== undefined) {
    const subject = positionals.join(', ');
    try {
      fs.writeFileSync(values.report, reportMarkdown(d, subject, null, new Date().toISOString()));
    } catch (e) {
      throw new UsageError(`--report ${values.report}: ${(e as Error).message}`);
    }
  }
  mark('diagnosed');
  if (values.json) {
    const evidence = d.verdict.evidence.map(({ ask: _ask, ...e }) => e);
    // Findings are written as they are made from the recognitions, not held as one object or string,
    // each piece once the output has taken the one before; so the pieces' buffers are reused (recycle).
    const pieces = diagnosisJson(recognitions, diagnosed.clock, {
          verdict: { ...d.verdict, evidence },
          hypotheses: d.hypotheses,
          ranked: d.ranked,
          question: d.question,
          fleet: d.fleet,
          // Contract "Additions (turn 3)": exactly these fields per group and per cause.
          groups: d.groups.map((g) => ({ id: g.id, node: g.node, container: g.container, signature: g.signature, count: g.count, verdict: g.verdict, hypotheses: g.hypotheses })),
          causes: d.explained.map((c) => ({ cause: c.cause, groups: c.groups, count: c.count })),
          // Made and written one at a time from the table, not held as a hundred thousand objects.
          clusters: diagnosed.clusters,
          clock: d.clock,
          fixesFor: d.fixesFor,
          fixes: d.fixes,
          notes: notesOf(recognitions, skipped),
          ...(lab ? { reproduce: lab } : {}),
    }, undefined, true);
    // A document's garbage at 12 MB of growth: the writing is the CLI's peak (on a recorder's list of
    // 400,000 items, 274 MB at 32 MB of growth, 261 MB at 16, for ~4% more time; since the diagnosis and
    // the findings make less garbage, indented list: 247-251 MiB at 16 split over a worker, 242-245 at 12,
    // 238-240 / 231-233 on one thread, for 1-2% more time).
    const garbage = new GarbageWatch(64, 12 * 1024 * 1024);
    for (const piece of pieces) {
      out(piece);
      await out.drained?.();
      garbage.check();
    }
    for (const s of skipped) err(`${skippedLine(s)}\n`);
  } else {
    out(human(recognitions, options.matcher, d, skipped));
    if (lab) out(`\nReproduce: ${lab.result ? reading(lab.result) : `not run: ${lab.why}`}\n`);
  }
  await out.drained?.();
  mark('written');
  return 0;
}

/** What `diagnose --reproduce` did: the scenario it chose, whether it ran it here and why, and the lab's result. */
interface ReproduceReport {
  scenario: Scenario | null;
  ran: boolean;
  why: string;
  result: ReproduceResult | null;
}

/** Runs the scenario that separates the leading causes, when they are close and this machine is their node. */
async function confirmOnThisMachine(d: Diagnosis, input: DiagnoseInput, runc: string | undefined, err: (s: string) => void): Promise<ReproduceReport | number> {
  const choice = scenarioToConfirm(d);
  if (!('scenario' in choice)) return { scenario: null, ran: false, why: choice.why, result: null };
  let binary: string;
  try {
    binary = resolveRunc(runc);
  } catch (e) {
    if (e instanceof LabError) throw new UsageError(e.message);
    throw e;
  }
  const here = { hostname: os.hostname(), runcVersion: await runcVersion(binary) };
  const node = isTheNode(d, input.facts, here);
  if (!node.yes) return { scenario: choice.scenario, ran: false, why: node.why, result: null };
  err(`diagnose --reproduce: ${choice.cause} is among the leading causes and ${node.why}: running the ${choice.scenario} scenario\n`);
  const result = await runReproduce(
    { json: false, dryRun: false, runc: binary, scenario: choice.scenario, attempts: DEFAULT_ATTEMPTS[choice.scenario], timeoutSeconds: DEFAULT_TIMEOUT_SECONDS, token: undefined },
    err,
  );
  if ('interrupted' in result) return result.interrupted;
  return { scenario: choice.scenario, ran: true, why: node.why, result };
}
