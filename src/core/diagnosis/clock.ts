import { type Zone, formatOffset, wallMs, zoneOffsetForWall } from '../logs/time';
import type { LogTime } from '../logs/types';
import { ENGLISH, type Say } from '../l10n';
import type { Finding } from '../signatures/types';
import { hasWithin } from './stats';

/**
 * Puts every finding on one clock. Zoned lines (logrus, ISO journald, events) are real instants;
 * klog and short journald times are node-local without year or zone. Their zone comes from, in
 * order: the user (--tz / setting / the panel), or inference — the whole or half-hour offset at
 * which the node-local EOFs coincide with the zoned runtime errors (dockerd logs the same failed
 * exec a moment before the kubelet). Without either, they stay node-local: fine for the phase test
 * (a zone shifts times by whole minutes, not within the 10 s period), not for cross-file matching.
 */
export interface Clock {
  /** Offset in minutes applied to zoneless times, or null when unknown. */
  offsetMinutes: number | null;
  /** Year used for times without one, or null when no line anywhere has a year. */
  year: number | null;
  /** How the clock was set, in words, for the panel and the report. */
  description: string;
}

export interface PlacedFinding {
  finding: Finding;
  /** Wall-clock ms (as if UTC) of the line as written, with the assumed year. */
  wall: number | null;
  /** Epoch ms when the instant is known (the line's own zone, or the clock's offset). */
  epoch: number | null;
}

const TOLERANCE_MS = 2000;
/** The offsets a node can have: every quarter hour from -12:00 to +14:00. */
const CANDIDATES = Array.from({ length: (26 * 60) / 15 + 1 }, (_, i) => -12 * 60 + i * 15);

/** The year most lines that carry one say (the first seen wins a tie), given the lines' years in input order. */
export function commonYear(years: Iterable<number | null | undefined>): number | null {
  const counts = new Map<number, number>();
  for (const y of years) if (y != null) counts.set(y, (counts.get(y) ?? 0) + 1);
  let best: number | null = null;
  for (const [y, n] of counts) if (best === null || n > counts.get(best)!) best = y;
  return best;
}

function matchesAt(zoneless: number[], zoned: number[], offsetMinutes: number): number {
  return zoneless.filter((w) => hasWithin(zoned, w - offsetMinutes * 60000, TOLERANCE_MS)).length;
}

/**
 * The clock, and the given findings placed on it. `commonYear`: the year most timed lines of the whole
 * input carry, when `findings` are only some of them (the runtime errors the alignment needs).
 * `setZone`: how the user sets the zone, in their front end's words (`--tz`, or the extension's setting).
 * `say`: the note's words in the reader's language (English by default).
 */
