#!/usr/bin/env node
// `npm run bench` (= `npm run build && node bench/run.mjs`): the recognition and trace benchmarks.
//
// Recognition (part "logs"):
//  1. CLI throughput: `node dist/cli.js diagnose [--json] FILE` on a generated 512 MiB kubelet log,
//     against `grep -cF 'OCI runtime exec failed' FILE` (and `rg -c -F …` as a second reference),
//     file warm in the page cache, runs interleaved, medians compared. Target: ours / grep ≤ 3.
//  2. Peak RSS of the CLI process on that file (GNU time %M). Target: ≤ 200 MB.
//  3. Extension path: recogniseText on a 50 MiB in-memory document, against a naive split+includes
//     loop over the same string (bench/extension-path.ts).
//
// Trace (part "trace"; issue "Trace the Go call path"), over Debian's Go sources
// (test/harness/go-sources.sh: <cache>/checkouts and /usr/share/gocode/src):
//  4. Cold: a fresh `node dist/cli.js trace --json --sources ROOT…` process (both chains), against one
//     `rg -n --type go -e DECL… ROOT…` searching the declarations of every hop over the same roots,
//     page cache warm for both, runs interleaved, medians compared. Target: ours / rg ≤ 0.5.
//  5. Warm: in one process (bench/trace-path.ts, the Tracer the extension host runs), a cold trace and
//     then BENCH_WARM repeated traces over unchanged sources. Target: median ≤ 5 ms.
//  6. Memory growth of that process from "modules loaded" to after tracing. Target: ≤ 150 MB.
//
// Results go to bench/results.md (machine, date, every run, medians, ratios, PASS/MISS). A benchmark
// reports; it does not gate: exit 0 on a MISS, non-zero only when something is broken (the CLI fails,
// finds nothing, its oci-exec-eof lines differ from the lines grep finds for the exact phrases, a hop
// of the two chains does not resolve over the Debian sources, or ours and rg disagree on where a
// declaration is).
//
// Environment: BENCH_RUNS (default 7), BENCH_MIB (default 512), BENCH_EXT_MIB (default 50),
// BENCH_TRACE_RUNS (default BENCH_RUNS), BENCH_WARM (default 50), BENCH_PARTS (default "logs,trace";
// with only one part, results go to $TMPDIR/runtime-lens-bench-results.partial.md, not results.md).
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
const TRACE_RUNS = Number(process.env.BENCH_TRACE_RUNS ?? RUNS);
const WARM_RUNS = Number(process.env.BENCH_WARM ?? 50);
const PARTS = new Set((process.env.BENCH_PARTS ?? 'logs,trace').split(',').map((p) => p.trim()).filter(Boolean));
for (const p of PARTS) if (p !== 'logs' && p !== 'trace') throw new Error(`BENCH_PARTS: unknown part '${p}' (logs, trace)`);
const TARGET_RATIO = 3;
const TARGET_RSS_MB = 200;
const TARGET_COLD_RATIO = 0.5;
const TARGET_WARM_MS = 5;
const TARGET_GROWTH_MB = 150;
const TRACE_CHAINS = ['reader', 'writer'];
const GOCODE = '/usr/share/gocode/src';
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
// Measuring one process: wall time from here (hrtime), peak RSS and CPU time (user + system) from GNU time.

const devNull = fs.openSync('/dev/null', 'w');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'runtime-lens-bench-'));
const timeFile = path.join(tmp, 'time.txt');

