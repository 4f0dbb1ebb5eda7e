// Part "reproduce" of `npm run bench` (BENCH_PARTS=reproduce for this part alone): the reproduce lab on
// real runc binaries — Debian's runc (test/harness/apt.sh) and runc v1.0.0-rc6 built by
// test/harness/runc-build.sh. Needs root (real containers), like the integration tests.
//  1. Attempts per second: one state-race run of BENCH_REPRO_ATTEMPTS (default 300) execs against the
//     update loop, per runc, BENCH_REPRO_RATE_RUNS times (default 2); median.
//  2. Seconds to the first "exec failed: EOF" with rc6: BENCH_REPRO_FIRST_RUNS runs (default 5), each
//     stopped at its first EOF (at most 2000 attempts); median. This is how long a user waits for a
//     positive answer on a node with the race.
// No target: the lab's speed is runc's and the machine's (one `runc exec` is a fork/exec of a Go
// binary plus the setns dance); the numbers tell a user how long to expect.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const ATTEMPTS = Number(process.env.BENCH_REPRO_ATTEMPTS ?? 300);
const RATE_RUNS = Number(process.env.BENCH_REPRO_RATE_RUNS ?? 2);
const FIRST_RUNS = Number(process.env.BENCH_REPRO_FIRST_RUNS ?? 5);
const FIRST_MAX_ATTEMPTS = 2000;

/** helpers from bench/run.mjs: { root, log, fail, buildEntry, median } */
export async function reproduceBench({ root, log, fail, buildEntry, median }) {
  if (process.getuid?.() !== 0) fail('the reproduce part runs real runc containers and needs root');
  const sh = (script, ...args) => {
    const r = spawnSync('bash', [path.join(root, 'test', 'harness', script), ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    if (r.status !== 0) fail(`test/harness/${script} exited ${r.status}`);
    return r.stdout.trim().split('\n').pop();
  };
  sh('apt.sh', 'runc', 'busybox-static');
  const runcs = [
    { label: "Debian's runc", path: '/usr/sbin/runc' },
    { label: 'runc v1.0.0-rc6 (harness build)', path: sh('runc-build.sh') },
  ];
  const entry = buildEntry('reproduce-path');
  const lab = (mode, runc, n) => {
    const r = spawnSync(process.execPath, [entry, mode, runc, String(n)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    if (r.status !== 0) fail(`reproduce-path ${mode} ${runc} exited ${r.status}`);
    return JSON.parse(r.stdout);
  };
  for (const r of runcs) {
    r.runs = [];
    for (let i = 0; i < RATE_RUNS; i++) {
      const m = lab('rate', r.path, ATTEMPTS);
      r.runs.push(m);
      r.version = m.version;
      log(`reproduce: ${r.label}: ${m.attempts} attempts, ${m.failures} failed, ${m.perSecond.toFixed(1)}/s`);
    }
    r.median = median(r.runs.map((m) => m.perSecond));
  }
  const firsts = [];
  for (let i = 0; i < FIRST_RUNS; i++) {
    const m = lab('first', runcs[1].path, FIRST_MAX_ATTEMPTS);
    firsts.push(m);
    log(`reproduce: rc6 first EOF ${m.seconds === null ? `not within ${FIRST_MAX_ATTEMPTS} attempts` : `after ${m.seconds.toFixed(1)} s (attempt ${m.attempts})`}`);
  }
  const found = firsts.filter((m) => m.seconds !== null);
  const firstMedian = found.length ? median(found.map((m) => m.seconds)) : null;
  const f1 = (x) => x.toFixed(1);

  const md = ['## Reproduce lab', ''];
  md.push(`\`runtime-lens reproduce --scenario state-race\` as \`bench/reproduce-path.ts\` runs it (the core's \`runLab\`): a scratch busybox container, \`runc update --cpuset-cpus 0\` / \`0-1\` in a loop against sequential \`runc exec … /bin/true\`. Attempts per second over ${ATTEMPTS} attempts, ${RATE_RUNS} runs per runc:`, '');
  md.push('| runc | version | runs (attempts/s) | failures | median (attempts/s) |', '| --- | --- | --- | --- | --- |');
  for (const r of runcs) md.push(`| ${r.label} | ${r.version ?? 'not printed'} | ${r.runs.map((m) => f1(m.perSecond)).join(', ')} | ${r.runs.map((m) => `${m.failures}/${m.attempts}`).join(', ')} | ${f1(r.median)} |`);
  md.push('', `Seconds to the first \`exec failed: EOF\` with rc6 (from the start, container start included; stopped there), ${FIRST_RUNS} runs: ${firsts.map((m) => (m.seconds === null ? `none in ${FIRST_MAX_ATTEMPTS}` : `${f1(m.seconds)} s (attempt ${m.attempts})`)).join(', ')}; median ${firstMedian === null ? '—' : `${f1(firstMedian)} s`}.`, '');
  const summary = [`Reproduce — state-race, ${ATTEMPTS} attempts`];
  for (const r of runcs) summary.push(`  ${r.label.padEnd(32)} median ${f1(r.median)} attempts/s  (${r.runs.map((m) => `${f1(m.perSecond)}/s ${m.failures}/${m.attempts} failed`).join(', ')})`);
  summary.push(`  rc6 seconds to the first EOF: median ${firstMedian === null ? '—' : f1(firstMedian)}  (${firsts.map((m) => (m.seconds === null ? '—' : f1(m.seconds))).join(' ')})`);
  const targets = runcs.map((r) => `| reproduce: attempts per second, ${r.label} (no target) | ${f1(r.median)} | — |`);
  targets.push(`| reproduce: seconds to the first EOF with rc6 (no target) | ${firstMedian === null ? '—' : f1(firstMedian)} | — |`);
  return { targets, notes: [], md, summary };
}
