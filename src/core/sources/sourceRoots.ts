import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { minimatch } from 'minimatch';

/** Where a source root came from, shown to the user next to it. */
export type SourceRootOrigin = 'workspace' | 'setting' | 'GOPATH' | 'module cache' | 'Debian gocode';

export interface SourceRoot {
  dir: string;
  origin: SourceRootOrigin;
}

export interface SourceRootInputs {
  workspaceFolders: string[];
  /** runtimeLens.sourceRoots: directories or globs (`~` expands to the home directory). */
  settings: string[];
  /** runtimeLens.sourceExclude: globs matched against absolute directories. */
  exclude: string[];
  env: NodeJS.ProcessEnv;
  /** Whether to add GOPATH, the module cache and /usr/share/gocode when they exist. */
  includeSystem: boolean;
}

const MAX_GLOB_DEPTH = 6;

function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') ? path.join(os.homedir(), p.slice(1)) : p;
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Expands a directory glob by walking only below its literal prefix, to a bounded depth. */
export function expandDirGlob(pattern: string): string[] {
  const abs = path.resolve(expandHome(pattern));
  if (!/[*?[{]/.test(abs)) return isDir(abs) ? [abs] : [];
  const parts = abs.split(path.sep);
  const firstGlob = parts.findIndex((p) => /[*?[{]/.test(p));
  const base = parts.slice(0, firstGlob).join(path.sep) || path.sep;
  const depth = parts.includes('**') ? MAX_GLOB_DEPTH : parts.length - firstGlob;
  const out: string[] = [];
  const walk = (dir: string, level: number) => {
    if (level > depth) return;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (!e.isDirectory() || e.name === '.git' || e.name === 'node_modules') continue;
      const p = path.join(dir, e.name);
      if (minimatch(p, abs, { dot: false })) out.push(p);
      walk(p, level + 1);
    }
  };
  walk(base, 1);
  return out.sort();
}

/**
 * The Go trees to trace through, most specific first: the workspace, the user's configured roots,
 * then GOPATH/src, the module cache and Debian's /usr/share/gocode/src when present.
 */
export function sourceRoots(inputs: SourceRootInputs): SourceRoot[] {
  const list: SourceRoot[] = [];
  const push = (dir: string, origin: SourceRootOrigin) => {
    if (isDir(dir)) list.push({ dir: path.resolve(dir), origin });
  };
  for (const w of inputs.workspaceFolders) push(w, 'workspace');
  for (const s of inputs.settings) for (const d of expandDirGlob(s)) push(d, 'setting');
  if (inputs.includeSystem) {
    const gopaths = (inputs.env.GOPATH ?? path.join(os.homedir(), 'go')).split(path.delimiter).filter(Boolean);
    for (const g of gopaths) push(path.join(g, 'src'), 'GOPATH');
    push(inputs.env.GOMODCACHE ?? path.join(gopaths[0] ?? path.join(os.homedir(), 'go'), 'pkg', 'mod'), 'module cache');
    push('/usr/share/gocode/src', 'Debian gocode');
  }
  const excluded = inputs.exclude.map(expandHome);
  const seen = new Set<string>();
  return list.filter((r) => {
    if (seen.has(r.dir) || excluded.some((g) => minimatch(r.dir, g, { dot: true }))) return false;
    seen.add(r.dir);
    return true;
  });
}