export function setClock(findings: Finding[], options: { zone?: Zone; zoneFrom?: string; year?: number; commonYear?: number | null; setZone?: string; say?: Say }): { clock: Clock; placed: PlacedFinding[] } {
  const setZone = options.setZone ?? '--tz';
  const say = options.say ?? ENGLISH;
  const year = options.year ?? (options.commonYear !== undefined ? options.commonYear : commonYear(findings.map((f) => f.wallTime?.year)));
  const wallOf = (f: Finding) => (f.wallTime ? wallMs(f.wallTime, f.wallTime.year ?? year ?? 2000) : null);
  const zonedEpoch = (f: Finding) => (f.wallTime && f.wallTime.offsetMinutes !== null && f.wallTime.year !== null ? wallOf(f)! - f.wallTime.offsetMinutes * 60000 : null);
  const zonelessEof = findings.filter((f) => f.signature === 'oci-exec-eof' && f.wallTime && f.wallTime.offsetMinutes === null).map(wallOf) as number[];
  const zonedRuntime = findings
    .filter((f) => (f.signature === 'oci-exec-eof' || f.signature === 'closed-fifo') && zonedEpoch(f) !== null)
    .map((f) => zonedEpoch(f)!)
    .sort((a, b) => a - b);

  let offset: number | null = null;
  let description: string;
  const yearNote = year === null ? '' : options.year !== undefined ? say.t('; year {0} from --year', year) : zonelessEof.length > 0 ? say.t('; year {0} from the lines that carry one', year) : '';
  if (options.zone) {
    const sample = zonelessEof[0] ?? Date.UTC(year ?? 2000, 0, 1);
    offset = zoneOffsetForWall(options.zone, sample);
    description = say.t('Node-local times (klog, journald) read as {0} (UTC{1}), {2}{3}.', options.zone.name, formatOffset(offset), options.zoneFrom ?? say.t('as given'), yearNote);
  } else if (zonelessEof.length === 0) {
    // Only when no line at all is node-local may the note say that nothing needed aligning: the
    // findings table shows node-local rows (a kernel OOM kill, a klog timeout) otherwise.
    const zoneless = findings.filter((f) => f.wallTime && f.wallTime.offsetMinutes === null).length;
    description = zoneless === 0
      ? say.t('All timed lines carry their own zone; no alignment was needed.')
      : say.t('{0} node-local time(s) (klog, journald, kernel) have no zone, and no kubelet EOF among them to align with the zoned logs: they stay node-local. Set the zone with {1} to place them{2}.', zoneless, setZone, yearNote);
  } else if (zonedRuntime.length === 0 || year === null) {
    description = say.t('Node-local times (klog, journald) have no zone and no zoned runtime log to align them with: they stay node-local. Set the zone with {0} to place them{1}.', setZone, yearNote);
  } else {
    const scored = CANDIDATES.map((o) => ({ o, n: matchesAt(zonelessEof, zonedRuntime, o) })).sort((a, b) => b.n - a.n || Math.abs(a.o) - Math.abs(b.o));
    const [best, second] = [scored[0]!, scored[1]!];
    const needed = Math.max(3, Math.ceil(zonelessEof.length * 0.3));
    if (best.n >= needed && best.n >= 2 * second.n) {
      offset = best.o;
      description = say.t('Node-local times (klog, journald) read as UTC{0}, inferred: at that offset {1} of {2} kubelet EOFs coincide within {3} s with zoned runtime errors (dockerd/containerd); the next best offset, UTC{4}, matches {5}{6}.', formatOffset(best.o), best.n, zonelessEof.length, TOLERANCE_MS / 1000, formatOffset(second.o), second.n, yearNote);
    } else {
      description = say.t('Node-local times (klog, journald) could not be placed: no whole or half-hour offset makes the kubelet EOFs coincide with the zoned runtime errors (best: {0} of {1} at UTC{2}). Set the zone with {3}{4}.', best.n, zonelessEof.length, formatOffset(best.o), setZone, yearNote);
    }
  }
  const clock = { offsetMinutes: offset, year, description };
  return { clock, placed: findings.map((f) => placeFinding(f, clock)) };
}

/** A finding on the clock: wall ms with the clock's year when the line has none, and the instant when its zone or the clock's is known. */
export function placeFinding(f: Finding, clock: Clock): PlacedFinding {
  const t = f.wallTime;
  if (!t) return { finding: f, wall: null, epoch: null };
  const wall = wallOnClock(t, clock);
  return { finding: f, wall, epoch: epochOfWritten(t, wall, clock) };
}

/** A time as written in wall ms, with the clock's year when it has none (2000 when neither has one). */
export function wallOnClock(t: LogTime, clock: Clock): number {
  return wallMs(t, t.year ?? clock.year ?? 2000);
}

/** `placeFinding`'s instant of a time as written, `wall` being `wallOnClock` of it. */
export function epochOfWritten(t: LogTime, wall: number, clock: Clock): number | null {
  if (t.offsetMinutes !== null) return t.year !== null ? wall - t.offsetMinutes * 60000 : null;
  return clock.offsetMinutes !== null ? wall - clock.offsetMinutes * 60000 : null;
}

/** A time as written (a fact's, a finding's) on the clock: wall ms with the clock's year, and the instant when its zone is known. */
export function placeTime(t: LogTime, clock: Clock): { wall: number; epoch: number | null } {
  const wall = wallOnClock(t, clock);
  if (t.offsetMinutes !== null) return { wall, epoch: t.year !== null || clock.year !== null ? wall - t.offsetMinutes * 60000 : null };
  return { wall, epoch: clock.offsetMinutes !== null ? wall - clock.offsetMinutes * 60000 : null };
}