// stdout: a file descriptor, or 'pipe' to capture it. grep must write to a pipe: GNU grep notices a
// stdout of /dev/null and stops at the first match, like -q.
function measure(argv, { stdout = devNull } = {}) {
  const started = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%M %U %S', '-o', timeFile, ...argv], { stdio: ['ignore', stdout, 'pipe'], encoding: 'utf8', maxBuffer: 64 << 20 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (r.error) fail(`${argv.join(' ')}: ${r.error.message}`);
  const [rssKb, user, sys] = fs.readFileSync(timeFile, 'utf8').trim().split('\n').pop().split(' ').map(Number);
  return { seconds, rssMb: rssKb / 1024, cpuSeconds: user + sys, status: r.status, stdout: r.stdout, stderr: r.stderr };
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
// Recognition: CLI throughput and memory on a generated kubelet log, and the extension path.
// Each part returns { targets: results.md rows of the Targets table, notes, sections, summary lines }.

const verdict = (ok) => (ok ? 'PASS' : 'MISS');
const f3 = (x) => x.toFixed(3);
const f2 = (x) => x.toFixed(2);
const f1 = (x) => x.toFixed(1);

async function logsBench() {
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

  const targets = [
    `| CLI \`diagnose --json\` time / \`grep -cF\` time on ${MIB} MiB ≤ ${TARGET_RATIO} | ${ratioJson.toFixed(2)} (${f3(results.json.median)} s vs ${f3(grepMedian)} s) | **${verdict(ratioJson <= TARGET_RATIO)}** |`,
    `| CLI \`diagnose\` (human output) time / \`grep -cF\` time ≤ ${TARGET_RATIO} | ${ratioHuman.toFixed(2)} (${f3(results.human.median)} s vs ${f3(grepMedian)} s) | **${verdict(ratioHuman <= TARGET_RATIO)}** |`,
    `| CLI peak RSS on ${MIB} MiB ≤ ${TARGET_RSS_MB} MB (streaming) | ${f1(peakRss)} MB (highest of all runs) | **${verdict(peakRss <= TARGET_RSS_MB)}** |`,
    `| findings for a ${EXT_MIB} MiB document, extension path (recogniseText) | ${f1(ext.oursMedian)} ms (naive split+includes: ${f1(ext.baselineMedian)} ms, ratio ${(ext.oursMedian / ext.baselineMedian).toFixed(2)}) | reported (no numeric target) |`,
  ];
  const notes = [`Recognition: each round's own ratio, medians of those: \`--json\` ${pairedJson.toFixed(2)}, human ${pairedHuman.toFixed(2)}.`];
  const md = [];
  md.push('## Input', '');
  md.push(`\`bench/generate-kubelet-log.mjs\`: ${meta.bytes} bytes, ${meta.lines} kubelet klog lines, seed ${meta.seed}, cached at \`${file.replace(os.homedir(), '~')}\`.`);
  md.push(`Lines by kind: ${Object.entries(meta.counts).map(([k, n]) => `${k} ${n}`).join(', ')}.`, '');
  md.push(`Checked before timing: the CLI's ${check.oci} \`oci-exec-eof\` findings are on exactly the lines \`grep -nF\` finds for the phrases ${EXACT.map((e) => `\`${e}\``).join(' / ')}; every look-alike kind got its own signature with the generated count (${Object.entries(check.bySignature).map(([k, n]) => `${k} ${n}`).join(', ')}); verdict \`${check.verdict}\`. (\`grep -cF '${PHRASE}'\` counts ${check.phraseLines}: it also matches the executable-not-found look-alike.)`, '');
  md.push('## CLI throughput and memory', '');
  md.push(`File warm in the page cache (read once, and every program run once, before timing). ${RUNS} interleaved runs. Wall time per process, seconds; peak RSS from GNU time \`%M\`.`, '');
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

  const line = (label, r) => `  ${label.padEnd(22)} median ${f3(r.median)} s  (${r.seconds.map(f3).join(' ')})  ${r.id === 'startup' ? '' : `${r.mbps.toFixed(0)} MB/s  `}peak RSS ${f1(r.peakRss)} MB`;
  const summary = [`Recognition — ${MIB} MiB kubelet log, ${RUNS} interleaved runs`];
  summary.push(line('grep -cF', results.grep));
  if (results.rg) summary.push(line('rg -c -F', results.rg));
  summary.push(line(`grep, ${literals.length} literals`, results.grepAll));
  summary.push(line('diagnose --json', results.json));
  summary.push(line('diagnose (human)', results.human));
  summary.push(line('diagnose, one line', results.startup));
  summary.push(`  ratio diagnose/grep: --json ${ratioJson.toFixed(2)}, human ${ratioHuman.toFixed(2)} (target ≤ ${TARGET_RATIO}) ${verdict(Math.max(ratioJson, ratioHuman) <= TARGET_RATIO)}; per-round medians ${pairedJson.toFixed(2)}, ${pairedHuman.toFixed(2)}`);
  summary.push(`  peak RSS: ${f1(peakRss)} MB (target ≤ ${TARGET_RSS_MB}) ${verdict(peakRss <= TARGET_RSS_MB)}`);
  summary.push(`  extension path, ${EXT_MIB} MiB: recogniseText ${f1(ext.oursMedian)} ms vs split+includes ${f1(ext.baselineMedian)} ms`);
  return { targets, notes, md, summary };
}

// ---------------------------------------------------------------------------------------------
// Trace: the two chains over Debian's Go sources, against rg searching the same declarations.

