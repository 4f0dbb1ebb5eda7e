/**
 * The little of tar a bundle needs: writing ustar (regular files, their folders implied) and reading
 * what `tar -czf` writes on a node — GNU tar (long names as `././@LongLink`), busybox tar and pax
 * headers (`path=`). POSIX.1-2001 / GNU tar's documented header layout; nothing else is written or
 * followed (links, devices and FIFOs are skipped when reading).
 */

const BLOCK = 512;

export interface TarFile {
  path: string;
  data: Buffer;
}

function octal(n: number, width: number): string {
  return `${n.toString(8).padStart(width - 1, '0')}\0`;
}

/** ustar splits a long name into a prefix (155 bytes) and a name (100), at a slash. */
function splitName(p: string): { name: string; prefix: string } {
  if (Buffer.byteLength(p) <= 100) return { name: p, prefix: '' };
  for (let i = p.lastIndexOf('/'); i > 0; i = p.lastIndexOf('/', i - 1)) {
    const prefix = p.slice(0, i);
    const name = p.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100) return { name, prefix };
  }
  throw new Error(`tar: path too long for ustar: ${p}`);
}

function header(p: string, size: number, type: '0' | '5', mode: number, mtime: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  const { name, prefix } = splitName(p);
  h.write(name, 0, 100, 'utf8');
  h.write(octal(mode, 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii');
  h.write(octal(0, 8), 116, 'ascii');
  h.write(octal(size, 12), 124, 'ascii');
  h.write(octal(mtime, 12), 136, 'ascii');
  h.write('        ', 148, 'ascii');
  h.write(type, 156, 'ascii');
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  h.write('root', 265, 'ascii');
  h.write('root', 297, 'ascii');
  h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return h;
}

/** A ustar archive of the files, each folder on their paths written before its first file. */
export function tarArchive(files: TarFile[], at: Date): Buffer {
  const mtime = Math.floor(at.getTime() / 1000);
  const parts: Buffer[] = [];
  const dirs = new Set<string>();
  for (const f of files) {
    const segments = f.path.split('/');
    for (let i = 1; i < segments.length; i++) {
      const d = `${segments.slice(0, i).join('/')}/`;
      if (dirs.has(d)) continue;
      dirs.add(d);
      parts.push(header(d, 0, '5', 0o755, mtime));
    }
    parts.push(header(f.path, f.data.length, '0', 0o644, mtime), f.data);
    const pad = (BLOCK - (f.data.length % BLOCK)) % BLOCK;
    if (pad) parts.push(Buffer.alloc(pad));
  }
  parts.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(parts);
}

export interface TarEntry {
  /** Normalised relative path (no leading `./` or `/`). */
  path: string;
  type: 'file' | 'dir' | 'other';
  size: number;
}

function field(h: Buffer, start: number, length: number): string {
  const raw = h.subarray(start, start + length);
  const nul = raw.indexOf(0);
  return raw.subarray(0, nul < 0 ? length : nul).toString('utf8');
}

function number(h: Buffer, start: number, length: number): number {
  // GNU base-256 for sizes over 8 GiB: a bundle is never near that; read it all the same.
  if (h[start]! & 0x80) {
    let n = 0;
    for (let i = start + 1; i < start + length; i++) n = n * 256 + h[i]!;
    return n;
  }
  const s = field(h, start, length).trim();
  return s ? parseInt(s, 8) : 0;
}

function checksumOk(h: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
  return number(h, 148, 8) === sum;
}

/**
 * Reads a tar stream (already decompressed) and hands each entry with its data in pieces. Bad input
 * throws an Error naming what is wrong; `onData` gets pieces of the current file, in order.
 */
export class TarReader {
  private buffered: Buffer[] = [];
  private bufferedSize = 0;
  private state: { kind: 'header' } | { kind: 'data'; left: number; pad: number; entry: TarEntry | null; meta: Buffer[] | null; metaType: string } = { kind: 'header' };
  private longName: string | null = null;
  private ended = false;

  constructor(
    private readonly onEntry: (e: TarEntry) => void,
    private readonly onData: (piece: Buffer) => void,
  ) {}

  get done(): boolean {
    return this.ended;
  }

  private take(n: number): Buffer | null {
    if (this.bufferedSize < n) return null;
    const all = this.buffered.length === 1 ? this.buffered[0]! : Buffer.concat(this.buffered);
    this.buffered = all.length > n ? [all.subarray(n)] : [];
    this.bufferedSize = all.length - n;
    return all.subarray(0, n);
  }

  write(chunk: Buffer): void {
    if (this.ended) return;
    this.buffered.push(chunk);
    this.bufferedSize += chunk.length;
    for (;;) {
      if (this.ended) return;
      const s = this.state;
      if (s.kind === 'header') {
        const h = this.take(BLOCK);
        if (!h) return;
        if (h.every((b) => b === 0)) {
          this.ended = true;
          return;
        }
        if (!checksumOk(h)) throw new Error('not a tar archive (bad header checksum)');
        this.header(h);
        continue;
      }
      if (s.left > 0) {
        if (this.bufferedSize === 0) return;
        const piece = this.take(Math.min(s.left, this.bufferedSize))!;
        s.left -= piece.length;
        if (s.meta) s.meta.push(piece);
        else if (s.entry?.type === 'file') this.onData(piece);
        if (s.left > 0) return;
      }
      if (this.take(s.pad) === null) return;
      if (s.meta) this.meta(s.metaType, Buffer.concat(s.meta));
      this.state = { kind: 'header' };
    }
  }

  private header(h: Buffer): void {
    const type = String.fromCharCode(h[156]!);
    const size = number(h, 124, 12);
    const pad = (BLOCK - (size % BLOCK)) % BLOCK;
    if (type === 'L' || type === 'x' || type === 'g') {
      this.state = { kind: 'data', left: size, pad, entry: null, meta: [], metaType: type };
      return;
    }
    const magicUstar = field(h, 257, 6).startsWith('ustar');
    const prefix = magicUstar ? field(h, 345, 155) : '';
    const raw = this.longName ?? (prefix ? `${prefix}/${field(h, 0, 100)}` : field(h, 0, 100));
    this.longName = null;
    const kind: TarEntry['type'] = type === '0' || type === '\0' || type === '7' ? 'file' : type === '5' ? 'dir' : 'other';
    const entry: TarEntry = { path: normalise(raw), type: kind, size };
    this.onEntry(entry);
    this.state = { kind: 'data', left: size, pad, entry, meta: null, metaType: '' };
  }

  private meta(type: string, data: Buffer): void {
    if (type === 'L') this.longName = data.toString('utf8').replace(/\0.*$/s, '');
    if (type === 'x') {
      const m = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(data.toString('utf8'));
      if (m) this.longName = m[1]!;
    }
  }
}

/** `./a/b/` → `a/b`; a path that climbs out (`..`) or is absolute is refused by the caller via ''. */
export function normalise(p: string): string {
  const parts = p.split('/').filter((s) => s !== '' && s !== '.');
  if (parts.some((s) => s === '..')) return '';
  return parts.join('/');
}
