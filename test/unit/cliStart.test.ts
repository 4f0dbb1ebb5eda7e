import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { parseTimings } from '../../src/cli/timings';
import { repoRoot } from '../harness/paths';

// dist/cli.js (src/cli/start.ts) loads the CLI bundle with a V8 code cache kept in the user's cache
// folder. The cache must only ever save time: the same output with or without it, a cache V8 rejects
// replaced, a cache folder that cannot be written ignored. Built here as package.json's build:node
// builds them, into a folder of the test's own.

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-start-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
// build:node's own flags (the dynamic-import one matters: see start.ts), minus where it writes.
const buildNode = (JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts['build:node']!;
const flags = buildNode.split(/\s+/).filter((a) => a.startsWith('--') && !a.startsWith('--outdir') && !a.startsWith('--sourcemap'));
assert.ok(flags.includes('--bundle') && flags.includes('--supported:dynamic-import=false'), buildNode);
execFileSync(path.join(repoRoot, 'node_modules', '.bin', 'esbuild'), [`cli=${path.join(repoRoot, 'src', 'cli', 'start.ts')}`, `cli-bundle=${path.join(repoRoot, 'src', 'cli', 'main.ts')}`, ...flags, '--log-level=error', `--outdir=${dir}`]);
// As build:wasm puts them beside the bundle.
fs.copyFileSync(path.join(repoRoot, 'node_modules', 'web-tree-sitter', 'tree-sitter.wasm'), path.join(dir, 'tree-sitter.wasm'));
fs.copyFileSync(path.join(repoRoot, 'node_modules', 'tree-sitter-go', 'tree-sitter-go.wasm'), path.join(dir, 'tree-sitter-go.wasm'));
const log = path.join(dir, 'kubelet.log');
fs.writeFileSync(log, 'I0507 03:43:28.310630   57003 prober.go:112] Readiness probe for "api-1_shop(d1aab5f0-ae8f-11eb-a151-080027049c65):api" failed (failure): OCI runtime exec failed: exec failed: EOF: unknown\n');

function cli(cache: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [path.join(dir, 'cli.js'), ...args], { encoding: 'utf8', env: { ...process.env, RUNTIME_LENS_CACHE: cache } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
const cacheFiles = (cache: string) => (fs.existsSync(path.join(cache, 'v8')) ? fs.readdirSync(path.join(cache, 'v8')) : []);

test('the first run writes the code cache, the next runs use it, and the output is the same', () => {
  const cache = path.join(dir, 'cache-a');
  const first = cli(cache, 'diagnose', '--json', log);
  assert.equal(first.code, 0, first.err);
  assert.equal(JSON.parse(first.out).findings[0].signature, 'oci-exec-eof');
  const files = cacheFiles(cache);
  assert.equal(files.length, 1, `cache files: ${files.join(', ')}`);
  assert.match(files[0]!, new RegExp(`^cli-${process.version.replace(/\./g, '\\.')}-${process.arch}-[0-9a-z]+-\\d+-\\d+\\.bin$`));
  const file = path.join(cache, 'v8', files[0]!);
  const written = fs.statSync(file).mtimeMs;
  const second = cli(cache, 'diagnose', '--json', log);
  assert.deepEqual(second, first);
  // Accepted by V8, so not written again.
  assert.equal(fs.statSync(file).mtimeMs, written);
  assert.deepEqual(cli(cache, 'diagnose', log), cli(path.join(dir, 'cache-b'), 'diagnose', log));
});

test('a damaged cache is rejected by V8 and replaced; the run is unaffected', () => {
  const cache = path.join(dir, 'cache-c');
  const reference = cli(cache, '--version');
  const file = path.join(cache, 'v8', cacheFiles(cache)[0]!);
  fs.writeFileSync(file, Buffer.alloc(4096, 0x5a));
  assert.deepEqual(cli(cache, '--version'), reference);
  assert.notDeepEqual(fs.readFileSync(file), Buffer.alloc(4096, 0x5a), 'the damaged cache was not replaced');
  assert.deepEqual(cli(cache, '--version'), reference);
});

test('a cache folder that cannot be written: the CLI runs as without one, exit codes included', () => {
  const blocked = path.join(dir, 'not-a-folder');
  fs.writeFileSync(blocked, '');
  const r = cli(blocked, 'diagnose', '--json', log);
  assert.equal(r.code, 0, r.err);
  assert.equal(JSON.parse(r.out).findings.length, 1);
  assert.equal(r.err, '');
  assert.equal(cli(blocked, 'diagnose', path.join(dir, 'missing.log')).code, 2);
  assert.equal(cli(blocked, 'frobnicate').code, 2);
});

test('trace (tree-sitter loads its WebAssembly through import()) runs from the cache as without it', () => {
  const cache = path.join(dir, 'cache-d');
  const empty = fs.mkdtempSync(path.join(dir, 'sources-'));
  const runs = [cli(cache, 'trace', '--json', '--sources', empty), cli(cache, 'trace', '--json', '--sources', empty)];
  assert.equal(cacheFiles(cache).length, 1);
  for (const r of runs) {
    assert.equal(r.code, 0, r.err);
    assert.equal(r.err, '');
  }
  const chains = runs.map((r) => JSON.stringify((JSON.parse(r.out) as { chains: unknown }).chains));
  assert.equal(chains[1], chains[0]);
  assert.ok(chains[0]!.includes('"resolved":false'), 'an empty source root resolves no hop');
});

test('a rebuilt bundle gets a cache of its own, and the one of the bundle it replaced is removed', () => {
  const cache = path.join(dir, 'cache-e');
  cli(cache, '--version');
  const before = cacheFiles(cache);
  assert.equal(before.length, 1);
  // As a build leaves it: the same bundle with a new time.
  const bundle = path.join(dir, 'cli-bundle.js');
  const st = fs.statSync(bundle);
  fs.utimesSync(bundle, st.atime, new Date(st.mtimeMs + 5000));
  try {
    assert.equal(cli(cache, '--version').code, 0);
    const after = cacheFiles(cache);
    assert.equal(after.length, 1, after.join(', '));
    assert.notEqual(after[0], before[0]);
  } finally {
    fs.utimesSync(bundle, st.atime, st.mtime);
  }
  // Another node's (or another architecture's) cache is not this run's to remove.
  fs.writeFileSync(path.join(cache, 'v8', 'cli-v0.0.0-other-1-1.bin'), 'x');
  fs.utimesSync(bundle, st.atime, new Date(st.mtimeMs + 9000));
  try {
    cli(cache, '--version');
    assert.ok(cacheFiles(cache).includes('cli-v0.0.0-other-1-1.bin'));
  } finally {
    fs.utimesSync(bundle, st.atime, st.mtime);
  }
});

test('two installs of the bundle in different folders keep a cache each: neither run removes the other\'s', () => {
  const cache = path.join(dir, 'cache-f');
  const other = fs.mkdtempSync(path.join(dir, 'other-install-'));
  for (const f of ['cli.js', 'cli-bundle.js', 'tree-sitter.wasm', 'tree-sitter-go.wasm']) fs.copyFileSync(path.join(dir, f), path.join(other, f));
  const run = (install: string) => spawnSync(process.execPath, [path.join(install, 'cli.js'), '--version'], { encoding: 'utf8', env: { ...process.env, RUNTIME_LENS_CACHE: cache } });
  assert.equal(run(dir).status, 0);
  assert.equal(run(other).status, 0);
  const files = cacheFiles(cache);
  assert.equal(files.length, 2, files.join(', '));
  const written = files.map((f) => fs.statSync(path.join(cache, 'v8', f)).mtimeMs);
  // Alternating, each finds its own cache, accepted: nothing is written again.
  for (const install of [dir, other, dir, other]) assert.equal(run(install).stdout, run(dir).stdout);
  assert.deepEqual(cacheFiles(cache), files);
  assert.deepEqual(
    files.map((f) => fs.statSync(path.join(cache, 'v8', f)).mtimeMs),
    written,
  );
});

test('caches named before the bundle\'s path was in their name are removed by the next write; another node\'s are kept', () => {
  const cache = path.join(dir, 'cache-g');
  fs.mkdirSync(path.join(cache, 'v8'), { recursive: true });
  const unnamed = `cli-${process.version}-${process.arch}-123-456.bin`;
  fs.writeFileSync(path.join(cache, 'v8', unnamed), 'x');
  fs.writeFileSync(path.join(cache, 'v8', 'cli-v0.0.0-other-1-1.bin'), 'x');
  assert.equal(cli(cache, '--version').code, 0);
  const files = cacheFiles(cache);
  assert.ok(!files.includes(unnamed), files.join(', '));
  assert.ok(files.includes('cli-v0.0.0-other-1-1.bin'), files.join(', '));
  assert.equal(files.length, 2, files.join(', '));
});

test('the CLI turns relaxed SIMD on for its scanner before the bundle is compiled, silently', () => {
  // A module preloaded into the CLI's process reports, as it exits, whether relaxed SIMD was on by then.
  const report = path.join(dir, 'relaxed.txt');
  const preload = path.join(dir, 'relaxed-probe.js');
  const engine = require.resolve('../../src/cli/engine');
  fs.writeFileSync(preload, `process.on('exit', () => require('fs').writeFileSync(${JSON.stringify(report)}, String(require(${JSON.stringify(engine)}).relaxedSimd())));\n`);
  const r = spawnSync(process.execPath, ['--require', preload, path.join(dir, 'cli.js'), 'diagnose', '--json', log], { encoding: 'utf8', env: { ...process.env, RUNTIME_LENS_CACHE: path.join(dir, 'cache-relaxed') } });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.equal(fs.readFileSync(report, 'utf8'), 'true');
  assert.equal(JSON.parse(r.stdout).findings[0].signature, 'oci-exec-eof');
});

test('RUNTIME_LENS_TIMINGS=1: one line of phases on stderr as the CLI exits, in order, the output unchanged; none without it', () => {
  const cache = path.join(dir, 'cache-g');
  const plain = cli(cache, 'diagnose', '--json', log);
  const r = spawnSync(process.execPath, [path.join(dir, 'cli.js'), 'diagnose', '--json', log], { encoding: 'utf8', env: { ...process.env, RUNTIME_LENS_CACHE: cache, RUNTIME_LENS_TIMINGS: '1' } });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, plain.out);
  assert.equal(plain.err, '');
  const lines = r.stderr.split('\n').filter(Boolean);
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, /^runtime-lens timings \{/);
  const phases = parseTimings(r.stderr)!;
  assert.deepEqual(Object.keys(phases), ['start', 'bundle', 'read', 'diagnosed', 'written', 'exit']);
  const ms = Object.values(phases);
  assert.ok(ms[0]! > 0, `node's own start: ${ms[0]} ms`);
  for (let i = 1; i < ms.length; i++) assert.ok(ms[i]! >= ms[i - 1]!, `phases out of order: ${lines[0]}`);
  // A command that reads nothing marks only what it passes through.
  const version = spawnSync(process.execPath, [path.join(dir, 'cli.js'), '--version'], { encoding: 'utf8', env: { ...process.env, RUNTIME_LENS_CACHE: cache, RUNTIME_LENS_TIMINGS: '1' } });
  assert.deepEqual(Object.keys(parseTimings(version.stderr)!), ['start', 'bundle', 'exit']);
});

test('parseTimings: the last timings line of a stderr; null for none or a damaged one', () => {
  assert.deepEqual(parseTimings('warning: x\nruntime-lens timings {"start":1,"exit":2.5}\n'), { start: 1, exit: 2.5 });
  assert.equal(parseTimings('nothing here\n'), null);
  assert.equal(parseTimings('runtime-lens timings {"start":1,'), null);
  assert.equal(parseTimings('runtime-lens timings {"start":"soon"}'), null);
  assert.equal(parseTimings('runtime-lens timings [1,2]'), null);
});
