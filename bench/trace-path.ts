// The in-process trace path of `npm run bench` (bundled by bench/run.mjs with esbuild, run in its own
// node process with --expose-gc): the code the extension host runs to trace — the Tracer over
// tree-sitter-go in WebAssembly — driven the way src/extension does it: one cold trace of both chains,
// then repeated traces over unchanged sources (the warm path). Memory is sampled around each step.
//
//   node --expose-gc trace-path.cjs WASM_DIR WARM_RUNS ROOT...  →  one JSON document on stdout
//
// With TRACE_BREAKDOWN=1 (an untimed diagnostic run) it also times each file the cold trace indexes,
// by wrapping the Tracer's private GoIndexCache#get when it is there (skipped otherwise), and times
// parsing alone for the most expensive files.
import * as fs from 'node:fs';
import { loadGoParser, wasmBeside } from '../src/core/sources/goParser';
import { loadAtlas } from '../src/core/trace/atlas';
import { Tracer } from '../src/core/trace/resolve';

const CHAINS = ['reader', 'writer'];

interface Snapshot {
  label: string;
  rssMb: number;
  heapUsedMb: number;
  externalMb: number;
  arrayBuffersMb: number;
}

const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
const MB = 1024 * 1024;
function snapshot(label: string): Snapshot {
  gc();
  const m = process.memoryUsage();
  return { label, rssMb: m.rss / MB, heapUsedMb: m.heapUsed / MB, externalMb: m.external / MB, arrayBuffersMb: m.arrayBuffers / MB };
}
const ms = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e6;

interface FileCost {
  file: string;
  ms: number;
  bytes: number;
  decls: number | null;
  /** 0 for the first file the trace parsed, 1 for the next… */
  order: number;
  parseMs?: number;
}

type IndexGet = (file: string, text?: string) => { decls: Map<string, unknown> } | null;

/** Times every GoIndexCache#get of the tracer that parses (a diagnostic; the timed runs do not wrap). */
function wrapIndex(tracer: Tracer, out: FileCost[]): void {
  const index = (tracer as unknown as { index?: { get?: IndexGet; fresh?: (file: string) => unknown } }).index;
  const get = index?.get;
  if (!index || typeof get !== 'function') return;
  index.get = (file: string, text?: string) => {
    const parsed = typeof index.fresh === 'function' && !index.fresh(file);
    const t = process.hrtime.bigint();
    const r = get.call(index, file, text);
    if (parsed) out.push({ file, ms: ms(t), bytes: fs.statSync(file).size, decls: r ? r.decls.size : null, order: out.length });
    return r;
  };
}

async function main(): Promise<void> {
  const [wasmDir, warmArg, ...roots] = process.argv.slice(2);
  if (!wasmDir || roots.length === 0) throw new Error('usage: trace-path WASM_DIR WARM_RUNS ROOT...');
  const warmRuns = Number(warmArg ?? 50);
  const snapshots: Snapshot[] = [];

  // Baseline: node with this bundle (the resolver, the parser binding, the atlas) loaded, nothing run yet.
  snapshots.push(snapshot('modules loaded (baseline)'));

  let t = process.hrtime.bigint();
  const parser = await loadGoParser(wasmBeside(wasmDir));
  const atlas = loadAtlas();
  const setupMs = ms(t);
  snapshots.push(snapshot('parser and atlas loaded'));

  t = process.hrtime.bigint();
  const tracer = new Tracer(parser, atlas);
  const projectRoots = tracer.setSourceRoots(roots);
  const rootsMs = ms(t);

  const files: FileCost[] = [];
  if (process.env.TRACE_BREAKDOWN === '1') wrapIndex(tracer, files);

  t = process.hrtime.bigint();
  const cold = await tracer.trace(CHAINS);
  const coldWallMs = ms(t);
  snapshots.push(snapshot('after the cold trace'));

  const resolved = (r: typeof cold) => Object.fromEntries(Object.entries(r.chains).map(([name, c]) => [name, { hops: c.hops.length, resolved: c.hops.filter((h) => h.resolved).length }]));
  const where = (r: typeof cold) => JSON.stringify(Object.values(r.chains).map((c) => c.hops.map((h) => `${h.file}:${h.line}:${h.callSite?.line ?? ''}`)));
  const coldWhere = where(cold);

  const warm: number[] = [];
  const warmWall: number[] = [];
  let warmParsed = 0;
  let warmDiffers = 0;
  for (let i = 0; i < warmRuns; i++) {
    t = process.hrtime.bigint();
    const r = await tracer.trace(CHAINS);
    warmWall.push(ms(t));
    warm.push(r.elapsedMs);
    warmParsed += r.parsedFiles;
    if (where(r) !== coldWhere) warmDiffers += 1;
  }
  snapshots.push(snapshot(`after ${warmRuns} warm traces`));

  files.sort((a, b) => b.ms - a.ms);
  for (const f of files.slice(0, 8)) {
    const text = fs.readFileSync(f.file, 'utf8');
    t = process.hrtime.bigint();
    parser.parser.parse(text)?.delete();
    f.parseMs = ms(t);
  }

  process.stdout.write(
    `${JSON.stringify({
      setupMs,
      rootsMs,
      projectRoots: projectRoots.length,
      cold: { elapsedMs: cold.elapsedMs, wallMs: coldWallMs, parsedFiles: cold.parsedFiles, parsedBytes: cold.parsedBytes, chains: resolved(cold) },
      warm: { elapsedMs: warm, wallMs: warmWall, parsedFiles: warmParsed, differs: warmDiffers },
      snapshots,
      maxRssMb: process.resourceUsage().maxRSS / 1024,
      ...(files.length > 0 ? { files } : {}),
    })}\n`,
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 1;
});
