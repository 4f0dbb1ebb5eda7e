#!/usr/bin/env node
// `npm run bench` (= `npm run build && node bench/run.mjs`): the recognition benchmarks.
//
//  1. CLI throughput: `node dist/cli.js diagnose [--json] FILE` on a generated 512 MiB kubelet log,
//     against `grep -cF 'OCI runtime exec failed' FILE` (and `rg -c -F …` as a second reference),
//     file warm in the page cache, runs interleaved, medians compared. Target: ours / grep ≤ 3.
//  2. Peak RSS of the CLI process on that file (GNU time %M). Target: ≤ 200 MB.
//  3. Extension path: recogniseText on a 50 MiB in-memory document, against a naive split+includes
//     loop over the same string (bench/extension-path.ts).
//
// Results go to bench/results.md (machine, date, every run, medians, ratios, PASS/MISS). A benchmark
// reports; it does not gate: exit 0 on a MISS, non-zero only when something is broken (the CLI fails,
// finds nothing, or its oci-exec-eof lines differ from the lines grep finds for the exact phrases).
//
// Environment: BENCH_RUNS (default 7), BENCH_MIB (default 512), BENCH_EXT_MIB (default 50).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureKubeletLog } from './generate-kubelet-log.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const MIB = Number(process.env.BENCH_MIB ?? 512);
const EXT_MIB = Number(process.env.BENCH_EXT_MIB ?? 50);
const TARGET_RATIO = 3;
const TARGET_RSS_MB = 200;
const PHRASE = 'OCI runtime exec failed';
const EXACT = ['OCI runtime exec failed: exec failed: EOF', 'OCI runtime exec failed: exec failed: unexpected EOF'];
const cli = path.join(root, 'dist', 'cli.js');
const log = (s) => process.stderr.write(`bench: ${s}\n`);

class Broken extends Error {}
function fail(message) {
  throw new Broken(message);
}

// ---------------------------------------------------------------------------------------------
// Tools

function ensureTools() {
  // GNU time for peak RSS; ripgrep for the second reference. Idempotent; installs only what's missing.
  const r = spawnSync('bash', [path.join(root, 'test', 'harness', 'apt.sh'), 'time', 'ripgrep'], { stdio: 'inherit' });
  if (r.status !== 0) log('test/harness/apt.sh time ripgrep failed; using whatever is installed');
  if (!fs.existsSync('/usr/bin/time')) fail('GNU time (/usr/bin/time) is missing and could not be installed');
  if (!fs.existsSync(cli)) fail(`${cli} is missing: run \`npm run build\` first (npm run bench does)`);
}
const have = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).status === 0;
const version = (cmd, args = ['--version']) => (spawnSync(cmd, args, { encoding: 'utf8' }).stdout ?? '').split('\n')[0].trim();

// ---------------------------------------------------------------------------------------------
// Measuring one process: wall time from here (hrtime), peak RSS from GNU time.

const devNull = fs.openSync('/dev/null', 'w');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'runtime-lens-bench-'));
const timeFile = path.join(tmp, 'time.txt');

