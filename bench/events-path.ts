// The streamed reading of one event list or journal export in a process of its own (bench/run.mjs, part
// "events"): recogniseFile as the CLI and the extension's "Diagnose File on Disk…" run it, without the
// diagnosis and the JSON output. Prints per-signature findings and occurrences (count sums), distinct
// nodes, notes, lines, and the wall time of the reading.
import { distinctNodes, nodeOf } from '../src/core/logs/nodes';
import { builtInSignatures } from '../src/core/signatures/catalog';
import { Matcher } from '../src/core/signatures/matcher';
import { recogniseFile } from '../src/core/signatures/recognise';

async function main(): Promise<void> {
  const file = process.argv[2]!;
  const started = process.hrtime.bigint();
  const r = await recogniseFile(file, { matcher: new Matcher(builtInSignatures()) });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const findings: Record<string, number> = {};
  const occurrences: Record<string, number> = {};
  for (const f of r.findings) {
    findings[f.signature] = (findings[f.signature] ?? 0) + 1;
    occurrences[f.signature] = (occurrences[f.signature] ?? 0) + f.record.count;
  }
  const nodes = distinctNodes(r.findings.map(nodeOf)).length;
  const timed = r.findings.filter((f) => f.time !== null).length;
  process.stdout.write(`${JSON.stringify({ ms, findings, occurrences, nodes, timed, total: r.findings.length, notes: r.notes, lines: r.lines, offsetMinutes: r.hints.offsetMinutes })}\n`);
}

void main();
