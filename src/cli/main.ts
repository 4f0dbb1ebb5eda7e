#!/usr/bin/env node
import { product } from '../core/product';
import { collect } from './collect';
import { type Command, type Output, UsageError } from './commands';
import { diagnose } from './diagnose';
import { reproduce } from './reproduce';
import { trace } from './trace';

const commands: Record<string, Command> = { diagnose, trace, reproduce, collect };

const usage = `${product.name} ${product.version} — find, trace and diagnose container-runtime exec errors

Usage:
  ${product.name} diagnose [--json] [--year YYYY] [--tz ZONE] [--sources DIR]... [--report FILE] [--reproduce [--runc PATH]] PATH...
  ${product.name} trace [--json] [--chain reader|writer|all] --sources DIR...
  ${product.name} reproduce [--json] [--runc PATH] [--scenario state-race|init-oom|pids-limit] [--attempts N] [--timeout SECONDS] [--dry-run] [--token HEX]
  ${product.name} trace [--json] --message TEXT --sources DIR...
  ${product.name} collect [--out FILE] [--since DURATION] [--print-script]
  ${product.name} --help | --version

Exit codes: 0 done (whether or not anything was found), 2 bad usage or unreadable input.
`;

/** Runs the CLI and returns the exit code; stdout/stderr writers are injectable for tests. */
export async function run(argv: string[], out: Output, err: (s: string) => void): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    out(usage);
    return first === undefined ? 2 : 0;
  }
  if (first === '--version' || first === '-V') {
    out(`${product.version}\n`);
    return 0;
  }
  const command = commands[first];
  if (!command) {
    err(`${product.name}: unknown command '${first}'\n\n${usage}`);
    return 2;
  }
  try {
    return await command(rest, out, err);
  } catch (e) {
    if (e instanceof UsageError) {
      err(`${product.name} ${first}: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

/** The command line of this process: run it, and set the exit code. */
export function main(): void {
  // The reader of a pipe went away (`| head`): nothing more can be written, and that is no error of ours.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  // stdout to a pipe is written asynchronously: what its reader has not taken yet is held in memory, and
  // the bytes handed over are read from where they lie until then. A write's callback says they were taken.
  let taken: Promise<void> = Promise.resolve();
  const stdout: Output = Object.assign(
    (s: string | Uint8Array) => {
      taken = new Promise<void>((resolve) => void process.stdout.write(s, () => resolve()));
    },
    { drained: () => taken },
  );
  run(process.argv.slice(2), stdout, (s) => process.stderr.write(s)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`${product.name}: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}

// Run as a program (a bundle of this file alone, as tests build it); dist/cli.js calls main() itself.
if (require.main === module) main();
