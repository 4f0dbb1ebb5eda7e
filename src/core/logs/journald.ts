import { componentFromName, parseLine } from './formats';
import type { LogRecord, LogTime, Severity } from './types';
import { wallMs } from './time';

/**
 * journald's own exports: `journalctl -o json` (one object a line) and `journalctl -o export`
 * (KEY=VALUE lines, entries separated by a blank line, binary fields length-prefixed). Each entry's
 * MESSAGE is the line the service wrote (klog, logrus…) and is parsed as such; the entry adds what the
 * line lacks: the exact time (`__REALTIME_TIMESTAMP`, µs since the epoch, UTC), the node
 * (`_HOSTNAME`) and the component (`SYSLOG_IDENTIFIER`, `_SYSTEMD_UNIT`).
 */

export type JournalFormat = 'journald-json' | 'journald-export';

/** A field's value, however the export wrote it: text, or bytes (non-UTF-8 or binary values). */
export type FieldValue = string | Uint8Array | null;

/** `journalctl -o export` output starts with an entry's address fields. */
export function looksLikeJournalExport(head: string): boolean {
  return /^(__CURSOR|__REALTIME_TIMESTAMP|__MONOTONIC_TIMESTAMP|__SEQNUM)=/.test(head);
}

// syslog priorities, as PRIORITY holds them.
const PRIORITY: Severity[] = ['fatal', 'fatal', 'fatal', 'error', 'warning', 'info', 'info', 'debug'];

function fieldText(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  // -o json writes a non-UTF-8 value as an array of its bytes.
  if (Array.isArray(v) && v.every((b) => typeof b === 'number')) return Buffer.from(v as number[]).toString('utf8');
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.length).toString('utf8');
  return null;
}

/** `__REALTIME_TIMESTAMP` as a UTC time. */
export function realtime(us: string | null): LogTime | null {
  if (!us || !/^\d{1,17}$/.test(us)) return null;
  const micros = Number(us);
  const d = new Date(Math.floor(micros / 1000));
  if (Number.isNaN(d.getTime()) || d.getUTCFullYear() < 1970 || d.getUTCFullYear() > 9999) return null;
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    micros: micros % 1_000_000,
    offsetMinutes: 0,
  };
}

/**
 * An entry as a record. `field` gives a field's value by name (text or bytes). The MESSAGE is parsed
 * as the line it wraps; null without one.
 */
export function journalRecord(field: (key: string) => unknown, format: JournalFormat): LogRecord | null {
  const message = fieldText(field('MESSAGE'));
  if (message === null) return null;
  const r = parseLine(message);
  r.payloadFormat = r.format;
  r.format = format;
  const exact = realtime(fieldText(field('__REALTIME_TIMESTAMP')));
  if (exact) {
    r.localTime = r.time;
    r.time = exact;
  }
  const host = fieldText(field('_HOSTNAME'));
  if (host) r.node = host;
  for (const key of ['SYSLOG_IDENTIFIER', '_SYSTEMD_UNIT', '_COMM']) {
    const name = fieldText(field(key));
    const component = name ? componentFromName(name) : null;
    if (component) {
      r.component = component;
      break;
    }
  }
  if (r.severity === 'unknown') {
    const p = Number(fieldText(field('PRIORITY')));
    if (Number.isInteger(p) && p >= 0 && p <= 7) r.severity = PRIORITY[p]!;
  }
  return r;
}

/**
 * The node's zone, from an entry whose wrapped line carries a zoneless local time (klog) beside the
 * journal's exact UTC time: their difference, to the quarter hour (a line is written within
 * milliseconds of its journal entry). Null when the record has no such pair or the difference is no zone.
 */
export function nodeOffsetMinutes(record: LogRecord): number | null {
  const local = record.localTime;
  const exact = record.time;
  if (!local || !exact || local.offsetMinutes !== null || exact.offsetMinutes === null || exact.year === null) return null;
  const utc = wallMs(exact) - exact.offsetMinutes * 60000;
  let best: number | null = null;
  // klog has no year: the local reading may fall in the year before or after (New Year's Eve).
  for (const year of [exact.year - 1, exact.year, exact.year + 1]) {
    const diff = wallMs(local, year) - utc;
    if (best === null || Math.abs(diff) < Math.abs(best)) best = diff;
  }
  const minutes = Math.round(best! / 60000 / 15) * 15;
  // The quarter hour must account for the difference to within a minute, or the two times disagree.
  if (Math.abs(best! - minutes * 60000) > 60000 || Math.abs(minutes) > 14 * 60) return null;
  return minutes;
}

export interface JournalEntry {
  /** 1-based line of the MESSAGE field. */
  line: number;
  record: LogRecord;
  /** The MESSAGE field's line (`MESSAGE=…`, the text of a binary one) — a finding's text. */
  text: string;
  /** Where the message starts in `text`. */
  messageAt: number;
}

/** A binary field larger than this is skipped (a note says so): one field may not hold the memory hostage. */
export const MAX_FIELD_BYTES = 16 * 1024 * 1024;
/** The fields a record is built from; the others (cursor, boot id…) are not kept. */
const WANTED = new Set(['MESSAGE', '__REALTIME_TIMESTAMP', '_HOSTNAME', 'SYSLOG_IDENTIFIER', '_SYSTEMD_UNIT', '_COMM', 'PRIORITY']);

