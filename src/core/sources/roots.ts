import * as fs from 'node:fs';
import * as path from 'node:path';

/** How the atlas describes a project: its module paths and marker files (see atlas.schema.json). */
export interface ProjectSpec {
  title?: string;
  modules: string[];
  markers: string[];
  upstream: string;
  versionFiles?: string[];
}

export type RootKind = 'checkout' | 'gopath' | 'module-cache' | 'vendor';

/** One copy of a project's sources found under a source root. */
export interface ProjectRoot {
  project: string;
  /** Absolute directory of the project's root package. */
  dir: string;
  kind: RootKind;
  /** The import path it was found under (or go.mod's module line), null for a bare checkout. */
  module: string | null;
  version: string | null;
  /** Where the version came from: "VERSION", "go.mod path", "vendor/modules.txt", "directory name"… */
  versionFrom: string | null;
  /** The source root (as the user gave it) this copy was found in. */
  sourceRoot: string;
  /** For vendored copies: the module root whose vendor/ holds it. */
  vendoredIn: string | null;
}

const SKIP = new Set(['vendor', 'node_modules', '.git', 'testdata', '_output', 'third_party', 'docs', 'test', 'tests', 'hack']);

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

function readText(p: string, max = 64 * 1024): string | null {
  try {
    const fd = fs.openSync(p, 'r');
    try {
      const buf = Buffer.alloc(max);
      const n = fs.readSync(fd, buf, 0, max, 0);
      return buf.subarray(0, n).toString('utf8');
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return null;
  }
}

function goModModule(dir: string): string | null {
  const text = readText(path.join(dir, 'go.mod'), 4096);
  const m = text ? /^module\s+(\S+)/m.exec(text) : null;
  return m ? m[1]!.replace(/"/g, '') : null;
}

function subdirs(dir: string): string[] {
  try {
    return fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((e) => (e.isDirectory() || e.isSymbolicLink()) && !SKIP.has(e.name) && !e.name.startsWith('.'))
      .map((e) => path.join(dir, e.name))
      .filter(isDir);
  } catch {
    return [];
  }
}

/** A tag pointing at the checkout's HEAD, read from .git without running git. */
function gitTag(dir: string): string | null {
  const git = path.join(dir, '.git');
  const head = readText(path.join(git, 'HEAD'), 256)?.trim();
  if (!head) return null;
  let sha = head;
  const ref = /^ref: (.+)$/.exec(head);
  if (ref) {
    sha = readText(path.join(git, ref[1]!), 256)?.trim() ?? '';
    if (!sha) {
      const packed = readText(path.join(git, 'packed-refs'), 4 * 1024 * 1024) ?? '';
      sha = new RegExp(`^([0-9a-f]{40}) ${ref[1]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm').exec(packed)?.[1] ?? '';
    }
  }
  if (!/^[0-9a-f]{40}$/.test(sha)) return null;
  const packed = readText(path.join(git, 'packed-refs'), 4 * 1024 * 1024) ?? '';
  const lines = packed.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^([0-9a-f]{40}) refs\/tags\/(.+)$/.exec(lines[i]!);
    // Annotated tags list the tagged commit on the next line as ^sha.
    if (m && (m[1] === sha || lines[i + 1] === `^${sha}`)) return m[2]!;
  }
  return null;
}

function checkoutVersion(dir: string, spec: ProjectSpec): { version: string; from: string } | null {
  for (const f of spec.versionFiles ?? []) {
    const text = readText(path.join(dir, f), 16 * 1024);
    if (!text) continue;
    const v = f.endsWith('.go') ? /\bVersion\s*=\s*"([^"]+)"/.exec(text)?.[1] : text.split('\n')[0]!.trim();
    if (v && /^v?\d/.test(v)) return { version: v.replace(/\+unknown$/, ''), from: f };
  }
  const tag = gitTag(dir);
  if (tag) return { version: tag, from: 'git tag' };
  // Release tarballs unpack into name-1.2.3/ (moby's engine sits one level below it).
  for (const d of [dir, path.dirname(dir)]) {
    const m = /-v?(\d+\.\d+\.\d+(?:[-.+~][\w.]+)?)$/.exec(path.basename(d));
    if (m) return { version: m[1]!.replace(/[+~](?:ds|dfsg|really)[\w.]*$/, ''), from: 'directory name' };
  }
  return null;
}

function vendoredVersion(moduleRoot: string, module: string): string | null {
  const text = readText(path.join(moduleRoot, 'vendor', 'modules.txt'), 8 * 1024 * 1024);
  if (!text) return null;
  const m = new RegExp(`^# ${module.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} (v[^\\s]+)`, 'm').exec(text);
  return m ? m[1]! : null;
}

/**
 * Finds the copies of the atlas's projects under the given source roots, whatever their layout: a
 * checkout (go.mod or marker files; up to two levels down, so a folder of checkouts works), a GOPATH
 * `src` (`DIR/github.com/…`) or GOPATH root (`DIR/src/…`), a module cache (`DIR/github.com/x/y@v1.2.3`,
 * also under `pkg/mod`), and the vendor/ trees of every copy found. Only the few paths a project
 * can live at are looked at, so a 300 MB tree costs milliseconds.
 */
export function discoverProjects(sourceRoots: string[], projects: Record<string, ProjectSpec>): ProjectRoot[] {
  const found: ProjectRoot[] = [];
  const seen = new Set<string>();
  const add = (r: ProjectRoot) => {
    let real: string;
    try {
      real = fs.realpathSync(r.dir);
    } catch {
      return;
    }
    const key = `${r.project}\u0000${real}`;
    if (seen.has(key)) return;
    seen.add(key);
    found.push(r);
  };
  const moduleToProject = new Map<string, string>();
  for (const [name, spec] of Object.entries(projects)) for (const m of spec.modules) moduleToProject.set(m, name);

  for (const source of sourceRoots) {
    const root = path.resolve(source);
    if (!isDir(root)) continue;
    const before = found.length;
    // GOPATH src, GOPATH root, module caches.
    for (const base of [root, path.join(root, 'src'), path.join(root, 'pkg', 'mod')]) {
      for (const [module, project] of moduleToProject) {
        const direct = path.join(base, module);
        if (isDir(direct)) add({ project, dir: direct, kind: 'gopath', module, version: null, versionFrom: null, sourceRoot: source, vendoredIn: null });
        const parent = path.dirname(direct);
        const leaf = path.basename(module);
        let entries: string[] = [];
        try {
          entries = fs.readdirSync(parent);
        } catch {
          continue;
        }
        for (const e of entries) {
          if (!e.startsWith(`${leaf}@`)) continue;
          add({ project, dir: path.join(parent, e), kind: 'module-cache', module, version: e.slice(leaf.length + 1), versionFrom: 'module cache path', sourceRoot: source, vendoredIn: null });
        }
      }
    }
    // Checkouts: the root itself, its children and grandchildren.
    const candidates = [root, ...subdirs(root)];
    for (const c of subdirs(root)) candidates.push(...subdirs(c));
    for (const dir of candidates) {
      const module = isFile(path.join(dir, 'go.mod')) ? goModModule(dir) : null;
      for (const [project, spec] of Object.entries(projects)) {
        const byModule = module !== null && spec.modules.includes(module);
        if (!byModule && !spec.markers.every((m) => isFile(path.join(dir, m)))) continue;
        // A package inside a checkout found above can hold the marker path too (containerd 2.x's plugins/).
        if (!byModule && found.some((r) => r.project === project && r.kind === 'checkout' && dir.startsWith(r.dir + path.sep))) continue;
        const v = checkoutVersion(dir, spec);
        add({ project, dir, kind: 'checkout', module, version: v?.version ?? null, versionFrom: v?.from ?? null, sourceRoot: source, vendoredIn: null });
      }
    }
    // Vendored copies inside everything found in this source root.
    for (const r of found.slice(before)) {
      if (r.kind === 'vendor') continue;
      for (const [module, project] of moduleToProject) {
        const dir = path.join(r.dir, 'vendor', module);
        if (!isDir(dir)) continue;
        const version = vendoredVersion(r.dir, module);
        add({ project, dir, kind: 'vendor', module, version, versionFrom: version ? 'vendor/modules.txt' : null, sourceRoot: source, vendoredIn: r.dir });
      }
    }
  }
  for (const r of found) {
    if (r.version || r.kind === 'vendor') continue;
    const v = checkoutVersion(r.dir, projects[r.project]!);
    if (v) [r.version, r.versionFrom] = [v.version, v.from];
  }
  return found;
}