// stdout: a file descriptor, or 'pipe' to capture it. grep must write to a pipe: GNU grep notices a
// stdout of /dev/null and stops at the first match, like -q.
function measure(argv, { stdout = devNull } = {}) {
  const started = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', '-o', timeFile, ...argv], { stdio: ['ignore', stdout, 'pipe'], encoding: 'utf8', maxBuffer: 64 << 20 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (r.error) fail(`${argv.join(' ')}: ${r.error.message}`);
  const rssKb = Number(fs.readFileSync(timeFile, 'utf8').trim().split('\n').pop());
  return { seconds, rssMb: rssKb / 1024, status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function run(argv) {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', maxBuffer: 256 << 20 });
  if (r.error) fail(`${argv.join(' ')}: ${r.error.message}`);
  return r;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

// ---------------------------------------------------------------------------------------------
// Correctness: what ours finds must agree with the generator's record and with grep.

function verify(file, meta) {
  log('checking the CLI’s findings against grep and the generator…');
  const jsonOut = path.join(tmp, 'diagnose.json');
  const fd = fs.openSync(jsonOut, 'w');
  const r = measure(['node', cli, 'diagnose', '--json', file], { stdout: fd });
  fs.closeSync(fd);
  if (r.status !== 0) fail(`diagnose --json exited ${r.status}: ${r.stderr}`);
  let doc;
  try {
    doc = JSON.parse(fs.readFileSync(jsonOut, 'utf8'));
  } catch (e) {
    fail(`diagnose --json did not print one JSON document: ${e.message}`);
  }
  const bySignature = {};
  for (const f of doc.findings) bySignature[f.signature] = (bySignature[f.signature] ?? 0) + 1;
  const ociLines = doc.findings.filter((f) => f.signature === 'oci-exec-eof').map((f) => f.line);
  if (ociLines.length === 0) fail('diagnose found no oci-exec-eof lines');

  // grep's own account of the exact phrases, with line numbers.
  const g = run(['grep', '-nF', ...EXACT.flatMap((e) => ['-e', e]), file]);
  if (g.status !== 0) fail(`grep -nF exited ${g.status}`);
  const grepLines = g.stdout.split('\n').filter(Boolean).map((l) => Number(l.slice(0, l.indexOf(':'))));
  const problems = [];
  if (ociLines.length !== grepLines.length) problems.push(`oci-exec-eof: ours ${ociLines.length} lines, grep -cF (exact phrases) ${grepLines.length}`);
  else if (ociLines.some((n, i) => n !== grepLines[i])) {
    const i = ociLines.findIndex((n, k) => n !== grepLines[k]);
    problems.push(`oci-exec-eof line numbers differ from grep -n: first at #${i}, ours ${ociLines[i]}, grep ${grepLines[i]}`);
  }
  for (const [kind, n] of Object.entries(meta.counts)) {
    if (kind === 'ordinary') continue;
    if ((bySignature[kind] ?? 0) !== n) problems.push(`${kind}: ours ${bySignature[kind] ?? 0}, generated ${n}`);
  }
  for (const [sig, n] of Object.entries(bySignature)) if (!(sig in meta.counts)) problems.push(`${sig}: ${n} unexpected finding(s)`);
  const phraseLines = Number(run(['grep', '-cF', PHRASE, file]).stdout.trim());
  const expectedPhrase = (meta.counts['oci-exec-eof'] ?? 0) + (meta.counts['exec-not-found'] ?? 0);
  if (phraseLines !== expectedPhrase) problems.push(`grep -cF '${PHRASE}' = ${phraseLines}, generated ${expectedPhrase}`);

  // The human mode: same run, different output.
  const h = run(['node', cli, 'diagnose', file]);
  if (h.status !== 0) fail(`diagnose exited ${h.status}: ${h.stderr}`);
  const examined = /(\d+) line\(s\) examined/.exec(h.stdout);
  if (!examined || Number(examined[1]) !== meta.lines) problems.push(`human output says ${examined?.[1]} lines examined, the file has ${meta.lines}`);
  if (!h.stdout.includes(`${ociLines.length}× OCI exec EOF [oci-exec-eof]`)) problems.push('human output does not report the oci-exec-eof count');
  if (problems.length > 0) fail(`findings disagree:\n  ${problems.join('\n  ')}`);
  log(`ok: ${ociLines.length} oci-exec-eof lines (same line numbers as grep -n), ${doc.findings.length} findings in all, verdict ${doc.verdict.cause}`);
  return { bySignature, oci: ociLines.length, phraseLines, findings: doc.findings.length, verdict: doc.verdict.cause, rssMb: r.rssMb };
}

// ---------------------------------------------------------------------------------------------
// Extension path

function extensionPath(file) {
  const entry = path.join(tmp, 'extension-path.cjs');
  const esbuild = path.join(root, 'node_modules', '.bin', 'esbuild');
  const b = run([esbuild, path.join(root, 'bench', 'extension-path.ts'), '--bundle', '--platform=node', '--target=node20', '--format=cjs', '--log-level=warning', `--outfile=${entry}`]);
  if (b.status !== 0) fail(`esbuild bench/extension-path.ts: ${b.stderr}`);
  log(`extension path: recogniseText on ${EXT_MIB} MiB in memory, ${RUNS} runs against split+includes…`);
  const r = run(['node', '--expose-gc', entry, file, String(EXT_MIB), String(RUNS)]);
  if (r.status !== 0) fail(`extension path bench failed: ${r.stderr}`);
  const res = JSON.parse(r.stdout);
  if (res.ociExecEof === 0) fail('extension path: recogniseText found no oci-exec-eof lines');
  if (res.ociExecEof !== res.exactPhraseLines) fail(`extension path: ${res.ociExecEof} oci-exec-eof findings, ${res.exactPhraseLines} lines hold the exact phrases`);
  if (res.recognisedLines !== res.lines) fail(`extension path: recogniseText counted ${res.recognisedLines} lines, the document has ${res.lines}`);
  return res;
}

// ---------------------------------------------------------------------------------------------
// Machine facts

function machine() {
  const cpuinfo = fs.existsSync('/proc/cpuinfo') ? fs.readFileSync('/proc/cpuinfo', 'utf8') : '';
  const cpu = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? 'unknown';
  const osRelease = fs.existsSync('/etc/os-release') ? (/^PRETTY_NAME="?([^"\n]+)"?/m.exec(fs.readFileSync('/etc/os-release', 'utf8'))?.[1] ?? '') : '';
  return {
    cpu,
    cores: os.cpus().length,
    ramGb: os.totalmem() / 1024 ** 3,
    os: `${osRelease || os.type()} (kernel ${os.release()})`,
    node: process.version,
    grep: version('grep'),
    rg: have('rg') ? version('rg') : 'not installed',
    date: new Date().toISOString(),
  };
}

// ---------------------------------------------------------------------------------------------

async function main() {
  ensureTools();
  const { file, meta } = await ensureKubeletLog({ bytes: Math.round(MIB * 1024 * 1024), log });
  const sizeMb = meta.bytes / 1e6;
  const rg = have('rg');
  const catalog = JSON.parse(fs.readFileSync(path.join(root, 'src', 'core', 'signatures', 'catalog.json'), 'utf8'));
  const literals = [...new Set(catalog.signatures.flatMap((sig) => sig.literals))];

  // Warm-up: the whole file into the page cache, and each program run once untimed.
  log(`warm-up: ${file}`);
  run(['sh', '-c', `cat "${file}" > /dev/null`]);
  run(['grep', '-cF', PHRASE, file]);
  if (rg) run(['rg', '-c', '-F', PHRASE, file]);
  const check = verify(file, meta);
  const tiny = path.join(tmp, 'one-line.log');
  fs.writeFileSync(tiny, 'I0507 03:40:01.417531   57003 server.go:417] Version: v1.14.8\n');

  const programs = [
    { id: 'grep', label: `grep -cF '${PHRASE}' FILE`, argv: ['grep', '-cF', PHRASE, file], pipe: true },
    ...(rg ? [{ id: 'rg', label: `rg -c -F '${PHRASE}' FILE`, argv: ['rg', '-c', '-F', PHRASE, file], pipe: true }] : []),
    // For scale, not a target: grep looking for every literal of the built-in catalog at once.
    { id: 'grepAll', label: `grep -cF -e LITERAL… FILE (the ${literals.length} literals of the built-in catalog)`, argv: ['grep', '-cF', ...literals.flatMap((l) => ['-e', l]), file], pipe: true, count: false },
    { id: 'json', label: 'node dist/cli.js diagnose --json FILE > /dev/null', argv: ['node', cli, 'diagnose', '--json', file] },
    { id: 'human', label: 'node dist/cli.js diagnose FILE > /dev/null', argv: ['node', cli, 'diagnose', file] },
    // For scale, not a target: the CLI's fixed cost (node start, loading the bundle, building the matcher).
    { id: 'startup', label: 'node dist/cli.js diagnose --json ONE-LINE-FILE > /dev/null (fixed cost)', argv: ['node', cli, 'diagnose', '--json', tiny] },
  ];
  const results = Object.fromEntries(programs.map((p) => [p.id, { ...p, seconds: [], rssMb: [] }]));
  for (let i = 0; i < RUNS; i++) {
    // Interleaved, and the order rotated each round so no program always runs right after another.
    const order = programs.map((_, k) => programs[(k + i) % programs.length]);
    for (const p of order) {
      const m = measure(p.argv, p.pipe ? { stdout: 'pipe' } : {});
      if (m.status !== 0) fail(`${p.label} exited ${m.status}: ${m.stderr}`);
      if (p.pipe && p.count !== false && Number(m.stdout.trim()) !== check.phraseLines) fail(`${p.label} counted ${m.stdout.trim()}, expected ${check.phraseLines}`);
      results[p.id].seconds.push(m.seconds);
      results[p.id].rssMb.push(m.rssMb);
    }
    log(`round ${i + 1}/${RUNS}: ${order.map((p) => `${p.id} ${results[p.id].seconds.at(-1).toFixed(3)} s`).join(', ')}`);
  }
  for (const r of Object.values(results)) {
    r.median = median(r.seconds);
    r.mbps = sizeMb / r.median;
    r.peakRss = Math.max(...r.rssMb);
  }
  const ext = extensionPath(file);
  ext.oursMedian = median(ext.runs.ours);
  ext.baselineMedian = median(ext.runs.baseline);

  const grepMedian = results.grep.median;
  const ratioJson = results.json.median / grepMedian;
  const ratioHuman = results.human.median / grepMedian;
  // Secondary: each round's own ratio (programs in one round share the machine's mood), then the median.
  const pairedJson = median(results.json.seconds.map((x, i) => x / results.grep.seconds[i]));
  const pairedHuman = median(results.human.seconds.map((x, i) => x / results.grep.seconds[i]));
  const peakRss = Math.max(results.json.peakRss, results.human.peakRss, check.rssMb);
  const verdict = (ok) => (ok ? 'PASS' : 'MISS');
  const m = machine();

  // ---- bench/results.md ----
  const f3 = (x) => x.toFixed(3);
  const f1 = (x) => x.toFixed(1);
  const md = [];
  md.push('# Runtime Lens — recognition benchmark', '');
  md.push(`Produced by \`npm run bench\` (\`npm run build && node bench/run.mjs\`) on ${m.date}. Do not edit by hand; re-run instead.`, '');
  md.push('## Machine', '');
  md.push('| | |', '| --- | --- |');
  md.push(`| CPU | ${m.cpu} |`, `| cores | ${m.cores} |`, `| RAM | ${f1(m.ramGb)} GB |`, `| OS | ${m.os} |`, `| node | ${m.node} |`, `| grep | ${m.grep} |`, `| ripgrep | ${m.rg} |`, `| date | ${m.date} |`);
  md.push('', 'The machine is shared and noisy: every program ran ' + RUNS + ' times, interleaved (the order rotated each round), and medians are compared.', '');
  md.push('## Targets', '');
  md.push('| target | measured | result |', '| --- | --- | --- |');
  md.push(`| CLI \`diagnose --json\` time / \`grep -cF\` time on ${MIB} MiB ≤ ${TARGET_RATIO} | ${ratioJson.toFixed(2)} (${f3(results.json.median)} s vs ${f3(grepMedian)} s) | **${verdict(ratioJson <= TARGET_RATIO)}** |`);
  md.push(`| CLI \`diagnose\` (human output) time / \`grep -cF\` time ≤ ${TARGET_RATIO} | ${ratioHuman.toFixed(2)} (${f3(results.human.median)} s vs ${f3(grepMedian)} s) | **${verdict(ratioHuman <= TARGET_RATIO)}** |`);
  md.push(`| CLI peak RSS on ${MIB} MiB ≤ ${TARGET_RSS_MB} MB (streaming) | ${f1(peakRss)} MB (highest of all runs) | **${verdict(peakRss <= TARGET_RSS_MB)}** |`);
  md.push(`| findings for a ${EXT_MIB} MiB document, extension path (recogniseText) | ${f1(ext.oursMedian)} ms (naive split+includes: ${f1(ext.baselineMedian)} ms, ratio ${(ext.oursMedian / ext.baselineMedian).toFixed(2)}) | reported (no numeric target) |`);
  md.push('', `Ratios are of medians. Each round's own ratio, medians of those: \`--json\` ${pairedJson.toFixed(2)}, human ${pairedHuman.toFixed(2)}.`, '');
  md.push('## Input', '');
  md.push(`\`bench/generate-kubelet-log.mjs\`: ${meta.bytes} bytes, ${meta.lines} kubelet klog lines, seed ${meta.seed}, cached at \`${file.replace(os.homedir(), '~')}\`.`);
  md.push(`Lines by kind: ${Object.entries(meta.counts).map(([k, n]) => `${k} ${n}`).join(', ')}.`, '');
  md.push(`Checked before timing: the CLI's ${check.oci} \`oci-exec-eof\` findings are on exactly the lines \`grep -nF\` finds for the phrases ${EXACT.map((e) => `\`${e}\``).join(' / ')}; every look-alike kind got its own signature with the generated count (${Object.entries(check.bySignature).map(([k, n]) => `${k} ${n}`).join(', ')}); verdict \`${check.verdict}\`. (\`grep -cF '${PHRASE}'\` counts ${check.phraseLines}: it also matches the executable-not-found look-alike.)`, '');
  md.push('## CLI throughput and memory', '');
  md.push(`File warm in the page cache (read once, and every program run once, before timing). Wall time per process, seconds; peak RSS from GNU time \`%M\`.`, '');
  md.push(`| program | runs (s) | median (s) | MB/s | ratio to grep | peak RSS (MB) |`, '| --- | --- | --- | --- | --- | --- |');
  for (const r of Object.values(results)) {
    const perFile = r.id !== 'startup';
    md.push(`| \`${r.label}\` | ${r.seconds.map(f3).join(', ')} | ${f3(r.median)} | ${perFile ? r.mbps.toFixed(0) : '—'} | ${perFile ? (r.median / grepMedian).toFixed(2) : '—'} | ${f1(r.peakRss)} |`);
  }
  md.push('', 'grep and rg write to a pipe (GNU grep stops at the first match when its stdout is /dev/null); the CLI writes to /dev/null. MB/s in 10⁶ bytes.');
  md.push(`\`rg\` maps the file, so its RSS counts the page-cache pages it touched; that is not heap. Two rows are for scale only: grep looking for all ${literals.length} literals of the signature catalog (the CLI's scan looks for those and for the fact literals, in one pass), and the CLI on a one-line file — its fixed cost (node start, loading the bundle, building the matcher), included in every CLI time above (${f3(results.startup.median)} s of ${f3(results.json.median)} s).`, '');
  md.push('## Extension path', '');
  md.push(`\`recogniseText(file, text, { matcher })\` on the first ${EXT_MIB} MiB of the same log held as one JS string (${ext.bytes} characters, ${ext.lines} lines), matcher built once, as \`src/extension/findings.ts\` does; bundled from \`bench/extension-path.ts\`. Baseline on the same string: \`text.split('\\n')\` and \`line.includes('${PHRASE}')\` per line. Interleaved, gc between runs. ms per run:`, '');
  md.push('| | runs (ms) | median (ms) |', '| --- | --- | --- |');
  md.push(`| recogniseText | ${ext.runs.ours.map(f1).join(', ')} | ${f1(ext.oursMedian)} |`);
  md.push(`| naive split + includes | ${ext.runs.baseline.map(f1).join(', ')} | ${f1(ext.baselineMedian)} |`);
  md.push(`| ratio | | ${(ext.oursMedian / ext.baselineMedian).toFixed(2)} |`);
  md.push('', `recogniseText: ${ext.findings} findings, ${ext.ociExecEof} of them \`oci-exec-eof\` (= the ${ext.exactPhraseLines} lines holding the exact phrases); the naive loop matched ${ext.naiveMatches} lines. Peak RSS of that process (document, its bytes and the split baseline included): ${f1(ext.maxRssMb)} MB.`, '');
  fs.writeFileSync(path.join(root, 'bench', 'results.md'), `${md.join('\n')}\n`);

  // ---- summary ----
  const line = (label, r) => `  ${label.padEnd(22)} median ${f3(r.median)} s  (${r.seconds.map(f3).join(' ')})  ${r.id === 'startup' ? '' : `${r.mbps.toFixed(0)} MB/s  `}peak RSS ${f1(r.peakRss)} MB`;
  console.log(`Runtime Lens bench — ${MIB} MiB kubelet log, ${RUNS} interleaved runs, ${m.cpu}, ${m.cores} cores, node ${m.node}`);
  console.log(line('grep -cF', results.grep));
  if (results.rg) console.log(line('rg -c -F', results.rg));
  console.log(line(`grep, ${literals.length} literals`, results.grepAll));
  console.log(line('diagnose --json', results.json));
  console.log(line('diagnose (human)', results.human));
  console.log(line('diagnose, one line', results.startup));
  console.log(`  ratio diagnose/grep: --json ${ratioJson.toFixed(2)}, human ${ratioHuman.toFixed(2)} (target ≤ ${TARGET_RATIO}) ${verdict(Math.max(ratioJson, ratioHuman) <= TARGET_RATIO)}; per-round medians ${pairedJson.toFixed(2)}, ${pairedHuman.toFixed(2)}`);
  console.log(`  peak RSS: ${f1(peakRss)} MB (target ≤ ${TARGET_RSS_MB}) ${verdict(peakRss <= TARGET_RSS_MB)}`);
  console.log(`  extension path, ${EXT_MIB} MiB: recogniseText ${f1(ext.oursMedian)} ms vs split+includes ${f1(ext.baselineMedian)} ms`);
  console.log(`  wrote bench/results.md`);
}

main()
  .catch((e) => {
    process.stderr.write(`bench: ${e instanceof Broken ? 'BROKEN: ' : ''}${e instanceof Broken ? e.message : (e.stack ?? e)}\n`);
    process.exitCode = 1;
  })
  .finally(() => fs.rmSync(tmp, { recursive: true, force: true }));
