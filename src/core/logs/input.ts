import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import { countNewlines } from './scan';

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
    const source: AsyncIterable<Buffer> = compressed ? raw.pipe(zlib.createGunzip({ chunkSize: 1024 * 1024 })) : raw;
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
          yield { text: whole, firstLine: line };
          line += countNewlines(whole, 0, whole.length);
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
