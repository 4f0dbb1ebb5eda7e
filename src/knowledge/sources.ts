import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { byCodeUnit } from '../core/order';

/** One file of one version: its path in the repository and the id of its content (git's blob id). */
export interface VersionFile {
  path: string;
  blob: string;
}

/** Which files a project's versions are read for; `dir` lets a tree walk skip folders that cannot hold one. */
export interface FileFilter {
  file(path: string): boolean;
  dir(path: string): boolean;
  /** Folders that hold every file taken (`''`: the root's own files): a mirror lists only these. */
  roots: string[];
}

/** Where the versions of a project come from: a bare git mirror, or unpacked trees (one per tag). */
export interface VersionSource {
  /** The refs this source has (tags, and commits named by the caller). */
  refs(): string[];
  /** The files of a ref that `keep` takes, sorted by path. */
  files(ref: string, keep: FileFilter): VersionFile[];
  /** The contents of blobs, in one pass (a git mirror answers them through one `cat-file --batch`). */
  read(blobs: string[]): Promise<Map<string, Buffer>>;
  /**
   * Set by a source that holds only part of each version (a vendored copy holds the packages its host
   * imports): whether a folder is there at a ref. A format missing from a folder the ref lacks is unknown
   * at that version, not gone from it.
   */
  has?(ref: string, dir: string): boolean;
  /** Set by a mirror of the project's own repository: its tags are all the releases there are (so far). */
  allReleases?: true;
}

/** A bare mirror as the `fetch` tool leaves it (/work/.mirror/owner+name/repo). */
export function gitMirror(gitDir: string, extraRefs: string[] = []): VersionSource {
  const git = (...args: string[]) => execFileSync('git', ['--git-dir', gitDir, ...args], { encoding: 'utf8', maxBuffer: 1 << 30 });
  return {
    refs: () => [
      ...git('tag', '--list')
        .split('\n')
        .filter(Boolean),
      ...extraRefs.filter((r) => {
        try {
          git('rev-parse', '--verify', '--quiet', `${r}^{commit}`);
          return true;
        } catch {
          return false;
        }
      }),
    ],
    files(ref, keep) {
      // Listing only the folders read keeps a project of hundreds of tags (and a large vendor/) quick.
      const recursive = keep.roots.filter((r) => r !== '');
      const listing = [
        ...(keep.roots.includes('') ? [git('ls-tree', '--full-tree', `${ref}^{tree}`)] : []),
        ...(recursive.length ? [git('ls-tree', '-r', '--full-tree', `${ref}^{tree}`, '--', ...recursive)] : []),
      ].join('');
      return treeFiles(listing, '', keep);
    },
    read: (blobs) => catFileBatch(gitDir, blobs),
    allReleases: true,
  };
}

/**
 * The copies of one Go module that another project vendored, one per version of the module, read from
 * the host's bare mirror: KubeEdge vendors k8s.io/kubernetes (1.10.9 to 1.22.6 as released, later ones
 * as its own fork), which is how the kubelet's older releases reach this machine when the kubernetes
 * repository itself is too large to mirror. The module's version at a host tag is the one its go.mod
 * requires (Gopkg.lock before go modules); a tag that replaces the module with a fork is skipped, since
 * its code is not the upstream release. Go vendors every non-test file of each package the host imports
 * and nothing of the others, so a folder that is there is that version's whole package and one that is
 * not is unknown (`has`).
 */
