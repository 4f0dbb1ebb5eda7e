/**
 * Modules loaded on first use. The bundles evaluate every module they import as they start, and these
 * are needed only by some inputs and commands: schema checks of user data, YAML documents, gzip
 * files, running runc. Evaluating them cost ~40 ms of every CLI run (a tenth of diagnosing a 512 MiB
 * log, whose budget is 3× `grep`), so they are required where used instead of imported.
 */
import type AjvClass from 'ajv';
import type * as Yaml from 'yaml';
import type * as ChildProcess from 'node:child_process';
import type * as Zlib from 'node:zlib';
import type * as Crypto from 'node:crypto';

/** A new Ajv with the options every schema here is checked with. */
export function newAjv(): AjvClass {
  const Ajv = (require('ajv') as typeof import('ajv')).default;
  return new Ajv({ allErrors: true, strict: false });
}

export function yaml(): typeof Yaml {
  return require('yaml') as typeof Yaml;
}

export function zlib(): typeof Zlib {
  return require('node:zlib') as typeof Zlib;
}

export function childProcess(): typeof ChildProcess {
  return require('node:child_process') as typeof ChildProcess;
}

export function crypto(): typeof Crypto {
  return require('node:crypto') as typeof Crypto;
}
