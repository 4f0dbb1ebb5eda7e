#!/usr/bin/env node
// Message origins, cold: a fresh `node dist/cli.js trace --json --message TEXT --sources …` process over
// Debian's Go sources (test/harness/go-sources.sh), against one `rg -F` pass for the same text's
// wrapping phrases over the same roots, in the same run, interleaved. Reports; asserts nothing about
// speed. Fails only when the CLI breaks or stops finding runc's and the shim's lines.
// Results go to bench/origins-results.md. Runs: BENCH_RUNS (default 5).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const TEXT = 'OCI runtime exec failed: exec failed: unable to start container process: read init-p: connection reset by peer (possibly OOM-killed): unknown';
// What a person would grep for: the text's phrases between its `: ` wrappings.
const PHRASES = ['OCI runtime exec failed', 'exec failed', 'unable to start container process', 'possibly OOM-killed'];
const cli = path.join(root, 'dist', 'cli.js');

function fail(message) {
  process.stderr.write(`bench/origins: ${message}\n`);
  process.exit(1);
}

const sources = spawnSync('bash', [path.join(root, 'test', 'harness', 'go-sources.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
if (sources.status !== 0) fail('test/harness/go-sources.sh failed');
const roots = [path.join(sources.stdout.trim().split('\n').pop(), 'checkouts'), '/usr/share/gocode/src'];
if (!fs.existsSync(cli)) fail(`${cli} is missing: run npm run build first`);

function timed(cmd, args) {
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  return { seconds: Number(process.hrtime.bigint() - t) / 1e9, r };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ours = [];
const reported = [];
const rg = [];
let origins = [];
for (let i = 0; i < RUNS; i++) {
  const runs = [
    () => {
      const { seconds, r } = timed(process.execPath, [cli, 'trace', '--json', '--message', TEXT, ...roots.flatMap((d) => ['--sources', d])]);
      if (r.status !== 0) fail(`the CLI exited ${r.status}: ${r.stderr}`);
      const json = JSON.parse(r.stdout);
      origins = json.origins;
      ours.push(seconds);
      reported.push(json.elapsedMs);
    },
    () => {
      const { seconds, r } = timed('rg', ['-n', '-F', '--type', 'go', ...PHRASES.flatMap((p) => ['-e', p]), ...roots]);
      if (r.status !== 0) fail(`rg exited ${r.status}`);
      rg.push(seconds);
    },
  ];
  for (const run of i % 2 === 0 ? runs : runs.reverse()) run();
  process.stderr.write(`bench/origins: round ${i + 1}/${RUNS}: ours ${ours.at(-1).toFixed(3)} s (elapsedMs ${reported.at(-1)}), rg ${rg.at(-1).toFixed(3)} s\n`);
}
const want = [
  ['(possibly OOM-killed)', 'runc'],
  ['OCI runtime exec failed', 'shim'],
];
for (const [text, component] of want) {
  if (!origins.some((o) => o.text === text && o.component === component)) fail(`no ${component} origin for "${text}" in ${JSON.stringify(origins)}`);
}
const cpu = os.cpus();
const lines = [
  '# Message origins benchmark',
  '',
  `Run ${new Date().toISOString()} on ${os.type()} ${os.release()}, ${cpu.length} × ${cpu[0]?.model ?? 'cpu'}, Node ${process.version}, load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}.`,
  '',
  `Text: \`${TEXT}\`, roots: ${roots.map((r) => `\`${r}\``).join(', ')}. ${RUNS} interleaved rounds; medians.`,
  '',
  '| what | median |',
  '| --- | --- |',
  `| \`trace --json --message\`, fresh process (wall) | ${median(ours).toFixed(3)} s |`,
  `| its reported \`elapsedMs\` (the search itself, cold) | ${median(reported)} ms |`,
  `| \`rg -n -F --type go\` for the text's ${PHRASES.length} phrases over the same roots (all Go files, no attribution) | ${median(rg).toFixed(3)} s |`,
  `| ratio ours / rg (wall) | ${(median(ours) / median(rg)).toFixed(2)} |`,
  '',
  `Origins found: ${origins.map((o) => `${o.component} ${path.basename(o.file)}:${o.line}`).join(' · ')}.`,
  '',
];
fs.writeFileSync(path.join(root, 'bench', 'origins-results.md'), lines.join('\n'));
process.stdout.write(lines.join('\n'));