/**
 * Reads `journalctl -o export` pushed in chunks of bytes. Text fields are `KEY=VALUE\n`; a binary
 * field (a value with newlines or non-UTF-8 bytes) is `KEY\n`, its length as 64-bit little-endian,
 * the bytes, `\n`. The length is trusted only as far as the bytes go: a field cut short by the end of
 * the input, or longer than MAX_FIELD_BYTES, gets a note, never a crash or an unbounded buffer.
 */
export class JournalExportReader {
  private carry: Buffer = Buffer.alloc(0);
  private fields = new Map<string, FieldValue>();
  private messageLine = 0;
  private messageText = '';
  private messageAt = 0;
  /** Bytes of an oversized binary field still to skip. */
  private skip = 0;
  private skipLine = 0;
  line = 1;

  constructor(private readonly sink: { entry(e: JournalEntry): void; note(line: number | null, note: string): void }) {}

  push(chunk: Buffer): void {
    let buf = this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk;
    if (this.skip > 0) {
      const n = Math.min(this.skip, buf.length);
      this.countLines(buf, 0, n);
      this.skip -= n;
      buf = buf.subarray(n);
      if (this.skip > 0) {
        this.carry = Buffer.alloc(0);
        return;
      }
    }
    let pos = 0;
    for (;;) {
      const nl = buf.indexOf(0x0a, pos);
      if (nl < 0) break;
      if (nl === pos) {
        this.finishEntry();
        this.line += 1;
        pos = nl + 1;
        continue;
      }
      const eq = buf.indexOf(0x3d, pos);
      if (eq >= 0 && eq < nl) {
        const key = buf.toString('latin1', pos, eq);
        if (WANTED.has(key)) {
          const value = buf.toString('utf8', eq + 1, nl);
          this.fields.set(key, value);
          if (key === 'MESSAGE') this.setMessage(`MESSAGE=${value}`, 8);
        }
        this.line += 1;
        pos = nl + 1;
        continue;
      }
      // A binary field: KEY, newline, 8-byte length, data, newline.
      if (buf.length < nl + 9) break;
      const size = buf.readBigUInt64LE(nl + 1);
      const key = buf.toString('latin1', pos, nl);
      if (size > BigInt(MAX_FIELD_BYTES)) {
        this.sink.note(this.line, `binary field ${key} of ${size} bytes at line ${this.line} is larger than ${MAX_FIELD_BYTES / 1024 / 1024} MB: skipped`);
        this.skipLine = this.line;
        this.countLines(buf, pos, nl + 9);
        this.skip = Number(size) + 1;
        const n = Math.min(this.skip, buf.length - (nl + 9));
        this.countLines(buf, nl + 9, nl + 9 + n);
        this.skip -= n;
        pos = nl + 9 + n;
        if (this.skip > 0) {
          this.carry = Buffer.alloc(0);
          return;
        }
        continue;
      }
      const end = nl + 9 + Number(size);
      if (buf.length < end + 1) break;
      const fieldLine = this.line;
      if (WANTED.has(key)) {
        const data = Buffer.from(buf.subarray(nl + 9, end));
        this.fields.set(key, data);
        if (key === 'MESSAGE') {
          const text = data.toString('utf8');
          this.setMessage(text.replace(/\r?\n[\s\S]*$/, ''), 0);
          this.messageLine = fieldLine;
        }
      }
      this.countLines(buf, pos, end + 1);
      pos = end + 1;
    }
    this.carry = Buffer.from(buf.subarray(pos));
    if (this.carry.length > MAX_FIELD_BYTES + 64) {
      this.sink.note(this.line, `line ${this.line} is longer than ${MAX_FIELD_BYTES / 1024 / 1024} MB: skipped`);
      this.carry = Buffer.alloc(0);
    }
  }

  private setMessage(text: string, at: number): void {
    this.messageLine = this.line;
    this.messageText = text;
    this.messageAt = at;
  }

  private countLines(buf: Buffer, from: number, to: number): void {
    for (let at = buf.indexOf(0x0a, from); at >= 0 && at < to; at = buf.indexOf(0x0a, at + 1)) this.line += 1;
  }

  private finishEntry(): void {
    if (this.fields.size === 0 && this.messageLine === 0) return;
    const fields = this.fields;
    const record = journalRecord((k) => fields.get(k) ?? null, 'journald-export');
    if (record) this.sink.entry({ line: this.messageLine, record, text: this.messageText, messageAt: this.messageAt });
    this.fields = new Map();
    this.messageLine = 0;
  }

  end(): void {
    if (this.skip > 0) this.sink.note(this.skipLine, `the input ends inside a binary field that began at line ${this.skipLine}`);
    else if (this.carry.length > 0) {
      // The last field without its newline, or a binary field cut short.
      const rest = this.carry;
      const eq = rest.indexOf(0x3d);
      const nl = rest.indexOf(0x0a);
      if (eq >= 0 && nl < 0) this.push(Buffer.from('\n'));
      else this.sink.note(this.line, `the input ends inside a binary field at line ${this.line} (its length says more bytes follow): that field was not read`);
      this.carry = Buffer.alloc(0);
    }
    this.finishEntry();
  }
}
