import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { crypto, zlib } from '../lazy';
import { InputError } from '../logs/input';
import { TarReader } from './tar';

/** A bundle by its name: what `collect` writes (and `tar -czf` anywhere). */
export function isBundlePath(file: string): boolean {
  return /\.(tar\.gz|tgz)$/i.test(file);
}

/** Limits on what unpacking writes, whatever the archive claims. */
const MAX_ENTRIES = 20_000;
const MAX_BYTES = 4 * 1024 * 1024 * 1024;

/** Where bundles given to the CLI are unpacked: a cache, so the paths in a report stay valid. */
export function bundleCache(): string {
  return path.join(process.env.RUNTIME_LENS_CACHE ?? path.join(os.homedir(), '.cache', 'runtime-lens'), 'bundles');
}

export interface Unpacked {
  /** The folder to read: the bundle's single top folder, else the folder it was unpacked into. */
  dir: string;
  /** Whether it was already unpacked there (same content). */
  reused: boolean;
}

/**
 * Unpacks a `.tar.gz` bundle under `root/<hash of its content>/` (once: the same bundle again reuses
 * it). Only regular files and folders are written, never outside that folder; entries that climb out,
 * links and devices are skipped. Throws InputError naming the file and the reason.
 */
export async function unpackBundle(file: string, root: string): Promise<Unpacked> {
  let hash: string;
  try {
    const h = crypto().createHash('sha256');
    for await (const b of fs.createReadStream(file)) h.update(b as Buffer);
    hash = h.digest('hex').slice(0, 16);
  } catch (e) {
    throw new InputError(file, (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message);
  }
  const into = path.join(root, hash);
  const done = path.join(into, '.runtime-lens-unpacked');
  if (fs.existsSync(done)) return { dir: topFolder(into), reused: true };
  fs.rmSync(into, { recursive: true, force: true });
  fs.mkdirSync(into, { recursive: true });
  let out: number | null = null;
  let entries = 0;
  let bytes = 0;
  const close = () => {
    if (out !== null) fs.closeSync(out);
    out = null;
  };
  const reader = new TarReader(
    (e) => {
      close();
      if (++entries > MAX_ENTRIES) throw new Error(`more than ${MAX_ENTRIES} entries`);
      if (!e.path) return;
      const target = path.join(into, e.path);
      if (e.type === 'dir') fs.mkdirSync(target, { recursive: true });
      if (e.type !== 'file') return;
      fs.mkdirSync(path.dirname(target), { recursive: true });
      out = fs.openSync(target, 'w');
    },
    (piece) => {
      bytes += piece.length;
      if (bytes > MAX_BYTES) throw new Error(`more than ${MAX_BYTES} bytes unpacked`);
      if (out !== null) fs.writeSync(out, piece);
    },
  );
  try {
    const gunzip = fs.createReadStream(file).pipe(zlib().createGunzip());
    for await (const b of gunzip) {
      reader.write(b as Buffer);
      if (reader.done) break;
    }
    gunzip.destroy();
    if (entries === 0) throw new Error('an empty archive');
  } catch (e) {
    close();
    fs.rmSync(into, { recursive: true, force: true });
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(file, code?.startsWith('Z_') ? `not a gzip-compressed tar (${(e as Error).message})` : `not a readable bundle: ${(e as Error).message}`);
  }
  close();
  fs.writeFileSync(done, `${file}\n`);
  return { dir: topFolder(into), reused: false };
}

/** The single folder a bundle holds (`runtime-lens-<host>-<time>/`), else where it was unpacked. */
function topFolder(into: string): string {
  const items = fs.readdirSync(into, { withFileTypes: true }).filter((d) => !d.name.startsWith('.'));
  return items.length === 1 && items[0]!.isDirectory() ? path.join(into, items[0]!.name) : into;
}
