// The streamed reading of one event list or journal export in a process of its own (bench/run.mjs, part
// "events"): recogniseFile as the CLI and the extension's "Diagnose File on Disk…" run it, without the
// diagnosis and the JSON output. Prints per-signature findings and occurrences (count sums), distinct
// nodes, notes, lines, and the wall time of the reading.
import { distinctNodes } from '../src/core/logs/nodes';
import { builtInSignatures } from '../src/core/signatures/catalog';
import { Matcher } from '../src/core/signatures/matcher';
import { setsOf } from '../src/core/signatures/occurrences';
import { recogniseFile } from '../src/core/signatures/recognise';

async function main(): Promise<void> {
  const file = process.argv[2]!;
  const started = process.hrtime.bigint();
  // As the CLI and the diagnosis session read: the findings kept as OccurrenceSets.
  const r = await recogniseFile(file, { matcher: new Matcher(builtInSignatures()), keepFindings: false });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const findings: Record<string, number> = {};
  const occurrences: Record<string, number> = {};
  let timed = 0;
  let total = 0;
  for (const s of setsOf(r)) {
    findings[s.signature] = (findings[s.signature] ?? 0) + s.size;
    occurrences[s.signature] = (occurrences[s.signature] ?? 0) + s.count;
    timed += s.epochUs.filter((t) => !Number.isNaN(t)).length;
    total += s.size;
  }
  const nodes = distinctNodes(setsOf(r).map((s) => s.node)).length;
  process.stdout.write(`${JSON.stringify({ ms, findings, occurrences, nodes, timed, total, notes: r.notes, lines: r.lines, offsetMinutes: r.hints.offsetMinutes })}\n`);
}

void main();
