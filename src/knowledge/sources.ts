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
      const out: VersionFile[] = [];
      // Listing only the folders read keeps a project of hundreds of tags (and a large vendor/) quick.
      const recursive = keep.roots.filter((r) => r !== '');
      const listing = [
        ...(keep.roots.includes('') ? [git('ls-tree', '--full-tree', `${ref}^{tree}`)] : []),
        ...(recursive.length ? [git('ls-tree', '-r', '--full-tree', `${ref}^{tree}`, '--', ...recursive)] : []),
      ].join('');
      for (const line of listing.split('\n')) {
        // <mode> SP <type> SP <id> TAB <path>
        const tab = line.indexOf('\t');
        if (tab < 0) continue;
        const [mode, type, blob] = line.slice(0, tab).split(' ');
        const file = line.slice(tab + 1);
        // Symbolic links (mode 120000) hold a path, not code.
        if (type !== 'blob' || mode === '120000' || !keep.file(file)) continue;
        out.push({ path: file, blob: blob! });
      }
      return out.sort((a, b) => byCodeUnit(a.path, b.path));
    },
    read: (blobs) => catFileBatch(gitDir, blobs),
  };
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