function goSources() {
  log('Go sources: test/harness/go-sources.sh (cached after the first fetch)…');
  const r = spawnSync('bash', [path.join(root, 'test', 'harness', 'go-sources.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.error || r.status !== 0) fail(`test/harness/go-sources.sh exited ${r.status}${r.error ? `: ${r.error.message}` : ''}`);
  const dest = path.resolve(r.stdout.trim().split('\n').pop());
  const roots = [path.join(dest, 'checkouts'), GOCODE];
  for (const d of roots) if (!fs.existsSync(d) || !fs.statSync(d).isDirectory()) fail(`${d} is not a directory after test/harness/go-sources.sh`);
  return { dest, roots };
}

/** Go files under the roots, symlinks not followed (as rg and find do by default). */
function countGoFiles(roots) {
  let files = 0;
  let tests = 0;
  let bytes = 0;
  const stack = [...roots];
  while (stack.length > 0) {
    const dir = stack.pop();
    let entries;
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) stack.push(p);
      else if (e.isFile() && e.name.endsWith('.go')) {
        files += 1;
        if (e.name.endsWith('_test.go')) tests += 1;
        bytes += fs.statSync(p).size;
      }
    }
  }
  return { files, tests, bytes };
}

const reEscape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The declaration a hop location names, as an rg regex: `func (w *worker) doProbe(` for a method (a
 * func literal's hop: its enclosing method), `func cmdOutput(` for a function, `var execCommand = ` for
 * a field of a package-level var (runc's `execCommand.Action`).
 */
function declPattern(loc) {
  if (loc.field) return `var ${reEscape(loc.name)} = `;
  if (loc.receiver) return `func \\((\\w+ )?\\*?${reEscape(loc.receiver)}\\) ${reEscape(loc.name)}\\(`;
  return `func ${reEscape(loc.name)}\\(`;
}
const locations = (hop) => [hop.at, ...(hop.alternates ?? [])];

function buildEntry(name) {
  const entry = path.join(tmp, `${name}.cjs`);
  const esbuild = path.join(root, 'node_modules', '.bin', 'esbuild');
  const b = run([esbuild, path.join(root, 'bench', `${name}.ts`), '--bundle', '--platform=node', '--target=node20', '--format=cjs', '--log-level=warning', `--outfile=${entry}`]);
  if (b.status !== 0) fail(`esbuild bench/${name}.ts: ${b.stderr}`);
  return entry;
}

function parseJson(what, text) {
  try {
    return JSON.parse(text);
  } catch (e) {
    return fail(`${what} did not print one JSON document: ${e.message}\n${String(text).slice(0, 500)}`);
  }
}

/** rg's matches as "file:line" and the files holding one. */
function rgMatches(stdout) {
  const lines = stdout.split('\n').filter(Boolean);
  const at = new Set();
  const files = new Set();
  for (const l of lines) {
    const m = /^(.*?):(\d+):/.exec(l);
    if (!m) continue;
    at.add(`${m[1]}:${m[2]}`);
    files.add(m[1]);
  }
  return { count: lines.length, at, files };
}

/** Every hop of both chains resolved, each where rg finds its declaration. */
function verifyTrace(atlas, cliArgv, rgOut) {
  log('checking the trace against the atlas and rg…');
  const r = measure(cliArgv, { stdout: 'pipe' });
  if (r.status !== 0) fail(`trace --json exited ${r.status}: ${r.stderr}`);
  const doc = parseJson('trace --json', r.stdout);
  const problems = [];
  const resolved = {};
  for (const name of TRACE_CHAINS) {
    const spec = atlas.chains[name].hops;
    const got = doc.chains?.[name] ?? [];
    resolved[name] = got.filter((h) => h.resolved).length;
    if (got.length !== spec.length) problems.push(`${name}: ${got.length} hops in the output, the atlas has ${spec.length}`);
    const missing = got.filter((h) => !h.resolved);
    if (missing.length > 0) problems.push(`${name}: ${missing.length} of ${got.length} hops unresolved: ${missing.map((h) => `${h.id} (${h.problem ?? 'no reason given'})`).join('; ')}`);
    got.forEach((h, i) => {
      if (!h.resolved || !spec[i]) return;
      // A plain declaration is on one of rg's matched lines; a func literal or a var's field sits below
      // its enclosing declaration, which rg finds in the same file.
      const plain = locations(spec[i]).every((l) => !l.field && !l.funcLiteral);
      if (plain ? !rgOut.at.has(`${h.file}:${h.line}`) : !rgOut.files.has(h.file)) problems.push(`${name} ${h.id}: ours at ${h.file}:${h.line}, rg matches no declaration ${plain ? 'there' : 'in that file'}`);
    });
  }
  if (problems.length > 0) fail(`trace over the Debian sources is wrong:\n  ${problems.join('\n  ')}`);
  const total = Object.values(resolved).reduce((a, b) => a + b, 0);
  log(`ok: ${TRACE_CHAINS.map((c) => `${c} ${resolved[c]}/${atlas.chains[c].hops.length}`).join(', ')} hops resolved (${total}), each where rg finds its declaration`);
  return { resolved, total };
}

function checkInProcess(res, expect) {
  const problems = [];
  for (const name of TRACE_CHAINS) {
    const c = res.cold.chains[name];
    if (!c || c.resolved !== expect[name]) problems.push(`${name}: in-process cold trace resolved ${c?.resolved} hops, the CLI ${expect[name]}`);
  }
  if (res.warm.parsedFiles !== 0) problems.push(`warm traces parsed ${res.warm.parsedFiles} files (unchanged sources: expected 0)`);
  if (res.warm.differs !== 0) problems.push(`${res.warm.differs} warm trace(s) differ from the cold one`);
  if (problems.length > 0) fail(`in-process trace (bench/trace-path.ts):\n  ${problems.join('\n  ')}`);
}

/**
 * One run under `node --cpu-prof`: self and inclusive time per function (a function counted once per
 * sample however deep it recurses), in ms.
 */
function cpuProfile(argv) {
  const dir = path.join(tmp, 'cpu-prof');
  fs.rmSync(dir, { recursive: true, force: true });
  const r = run([argv[0], '--cpu-prof', `--cpu-prof-dir=${dir}`, ...argv.slice(1)]);
  if (r.status !== 0) fail(`${argv.join(' ')} under --cpu-prof exited ${r.status}: ${r.stderr}`);
  const file = fs.readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) fail('node --cpu-prof wrote no profile');
  const prof = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const label = (n) => {
    const { functionName, url, lineNumber } = n.callFrame;
    const where = url.startsWith('wasm://') ? 'wasm' : url ? `${path.basename(url)}:${lineNumber + 1}` : '';
    return `${functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
  };
  const self = new Map();
  const inclusive = new Map();
  let total = 0;
  prof.samples.forEach((id, i) => {
    const dt = (prof.timeDeltas[i] ?? 0) / 1000;
    total += dt;
    const k = label(byId.get(id));
    self.set(k, (self.get(k) ?? 0) + dt);
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const kk = label(byId.get(cur));
      if (seen.has(kk)) continue;
      seen.add(kk);
      inclusive.set(kk, (inclusive.get(kk) ?? 0) + dt);
    }
  });
  const top = (m, n) => [...m].filter(([k]) => !/^\((root|program|idle)\)/.test(k)).sort((a, b) => b[1] - a[1]).slice(0, n);
  return { total, self: top(self, 12), inclusive: top(inclusive, 16) };
}

const percentile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
};

async function traceBench() {
  if (!have('rg')) fail('rg (ripgrep), the trace baseline, is missing and could not be installed');
  const { roots } = goSources();
  const atlas = JSON.parse(fs.readFileSync(path.join(root, 'src', 'core', 'trace', 'atlas.json'), 'utf8'));
  for (const c of TRACE_CHAINS) if (!atlas.chains[c]) fail(`atlas.json has no chain '${c}'`);
  const hops = TRACE_CHAINS.flatMap((c) => atlas.chains[c].hops);
  const patterns = [...new Set(hops.flatMap((h) => locations(h).map(declPattern)))];
  const rgArgv = ['rg', '-n', '--type', 'go', ...patterns.flatMap((p) => ['-e', p]), ...roots];
  const cliArgv = ['node', cli, 'trace', '--json', ...roots.flatMap((d) => ['--sources', d])];
  const entry = buildEntry('trace-path');
  const inprocArgv = ['node', '--expose-gc', entry, path.join(root, 'dist'), String(WARM_RUNS), ...roots];
  const noSources = path.join(tmp, 'no-sources');
  fs.mkdirSync(noSources, { recursive: true });
  const corpus = countGoFiles(roots);
  const rgFiles = run(['rg', '--files', '--type', 'go', ...roots]).stdout.split('\n').filter(Boolean).length;
  log(`trace corpus: ${corpus.files} Go files (${f1(corpus.bytes / 1e6)} MB) under ${roots.join(', ')}; rg --type go searches ${rgFiles}`);

  // Warm-up: rg reads every Go file (page cache), ours and the in-process bench run once untimed.
  log('warm-up: rg over the roots, trace once, the in-process bench once (with a per-file breakdown)…');
  const rgWarm = run(rgArgv);
  if (rgWarm.status !== 0) fail(`rg exited ${rgWarm.status}: ${rgWarm.stderr}`);
  const rgOut = rgMatches(rgWarm.stdout);
  const check = verifyTrace(atlas, cliArgv, rgOut);
  const bd = spawnSync(inprocArgv[0], inprocArgv.slice(1), { encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, TRACE_BREAKDOWN: '1' } });
  if (bd.status !== 0) fail(`bench/trace-path.ts failed: ${bd.stderr}`);
  const breakdown = parseJson('bench/trace-path.ts', bd.stdout);
  checkInProcess(breakdown, check.resolved);
  log('one cold trace under node --cpu-prof…');
  const profile = cpuProfile(cliArgv);

  const programs = [
    { id: 'rg', label: `rg -n --type go -e DECL… ROOT… (${patterns.length} declaration patterns of the ${hops.length} hops)`, argv: rgArgv },
    { id: 'cli', label: 'node dist/cli.js trace --json --sources ROOT… (wall)', argv: cliArgv },
    { id: 'inproc', label: `node --expose-gc trace-path.cjs (bench/trace-path.ts: cold trace + ${WARM_RUNS} warm)`, argv: inprocArgv },
    // For scale, not a target: the CLI's fixed cost (node start, bundle, atlas, parser) with nothing to trace.
    { id: 'startup', label: 'node dist/cli.js trace --json --sources EMPTY-DIR (fixed cost)', argv: ['node', cli, 'trace', '--json', '--sources', noSources] },
  ];
  const res = Object.fromEntries(programs.map((p) => [p.id, { ...p, seconds: [], rssMb: [], cpu: [] }]));
  const cliElapsed = [];
  const loadBefore = os.loadavg()[0];
  const inproc = [];
  for (let i = 0; i < TRACE_RUNS; i++) {
    const order = programs.map((_, k) => programs[(k + i) % programs.length]);
    for (const p of order) {
      const m = measure(p.argv, { stdout: 'pipe' });
      if (m.status !== 0) fail(`${p.label} exited ${m.status}: ${m.stderr}`);
      if (p.id === 'rg' && rgMatches(m.stdout).count !== rgOut.count) fail(`rg matched ${rgMatches(m.stdout).count} lines, ${rgOut.count} in the warm-up`);
      if (p.id === 'cli') {
        const doc = parseJson('trace --json', m.stdout);
        const n = TRACE_CHAINS.reduce((a, c) => a + (doc.chains?.[c] ?? []).filter((h) => h.resolved).length, 0);
        if (n !== check.total) fail(`trace --json resolved ${n} hops, ${check.total} before timing`);
        cliElapsed.push(doc.elapsedMs);
      }
      if (p.id === 'inproc') {
        const r = parseJson('bench/trace-path.ts', m.stdout);
        checkInProcess(r, check.resolved);
        inproc.push(r);
      }
      res[p.id].seconds.push(m.seconds);
      res[p.id].rssMb.push(m.rssMb);
      res[p.id].cpu.push(m.cpuSeconds);
    }
    const last = inproc.at(-1);
    log(
      `trace round ${i + 1}/${TRACE_RUNS}: ${order.map((p) => `${p.id} ${f3(res[p.id].seconds.at(-1))} s`).join(', ')}; trace elapsedMs ${cliElapsed.at(-1)}; in-process cold ${last.cold.elapsedMs.toFixed(0)} ms, warm median ${f2(median(last.warm.elapsedMs))} ms`,
    );
  }
  const loadAfter = os.loadavg()[0];
  for (const r of Object.values(res)) {
    r.median = median(r.seconds);
    r.cpuMedian = median(r.cpu);
    r.peakRss = Math.max(...r.rssMb);
  }
  const rgMedian = res.rg.median;
  const cliMedian = res.cli.median;
  const elapsedMedian = median(cliElapsed) / 1000;
  const coldRatio = cliMedian / rgMedian;
  const elapsedRatio = elapsedMedian / rgMedian;
  const pairedCold = median(res.cli.seconds.map((x, i) => x / res.rg.seconds[i]));
  const pairedElapsed = median(cliElapsed.map((x, i) => x / 1000 / res.rg.seconds[i]));
  const inprocCold = inproc.map((r) => r.cold.elapsedMs);
  const warmMedians = inproc.map((r) => median(r.warm.elapsedMs));
  const warmMedian = median(warmMedians);
  const warmAll = inproc.flatMap((r) => r.warm.elapsedMs);
  const base = (r) => r.snapshots[0];
  const growthEnd = inproc.map((r) => r.snapshots.at(-1).rssMb - base(r).rssMb);
  const growthPeak = inproc.map((r) => r.maxRssMb - base(r).rssMb);
  const heapEnd = inproc.map((r) => r.snapshots.at(-1).heapUsedMb - base(r).heapUsedMb);
  const worstGrowth = Math.max(...growthPeak);
  const first = inproc[0];

  const targets = [
    `| trace, cold: fresh \`trace --json\` process / \`rg\` over the same roots ≤ ${TARGET_COLD_RATIO} | ${f2(coldRatio)} (${f3(cliMedian)} s vs ${f3(rgMedian)} s) | **${verdict(coldRatio <= TARGET_COLD_RATIO)}** |`,
    `| trace, warm: repeated trace of both chains, median ≤ ${TARGET_WARM_MS} ms | ${f2(warmMedian)} ms (median of ${inproc.length} processes' medians of ${WARM_RUNS} traces) | **${verdict(warmMedian <= TARGET_WARM_MS)}** |`,
    `| trace, extension-host memory growth ≤ ${TARGET_GROWTH_MB} MB | ${f1(worstGrowth)} MB (peak RSS − RSS with the modules loaded, worst of ${inproc.length} processes) | **${verdict(worstGrowth <= TARGET_GROWTH_MB)}** |`,
  ];
  const cpuRatio = res.cli.cpuMedian / res.rg.cpuMedian;
  const notes = [
    `Trace: each round's own ratio, medians of those: cold process ${f2(pairedCold)}, its reported \`elapsedMs\` alone ${f2(pairedElapsed)}. By CPU time (user + system) instead of wall time: ${f2(cpuRatio)} (${f3(res.cli.cpuMedian)} s vs ${f3(res.rg.cpuMedian)} s; rg runs on every core).`,
  ];

  const md = [];
  const home = (p) => p.replace(os.homedir(), '~');
  md.push('## Trace', '');
  md.push(
    `Issue "Trace the Go call path": the full two-chain trace (\`reader\` ${atlas.chains.reader.hops.length} hops + \`writer\` ${atlas.chains.writer.hops.length} hops = ${hops.length}) over Debian's Go sources, cold and warm, against \`rg\` searching the same declarations over the same roots, in the same run. ${TRACE_RUNS} interleaved rounds (order rotated each round); medians.`,
    '',
  );
  md.push(
    `Roots (from \`test/harness/go-sources.sh\`): ${roots.map((r) => `\`${home(r)}\``).join(' and ')} — ${corpus.files} Go files (${corpus.tests} of them \`_test.go\`), ${f1(corpus.bytes / 1e6)} MB; \`rg --type go\` searches ${rgFiles} files there. The trace finds ${breakdown.projectRoots} project copies (checkouts, vendored copies and GOPATH packages).`,
    '',
  );
  md.push(
    `Checked before timing: all ${check.total} hops resolve (${TRACE_CHAINS.map((c) => `${c} ${check.resolved[c]}/${atlas.chains[c].hops.length}`).join(', ')}); every hop that is a plain declaration is on a line rg matches, and every func-literal or var-field hop is in a file where rg matches its enclosing declaration (rg matches ${rgOut.count} lines in all: every copy of every declaration, vendored ones included); the in-process trace resolves the same, and its warm traces parse nothing and return the same locations.`,
    '',
  );
  md.push('### Cold', '');
  md.push(
    '"Cold" is a fresh process with our caches empty. The OS page cache is warm for both programs: rg reads every Go file under the roots once before timing, and each program runs once untimed. Wall time per process, seconds; peak RSS from GNU time `%M`.',
    '',
  );
  md.push('| program | runs (wall) | median (wall) | ratio to rg | CPU time, median (s) | peak RSS (MB) |', '| --- | --- | --- | --- | --- | --- |');
  const row = (label, xs, med, unit, ratio, r) =>
    `| ${label} | ${xs.map(unit === 'ms' ? (x) => x.toFixed(0) : f3).join(', ')} ${unit} | ${unit === 'ms' ? med.toFixed(0) : f3(med)} ${unit} | ${f2(ratio)} | ${r ? f3(r.cpuMedian) : '—'} | ${r ? f1(r.peakRss) : '—'} |`;
  md.push(row(`\`${res.rg.label}\``, res.rg.seconds, rgMedian, 's', 1, res.rg));
  md.push(row(`\`${res.cli.label}\``, res.cli.seconds, cliMedian, 's', coldRatio, res.cli));
  md.push(row('its reported `elapsedMs` (the trace alone)', cliElapsed, median(cliElapsed), 'ms', elapsedRatio, null));
  md.push(row(`\`${res.startup.label}\``, res.startup.seconds, res.startup.median, 's', res.startup.median / rgMedian, res.startup));
  md.push(row('in-process cold trace, `Tracer.trace` (bench/trace-path.ts)', inprocCold, median(inprocCold), 'ms', median(inprocCold) / 1000 / rgMedian, null));
  md.push(
    '',
    `rg searches with ${os.cpus().length > 1 ? `all ${os.cpus().length} cores` : 'one core'} (CPU time > wall time), the trace mostly with one; on a busy machine rg's wall time suffers more than ours, so the ratio moves with the load (1-minute load average ${f2(loadBefore)} before the timed rounds, ${f2(loadAfter)} after). CPU time is user + system from GNU time.${
      Math.max(loadBefore, loadAfter) >= os.cpus().length
        ? ` **This run was on a busy machine** (load ≥ ${os.cpus().length}): rg got about ${f1(res.rg.cpuMedian / rgMedian)} of its ${os.cpus().length} cores, which flatters the wall-time ratio; on an idle machine rg's wall time is closer to its CPU time / ${os.cpus().length}.`
        : ''
    }`,
    '',
  );
  md.push(
    `Where the cold time goes (medians of the in-process runs, ms): loading the parser (WebAssembly) and the atlas (schema validation) ${median(inproc.map((r) => r.setupMs)).toFixed(0)}, finding the project copies under the roots (\`setSourceRoots\`) ${median(inproc.map((r) => r.rootsMs)).toFixed(0)}, the trace ${median(inprocCold).toFixed(0)}. The trace parses ${first.cold.parsedFiles} files (${f1(first.cold.parsedBytes / 1e6)} MB) of the ${corpus.files}. The CLI's fixed cost (node start, loading the bundle, atlas, parser, with an empty source root) is ${f3(res.startup.median)} s of its ${f3(cliMedian)} s.`,
    '',
  );
  if (breakdown.files?.length) {
    const totalIndex = breakdown.files.reduce((a, f) => a + f.ms, 0);
    md.push(
      `Per-file cost in one untimed run (reading the file and scanning it for its top-level declarations, \`GoIndexCache.get\`; tree-sitter-go parses only the declarations the trace visits, later): ${breakdown.files.length} files, ${totalIndex.toFixed(0)} ms of a ${breakdown.cold.elapsedMs.toFixed(0)} ms trace. The most expensive:`,
      '',
    );
    md.push('| file | bytes | declarations | index (ms) | parsing it whole would take (ms) |', '| --- | --- | --- | --- | --- |');
    for (const f of breakdown.files.slice(0, 8)) md.push(`| \`${home(f.file)}\`${f.order === 0 ? ' (parsed first)' : ''} | ${f.bytes} | ${f.decls ?? '—'} | ${f.ms.toFixed(0)} | ${f.parseMs === undefined ? '—' : f.parseMs.toFixed(0)} |`);
    const big = breakdown.files.filter((f) => f.bytes >= 100_000);
    md.push(
      '',
      `The last column is \`parser.parse\` on the whole text, timed after the trace (code warm): what indexing cost before the index scanned for declarations and parsed only the visited ones. The first file also pays for warming up the JIT. The ${big.length} files of 100 kB or more (generated \`.pb.go\`, each read for one method) take ${big.reduce((a, f) => a + f.ms, 0).toFixed(0)} ms of the ${totalIndex.toFixed(0)} ms.`,
      '',
    );
  }
  md.push(
    `CPU profile of one cold \`trace --json\` process (untimed run, \`node --cpu-prof\`, ${profile.total.toFixed(0)} ms sampled; names and lines are in \`dist/cli.js\`; \`wasm\` is tree-sitter's WebAssembly):`,
    '',
  );
  md.push('| inclusive (ms) | function | | self (ms) | function |', '| --- | --- | --- | --- | --- |');
  for (let k = 0; k < Math.max(profile.inclusive.length, profile.self.length); k++) {
    const [ik, iv] = profile.inclusive[k] ?? ['', null];
    const [sk, sv] = profile.self[k] ?? ['', null];
    md.push(`| ${iv === null ? '' : iv.toFixed(0)} | ${ik ? `\`${ik}\`` : ''} | | ${sv === null ? '' : sv.toFixed(0)} | ${sk ? `\`${sk}\`` : ''} |`);
  }
  md.push('');
  md.push('### Warm', '');
  md.push(
    `In one process (\`bench/trace-path.ts\`): one cold trace, then ${WARM_RUNS} traces of both chains over the unchanged sources — the path a repeated trace in the editor takes (each checks its files' mtimes and sizes). \`elapsedMs\` as \`Tracer.trace\` reports it.`,
    '',
  );
  md.push('| | per process (ms) | median (ms) |', '| --- | --- | --- |');
  md.push(`| median of ${WARM_RUNS} warm traces | ${warmMedians.map(f2).join(', ')} | ${f2(warmMedian)} |`);
  md.push(`| slowest warm trace | ${inproc.map((r) => f2(Math.max(...r.warm.elapsedMs))).join(', ')} | ${f2(median(inproc.map((r) => Math.max(...r.warm.elapsedMs))))} |`);
  md.push('', `All ${warmAll.length} warm traces: median ${f2(median(warmAll))} ms, 95th percentile ${f2(percentile(warmAll, 95))} ms, max ${f2(Math.max(...warmAll))} ms.`, '');
  md.push('### Memory', '');
  md.push(
    'The same code the extension host runs to trace (the `Tracer` over tree-sitter-go in WebAssembly), in plain Node rather than VS Code\'s extension host: RSS and heap after a gc at each step, median of the processes. The baseline is node with the bundle loaded and nothing run; growth is to after tracing.',
    '',
  );
  md.push('| step | RSS (MB) | heap used (MB) | external (MB) |', '| --- | --- | --- | --- |');
  first.snapshots.forEach((s, k) => {
    const at = (key) => median(inproc.map((r) => r.snapshots[k][key]));
    md.push(`| ${s.label} | ${f1(at('rssMb'))} | ${f1(at('heapUsedMb'))} | ${f1(at('externalMb'))} |`);
  });
  md.push(`| peak (process high-water mark) | ${f1(median(inproc.map((r) => r.maxRssMb)))} | | |`);
  md.push(
    '',
    `Growth from the baseline, per process (MB): peak RSS ${growthPeak.map(f1).join(', ')} (worst ${f1(worstGrowth)}; the target); RSS after the warm traces ${growthEnd.map(f1).join(', ')}; heap used after the warm traces ${heapEnd.map(f1).join(', ')}. "external" is mostly the WebAssembly memory of tree-sitter. Peak RSS of the CLI process (GNU time): ${f1(res.cli.peakRss)} MB.`,
    '',
  );
  md.push('### Commands', '');
  md.push('```sh');
  md.push(`node dist/cli.js trace --json ${roots.map((r) => `--sources ${home(r)}`).join(' ')}`);
  md.push(`node --expose-gc trace-path.cjs dist ${WARM_RUNS} ${roots.map(home).join(' ')}   # bench/trace-path.ts bundled with esbuild`);
  md.push(`rg -n --type go \\`);
  for (const p of patterns) md.push(`  -e '${p}' \\`);
  md.push(`  ${roots.map(home).join(' ')}`);
  md.push('```', '');

  const summary = [`Trace — ${hops.length} hops over ${corpus.files} Go files, ${TRACE_RUNS} interleaved runs`];
  const sline = (label, r) => `  ${label.padEnd(22)} median ${f3(r.median)} s  (${r.seconds.map(f3).join(' ')})  CPU ${f3(r.cpuMedian)} s  peak RSS ${f1(r.peakRss)} MB`;
  summary.push(sline(`rg, ${patterns.length} patterns`, res.rg));
  summary.push(sline('trace --json (cold)', res.cli));
  summary.push(`  ${'  its elapsedMs'.padEnd(22)} median ${median(cliElapsed).toFixed(0)} ms  (${cliElapsed.join(' ')})`);
  summary.push(sline('trace, fixed cost', res.startup));
  summary.push(`  ${'in-process cold'.padEnd(22)} median ${median(inprocCold).toFixed(0)} ms  (${inprocCold.map((x) => x.toFixed(0)).join(' ')}), ${first.cold.parsedFiles} files parsed`);
  summary.push(`  ratio cold/rg: ${f2(coldRatio)} (target ≤ ${TARGET_COLD_RATIO}) ${verdict(coldRatio <= TARGET_COLD_RATIO)}; elapsedMs alone ${f2(elapsedRatio)}; per-round ${f2(pairedCold)}; CPU time ${f2(cpuRatio)}; load average ${f2(loadBefore)} → ${f2(loadAfter)}`);
  summary.push(`  warm: median ${f2(warmMedian)} ms (target ≤ ${TARGET_WARM_MS}) ${verdict(warmMedian <= TARGET_WARM_MS)}; per process ${warmMedians.map(f2).join(' ')}`);
  summary.push(`  memory growth: ${f1(worstGrowth)} MB peak (target ≤ ${TARGET_GROWTH_MB}) ${verdict(worstGrowth <= TARGET_GROWTH_MB)}; after tracing ${f1(median(growthEnd))} MB RSS, ${f1(median(heapEnd))} MB heap`);
  return { targets, notes, md, summary };
}

// ---------------------------------------------------------------------------------------------

async function main() {
  ensureTools();
  const parts = [];
  if (PARTS.has('logs')) parts.push(await logsBench());
  if (PARTS.has('trace')) parts.push(await traceBench());
  const m = machine();

  // ---- bench/results.md ----
  const md = [];
  md.push('# Runtime Lens — benchmarks', '');
  md.push(`Produced by \`npm run bench\` (\`npm run build && node bench/run.mjs\`) on ${m.date}. Do not edit by hand; re-run instead.`, '');
  md.push('## Machine', '');
  md.push('| | |', '| --- | --- |');
  md.push(`| CPU | ${m.cpu} |`, `| cores | ${m.cores} |`, `| RAM | ${f1(m.ramGb)} GB |`, `| OS | ${m.os} |`, `| node | ${m.node} |`, `| grep | ${m.grep} |`, `| ripgrep | ${m.rg} |`, `| date | ${m.date} |`);
  md.push('', 'The machine is shared and noisy: every program ran several times, interleaved (the order rotated each round), and medians are compared. Baselines ran in the same run as ours.', '');
  md.push('## Targets', '');
  md.push('| target | measured | result |', '| --- | --- | --- |');
  for (const p of parts) md.push(...p.targets);
  md.push('', `Ratios are of medians. ${parts.flatMap((p) => p.notes).join(' ')}`, '');
  for (const p of parts) md.push(...p.md);
  const complete = PARTS.has('logs') && PARTS.has('trace');
  const out = complete ? path.join(root, 'bench', 'results.md') : path.join(os.tmpdir(), 'runtime-lens-bench-results.partial.md');
  fs.writeFileSync(out, `${md.join('\n')}\n`);

  // ---- summary ----
  console.log(`Runtime Lens bench — ${m.cpu}, ${m.cores} cores, node ${m.node}`);
  for (const p of parts) console.log(p.summary.join('\n'));
  console.log(complete ? '  wrote bench/results.md' : `  wrote ${out} (BENCH_PARTS=${[...PARTS].join(',')}: bench/results.md left as it was)`);
}

main()
  .catch((e) => {
    process.stderr.write(`bench: ${e instanceof Broken ? 'BROKEN: ' : ''}${e instanceof Broken ? e.message : (e.stack ?? e)}\n`);
    process.exitCode = 1;
  })
  .finally(() => fs.rmSync(tmp, { recursive: true, force: true }));
