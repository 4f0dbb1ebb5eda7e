import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { collect as collectBundle } from '../core/collect/collect';
import { SINCE } from '../core/collect/plan';
import { collectScript } from '../core/collect/script';
import { type Command, UsageError } from './commands';

export interface CollectArgs {
  out: string | undefined;
  since: string | undefined;
  printScript: boolean;
}

export function parseCollectArgs(args: string[]): CollectArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      allowPositionals: false,
      options: { out: { type: 'string' }, since: { type: 'string' }, 'print-script': { type: 'boolean', default: false } },
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (values.since !== undefined && !SINCE.test(values.since)) throw new UsageError(`--since wants a duration like 6h, 30m, 2d or 90s, got '${values.since}'`);
  if (values['print-script'] && (values.out !== undefined || values.since !== undefined)) {
    throw new UsageError('--print-script prints the script only: give the file as its argument (sh collect.sh FILE) and the duration as SINCE=6h');
  }
  return { out: values.out, since: values.since, printScript: values['print-script'] };
}

/**
 * `runtime-lens collect`: this node's evidence in one bundle, or (`--print-script`) the same collection
 * as a POSIX sh script for nodes without node.js. What is missing on the node is in the manifest, never
 * an error; only a bundle that cannot be written is (exit 2).
 */
export const collect: Command = async (args, out, err) => {
  const a = parseCollectArgs(args);
  if (a.printScript) {
    out(collectScript());
    return 0;
  }
  const bundle = await collectBundle({
    ...(a.since ? { since: a.since } : {}),
    onEntry: (e) => err(`  ${e.exit === 0 ? 'ok  ' : e.exit === null ? 'skip' : `${String(e.exit).padEnd(4)}`} ${e.file}  ${e.bytes} B${e.note ? `  (${e.note})` : ''}\n`),
  });
  if (a.out === '-') {
    // The bundle itself on stdout (over ssh); what was collected still goes to stderr.
    await new Promise<void>((resolve, reject) => process.stdout.write(bundle.data, (e) => (e ? reject(e) : resolve())));
    return 0;
  }
  let file = a.out ?? `${bundle.name}.tar.gz`;
  if (a.out && fs.existsSync(a.out) && fs.statSync(a.out).isDirectory()) file = path.join(a.out, `${bundle.name}.tar.gz`);
  try {
    fs.writeFileSync(file, bundle.data);
  } catch (e) {
    throw new UsageError(`${file}: cannot write the bundle: ${(e as Error).message}`);
  }
  const failed = bundle.manifest.entries.filter((e) => e.exit !== 0).length;
  err(`${bundle.manifest.entries.length} entries (${failed} missing or failed, see manifest.json), ${bundle.manifest.redactions} secret(s) redacted\n`);
  out(`${file}\n`);
  return 0;
};
