import * as fs from 'node:fs';
import type * as Zlib from 'node:zlib';
import { zlib } from '../lazy';

/** Input that cannot be read as a log: the message names the file and the reason. */
export class InputError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
  }
}

/** Lines longer than this are examined only up to this length (and a warning says so). */
export const MAX_LINE = 1024 * 1024;
const CHUNK = 4 * 1024 * 1024;
/** One of the regions of `openLogBytes`'s buffer: room for a carried partial line and a chunk. */
const REGION = MAX_LINE + CHUNK + 1;
/** Chunks read ahead while one is scanned: reading from the page cache is as costly as scanning. */
const READ_AHEAD = 2;
/** The buffer `openLogBytes` needs: a region for the chunk being scanned and one per read ahead. */
export const BYTE_BUFFER = (READ_AHEAD + 1) * REGION;
const SNIFF = 8192;

export interface Chunk {
  /** Complete lines, decoded byte-for-byte as latin1 so indexOf works on raw bytes; see `decodeLine`. */
  text: string;
  /** 1-based number of the first line in `text`. */
  firstLine: number;
}

/** Turns a line taken from a latin1 chunk back into proper text; invalid UTF-8 becomes U+FFFD. */
export function decodeLine(latin1: string): string {
  // Pure ASCII needs no work; most log lines are.
  return /[\x80-\xff]/.test(latin1) ? Buffer.from(latin1, 'latin1').toString('utf8') : latin1;
}

function readHead(file: string): Buffer {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    throw new InputError(file, (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message);
  }
  try {
    const st = fs.fstatSync(fd);
    if (st.isDirectory()) throw new InputError(file, 'is a directory');
    const head = Buffer.alloc(SNIFF);
    const n = fs.readSync(fd, head, 0, SNIFF, 0);
    return head.subarray(0, n);
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(file, (e as NodeJS.ErrnoException).code === 'EISDIR' ? 'is a directory' : (e as Error).message);
  } finally {
    fs.closeSync(fd);
  }
}

export function isGzip(head: Buffer): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/** Text logs have no NUL bytes; binaries, images and archives nearly always do in their first block. */
export function looksBinary(head: Buffer): boolean {
  return head.subarray(0, SNIFF).includes(0);
}

/**
 * Splits whole lines around any line longer than MAX_LINE, which becomes its first MAX_LINE
 * characters and a newline, its number noted in `longLines` — so such a line is cut wherever it falls,
 * not only when it straddles chunks. Returns the pieces and the number of newlines in `whole`.
 */
function cutLongLines(whole: string, firstLine: number, longLines: number[]): { pieces: Chunk[]; newlines: number } {
  const pieces: Chunk[] = [];
  let pieceStart = 0;
  let pieceLine = firstLine;
  let lineStart = 0;
  let line = firstLine;
  for (let nl = whole.indexOf('\n'); nl >= 0; nl = whole.indexOf('\n', nl + 1)) {
    if (nl - lineStart > MAX_LINE) {
      if (lineStart > pieceStart) pieces.push({ text: whole.slice(pieceStart, lineStart), firstLine: pieceLine });
      longLines.push(line);
      pieces.push({ text: `${whole.slice(lineStart, lineStart + MAX_LINE)}\n`, firstLine: line });
      pieceStart = nl + 1;
      pieceLine = line + 1;
    }
    line += 1;
    lineStart = nl + 1;
  }
  if (whole.length > pieceStart) pieces.push({ text: pieceStart === 0 ? whole : whole.slice(pieceStart), firstLine: pieceLine });
  return { pieces, newlines: line - firstLine };
}

export interface LogStream {
  chunks: AsyncIterable<Chunk>;
  compressed: boolean;
  /** Lines cut at MAX_LINE, reported to the user. */
  longLines: number[];
}

/**
 * Streams a log (plain or gzip) as chunks of whole lines. Memory stays bounded by the chunk size plus
 * MAX_LINE whatever the file's size or line lengths; binary files are refused with a clear reason.
 */
