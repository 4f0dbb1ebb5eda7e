import { journalRecord } from './journald';
import { validTime } from './time';
import type { LogFormat, LogRecord, LogTime, Severity } from './types';

// Every pattern here is anchored and built from disjoint pieces (no nested quantifiers), so a line
// costs time linear in its length whatever it holds; lines of megabytes are cut before parsing.
const MAX_PARSE = 64 * 1024;

const KLOG = /^([IWEF])(\d\d)(\d\d) (\d\d):(\d\d):(\d\d)\.(\d{6})\s+(\d+) ([^\s\]]+)\] ?/;
// logrus quotes a value only when it needs to: `msg=starting` is as valid as `msg="an error"`.
const LOGRUS = /^time="([^"]*)" level=([a-z]+) msg=(?:"((?:[^"\\]|\\.)*)"|([^\s"]+)(?=\s|$))/;
const RFC3339 = /^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:[.,](\d{1,9}))?(Z|[+-]\d\d:?\d\d)?$/;
const JOURNAL_SHORT = /^([A-Z][a-z]{2}) ([ \d]\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))? (\S+) ([^\s[:]+)(?:\[(\d+)\])?: /;
const JOURNAL_ISO = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:?\d\d) (\S+) ([^\s[:]+)(?:\[(\d+)\])?: /;
const DESCRIBE_ROW = /^\s+(Normal|Warning)\s{2,}(\S+)\s{2,}(\S+(?: \(x(\d+) over [^)\s]+\))?)\s{2,}(\S(?:\S| (?! ))*)\s{2,}(\S.*)$/;
const EVENTS_ROW = /^(?:([a-z0-9][a-z0-9-]*)\s+)?(\S+(?: \(x(\d+) over [^)\s]+\))?)\s+(Normal|Warning)\s+(\S+)\s+([a-z][a-zA-Z.]*)\/(\S+)\s+(\S.*)$/;
const PROBE_POD = /probe for "([a-z0-9][a-z0-9.-]*)(?:_([a-z0-9][a-z0-9-]*))?\(([0-9a-f-]{36})\):([^"]+)"/;
const KV_POD = /\bpod="([a-z0-9][a-z0-9-]*)\/([a-z0-9][a-z0-9.-]*)"/;
const KV_CONTAINER = /\bcontainerName="([^"]+)"/;

const MONTHS: Record<string, number> = { Jan: 1, Feb: 2, Mar: 3, Apr: 4, May: 5, Jun: 6, Jul: 7, Aug: 8, Sep: 9, Oct: 10, Nov: 11, Dec: 12 };

const KLOG_SEVERITY: Record<string, Severity> = { I: 'info', W: 'warning', E: 'error', F: 'fatal' };

export function severityFromLevel(level: string): Severity {
  switch (level.toLowerCase()) {
    case 'trace':
    case 'debug':
      return 'debug';
    case 'info':
    case 'normal':
      return 'info';
    case 'warn':
    case 'warning':
      return 'warning';
    case 'error':
    case 'err':
      return 'error';
    case 'fatal':
    case 'panic':
    case 'crit':
      return 'fatal';
    default:
      return 'unknown';
  }
}

/** Journald identifiers and file names → component. */
export function componentFromName(name: string): string | null {
  const n = name.toLowerCase();
  if (n.includes('kubelet')) return 'kubelet';
  if (n.includes('containerd-shim')) return 'containerd-shim';
  if (n.includes('containerd')) return 'containerd';
  if (n.includes('dockerd') || /(^|[^a-z])docker([^a-z]|$)/.test(n)) return 'dockerd';
  if (n.includes('kube-proxy')) return 'kube-proxy';
  if (/(^|[^a-z])runc([^a-z]|$)/.test(n)) return 'runc';
  return null;
}

function fraction(digits: string | undefined): number {
  if (!digits) return 0;
  return Number(digits.slice(0, 6).padEnd(6, '0'));
}

function offsetFrom(zone: string | undefined): number | null {
  if (!zone) return null;
  if (zone === 'Z') return 0;
  const sign = zone[0] === '-' ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const minutes = Number(digits.slice(2, 4));
  // "+01:99" is no zone; NaN makes validTime reject the whole timestamp.
  return minutes > 59 ? NaN : sign * (Number(digits.slice(0, 2)) * 60 + minutes);
}

/** Month, day, hour, minute and second from five consecutive capture groups starting at `i`. */
function dateTime(m: RegExpExecArray, i: number): Pick<LogTime, 'month' | 'day' | 'hour' | 'minute' | 'second'> {
  return { month: Number(m[i]), day: Number(m[i + 1]), hour: Number(m[i + 2]), minute: Number(m[i + 3]), second: Number(m[i + 4]) };
}

