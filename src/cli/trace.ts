import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { type WasmLocation, loadGoParser, wasmBeside } from '../core/sources/goParser';
import { loadAtlas } from '../core/trace/atlas';
import { Tracer } from '../core/trace/resolve';
import type { Hop } from '../core/trace/types';
import { type Command, UsageError } from './commands';
import { traceMessage, wantsMessageOrigins } from './origins';

/** Beside the bundle (dist/), or straight from node_modules when run from compiled sources. */
export function cliWasm(): WasmLocation {
  const beside = wasmBeside(__dirname);
  if (fs.existsSync(beside.runtime) && fs.existsSync(beside.goGrammar)) return beside;
  return { runtime: require.resolve('web-tree-sitter/tree-sitter.wasm'), goGrammar: require.resolve('tree-sitter-go/tree-sitter-go.wasm') };
}

/** The contract's hop JSON (../shared/contract.md), plus project, version, upstream, problem, and the reason an unresolved hop is. */
export function hopJson(h: Hop) {
  return {
    id: h.id,
    component: h.component,
    symbol: h.symbol,
    boundary: h.boundary,
    resolved: h.resolved,
    ...(h.resolved ? { file: h.file, line: h.line } : {}),
    callSite: h.callSite,
    project: h.project,
    version: h.root?.version ?? null,
    upstream: h.upstream ?? null,
    ...(h.problem ? { problem: h.problem } : {}),
    ...(!h.resolved && h.problem ? { reason: h.problem } : {}),
  };
}

const CHAIN_SETS: Record<string, string[]> = { all: ['reader', 'writer'], reader: ['reader'], writer: ['writer'], 'reader-cri': ['reader-cri'] };

export const trace: Command = async (args, out, err) => {
  if (wantsMessageOrigins(args)) return traceMessage(args, out, err);
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: false,
      options: {
        json: { type: 'boolean', default: false },
        chain: { type: 'string', default: 'all' },
        sources: { type: 'string', multiple: true, default: [] },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { values } = parsed;
  const chainNames = CHAIN_SETS[values.chain ?? 'all'];
  if (!chainNames) throw new UsageError(`--chain wants reader, writer, reader-cri or all, got '${values.chain}'`);
  const sources = values.sources ?? [];
  if (sources.length === 0) throw new UsageError('give at least one --sources DIR (a checkout, a folder of checkouts, a GOPATH or a module cache)');
  for (const s of sources) {
    if (!fs.existsSync(s) || !fs.statSync(s).isDirectory()) throw new UsageError(`--sources ${s}: not a directory`);
  }
  const tracer = new Tracer(await loadGoParser(cliWasm()), loadAtlas());
  const roots = tracer.setSourceRoots(sources.map((s) => path.resolve(s)));
  const result = await tracer.trace(chainNames);
  if (values.json) {
    const chains = Object.fromEntries(Object.entries(result.chains).map(([name, c]) => [name, c.hops.map(hopJson)]));
    out(`${JSON.stringify({ chains, elapsedMs: Math.round(result.elapsedMs) }, null, 2)}\n`);
    return 0;
  }
  const lines: string[] = [];
  lines.push(`Runtime Lens trace — ${roots.length} project copies found in ${sources.length} source root(s), ${Math.round(result.elapsedMs)} ms`);
  for (const r of roots) lines.push(`  ${r.project.padEnd(11)} ${(r.version ?? 'version unknown').padEnd(14)} ${r.kind.padEnd(12)} ${r.dir}`);
  for (const chain of Object.values(result.chains)) {
    const resolved = chain.hops.filter((h) => h.resolved).length;
    lines.push('', `${chain.title} — ${resolved}/${chain.hops.length} hops resolved`);
    if (chain.shim) lines.push(`  shim: ${chain.shim.why}`);
    chain.hops.forEach((h, i) => {
      const where = h.resolved ? `${h.file}:${h.line}` : `not found — ${h.upstream ?? ''}`;
      const via = h.callSite ? `  ← called at ${path.basename(h.callSite.file)}:${h.callSite.line}${h.via ? ` through ${h.via}` : ''}` : '';
      lines.push(`  ${String(i + 1).padStart(2)} ${h.boundary.padEnd(9)} ${h.component.padEnd(10)} ${h.symbol}`);
      lines.push(`       ${where}${via}`);
      if (h.problem) lines.push(`       note: ${h.problem}`);
    });
  }
  out(`${lines.join('\n')}\n`);
  return 0;
};