export function vendoredMirror(gitDir: string, module: string): VersionSource {
  // Quiet: most host tags lack one of go.mod and Gopkg.lock, and git says so on stderr.
  const git = (...args: string[]) => execFileSync('git', ['--git-dir', gitDir, ...args], { encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] });
  const prefix = `vendor/${module}/`;
  const hostTags = new Map<string, string>();
  // Released host tags only, oldest name first, so each module version is read from one fixed host tag.
  for (const tag of git('tag', '--list').split('\n').filter((t) => /^v\d+\.\d+\.\d+$/.test(t)).sort(byCodeUnit)) {
    const version = vendoredVersion((file) => {
      try {
        return git('show', `${tag}:${file}`);
      } catch {
        return '';
      }
    }, module);
    if (!version || hostTags.has(version)) continue;
    try {
      git('rev-parse', '--verify', '--quiet', `${tag}:${prefix}`);
    } catch {
      continue;
    }
    hostTags.set(version, tag);
  }
  const dirs = new Map<string, Set<string>>();
  const hostOf = (ref: string) => hostTags.get(ref) ?? (() => { throw new Error(`${module} ${ref} is vendored at no tag of ${gitDir}`); })();
  return {
    refs: () => [...hostTags.keys()],
    files(ref, keep) {
      const listing = git('ls-tree', '-r', '--full-tree', `${hostOf(ref)}^{tree}`, '--', ...keep.roots.map((r) => prefix + r));
      // A root of '' lists the module recursively: keep.file still takes the root's own files only.
      return treeFiles(listing, prefix, keep);
    },
    read: (blobs) => catFileBatch(gitDir, blobs),
    has(ref, dir) {
      let present = dirs.get(ref);
      if (!present) {
        // A folder is there when it holds Go files of its own: vendor/k8s.io/kubernetes/pkg/kubelet/ exists
        // for its vendored subpackages even when the kubelet's root package itself was not vendored.
        present = new Set(
          git('ls-tree', '-r', '--name-only', '--full-tree', `${hostOf(ref)}^{tree}`, '--', prefix)
            .split('\n')
            .filter((f) => f.endsWith('.go'))
            .map((f) => f.slice(prefix.length, f.lastIndexOf('/'))),
        );
        dirs.set(ref, present);
      }
      return dir === '' || present.has(dir);
    },
  };
}

/**
 * The version of `module` a Go project builds with, from its go.mod (or dep's Gopkg.lock before go
 * modules); undefined when it does not use the module or replaces it with a fork.
 */
export function vendoredVersion(read: (file: string) => string, module: string): string | undefined {
  const quoted = module.replace(/[.]/g, '\\.');
  const mod = read('go.mod');
  if (mod) {
    // `replace k8s.io/kubernetes => k8s.io/kubernetes v1.19.3` pins the release; any other target is a fork.
    const replaced = new RegExp(`^\\s*(?:replace\\s+)?${quoted}(?:\\s+v\\S+)?\\s*=>\\s*(\\S+)(?:\\s+(v\\S+))?`, 'm').exec(mod);
    if (replaced) return replaced[1] === module && /^v\d+\.\d+\.\d+$/.test(replaced[2] ?? '') ? replaced[2] : undefined;
    return new RegExp(`^\\s*(?:require\\s+)?${quoted}\\s+(v\\d+\\.\\d+\\.\\d+)\\s*(?://.*)?$`, 'm').exec(mod)?.[1];
  }
  const lock = read('Gopkg.lock');
  for (const block of lock.split('[[projects]]').slice(1)) {
    if (new RegExp(`^\\s*name = "${quoted}"`, 'm').test(block)) return /^\s*version = "(v\d+\.\d+\.\d+)"/m.exec(block)?.[1];
  }
  return undefined;
}

/** Several sources of one project's versions read as one (Debian's tree of one version, vendored copies of others). */
export function joinedSources(sources: VersionSource[]): VersionSource {
  const owner = new Map<string, VersionSource>();
  for (const s of sources) for (const r of s.refs()) if (!owner.has(r)) owner.set(r, s);
  const blobOwner = new Map<string, VersionSource>();
  const of = (ref: string) => owner.get(ref) ?? (() => { throw new Error(`no source has ${ref}`); })();
  return {
    refs: () => [...owner.keys()],
    files(ref, keep) {
      const s = of(ref);
      const files = s.files(ref, keep);
      for (const f of files) if (!blobOwner.has(f.blob)) blobOwner.set(f.blob, s);
      return files;
    },
    async read(blobs) {
      const out = new Map<string, Buffer>();
      for (const s of new Set(blobs.map((b) => blobOwner.get(b)).filter((s): s is VersionSource => !!s))) {
        for (const [b, c] of await s.read(blobs.filter((x) => blobOwner.get(x) === s))) out.set(b, c);
      }
      return out;
    },
    has: (ref, dir) => of(ref).has?.(ref, dir) ?? true,
  };
}