export function openLog(file: string): LogStream {
  const head = readHead(file);
  const compressed = isGzip(head);
  if (!compressed && looksBinary(head)) throw new InputError(file, 'binary file (NUL bytes), not a text log');
  const longLines: number[] = [];
  async function* chunks(): AsyncGenerator<Chunk> {
    const raw = fs.createReadStream(file, { highWaterMark: CHUNK });
    const source: AsyncIterable<Buffer> = compressed ? raw.pipe(zlib().createGunzip({ chunkSize: 1024 * 1024 })) : raw;
    let carry = '';
    let line = 1;
    let skipping = false;
    let first = true;
    try {
      for await (const buf of source) {
        if (first && compressed && looksBinary(buf.subarray(0, SNIFF))) {
          throw new InputError(file, 'gzip holds a binary file (NUL bytes), not a text log');
        }
        first = false;
        let text = buf.toString('latin1');
        if (skipping) {
          const nl = text.indexOf('\n');
          if (nl < 0) continue;
          text = text.slice(nl + 1);
          line += 1;
          skipping = false;
        }
        text = carry + text;
        const lastNl = text.lastIndexOf('\n');
        if (lastNl < 0) {
          carry = text;
        } else {
          const whole = text.slice(0, lastNl + 1);
          carry = text.slice(lastNl + 1);
          const { pieces, newlines } = cutLongLines(whole, line, longLines);
          for (const piece of pieces) yield piece;
          line += newlines;
        }
        if (carry.length > MAX_LINE) {
          // Examine the head of an overlong line as a line of its own, then skip to its end.
          longLines.push(line);
          yield { text: carry.slice(0, MAX_LINE) + '\n', firstLine: line };
          carry = '';
          skipping = true;
        }
      }
    } catch (e) {
      if (e instanceof InputError) throw e;
      const code = (e as NodeJS.ErrnoException).code;
      throw new InputError(file, code?.startsWith('Z_') ? `corrupt gzip data (${(e as Error).message})` : (e as Error).message);
    }
    if (carry.length > 0) yield { text: carry, firstLine: line };
  }
  return { chunks: chunks(), compressed, longLines };
}

/** Part of the buffer given to `openLogBytes`: whole lines, valid until the next segment is asked for. */
export interface ByteSegment {
  start: number;
  /** Exclusive. Every segment ends with a newline except the last of a file without a final one. */
  end: number;
  /** The first MAX_LINE bytes of an overlong line, with a newline added; the rest of it is skipped. */
  cut: boolean;
}

export interface ByteLogStream {
  segments: AsyncIterable<ByteSegment>;
  compressed: boolean;
}

/**
 * `openLog` without strings: the bytes of the log (plain or gzip) are read straight into `into`
 * (at least BYTE_BUFFER bytes, e.g. a scanner's memory) and handed out as segments of whole lines.
 * Same chunking, same long-line handling, same errors as `openLog`; the caller counts the lines
 * (a cut segment counts as one line: the skipped rest of that line and its newline are not given).
 *
 * `into` holds READ_AHEAD + 1 regions used in turn: while the caller works on the segments of one
 * chunk, the next chunks are already being read into the others (each behind room for the partial
 * line carried over), so copying from the disk cache and scanning overlap.
 */
