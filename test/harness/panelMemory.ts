/**
 * The diagnosis panel's path on one input, outside VS Code, with its memory and times: the extension
 * host cannot be profiled from the e2e test, so this runs what DiagnosisPanel does with the same core
 * calls — gatherInputs, the session's reading, the node's stack once per reading, then per answer a
 * diagnosis, the report and the bounded state it posts (panelDiagnosis) — and prints, after each step,
 * the process's RSS and its peak (VmHWM) above what it started with.
 *
 *   npm run test:compile && node out/test/harness/panelMemory.js PATH… [--answers N] [--heap] [--thread]
 *
 * `--answers N` answers the cpu-manager question N times, alternating; `--heap` adds V8's heap after a
 * forced GC (run node with --expose-gc), to tell what is live from what V8 has not collected yet.
 * `--thread` runs the same steps as the extension does, in the session's thread (SessionThread, with its
 * heap limits): the RSS is the process's, the thread's included.
 * Numbers on the 100 MB list of test/e2e/events.test.ts are in that commit's message and the report.
 */
import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { panelDiagnosis } from '../../src/core/diagnosis/protocol';
import { reportMarkdown } from '../../src/core/diagnosis/report';
import { DiagnosisSession, gatherInputs } from '../../src/core/diagnosis/session';
import { SessionThread } from '../../src/core/diagnosis/sessionThread';
import type { UserFacts } from '../../src/core/diagnosis/types';
import { builtInSignatures } from '../../src/core/signatures/catalog';
import { Matcher } from '../../src/core/signatures/matcher';
import { setsOf } from '../../src/core/signatures/occurrences';
import { atlasUnchecked } from '../../src/core/trace/atlas';
import { chainFor, chainsToTrace, entryOfSets, nodeStackOfSets } from '../../src/core/trace/stack';

const { values, positionals } = parseArgs({ options: { answers: { type: 'string', default: '1' }, heap: { type: 'boolean', default: false }, thread: { type: 'boolean', default: false } }, allowPositionals: true });
if (positionals.length === 0) {
  process.stderr.write('usage: node out/test/harness/panelMemory.js PATH… [--answers N] [--heap]\n');
  process.exit(2);
}

const mb = (bytes: number) => Math.round(bytes / 1048576);
const peakMb = () => Math.round(Number(/^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1] ?? NaN) / 1024);
const startRss = mb(process.memoryUsage.rss());

function report(step: string, ms: number, extra = ''): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  let heap = '';
  if (values.heap && gc) {
    gc();
    heap = `, live heap ${mb(process.memoryUsage().heapUsed)} MB`;
  }
  process.stdout.write(`${step.padEnd(28)} ${String(ms).padStart(6)} ms   RSS +${mb(process.memoryUsage.rss()) - startRss} MB, peak +${peakMb() - startRss} MB${heap}${extra}\n`);
}

/** The extension's path: the session in its thread, the panel's host asking it for the stack and each diagnosis. */
async function inThread(): Promise<void> {
  const session = new SessionThread();
  const config = { signatures: undefined, time: {} };
  let t = Date.now();
  const { files } = await gatherInputs(positionals);
  await session.read(config, files.map((f) => f.path));
  report(`read ${files.length} file(s)`, Date.now() - t);
  t = Date.now();
  await session.derive(config);
  report('stack (once per reading)', Date.now() - t);
  const answers = Number(values.answers);
  for (let i = 0; i <= answers; i++) {
    const user: UserFacts = i === 0 ? {} : { observations: { 'cpu-manager-static': i % 2 === 1 } };
    t = Date.now();
    const d = await session.diagnose(config, { saveState: null, user, setZone: 'the setting runtimeLens.timeZone', bundle: {}, subject: 'input', chain: null, now: new Date().toISOString() });
    report(i === 0 ? 'diagnosis' : `answer ${i}`, Date.now() - t, ` (thread's heap ${d.memory.heapUsedMb} MB; ${d.diagnosis.clusters.length} of ${d.rows} rows)`);
  }
  process.stdout.write(`files read from disk: ${session.reads}\n`);
  await session.dispose();
}

async function main(): Promise<void> {
  process.stdout.write(`start: RSS ${startRss} MB\n`);
  if (values.thread) return inThread();
  const matcher = new Matcher(builtInSignatures());
  const session = new DiagnosisSession({ matcher, time: {} });
  let t = Date.now();
  const { files } = await gatherInputs(positionals);
  await session.read(files.map((f) => f.path));
  report(`read ${files.length} file(s)`, Date.now() - t);

  t = Date.now();
  const recognitions = session.recognitions;
  const sets = recognitions.flatMap((r) => setsOf(r));
  const atlas = atlasUnchecked();
  const node = nodeStackOfSets(atlas, sets, recognitions.flatMap((r) => r.facts));
  chainsToTrace(atlas, node);
  chainFor(atlas, node, entryOfSets(sets, (id) => matcher.byId(id)) ?? 'reader');
  report('stack (once per reading)', Date.now() - t);

  const answers = Number(values.answers);
  for (let i = 0; i <= answers; i++) {
    const user: UserFacts = i === 0 ? {} : { observations: { 'cpu-manager-static': i % 2 === 1 } };
    t = Date.now();
    const { diagnosis: full } = session.diagnose({ saveState: null, user, setZone: 'the setting runtimeLens.timeZone' });
    const diagnosedMs = Date.now() - t;
    const reportText = reportMarkdown(full, 'input', null, new Date().toISOString());
    const { diagnosis, symptom } = panelDiagnosis(full);
    const posted = JSON.stringify({ subject: 'input', diagnosis, symptom, chain: null, report: reportText, answers: user, pasted: [] }).length;
    report(i === 0 ? 'diagnosis' : `answer ${i}`, Date.now() - t, ` (diagnose ${diagnosedMs} ms; state ${(posted / 1e6).toFixed(2)} MB, ${diagnosis.clusters.length} of ${full.clusters.length} rows)`);
  }
  process.stdout.write(`files read from disk: ${session.reads}\n`);
}

void main();
