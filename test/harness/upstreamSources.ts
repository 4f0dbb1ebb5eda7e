import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { repoRoot } from './paths';

/** The upstream trees of ../shared/sources, unpacked (once, cached) by upstream-sources.sh. */
export interface UpstreamSources {
  /** The cache folder holding one folder per tarball (runc-v1.3.0/, moby-v18.06.3-ce/…). */
  dir: string;
  tree(name: string): string;
}

let cached: UpstreamSources | undefined;

/** Throws with the script's message when the shared folder is missing (CI must provide it beside the clone). */
export function upstreamSources(): UpstreamSources {
  if (cached) return cached;
  let dir: string;
  try {
    dir = execFileSync('bash', [path.join(repoRoot, 'test', 'harness', 'upstream-sources.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch (e) {
    throw new Error(`upstream sources unavailable: ${String((e as { stderr?: string }).stderr ?? e).trim()}`);
  }
  cached = { dir, tree: (name) => path.join(dir, name) };
  return cached;
}