export function openLogBytes(file: string, into: Buffer): ByteLogStream {
  if (into.length < BYTE_BUFFER) throw new RangeError(`openLogBytes: buffer of ${into.length} bytes, need ${BYTE_BUFFER}`);
  const head = readHead(file);
  const compressed = isGzip(head);
  if (!compressed && looksBinary(head)) throw new InputError(file, 'binary file (NUL bytes), not a text log');
  const regions = READ_AHEAD + 1;
  /** Where chunk k's data goes: behind the carry room of region k mod regions. */
  const dataAt = (k: number) => (k % regions) * REGION + MAX_LINE;

  interface Source {
    /** Reads at most CHUNK bytes at `position` into `into` at `at`; 0 at the end. */
    read(at: number, position: number): Promise<number>;
    /** Whether reads are placed by position (a plain file) or simply come in order (gzip). */
    positional: boolean;
    close(): Promise<void>;
  }
  // fs's callbacks rather than fs.promises: node loads the promises API (and the nine internal
  // modules it requires: directories, watchers, readline) on first use, ~3 ms of every run's start.
  async function plain(): Promise<Source> {
    const fd = await new Promise<number>((resolve, reject) => fs.open(file, 'r', (e, fd) => (e ? reject(e) : resolve(fd))));
    return {
      read: (at, position) => new Promise((resolve, reject) => fs.read(fd, into, at, CHUNK, position, (e, n) => (e ? reject(e) : resolve(n)))),
      positional: true,
      close: () => new Promise((resolve, reject) => fs.close(fd, (e) => (e ? reject(e) : resolve()))),
    };
  }
  function gunzip(): Source {
    const raw = fs.createReadStream(file, { highWaterMark: CHUNK });
    const inflated = raw.pipe(zlib().createGunzip({ chunkSize: 1024 * 1024 }));
    raw.on('error', (e) => inflated.destroy(e));
    const it = (inflated as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
    let rest: Buffer = Buffer.alloc(0);
    let previous: Promise<unknown> = Promise.resolve();
    const next = async (at: number) => {
      if (rest.length === 0) {
        const r = await it.next();
        if (r.done) return 0;
        rest = r.value;
      }
      const part = rest.subarray(0, CHUNK);
      into.set(part, at);
      rest = rest.subarray(part.length);
      return part.length;
    };
    return {
      // One after the other, whatever the caller's read-ahead.
      read: (at) => {
        const done = previous.then(() => next(at));
        previous = done.catch(() => undefined);
        return done;
      },
      positional: false,
      close: async () => {
        raw.destroy();
        inflated.destroy();
      },
    };
  }

  async function* segments(): AsyncGenerator<ByteSegment> {
    let source: Source | null = null;
    const pending: { k: number; position: number; bytes: Promise<number> }[] = [];
    let carry = 0; // bytes of an unfinished line, copied just before the next chunk's data
    let skipping = false;
    let k = 0; // the chunk being worked on
    try {
      const src = compressed ? gunzip() : await plain();
      source = src;
      let issued = 0;
      let position = 0;
      const issue = () => {
        const bytes = src.read(dataAt(issued), position);
        bytes.catch(() => undefined); // awaited in its turn; not an unhandled rejection meanwhile
        pending.push({ k: issued, position, bytes });
        issued += 1;
        position += CHUNK;
      };
      for (let i = 0; i < READ_AHEAD; i++) issue();
      for (;; k += 1) {
        const chunk = pending.shift()!;
        const n = await chunk.bytes;
        if (n === 0) break;
        if (n < CHUNK && src.positional) {
          // A short read before the end (a file still being written): read on from where it stopped.
          await Promise.allSettled(pending.map((p) => p.bytes));
          pending.length = 0;
          issued = k + 1;
          position = chunk.position + n;
          for (let i = 1; i < READ_AHEAD; i++) issue();
        }
        issue(); // into the region of chunk k - 1, done with
        const dataStart = dataAt(k);
        const dataEnd = dataStart + n;
        if (k === 0 && compressed && looksBinary(into.subarray(dataStart, dataStart + Math.min(n, SNIFF)))) {
          throw new InputError(file, 'gzip holds a binary file (NUL bytes), not a text log');
        }
        let from = dataStart - carry;
        if (skipping) {
          const nl = into.subarray(0, dataEnd).indexOf(0x0a, dataStart);
          if (nl < 0) continue;
          from = nl + 1;
          skipping = false;
        }
        const lastNl = into.subarray(0, dataEnd).lastIndexOf(0x0a);
        let carryStart = from;
        if (lastNl >= from) {
          yield { start: from, end: lastNl + 1, cut: false };
          carryStart = lastNl + 1;
        }
        carry = dataEnd - carryStart;
        if (carry > MAX_LINE) {
          // Examine the head of an overlong line as a line of its own, then skip to its end.
          into[carryStart + MAX_LINE] = 0x0a;
          yield { start: carryStart, end: carryStart + MAX_LINE + 1, cut: true };
          carry = 0;
          skipping = true;
        }
        into.copyWithin(dataAt(k + 1) - carry, carryStart, carryStart + carry);
      }
    } catch (e) {
      if (e instanceof InputError) throw e;
      const code = (e as NodeJS.ErrnoException).code;
      throw new InputError(file, code?.startsWith('Z_') ? `corrupt gzip data (${(e as Error).message})` : (e as Error).message);
    } finally {
      await Promise.allSettled(pending.map((p) => p.bytes));
      await source?.close();
    }
    if (carry > 0) yield { start: dataAt(k) - carry, end: dataAt(k), cut: false };
  }
  return { segments: segments(), compressed };
}

/** The reading was cancelled by the caller (AbortSignal). */
export class Cancelled extends Error {
  constructor(readonly file: string) {
    super(`${file}: cancelled`);
  }
}

/**
 * Reads of documents (event lists, journal exports). Smaller than a log's CHUNK: their readers turn
 * every event into objects, and with 4 MiB reads the process of a 400,000-event list peaked at 304 MB,
 * with 256 KiB at 233 MB, in the same time (bench/events-path.ts under GNU time).
 */
const DOCUMENT_CHUNK = 256 * 1024;

/**
 * The bytes of a file (plain or gzip, decompressed) as they come, in chunks of up to DOCUMENT_CHUNK
 * bytes: for documents read by a parser of their own (event lists, journal exports), which must see
 * overlong lines whole. Same refusals and errors as `openLog`, except that `nulAllowed` formats (a
 * journal export's binary fields) may hold NUL bytes. `onBytes` is told the bytes read from the disk so far.
 * `from`: a plain file is read from that offset on (the rest of a split event list, eventSplit.ts).
 *
 * A chunk is the caller's only until it asks for the next one: a plain file is read into two buffers
 * in turn (the next read runs while the caller reads this chunk), and what a reader keeps of a chunk
 * it copies. A new buffer per read (a read stream's way) left the garbage collector a few hundred
 * 256 KiB buffers to find: a reader that makes little garbage of its own runs few collections, and
 * the dead buffers of a 400,000-event list reached 50 MB.
 */
export async function* openRaw(file: string, onBytes?: (read: number) => void, nulAllowed = false, from = 0): AsyncGenerator<Buffer> {
  const head = readHead(file);
  const compressed = isGzip(head);
  if (!compressed && !nulAllowed && looksBinary(head)) throw new InputError(file, 'binary file (NUL bytes), not a text log');
  if (!compressed) {
    yield* readPlain(file, onBytes, from);
    return;
  }
  if (from !== 0) throw new Error('openRaw: a gzip file is read from its start');
  const raw = fs.createReadStream(file, { highWaterMark: DOCUMENT_CHUNK });
  if (onBytes) raw.on('data', () => onBytes(raw.bytesRead));
  const source: Zlib.Gunzip = raw.pipe(zlib().createGunzip({ chunkSize: DOCUMENT_CHUNK }));
  raw.on('error', (e) => source.destroy(e));
  let first = true;
  try {
    for await (const buf of source as AsyncIterable<Buffer>) {
      if (first && !nulAllowed && looksBinary(buf.subarray(0, SNIFF))) throw new InputError(file, 'gzip holds a binary file (NUL bytes), not a text log');
      first = false;
      yield buf;
    }
  } catch (e) {
    if (e instanceof InputError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(file, code?.startsWith('Z_') ? `corrupt gzip data (${(e as Error).message})` : (e as Error).message);
  } finally {
    raw.destroy();
    source.destroy();
  }
}

/**
 * A plain file's bytes for `openRaw` from offset `from` on, read ahead into the buffer the caller is
 * not reading; `onBytes` is told the offset reached.
 */
async function* readPlain(file: string, onBytes?: (read: number) => void, from = 0): AsyncGenerator<Buffer> {
  let handle: fs.promises.FileHandle | null = null;
  const buffers = [Buffer.allocUnsafeSlow(DOCUMENT_CHUNK), Buffer.allocUnsafeSlow(DOCUMENT_CHUNK)];
  let pending: Promise<fs.promises.FileReadResult<Buffer>> | null = null;
  try {
    handle = await fs.promises.open(file, 'r');
    const h = handle;
    let total = from;
    let next = 0;
    // From the start, the file's own position: a pipe (/dev/stdin) has no other.
    const readInto = (buf: Buffer) => h.read(buf, 0, buf.length, from === 0 ? null : total);
    pending = readInto(buffers[next]!);
    for (;;) {
      const { bytesRead, buffer } = await pending;
      pending = null;
      if (bytesRead === 0) break;
      total += bytesRead;
      onBytes?.(total);
      next ^= 1;
      pending = readInto(buffers[next]!);
      yield bytesRead < buffer.length ? buffer.subarray(0, bytesRead) : buffer;
    }
  } catch (e) {
    throw new InputError(file, (e as Error).message);
  } finally {
    // A read still running when the caller stops (an error, a cancel) finishes before the file closes.
    if (pending) await pending.catch(() => undefined);
    await handle?.close();
  }
}

/** The first bytes of a file's content (decompressed when it is gzip), to tell what kind of input it is. */
export async function sniff(file: string): Promise<string> {
  const head = readHead(file);
  if (!isGzip(head)) return head.toString('utf8');
  for await (const buf of openRaw(file, undefined, true)) return buf.toString('utf8', 0, Math.min(buf.length, SNIFF));
  return '';
}
