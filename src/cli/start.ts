#!/usr/bin/env node
/**
 * The `runtime-lens` command as installed (dist/cli.js): loads the CLI bundle (dist/cli-bundle.js)
 * with a V8 code cache. Compiling the 1 MB bundle is most of the CLI's fixed cost after node's own
 * start, paid again by every run; node 20 has no compile cache of its own (`module.enableCompileCache`
 * came in node 22), so this does what it does: the code V8 compiled in one run, functions compiled
 * lazily included, is kept in the user's cache folder and handed back to V8 by the next run. V8 checks
 * it (its version and flags, the source's length) and rejects what does not fit; the file's name also
 * holds the bundle's size and time, so a rebuilt bundle never meets an old cache. Without a cache, or
 * where the cache cannot be written, the bundle simply compiles as it would have.
 *
 * A script compiled this way has no loader for `import()` (and V8 drops the one it is given when the
 * code comes from a cache), so the bundles are built with dynamic import turned into require
 * (build:node's --supported:dynamic-import=false): web-tree-sitter's `import("fs/promises")` is the one.
 *
 * Only node's built-in modules here (and engine.ts and timings.ts, which need no more): this file is
 * loaded before anything else.
 */
import * as fs from 'node:fs';
import Module from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { enableRelaxedSimd } from './engine';
import { mark } from './timings';

// node's own start ends here (RUNTIME_LENS_TIMINGS=1: timings.ts).
mark('start');

interface CliBundle {
  main(): void;
}

/**
 * The caches of one installed bundle: named by node, architecture and where the bundle is (a hash of
 * its path), so that two installs — a global CLI and a project's, or two checkouts on one machine —
 * each keep theirs. Named by node and architecture alone, each run of the one removed the other's
 * cache and compiled its bundle again (0.123 s instead of 0.094 s for a one-line log, bench/results.md).
 */
function cachePrefix(bundle: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < bundle.length; i++) hash = Math.imul(hash ^ bundle.charCodeAt(i), 0x01000193);
  return `cli-${process.version}-${process.arch}-${(hash >>> 0).toString(36)}-`;
}

function cacheFile(bundle: string): string | null {
  try {
    const st = fs.statSync(bundle);
    const base = process.env.RUNTIME_LENS_CACHE ?? path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'runtime-lens');
    return path.join(base, 'v8', `${cachePrefix(bundle)}${st.size}-${Math.floor(st.mtimeMs)}.bin`);
  } catch {
    return null;
  }
}

function readCache(file: string | null): Buffer | undefined {
  if (!file) return undefined;
  try {
    return fs.readFileSync(file);
  } catch {
    return undefined;
  }
}

/**
 * Written once the run is over, so that the functions it compiled are in it; whole or not at all. The
 * caches of earlier builds of this bundle for this node are removed: every build would leave one behind.
 */
function writeCache(file: string, script: vm.Script, bundle: string): void {
  try {
    const dir = path.dirname(file);
    fs.mkdirSync(dir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, script.createCachedData());
    fs.renameSync(tmp, file);
    const mine = cachePrefix(bundle);
    // Also the caches named before the path was in the name (node, architecture, size, time): no run reads them.
    const unnamed = `cli-${process.version}-${process.arch}-`;
    const before = (name: string) => name.startsWith(unnamed) && /^\d+-\d+\.bin$/.test(name.slice(unnamed.length));
    for (const old of fs.readdirSync(dir)) {
      if (((old.startsWith(mine) && old.endsWith('.bin')) || before(old)) && old !== path.basename(file)) fs.rmSync(path.join(dir, old), { force: true });
    }
  } catch {
    // A read-only home or a full disk: the next run compiles again, nothing more.
  }
}

function load(bundle: string): CliBundle {
  const cache = cacheFile(bundle);
  const cachedData = readCache(cache);
  let source = fs.readFileSync(bundle, 'utf8');
  // Module.wrap puts the source inside a function, where a #! line is a syntax error.
  if (source.startsWith('#!')) source = `//${source.slice(2)}`;
  const script = new vm.Script(Module.wrap(source), { filename: bundle, ...(cachedData ? { cachedData } : {}) });
  if (cache && (!cachedData || script.cachedDataRejected)) process.once('exit', () => writeCache(cache, script, bundle));
  // The bundle runs as the CommonJS module it was built as: its own module object, require and __dirname.
  const mod = new Module(bundle, module);
  mod.filename = bundle;
  mod.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(path.dirname(bundle));
  const wrapper = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: Module, filename: string, dirname: string) => void;
  wrapper.call(mod.exports, mod.exports, Module.createRequire(bundle), mod, bundle, path.dirname(bundle));
  mod.loaded = true;
  return mod.exports as CliBundle;
}

// Before the bundle is compiled: the code cache is only accepted under the flags it was made with.
enableRelaxedSimd();
const cli = load(path.join(__dirname, 'cli-bundle.js'));
mark('bundle');
cli.main();
