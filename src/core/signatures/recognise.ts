import * as path from 'node:path';
import { looksLikeEventDocument, parseEventDocument } from '../logs/events';
import { FACT_NEEDLES, FactReader, type NodeFact } from '../logs/facts';
import { componentFromName, parseLine } from '../logs/formats';
import { BYTE_BUFFER, MAX_LINE, decodeLine, openLog, openLogBytes } from '../logs/input';
import { ByteScanner, type LineVisitor, countNewlines, scanLines } from '../logs/scan';
import { type TimeHints, type TimeOptions, resolveTime } from '../logs/time';
import type { LogRecord } from '../logs/types';
import type { Matcher } from './matcher';
import type { Finding } from './types';

export interface RecogniseOptions extends TimeOptions {
  matcher: Matcher;
}

export interface Recognition {
  file: string;
  findings: Finding[];
  /** Lines in the input. */
  lines: number;
  /** Year and zone the file's own lines reveal (used for lines that lack them). */
  hints: TimeHints;
  /** Things the user should know about the input (cut lines, a document that failed to parse…). */
  warnings: string[];
  /** What the input states about the node: cpu-manager policy and period, runc/Docker versions. */
  facts: NodeFact[];
}

/** Lines parsed in full at the start of a file to learn its formats, year and zone. */
const SAMPLE_LINES = 200;
/** A finding keeps at most this much of its line's text. */
const MAX_TEXT = 4096;
/** Event documents are parsed whole; beyond this size they are scanned as plain text instead. */
const MAX_EVENT_DOCUMENT = 64 * 1024 * 1024;

function cut(line: string): string {
  return line.length <= MAX_TEXT ? line : `${line.slice(0, MAX_TEXT)}… [${line.length - MAX_TEXT} more characters]`;
}

/**
 * Accumulates findings over a file's chunks. Only lines holding a signature literal are parsed;
 * times are resolved at the end, when everything the file says about year and zone is known.
 */
class Recogniser {
  private readonly findings: Finding[] = [];
  private readonly factReader: FactReader;
  private readonly years = new Map<number, { n: number; line: number }>();
  private readonly offsets = new Map<number, { n: number; line: number }>();
  private readonly fileComponent: string | null;
  private needles: readonly string[];
  private describe: { pod: string | null; namespace: string | null } | null = null;
  private sampled = false;
  lines = 0;
  readonly warnings: string[] = [];

  constructor(
    readonly file: string,
    private readonly options: RecogniseOptions,
  ) {
    this.fileComponent = componentFromName(path.basename(file));
    this.factReader = new FactReader(file);
    // Fact lines (kubelet flags, versions) are found in the same pass as the signatures.
    this.needles = [...options.matcher.needles, ...FACT_NEEDLES];
  }

  private learn(record: LogRecord, line: number): void {
    const t = record.time;
    if (!t) return;
    if (t.year !== null) bump(this.years, t.year, line);
    if (t.offsetMinutes !== null) bump(this.offsets, t.offsetMinutes, line);
  }

  /** Parses the first lines in full: year/zone hints, and whether this is `kubectl describe` output. */
  private sample(text: string, firstLine: number, decode: (s: string) => string): void {
    this.sampled = true;
    let start = 0;
    for (let i = 0; i < SAMPLE_LINES && start < text.length; i++) {
      const end = text.indexOf('\n', start);
      const raw = text.slice(start, end < 0 ? text.length : end);
      const line = decode(raw.endsWith('\r') ? raw.slice(0, -1) : raw);
      if (/^Name:\s+\S/.test(line)) this.describe = { pod: null, namespace: null };
      if (line.length > 0 && line.length < MAX_LINE) this.learn(parseLine(line), firstLine + i);
      if (end < 0) break;
      start = end + 1;
    }
    // kubectl describe names the pod once, in its header: follow the header lines too.
    if (this.describe) this.needles = [...this.needles, 'Name:', 'Namespace:'];
  }

  feed(text: string, firstLine: number, decode: (s: string) => string): void {
    if (!this.sampled) this.sample(text, firstLine, decode);
    if (this.factReader.wantsChunks(text.length, () => text)) this.factReader.chunk(text, firstLine, decode);
    const newlines = scanLines(text, this.needles, firstLine, this.visitor(decode));
    this.lines = Math.max(this.lines, firstLine - 1 + newlines + (text.endsWith('\n') ? 0 : 1));
  }

