import assert from 'node:assert/strict';
import { test } from 'node:test';
import { civilOfDays, formatOffset, formatWall, isoMicros, parseZone, resolveTime, validTime, wallMs, zoneOffsetForWall } from '../../src/core/logs/time';
import type { LogTime } from '../../src/core/logs/types';

function t(year: number | null, month: number, day: number, hour: number, minute: number, second: number, micros = 0, offsetMinutes: number | null = null): LogTime {
  return { year, month, day, hour, minute, second, micros, offsetMinutes };
}

/** The incident's first klog line: 05-07 03:43:28.310630, no year, no zone. */
const KLOG = t(null, 5, 7, 3, 43, 28, 310630, null);

// --------------------------------------------------------------------------------------- parseZone

test('parseZone: UTC, Z and GMT are the fixed zero offset', () => {
  for (const s of ['UTC', 'utc', 'Z', 'z', 'GMT', ' UTC ']) assert.deepEqual(parseZone(s), { kind: 'fixed', offsetMinutes: 0, name: 'UTC' }, s);
});

test('parseZone: fixed offsets in every spelling', () => {
  assert.deepEqual(parseZone('+08:00'), { kind: 'fixed', offsetMinutes: 480, name: '+08:00' });
  assert.deepEqual(parseZone('+0800'), { kind: 'fixed', offsetMinutes: 480, name: '+08:00' });
  assert.deepEqual(parseZone('+8'), { kind: 'fixed', offsetMinutes: 480, name: '+08:00' });
  assert.deepEqual(parseZone('-05'), { kind: 'fixed', offsetMinutes: -300, name: '-05:00' });
  assert.deepEqual(parseZone('+05:30'), { kind: 'fixed', offsetMinutes: 330, name: '+05:30' });
  assert.deepEqual(parseZone('-09:30'), { kind: 'fixed', offsetMinutes: -570, name: '-09:30' });
  assert.deepEqual(parseZone('UTC+8'), { kind: 'fixed', offsetMinutes: 480, name: '+08:00' });
  assert.deepEqual(parseZone('GMT-3'), { kind: 'fixed', offsetMinutes: -180, name: '-03:00' });
  assert.deepEqual(parseZone('+14:00'), { kind: 'fixed', offsetMinutes: 840, name: '+14:00' });
});

test('parseZone: IANA names', () => {
  assert.deepEqual(parseZone('Asia/Shanghai'), { kind: 'iana', name: 'Asia/Shanghai' });
  assert.deepEqual(parseZone('America/New_York'), { kind: 'iana', name: 'America/New_York' });
  assert.deepEqual(parseZone('Europe/Berlin'), { kind: 'iana', name: 'Europe/Berlin' });
});

test('parseZone: garbage and out-of-range offsets are null', () => {
  for (const s of ['garbage', '', '   ', 'Mars/Olympus_Mons', '+15', '+08:60', '08:00', '++08', 'UTC+', '+08:00:00']) {
    assert.equal(parseZone(s), null, JSON.stringify(s));
  }
});

test('formatOffset', () => {
  assert.equal(formatOffset(0), '+00:00');
  assert.equal(formatOffset(480), '+08:00');
  assert.equal(formatOffset(-300), '-05:00');
  assert.equal(formatOffset(330), '+05:30');
  assert.equal(formatOffset(-570), '-09:30');
});

// ------------------------------------------------------------------------------------- resolveTime

test('resolveTime: a klog line with --year 2021 --tz +08:00 is the contract\'s instant', () => {
  const r = resolveTime(KLOG, { year: 2021, zone: parseZone('+08:00')! });
  assert.ok(r);
  assert.equal(r.iso, '2021-05-06T19:43:28.310630Z');
  assert.equal(r.epochMicros, Date.UTC(2021, 4, 6, 19, 43, 28) * 1000 + 310630);
  assert.equal(r.yearFrom, 'option');
  assert.equal(r.zoneFrom, 'option');
});

