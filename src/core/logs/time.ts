import type { LogTime } from './types';

/** A zone given by the user: a fixed offset or an IANA name whose offset depends on the date. */
export type Zone = { kind: 'fixed'; offsetMinutes: number; name: string } | { kind: 'iana'; name: string };

/** Parses `UTC`, `Z`, `+08:00`, `+0800`, `-05` or an IANA name such as `Asia/Shanghai`; null if invalid. */
export function parseZone(text: string): Zone | null {
  const s = text.trim();
  if (/^(utc|z|gmt)$/i.test(s)) return { kind: 'fixed', offsetMinutes: 0, name: 'UTC' };
  const m = /^(?:utc|gmt)?([+-])(\d{1,2})(?::?(\d{2}))?$/i.exec(s);
  if (m) {
    const hours = Number(m[2]);
    const minutes = Number(m[3] ?? '0');
    if (hours > 14 || minutes > 59) return null;
    const offset = (m[1] === '-' ? -1 : 1) * (hours * 60 + minutes);
    return { kind: 'fixed', offsetMinutes: offset, name: formatOffset(offset) };
  }
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: s });
    return { kind: 'iana', name: s };
  } catch {
    return null;
  }
}

export function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const a = Math.abs(minutes);
  return `${sign}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}

const ianaFormatters = new Map<string, Intl.DateTimeFormat>();

/** Offset in minutes of an IANA zone at a UTC instant (ms). */
function ianaOffsetAt(name: string, utcMs: number): number {
  let f = ianaFormatters.get(name);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: name,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    ianaFormatters.set(name, f);
  }
  const parts: Record<string, number> = {};
  for (const p of f.formatToParts(new Date(utcMs))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const asUtc = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  return Math.round((asUtc - Math.floor(utcMs / 1000) * 1000) / 60000);
}

/** Offset of `zone` for a wall-clock reading (ms, as if UTC); resolves DST by re-checking once. */
export function zoneOffsetForWall(zone: Zone, wallMs: number): number {
  if (zone.kind === 'fixed') return zone.offsetMinutes;
  const first = ianaOffsetAt(zone.name, wallMs);
  return ianaOffsetAt(zone.name, wallMs - first * 60000);
}

/**
 * The wall-clock reading in ms as if it were UTC, with a stand-in year when the line has none. A time
 * whose fields are in their ranges (every time a log writes) is worked out by arithmetic: a Date made
 * and set per occurrence was 2% of the CLI on a 400,000-item list. Anything else (a 60th second, a 31st
 * of April, a year outside 0-9999) goes through Date, whose normalisation is the rule.
 */
export function wallMs(t: LogTime, year = t.year ?? 2000): number {
  const { month, day, hour, minute, second } = t;
  if (inRange(year, month, day, hour, minute, second)) {
    return daysFromCivil(year, month, day) * 86_400_000 + hour * 3_600_000 + minute * 60_000 + second * 1000 + Math.floor(t.micros / 1000);
  }
  const d = new Date(Date.UTC(2000, 0, 1, hour, minute, second));
  // Date.UTC maps years 0-99 to 1900-1999 (`--year 0099` would become 1999); setUTCFullYear does not.
  d.setUTCFullYear(year, month - 1, day);
  return d.getTime() + Math.floor(t.micros / 1000);
}

/** Whole fields, each in its range (the date one of the calendar): what `wallMs` works out by arithmetic. */
function inRange(year: number, month: number, day: number, hour: number, minute: number, second: number): boolean {
  const whole = Number.isInteger(year) && Number.isInteger(month) && Number.isInteger(day) && Number.isInteger(hour) && Number.isInteger(minute) && Number.isInteger(second);
  return whole && year >= 0 && year <= 9999 && month >= 1 && month <= 12 && day >= 1 && (day <= 28 || day <= daysInMonth(year, month)) && hour >= 0 && hour < 24 && minute >= 0 && minute < 60 && second >= 0 && second < 60;
}

/** Days from 1970-01-01 to a date of the proleptic Gregorian calendar (H. Hinnant's days_from_civil; `civilOfDays` is its inverse). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** `validTime`'s table of month lengths and its leap-year rule. */
function daysInMonth(year: number, month: number): number {
  return month === 2 && !isLeapYear(year) ? 28 : DAYS_IN_MONTH[month - 1]!;
}

/** What the file itself says about year and zone, learnt from its lines that carry them. */
export interface TimeHints {
  year: number | null;
  offsetMinutes: number | null;
  /** The 1-based line the hint came from, so a person can check it. */
  line: number | null;
}

export interface TimeOptions {
  /** Year for lines without one (klog, journald). */
  year?: number;
  /** Zone for lines without one. */
  zone?: Zone;
}

export type TimeSource = 'line' | 'option' | 'file';

/** An instant and where its year and zone came from. */
export interface ResolvedInstant {
  /** Microseconds since the Unix epoch. */
  epochMicros: number;
  yearFrom: TimeSource;
  zoneFrom: TimeSource;
}

export interface ResolvedTime extends ResolvedInstant {
  /** RFC 3339 in UTC with microseconds, e.g. 2021-05-07T03:43:28.310630Z. */
  iso: string;
}

/**
 * A real instant when year and zone are known from the line, the options or the file's other lines
 * (in that order); null otherwise — a wrong time would mislead the timeline and the alignment test.
 */
export function resolveTime(t: LogTime, options: TimeOptions, hints?: TimeHints): ResolvedTime | null {
  const instant = resolveInstant(t, options, hints);
  return instant && { ...instant, iso: isoMicros(instant.epochMicros) };
}

/**
 * `resolveTime` without its text: what the store keeps of each occurrence. A list whose events are of
 * different seconds resolves every one (a recorder's list holds one item per pod and message, its
 * times spread over the hour), and the ISO text made for each was most of the reading's garbage there.
 */
export function resolveInstant(t: LogTime, options: TimeOptions, hints?: TimeHints): ResolvedInstant | null {
  let year: number;
  let yearFrom: TimeSource;
  if (t.year !== null) [year, yearFrom] = [t.year, 'line'];
  else if (options.year !== undefined) [year, yearFrom] = [options.year, 'option'];
  else if (hints?.year != null) [year, yearFrom] = [hints.year, 'file'];
  else return null;
  // The year must fit the line: a yearless "0229" exists only in leap years (Date would silently make
  // it March 1st), and years outside 1970-9999 are refused like on the lines themselves.
  if (!validTime(t, year)) return null;
  const wall = wallMs(t, year);
  let offset: number;
  let zoneFrom: TimeSource;
  if (t.offsetMinutes !== null) [offset, zoneFrom] = [t.offsetMinutes, 'line'];
  else if (options.zone) [offset, zoneFrom] = [zoneOffsetForWall(options.zone, wall), 'option'];
  else if (hints?.offsetMinutes != null) [offset, zoneFrom] = [hints.offsetMinutes, 'file'];
  else return null;
  const epochMs = wall - (wall % 1000) - offset * 60000;
  return { epochMicros: epochMs * 1000 + t.micros, yearFrom, zoneFrom };
}

export function isoMicros(epochMicros: number): string {
  // Split into whole seconds and a non-negative fraction: `ms % 1000` is negative before 1970
  // (a 1970-01-01 line in a zone east of UTC), which printed "23:59:59.0000-1Z".
  const seconds = Math.floor(epochMicros / 1_000_000);
  const frac = epochMicros - seconds * 1_000_000;
  const base = new Date(seconds * 1000).toISOString().slice(0, 19);
  return `${base}.${String(frac).padStart(6, '0')}Z`;
}

/**
 * Day `days` since 1970-01-01 as a civil date, by H. Hinnant's chrono algorithms (civil_from_days), as one
 * number: year * 10000 + month * 100 + day (no object made: the writers of `--json` call it per day met).
 * For the years 0-9999.
 */
export function civilOfDays(days: number): number {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return year * 10_000 + month * 100 + day;
}

/** The time as written, for display when it cannot be resolved: "05-07 03:43:28.310630". */
export function formatWall(t: LogTime): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const date = t.year !== null ? `${t.year}-${p(t.month)}-${p(t.day)}` : `${p(t.month)}-${p(t.day)}`;
  const zone = t.offsetMinutes !== null ? formatOffset(t.offsetMinutes) : '';
  return `${date} ${p(t.hour)}:${p(t.minute)}:${p(t.second)}.${p(t.micros, 6)}${zone}`;
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** Checks a parsed date's fields; malformed timestamps must not become Invalid Date or NaN downstream. */
export function validTime(t: LogTime, year = t.year): boolean {
  return (
    t.month >= 1 && t.month <= 12 && t.day >= 1 && t.day <= 31 && t.hour <= 23 && t.minute <= 59 && t.second <= 60 &&
    t.micros >= 0 && t.micros < 1_000_000 && (year === null || (year >= 1970 && year <= 9999)) &&
    (t.offsetMinutes === null || Math.abs(t.offsetMinutes) <= 18 * 60) &&
    // "04-31" or "2021-02-29" would otherwise roll over into the next month without a word.
    t.day <= DAYS_IN_MONTH[t.month - 1]! && !(t.month === 2 && t.day === 29 && year !== null && !isLeapYear(year))
  );
}