  /**
   * `feed` for bytes [start, end) of a scanner's buffer (latin1, like a file chunk); returns its
   * newlines. Lines longer than MAX_LINE are examined up to MAX_LINE and passed to `onLongLine`.
   */
  feedBytes(scanner: ByteScanner, start: number, end: number, firstLine: number, onLongLine: (line: number) => void): number {
    const bytes = scanner.bytes;
    if (!this.sampled) {
      let sampleEnd = start;
      for (let i = 0; i < SAMPLE_LINES && sampleEnd < end; i++) {
        const nl = bytes.subarray(0, end).indexOf(0x0a, sampleEnd);
        sampleEnd = nl < 0 ? end : nl + 1;
      }
      this.sample(bytes.toString('latin1', start, sampleEnd), firstLine, decodeLine);
    }
    if (this.factReader.wantsChunks(end - start, () => bytes.toString('latin1', start, Math.min(end, start + 65536)))) this.factReader.chunk(bytes.toString('latin1', start, end), firstLine, decodeLine);
    let newlines: number;
    if (scanner.setNeedles(this.needles, () => bytes.subarray(start, end))) newlines = scanner.scan(start, end, firstLine, this.visitor(decodeLine), { maxLine: MAX_LINE, onLongLine });
    else {
      const text = bytes.toString('latin1', start, end);
      newlines = scanLines(text, this.needles, firstLine, this.visitor(decodeLine));
    }
    this.lines = Math.max(this.lines, firstLine - 1 + newlines + (end > start && bytes[end - 1] === 0x0a ? 0 : 1));
    return newlines;
  }

  private visitor(decode: (s: string) => string): LineVisitor {
    return (line, raw) => {
      const content = decode(raw);
      if (this.describe) {
        const header = /^(Name|Namespace):\s+(\S+)\s*$/.exec(content);
        if (header) {
          if (header[1] === 'Name') this.describe = { pod: header[2]!, namespace: null };
          else this.describe.namespace = header[2]!;
          return;
        }
      }
      // Parsed at most once, and only for lines that state a fact or match a signature.
      let parsed: LogRecord | undefined;
      const parse = () => (parsed ??= parseLine(content));
      if (FACT_NEEDLES.some((n) => content.includes(n))) this.factReader.line(content, line, parse);
      const m = this.options.matcher.match(content);
      if (!m) return;
      const record = parse();
      if (this.describe && record.format === 'kubectl-describe') {
        record.pod ??= this.describe.pod;
        record.namespace ??= this.describe.namespace;
      }
      this.add(line, content, record, m.signature.id, m.start, m.end);
    };
  }

  add(line: number, content: string, record: LogRecord, signature: string, start: number, end: number): void {
    if (record.component === 'unknown') record.component = this.fileComponent ?? 'unknown';
    this.learn(record, line);
    this.findings.push({ file: this.file, line, signature, match: { start, end }, record, wallTime: record.time, time: null, text: cut(content) });
  }

  finish(): Recognition {
    const hints: TimeHints = { year: null, offsetMinutes: null, line: null };
    const year = mostCommon(this.years);
    const offset = mostCommon(this.offsets);
    if (year) [hints.year, hints.line] = [year.key, year.line];
    if (offset) [hints.offsetMinutes, hints.line] = [offset.key, hints.line ?? offset.line];
    for (const f of this.findings) f.time = f.wallTime ? resolveTime(f.wallTime, this.options, hints) : null;
    return { file: this.file, findings: this.findings, lines: this.lines, hints, warnings: this.warnings, facts: this.factReader.finish() };
  }
}

function bump(map: Map<number, { n: number; line: number }>, key: number, line: number): void {
  const e = map.get(key);
  if (e) e.n += 1;
  else map.set(key, { n: 1, line });
}

function mostCommon(map: Map<number, { n: number; line: number }>): { key: number; line: number } | null {
  let best: { key: number; n: number; line: number } | null = null;
  for (const [key, v] of map) if (!best || v.n > best.n) best = { key, ...v };
  return best;
}

function recogniseEvents(r: Recogniser, matcher: Matcher, text: string, format: 'kubectl-events-json' | 'kubectl-events-yaml'): boolean {
  const entries = parseEventDocument(text, format);
  if (!entries) return false;
  const lines = text.split('\n');
  for (const e of entries) {
    const m = matcher.match(e.record.message);
    if (!m) continue;
    const content = (lines[e.line - 1] ?? e.record.message).replace(/\r$/, '');
    const at = content.indexOf(e.record.message.slice(m.start, m.end));
    const start = at >= 0 ? at : 0;
    r.add(e.line, content, e.record, m.signature.id, start, at >= 0 ? start + (m.end - m.start) : content.length);
  }
  r.lines = lines.length - (text.endsWith('\n') ? 1 : 0);
  return true;
}