test('resolveTime: null when the year or the zone is unknown', () => {
  assert.equal(resolveTime(KLOG, {}), null);
  assert.equal(resolveTime(KLOG, { year: 2021 }), null);
  assert.equal(resolveTime(KLOG, { zone: parseZone('UTC')! }), null);
  assert.equal(resolveTime(KLOG, {}, { year: 2021, offsetMinutes: null, line: 3 }), null);
  assert.equal(resolveTime(KLOG, {}, { year: null, offsetMinutes: 480, line: 3 }), null);
  assert.equal(resolveTime(t(2021, 5, 7, 3, 43, 28, 0, null), {}), null);
  assert.equal(resolveTime(t(null, 5, 7, 3, 43, 28, 0, 480), {}), null);
});

test('resolveTime: the line beats the options, the options beat the file hints', () => {
  const hints = { year: 2019, offsetMinutes: -300, line: 7 };
  const options = { year: 2020, zone: parseZone('+02:00')! };
  // The line has it all: options and hints are ignored.
  const full = resolveTime(t(2021, 5, 7, 3, 43, 28, 310630, 480), options, hints)!;
  assert.equal(full.iso, '2021-05-06T19:43:28.310630Z');
  assert.equal(full.yearFrom, 'line');
  assert.equal(full.zoneFrom, 'line');
  // No year or zone on the line: options first.
  const opt = resolveTime(KLOG, options, hints)!;
  assert.equal(opt.iso, '2020-05-07T01:43:28.310630Z');
  assert.equal(opt.yearFrom, 'option');
  assert.equal(opt.zoneFrom, 'option');
  // Only the file knows.
  const file = resolveTime(KLOG, {}, hints)!;
  assert.equal(file.iso, '2019-05-07T08:43:28.310630Z');
  assert.equal(file.yearFrom, 'file');
  assert.equal(file.zoneFrom, 'file');
  // Mixed: year from the option, zone from the file; year from the line, zone from the option.
  const mixed = resolveTime(KLOG, { year: 2020 }, hints)!;
  assert.equal(mixed.yearFrom, 'option');
  assert.equal(mixed.zoneFrom, 'file');
  assert.equal(mixed.iso, '2020-05-07T08:43:28.310630Z');
  const mixed2 = resolveTime(t(2021, 5, 7, 3, 43, 28, 1, null), options, hints)!;
  assert.equal(mixed2.yearFrom, 'line');
  assert.equal(mixed2.zoneFrom, 'option');
  assert.equal(mixed2.iso, '2021-05-07T01:43:28.000001Z');
});

test('resolveTime: an IANA zone follows daylight saving (America/New_York -04:00 in summer, -05:00 in winter)', () => {
  const ny = parseZone('America/New_York')!;
  const summer = t(2021, 7, 1, 12, 0, 0);
  const winter = t(2021, 1, 15, 12, 0, 0);
  assert.equal(zoneOffsetForWall(ny, wallMs(summer)), -240);
  assert.equal(zoneOffsetForWall(ny, wallMs(winter)), -300);
  assert.equal(resolveTime(summer, { zone: ny })!.iso, '2021-07-01T16:00:00.000000Z');
  assert.equal(resolveTime(winter, { zone: ny })!.iso, '2021-01-15T17:00:00.000000Z');
  // The day after the spring change (2021-03-14) is summer time, the day before is not.
  assert.equal(resolveTime(t(2021, 3, 13, 12, 0, 0), { zone: ny })!.iso, '2021-03-13T17:00:00.000000Z');
  assert.equal(resolveTime(t(2021, 3, 15, 12, 0, 0), { zone: ny })!.iso, '2021-03-15T16:00:00.000000Z');
  // Asia/Shanghai has no DST: +08:00 all year.
  const sh = parseZone('Asia/Shanghai')!;
  assert.equal(resolveTime(KLOG, { year: 2021, zone: sh })!.iso, '2021-05-06T19:43:28.310630Z');
  assert.equal(zoneOffsetForWall(sh, wallMs(winter)), 480);
  // A fixed zone ignores the date.
  assert.equal(zoneOffsetForWall(parseZone('-05')!, wallMs(summer)), -300);
});

test('resolveTime: Feb 29 of a yearless line exists only in leap years', () => {
  const feb29 = t(null, 2, 29, 12, 0, 0);
  assert.equal(resolveTime(feb29, { year: 2021, zone: parseZone('UTC')! }), null);
  assert.equal(resolveTime(feb29, { year: 2020, zone: parseZone('UTC')! })!.iso, '2020-02-29T12:00:00.000000Z');
});

