// The extension path of `npm run bench` (bundled by bench/run.mjs with esbuild, run in its own node
// process): findings for an in-memory document, as src/extension/findings.ts computes them with
// recogniseText, against a naive baseline on the same string — split into lines, test each with
// String#includes — interleaved, several runs each.
//
//   node extension-path.cjs FILE MIB RUNS   →  one JSON document on stdout
import * as fs from 'node:fs';
import { builtInSignatures } from '../src/core/signatures/catalog';
import { Matcher } from '../src/core/signatures/matcher';
import { recogniseText } from '../src/core/signatures/recognise';

const [file, mibArg, runsArg] = process.argv.slice(2);
if (!file) throw new Error('usage: extension-path FILE MIB RUNS');
const bytes = Math.round(Number(mibArg ?? 50) * 1024 * 1024);
const runs = Number(runsArg ?? 5);
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

// The document: the first `bytes` of the generated log, cut after its last whole line.
const buf = Buffer.alloc(bytes);
const fd = fs.openSync(file, 'r');
const got = fs.readSync(fd, buf, 0, bytes, 0);
fs.closeSync(fd);
const text = buf.subarray(0, buf.lastIndexOf(10, got - 1) + 1).toString('utf8');

const EXACT = ['OCI runtime exec failed: exec failed: EOF', 'OCI runtime exec failed: exec failed: unexpected EOF'];

function naive(s: string): number {
  let n = 0;
  for (const line of s.split('\n')) if (line.includes('OCI runtime exec failed')) n += 1;
  return n;
}

const matcher = new Matcher(builtInSignatures());
const ms = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e6;

const ours: number[] = [];
const baseline: number[] = [];
let findings = 0;
let oci = 0;
let lines = 0;
let naiveCount = 0;
for (let i = 0; i < runs; i++) {
  gc();
  let t = process.hrtime.bigint();
  const r = recogniseText(file, text, { matcher });
  ours.push(ms(t));
  findings = r.findings.length;
  oci = r.findings.filter((f) => f.signature === 'oci-exec-eof').length;
  lines = r.lines;
  gc();
  t = process.hrtime.bigint();
  naiveCount = naive(text);
  baseline.push(ms(t));
}

// Untimed check: the lines holding the exact phrases, counted the plain way.
const all = text.split('\n');
const exact = all.filter((l) => EXACT.some((e) => l.includes(e))).length;
const textLines = all.length - (text.endsWith('\n') ? 1 : 0);

process.stdout.write(
  `${JSON.stringify({
    bytes: text.length,
    lines: textLines,
    runs: { ours, baseline },
    findings,
    ociExecEof: oci,
    recognisedLines: lines,
    naiveMatches: naiveCount,
    exactPhraseLines: exact,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  })}\n`,
);