/** Parses an RFC 3339 / ISO 8601 timestamp as logrus, containerd and Kubernetes write them. */
export function parseRfc3339(text: string): LogTime | null {
  const m = RFC3339.exec(text);
  if (!m) return null;
  return checked({ year: Number(m[1]), ...dateTime(m, 2), micros: fraction(m[7]), offsetMinutes: offsetFrom(m[8]) });
}

function checked(t: LogTime): LogTime | null {
  return validTime(t) ? t : null;
}

function unescapeLogrus(s: string): string {
  return s.indexOf('\\') < 0 ? s : s.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : c));
}

function blank(format: LogFormat, message: string): LogRecord {
  return {
    format,
    payloadFormat: format,
    time: null,
    severity: 'unknown',
    component: 'unknown',
    pod: null,
    namespace: null,
    container: null,
    count: 1,
    message,
  };
}

/** Pod, namespace and container as kubelet messages name them (prober lines, structured klog). */
function podFromMessage(r: LogRecord): void {
  const probe = PROBE_POD.exec(r.message);
  if (probe) {
    r.pod = probe[1]!;
    r.namespace = probe[2] ?? null;
    r.container = probe[4]!;
    return;
  }
  const kv = KV_POD.exec(r.message);
  if (kv) {
    r.namespace = kv[1]!;
    r.pod = kv[2]!;
    const c = KV_CONTAINER.exec(r.message);
    r.container = c ? c[1]! : null;
  }
}

function parseKlog(line: string): LogRecord | null {
  const m = KLOG.exec(line);
  if (!m) return null;
  const r = blank('klog', line.slice(m[0].length));
  r.time = checked({ year: null, ...dateTime(m, 2), micros: Number(m[7]), offsetMinutes: null });
  r.severity = KLOG_SEVERITY[m[1]!]!;
  podFromMessage(r);
  return r;
}

function parseLogrus(line: string): LogRecord | null {
  const m = LOGRUS.exec(line);
  if (!m) return null;
  let message = m[3] !== undefined ? unescapeLogrus(m[3]) : m[4]!;
  // containerd puts the cause in a separate error="…" field; without it "ExecSync … failed" says nothing.
  const rest = line.slice(m[0].length);
  const err = / error="((?:[^"\\]|\\.)*)"/.exec(rest);
  if (err) message += `: ${unescapeLogrus(err[1]!)}`;
  const r = blank('logrus', message);
  r.time = parseRfc3339(m[1]!);
  r.severity = severityFromLevel(m[2]!);
  if (/\bmodule=libcontainerd\b/.test(rest)) r.component = 'dockerd';
  else if (/ExecSync for|\bmodule=|io\.containerd/.test(line)) r.component = 'containerd';
  podFromMessage(r);
  return r;
}

function parseJson(line: string): LogRecord | null {
  if (line.length > MAX_PARSE || line[line.length - 1] !== '}') return null;
  let o: unknown;
  try {
    o = JSON.parse(line);
  } catch {
    return null;
  }
  if (!o || typeof o !== 'object' || Array.isArray(o)) return null;
  const rec = o as Record<string, unknown>;
  // journalctl -o json: the service's line is in MESSAGE, the journal's own fields around it.
  if ('MESSAGE' in rec || '__REALTIME_TIMESTAMP' in rec) return journalRecord((k) => rec[k], 'journald-json');
  const str = (k: string) => (typeof rec[k] === 'string' ? (rec[k] as string) : undefined);
  const msg = str('msg') ?? str('message') ?? str('log');
  if (msg === undefined) return null;
  const err = str('error');
  const r = blank('json', err ? `${msg}: ${err}` : msg);
  const time = str('time') ?? str('ts') ?? str('timestamp');
  r.time = time ? parseRfc3339(time) : null;
  r.severity = severityFromLevel(str('level') ?? str('severity') ?? '');
  const module = str('module');
  if (module?.includes('libcontainerd')) r.component = 'dockerd';
  else if (module || msg.includes('ExecSync for')) r.component = 'containerd';
  podFromMessage(r);
  return r;
}

/**
 * The journal prefix and the payload both carry a time; keep the one that says more. The prefix is the
 * reliable reading in general, but a `short` prefix has neither year nor zone, so a logrus payload's
 * full RFC 3339 time must win over it (else a `journalctl -u docker` export would lose every time), and
 * it has whole seconds only, so a klog payload reading the same second refines it with microseconds
 * (the reconcile-alignment test needs sub-second times).
 */