test('resolveTime: a year the lines themselves could not carry gives no time (not 1999 for 99)', () => {
  assert.equal(resolveTime(KLOG, { year: 99, zone: parseZone('UTC')! }), null);
  assert.equal(resolveTime(KLOG, { year: 1969, zone: parseZone('UTC')! }), null);
  assert.equal(resolveTime(KLOG, {}, { year: 10000, offsetMinutes: 0, line: 1 }), null);
  assert.equal(resolveTime(KLOG, { year: 1970, zone: parseZone('UTC')! })!.iso, '1970-05-07T03:43:28.310630Z');
});

test('wallMs does not map years 0-99 to the 1900s', () => {
  assert.equal(new Date(wallMs(t(null, 5, 7, 3, 43, 28), 99)).getUTCFullYear(), 99);
  assert.equal(new Date(wallMs(t(null, 2, 29, 0, 0, 0), 4)).toISOString(), '0004-02-29T00:00:00.000Z');
});

test('resolveTime: an instant just before the epoch (1970-01-01 in a zone east of UTC)', () => {
  const r = resolveTime(t(1970, 1, 1, 7, 59, 59, 999999, 480), {})!;
  assert.equal(r.epochMicros, -1);
  assert.equal(r.iso, '1969-12-31T23:59:59.999999Z');
});

// -------------------------------------------------------------------------------------- formatting

test('isoMicros formats microseconds since the epoch', () => {
  assert.equal(isoMicros(0), '1970-01-01T00:00:00.000000Z');
  assert.equal(isoMicros(1), '1970-01-01T00:00:00.000001Z');
  assert.equal(isoMicros(Date.UTC(2021, 4, 7, 3, 43, 28) * 1000 + 310630), '2021-05-07T03:43:28.310630Z');
  assert.equal(isoMicros(Date.UTC(2021, 4, 7, 3, 43, 28) * 1000 + 999999), '2021-05-07T03:43:28.999999Z');
  assert.equal(isoMicros(-1), '1969-12-31T23:59:59.999999Z');
  assert.equal(isoMicros(-1_000_000), '1969-12-31T23:59:59.000000Z');
  assert.equal(isoMicros(-1_500_000), '1969-12-31T23:59:58.500000Z');
});

test('formatWall shows the time as written', () => {
  assert.equal(formatWall(KLOG), '05-07 03:43:28.310630');
  assert.equal(formatWall(t(2021, 5, 6, 16, 51, 40, 9989, 480)), '2021-05-06 16:51:40.009989+08:00');
  assert.equal(formatWall(t(2021, 1, 2, 3, 4, 5, 6, -300)), '2021-01-02 03:04:05.000006-05:00');
  assert.equal(formatWall(t(2021, 12, 31, 23, 59, 59, 0, null)), '2021-12-31 23:59:59.000000');
  assert.equal(formatWall(t(null, 1, 1, 0, 0, 0, 0, 0)), '01-01 00:00:00.000000+00:00');
});

test('wallMs uses a stand-in year for yearless times', () => {
  assert.equal(wallMs(KLOG), Date.UTC(2000, 4, 7, 3, 43, 28, 310));
  assert.equal(wallMs(KLOG, 2021), Date.UTC(2021, 4, 7, 3, 43, 28, 310));
  assert.equal(wallMs(t(2019, 5, 7, 3, 43, 28, 999999)), Date.UTC(2019, 4, 7, 3, 43, 28, 999));
});

test('validTime rejects impossible fields', () => {
  assert.equal(validTime(KLOG), true);
  assert.equal(validTime(t(null, 13, 1, 0, 0, 0)), false);
  assert.equal(validTime(t(null, 0, 1, 0, 0, 0)), false);
  assert.equal(validTime(t(null, 5, 0, 0, 0, 0)), false);
  assert.equal(validTime(t(null, 4, 31, 0, 0, 0)), false);
  assert.equal(validTime(t(null, 2, 29, 0, 0, 0)), true);
  assert.equal(validTime(t(2021, 2, 29, 0, 0, 0)), false);
  assert.equal(validTime(t(2000, 2, 29, 0, 0, 0)), true);
  assert.equal(validTime(t(1900 + 200, 2, 29, 0, 0, 0)), false);
  assert.equal(validTime(t(null, 5, 7, 24, 0, 0)), false);
  assert.equal(validTime(t(null, 5, 7, 23, 60, 0)), false);
  assert.equal(validTime(t(null, 5, 7, 23, 59, 60)), true);
  assert.equal(validTime(t(null, 5, 7, 23, 59, 61)), false);
  assert.equal(validTime(t(null, 5, 7, 0, 0, 0, 1_000_000)), false);
  assert.equal(validTime(t(1969, 5, 7, 0, 0, 0)), false);
  assert.equal(validTime(t(10000, 5, 7, 0, 0, 0)), false);
  assert.equal(validTime(t(2021, 5, 7, 0, 0, 0, 0, 19 * 60)), false);
  assert.equal(validTime(t(2021, 5, 7, 0, 0, 0, 0, Number.NaN)), false);
  assert.equal(validTime(t(Number.NaN, 5, 7, 0, 0, 0)), false);
  assert.equal(validTime(t(null, Number.NaN, 7, 0, 0, 0)), false);
});