/** A whole text: an event list (kubectl -o json|yaml) when it is one, else scanned line by line. */
function recogniseWhole(r: Recogniser, matcher: Matcher, text: string): void {
  const doc = looksLikeEventDocument(text.slice(0, 4096));
  if (doc && recogniseEvents(r, matcher, text, doc)) return;
  if (doc) r.warnings.push(`looks like kubectl ${doc.replace('kubectl-events-', '-o ')} output but does not parse as one; scanned as plain text`);
  r.feed(text, 1, (s) => s);
}

/** Recognises the signatures in an in-memory text (an editor document). */
export function recogniseText(file: string, text: string, options: RecogniseOptions): Recognition {
  const r = new Recogniser(file, options);
  // Beyond MAX_EVENT_DOCUMENT nothing is parsed whole, as for files.
  if (text.length <= MAX_EVENT_DOCUMENT) recogniseWhole(r, options.matcher, text);
  else r.feed(text, 1, (s) => s);
  return r.finish();
}

/** Scanners for files (each holds a read buffer), reused across calls; one per concurrent call. */
const idleScanners: ByteScanner[] = [];

/** Recognises the signatures in a file on disk, plain or gzip, streaming with bounded memory. */
export async function recogniseFile(file: string, options: RecogniseOptions): Promise<Recognition> {
  const scanner = idleScanners.pop() ?? ByteScanner.create(BYTE_BUFFER);
  if (!scanner) return recogniseFileText(file, options);
  try {
    return await recogniseFileBytes(file, options, scanner);
  } finally {
    idleScanners.push(scanner);
  }
}

/**
 * The file is read into the scanner's WebAssembly memory and searched there in one pass; only the
 * lines holding a needle ever become strings. Same results as `recogniseFileText`.
 */
async function recogniseFileBytes(file: string, options: RecogniseOptions, scanner: ByteScanner): Promise<Recognition> {
  const r = new Recogniser(file, options);
  const log = openLogBytes(file, scanner.bytes);
  const longLines: number[] = [];
  let line = 1;
  let first = true;
  let whole: { text: string; firstLine: number }[] | null = null;
  let size = 0;
  for await (const segment of log.segments) {
    const { start, end } = segment;
    if (segment.cut) longLines.push(line);
    if (first) {
      first = false;
      if (looksLikeEventDocument(decodeLine(scanner.bytes.toString('latin1', start, Math.min(end, start + 4096))))) whole = [];
    }
    if (whole) {
      const text = scanner.bytes.toString('latin1', start, end);
      size += text.length;
      if (size <= MAX_EVENT_DOCUMENT) {
        whole.push({ text, firstLine: line });
        line += countNewlines(text, 0, text.length);
        continue;
      }
      // Too big to parse as one document: fall back to scanning what was held back, then stream on.
      for (const held of whole) r.feed(held.text, held.firstLine, decodeLine);
      whole = null;
    }
    line += r.feedBytes(scanner, start, end, line, (l) => longLines.push(l));
  }
  if (whole) finishEventDocument(r, options, whole);
  for (const l of longLines.sort((x, y) => x - y)) r.warnings.push(longLineWarning(l));
  return r.finish();
}

/** The same with strings, chunk by chunk: where WebAssembly is unavailable. */
async function recogniseFileText(file: string, options: RecogniseOptions): Promise<Recognition> {
  const r = new Recogniser(file, options);
  const log = openLog(file);
  let first = true;
  let whole: { text: string; firstLine: number }[] | null = null;
  let size = 0;
  for await (const chunk of log.chunks) {
    if (first) {
      first = false;
      if (looksLikeEventDocument(decodeLine(chunk.text.slice(0, 4096)))) whole = [];
    }
    if (whole) {
      size += chunk.text.length;
      if (size <= MAX_EVENT_DOCUMENT) {
        whole.push(chunk);
        continue;
      }
      // Too big to parse as one document: fall back to scanning what was held back, then stream on.
      for (const held of whole) r.feed(held.text, held.firstLine, decodeLine);
      whole = null;
    }
    r.feed(chunk.text, chunk.firstLine, decodeLine);
  }
  if (whole) finishEventDocument(r, options, whole);
  for (const line of log.longLines) r.warnings.push(longLineWarning(line));
  return r.finish();
}

function finishEventDocument(r: Recogniser, options: RecogniseOptions, whole: { text: string; firstLine: number }[]): void {
  recogniseWhole(r, options.matcher, decodeLine(whole.map((c) => c.text).join('')));
}

const longLineWarning = (line: number) => `line ${line} is longer than ${MAX_LINE / 1024 / 1024} MB: only its first ${MAX_LINE / 1024 / 1024} MB was examined`;
