import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { repoRoot } from './paths';

/** The real Go trees from Debian, fetched (once, cached) by go-sources.sh. */
export interface DebianSources {
  /** Directory holding the projects side by side (kubernetes-1.20.2, moby-20.10.24, containerd-1.6.20, runc-1.1.5). */
  checkouts: string;
  kubernetes: string;
  moby: string;
  containerd: string;
  runc: string;
  /** GOPATH-style src directory of Debian's -dev packages (go-runc lives only here). */
  gocode: string;
  goRunc: string;
}

let cached: DebianSources | undefined;

export function debianSources(): DebianSources {
  if (cached) return cached;
  const dest = execFileSync('bash', [path.join(repoRoot, 'test', 'harness', 'go-sources.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
  const checkouts = path.join(dest, 'checkouts');
  const gocode = '/usr/share/gocode/src';
  cached = {
    checkouts,
    kubernetes: path.join(checkouts, 'kubernetes-1.20.2'),
    moby: path.join(checkouts, 'moby-20.10.24', 'engine'),
    containerd: path.join(checkouts, 'containerd-1.6.20'),
    runc: path.join(checkouts, 'runc-1.1.5'),
    gocode,
    goRunc: path.join(gocode, 'github.com', 'containerd', 'go-runc'),
  };
  return cached;
}