/** The files `keep` takes from `git ls-tree` output, their paths without `prefix`, sorted by path. */
function treeFiles(listing: string, prefix: string, keep: FileFilter): VersionFile[] {
  const out: VersionFile[] = [];
  for (const line of listing.split('\n')) {
    // <mode> SP <type> SP <id> TAB <path>
    const tab = line.indexOf('\t');
    if (tab < 0) continue;
    const [mode, type, blob] = line.slice(0, tab).split(' ');
    const file = line.slice(tab + 1 + prefix.length);
    // Symbolic links (mode 120000) hold a path, not code.
    if (type !== 'blob' || mode === '120000' || !keep.file(file)) continue;
    out.push({ path: file, blob: blob! });
  }
  return out.sort((a, b) => byCodeUnit(a.path, b.path));
}

/** Reads many blobs through one `git cat-file --batch` process. */
function catFileBatch(gitDir: string, blobs: string[]): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    const out = new Map<string, Buffer>();
    if (blobs.length === 0) return resolve(out);
    const child = spawn('git', ['--git-dir', gitDir, 'cat-file', '--batch'], { stdio: ['pipe', 'pipe', 'inherit'] });
    let pending: Buffer = Buffer.alloc(0);
    let next = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      for (;;) {
        const nl = pending.indexOf(10);
        if (nl < 0) return;
        const header = pending.subarray(0, nl).toString('latin1');
        const [id, type, size] = header.split(' ');
        if (type === 'missing') {
          pending = pending.subarray(nl + 1);
          next++;
          continue;
        }
        const len = Number(size);
        if (pending.length < nl + 1 + len + 1) return;
        out.set(id!, Buffer.from(pending.subarray(nl + 1, nl + 1 + len)));
        pending = pending.subarray(nl + 1 + len + 1);
        next++;
      }
    });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 && next === blobs.length ? resolve(out) : reject(new Error(`git cat-file --batch in ${gitDir} ended with ${code} after ${next}/${blobs.length} blobs`))));
    child.stdin.end(blobs.join('\n') + '\n');
  });
}

/** git's id of a blob with these bytes, so an unpacked tree's files dedupe like a mirror's. */
export function blobId(bytes: Buffer): string {
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

/**
 * Unpacked trees or tarballs, each standing for one tag: `git archive` tarballs of ../shared/sources
 * (one top folder, runc-v1.3.0/), or a checkout such as Debian's kubernetes-1.20.2/. A tarball is
 * unpacked into a temporary folder that is removed when the process ends.
 */
export function plainTrees(trees: Record<string, string>): VersionSource {
  const roots = new Map<string, string>();
  const contents = new Map<string, string>();
  const rootOf = (ref: string): string => {
    let root = roots.get(ref);
    if (root) return root;
    const given = trees[ref];
    if (!given) throw new Error(`no tree given for ${ref}`);
    root = fs.statSync(given).isDirectory() ? given : unpack(given);
    roots.set(ref, root);
    return root;
  };
  return {
    refs: () => Object.keys(trees),
    files(ref, keep) {
      const root = rootOf(ref);
      const out: VersionFile[] = [];
      const walk = (dir: string, rel: string) => {
        for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => byCodeUnit(a.name, b.name))) {
          const p = rel ? `${rel}/${e.name}` : e.name;
          if (e.isDirectory()) {
            if (keep.dir(p)) walk(path.join(dir, e.name), p);
          } else if (e.isFile() && keep.file(p)) {
            const bytes = fs.readFileSync(path.join(dir, e.name));
            const blob = blobId(bytes);
            contents.set(blob, path.join(dir, e.name));
            out.push({ path: p, blob });
          }
        }
      };
      walk(root, '');
      return out.sort((a, b) => byCodeUnit(a.path, b.path));
    },
    read: async (blobs) => new Map(blobs.flatMap((b) => (contents.has(b) ? [[b, fs.readFileSync(contents.get(b)!)] as [string, Buffer]] : []))),
  };
}

const unpacked: string[] = [];
process.on('exit', () => {
  for (const d of unpacked) fs.rmSync(d, { recursive: true, force: true });
});

/** Unpacks a tarball with one top folder (as `git archive --prefix` makes them); returns that folder. */
function unpack(tarball: string): string {
  const dest = fs.mkdtempSync(path.join(os.tmpdir(), 'runtime-lens-knowledge-'));
  unpacked.push(dest);
  execFileSync('tar', ['xf', tarball, '-C', dest]);
  const top = fs.readdirSync(dest);
  return top.length === 1 && fs.statSync(path.join(dest, top[0]!)).isDirectory() ? path.join(dest, top[0]!) : dest;
}