test('civilOfDays gives the date a Date gives, over the years 0-9999', () => {
  const from = Math.round(new Date('0000-01-01T00:00:00Z').getTime() / 86_400_000);
  const to = Math.round(new Date('9999-12-31T00:00:00Z').getTime() / 86_400_000);
  // Every day near the ends and around 1970, and a walk with a step prime to every calendar cycle.
  const days = [from, from + 1, from + 59, from + 60, -1, 0, 1, 59, 60, 365, 11_016, to - 1, to];
  for (let d = from; d <= to; d += 997) days.push(d);
  for (const d of days) {
    const t = new Date(d * 86_400_000);
    assert.equal(civilOfDays(d), t.getUTCFullYear() * 10_000 + (t.getUTCMonth() + 1) * 100 + t.getUTCDate(), t.toISOString());
  }
});

test('wallMs: arithmetic for times in range, Date for the rest, the same ms as Date gives', () => {
  // What Date makes of the fields: the rule wallMs keeps.
  const byDate = (t: LogTime, year: number) => {
    const d = new Date(Date.UTC(2000, 0, 1, t.hour, t.minute, t.second));
    d.setUTCFullYear(year, t.month - 1, t.day);
    return d.getTime() + Math.floor(t.micros / 1000);
  };
  const time = (month: number, day: number, hour: number, minute: number, second: number, micros: number): LogTime => ({ year: null, month, day, hour, minute, second, micros, offsetMinutes: null });
  let seed = 20210507;
  const next = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % n;
  };
  const years = [0, 1, 4, 99, 100, 400, 1600, 1900, 1969, 1970, 1999, 2000, 2020, 2021, 2024, 2100, 2400, 9999, 10000, -1, 275000];
  for (let k = 0; k < 20000; k++) {
    const year = k < 2000 ? years[k % years.length]! : next(10050);
    // Mostly in range; now and then a field out of it (Date's normalisation decides those).
    const t = time(1 + next(13), 1 + next(32), next(25), next(61), next(61), next(1_000_000));
    assert.equal(wallMs(t, year), byDate(t, year), `${year}-${t.month}-${t.day} ${t.hour}:${t.minute}:${t.second}.${t.micros}`);
  }
  for (const [year, month, day] of [[2024, 2, 29], [2023, 2, 29], [2000, 2, 29], [1900, 2, 29], [2021, 4, 31], [2021, 12, 31], [2021, 1, 1]] as const) {
    const t = time(month, day, 23, 59, 59, 999_999);
    assert.equal(wallMs(t, year), byDate(t, year), `${year}-${month}-${day}`);
  }
  // Fields that are not whole (no parser makes them) are Date's to truncate, even where their sum is whole.
  for (const [year, t] of [[2021, time(5, 7, 0.5, 0.5, 28, 0)], [2021, time(5.5, 6.5, 3, 43, 28, 0)], [2020.5, time(5, 7, 3, 43, 28.5, 0.5)]] as const) {
    assert.equal(wallMs(t, year), byDate(t, year), `${year}-${t.month}-${t.day} ${t.hour}:${t.minute}:${t.second}`);
  }
  assert.equal(wallMs(time(5, 7, 3, 43, 28, 310_630), 2021), Date.UTC(2021, 4, 7, 3, 43, 28, 310));
  assert.equal(wallMs(time(5, 7, 3, 43, 28, 0)), Date.UTC(2000, 4, 7, 3, 43, 28), 'the stand-in year');
});