function journalTime(prefix: LogTime | null, prefixHasFraction: boolean, payload: LogTime | null): LogTime | null {
  if (!prefix) return payload;
  if (!payload) return prefix;
  const known = (t: LogTime) => (t.year !== null ? 1 : 0) + (t.offsetMinutes !== null ? 1 : 0);
  if (known(payload) > known(prefix)) return payload;
  const agree = (a: number | null, b: number | null) => a === null || b === null || a === b;
  const sameSecond =
    agree(payload.year, prefix.year) && agree(payload.offsetMinutes, prefix.offsetMinutes) &&
    payload.month === prefix.month && payload.day === prefix.day && payload.hour === prefix.hour && payload.minute === prefix.minute && payload.second === prefix.second;
  if (!prefixHasFraction && sameSecond) return { ...prefix, micros: payload.micros };
  return prefix;
}

/** A journald line: the prefix gives time, host and identifier; the payload is parsed in its own right. */
function parseJournald(line: string): LogRecord | null {
  let time: LogTime | null;
  let fractionWritten: boolean;
  let ident: string;
  let rest: string;
  const short = JOURNAL_SHORT.exec(line);
  if (short) {
    const month = MONTHS[short[1]!];
    if (!month) return null;
    time = checked({
      year: null,
      month,
      day: Number(short[2]!.trim()),
      hour: Number(short[3]),
      minute: Number(short[4]),
      second: Number(short[5]),
      micros: fraction(short[6]),
      offsetMinutes: null,
    });
    fractionWritten = short[6] !== undefined;
    ident = short[8]!;
    rest = line.slice(short[0].length);
  } else {
    const iso = JOURNAL_ISO.exec(line);
    if (!iso) return null;
    time = checked({ year: Number(iso[1]), ...dateTime(iso, 2), micros: fraction(iso[7]), offsetMinutes: offsetFrom(iso[8]) });
    fractionWritten = iso[7] !== undefined;
    ident = iso[10]!;
    rest = line.slice(iso[0].length);
  }
  const payload = parsePayload(rest);
  const r: LogRecord = payload ?? blank('plain', rest);
  r.payloadFormat = payload ? payload.format : 'plain';
  r.format = 'journald';
  r.time = journalTime(time, fractionWritten, payload?.time ?? null);
  const fromIdent = componentFromName(ident);
  if (fromIdent) r.component = fromIdent;
  return r;
}

function parseDescribeRow(line: string): LogRecord | null {
  const m = DESCRIBE_ROW.exec(line);
  if (!m) return null;
  const r = blank('kubectl-describe', m[6]!);
  r.severity = m[1] === 'Warning' ? 'warning' : 'info';
  r.count = m[4] ? Number(m[4]) : 1;
  r.component = componentFromName(m[5]!) ?? 'unknown';
  return r;
}

function parseEventsRow(line: string): LogRecord | null {
  const m = EVENTS_ROW.exec(line);
  if (!m) return null;
  const r = blank('kubectl-events', m[8]!);
  r.namespace = m[1] ?? null;
  r.count = m[3] ? Number(m[3]) : 1;
  r.severity = m[4] === 'Warning' ? 'warning' : 'info';
  if (m[6] === 'pod') r.pod = m[7]!;
  if (/^(Readiness|Liveness|Startup) probe/.test(r.message)) r.component = 'kubelet';
  return r;
}

function parsePayload(line: string): LogRecord | null {
  switch (line[0]) {
    case 'I':
    case 'W':
    case 'E':
    case 'F':
      return parseKlog(line);
    case 't':
      return parseLogrus(line);
    case '{':
      return parseJson(line);
    default:
      return null;
  }
}

/**
 * Recognises one line in any of the supported formats; files mix them (a journal export holds klog
 * and logrus payloads), so detection is per line. Unknown lines come back as 'plain'.
 */
export function parseLine(input: string): LogRecord {
  const line = input.length > MAX_PARSE ? input.slice(0, MAX_PARSE) : input;
  const direct = parsePayload(line);
  if (direct) return direct;
  const c = line.charCodeAt(0);
  if (c >= 65 && c <= 90) {
    const j = parseJournald(line);
    if (j) return j;
  } else if (c >= 48 && c <= 57) {
    const j = parseJournald(line) ?? parseEventsRow(line);
    if (j) return j;
  } else if (c === 32 || c === 9) {
    const d = parseDescribeRow(line);
    if (d) return d;
  }
  return parseEventsRow(line) ?? blank('plain', line);
}
