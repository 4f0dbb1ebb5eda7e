import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { MessageOrigins } from '../core/origins/origins';
import { loadPrograms } from '../core/origins/programs';
import { loadGoParser } from '../core/sources/goParser';
import { loadAtlas } from '../core/trace/atlas';
import { type Command, UsageError } from './commands';
import { cliWasm } from './trace';

/** Whether `trace` was asked for message origins rather than the call path. */
export function wantsMessageOrigins(args: string[]): boolean {
  return args.some((a) => a === '--message' || a.startsWith('--message='));
}

/** `runtime-lens trace [--json] --message TEXT --sources DIR...` (contract): where each part of TEXT is made. */
export const traceMessage: Command = async (args, out) => {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      allowPositionals: false,
      options: {
        json: { type: 'boolean', default: false },
        message: { type: 'string' },
        sources: { type: 'string', multiple: true, default: [] },
      },
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const message = values.message?.trim() ?? '';
  if (!message) throw new UsageError('--message wants the error text (a log line or the error inside it)');
  const sources = values.sources ?? [];
  if (sources.length === 0) throw new UsageError('give at least one --sources DIR (a checkout, a folder of checkouts, a GOPATH or a module cache)');
  for (const s of sources) {
    if (!fs.existsSync(s) || !fs.statSync(s).isDirectory()) throw new UsageError(`--sources ${s}: not a directory`);
  }
  const programs = loadPrograms();
  const finder = new MessageOrigins(await loadGoParser(cliWasm()), loadAtlas().projects, programs);
  const copies = finder.setSourceRoots(sources.map((s) => path.resolve(s)));
  const result = await finder.find(message);
  if (values.json) {
    out(`${JSON.stringify({ origins: result.origins, elapsedMs: Math.round(result.elapsedMs) }, null, 2)}\n`);
    return 0;
  }
  const lines = [`Runtime Lens message origins — ${result.origins.length} part(s) found in ${copies.length} program copies (${result.filesRead} Go files read), ${Math.round(result.elapsedMs)} ms`];
  if (copies.length === 0) lines.push('  no kubernetes, moby, containerd, go-runc or runc sources under the given --sources');
  else if (result.origins.length === 0) lines.push('  no string in these sources makes any part of this text');
  for (const o of result.origins) {
    const who = `${programs.components[o.component]?.title ?? o.component}${o.version ? ` ${o.version}` : ''}`;
    lines.push(`  "${o.text}"`, `      printed by ${who} in ${o.symbol ?? '(package level)'} — ${o.file}:${o.line}`);
  }
  out(`${lines.join('\n')}\n`);
  return 0;
};
