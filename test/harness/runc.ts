import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from './paths';

/** Real runc binaries for the reproduce lab's tests: Debian's package and an old release built here. */

/** Debian's runc (1.1.5 on bookworm, with the atomic state.json write) and busybox-static for the rootfs. */
export function debianRunc(): string {
  execFileSync('bash', [path.join(repoRoot, 'test', 'harness', 'apt.sh'), 'runc', 'busybox-static'], { stdio: ['ignore', 'inherit', 'inherit'] });
  return '/usr/sbin/runc';
}

/** runc v1.0.0-rc6 (before the fix), built once from the shared tarball and cached (runc-build.sh). */
export function oldRunc(): string {
  return execFileSync('bash', [path.join(repoRoot, 'test', 'harness', 'runc-build.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
}

let bundled: string | undefined;

/**
 * The CLI as one self-contained file in a world-readable temporary folder, so it can run as its own
 * process (for real signals) and as an unprivileged user (whatever the checkout's permissions).
 */
export function cliBundle(): string {
  if (bundled) return bundled;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-cli-'));
  fs.chmodSync(dir, 0o755);
  const outfile = path.join(dir, 'cli.js');
  // esbuild is the project's own bundler (package.json build:node); the test only narrows it to the CLI.
  execFileSync(path.join(repoRoot, 'node_modules', '.bin', 'esbuild'), [
    path.join(repoRoot, 'src', 'cli', 'main.ts'),
    '--bundle',
    '--platform=node',
    '--target=node20',
    '--format=cjs',
    '--log-level=error',
    `--outfile=${outfile}`,
  ], { stdio: ['ignore', 'inherit', 'inherit'] });
  fs.chmodSync(outfile, 0o644);
  bundled = outfile;
  return outfile;
}

/** Removes the bundle cliBundle made (call once the tests that use it are done). */
export function removeCliBundle(): void {
  if (bundled) fs.rmSync(path.dirname(bundled), { recursive: true, force: true });
  bundled = undefined;
}
