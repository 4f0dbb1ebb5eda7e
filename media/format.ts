/** Words and numbers as the panel shows them. */
import { type Headline, headline, titleOf } from '../src/core/diagnosis/numbers';
import type { Diagnosis, FactSource } from '../src/core/diagnosis/types';
import { k, t } from './l10n';

/** A cause's title from the catalog the host sent, or the words for the two verdicts that are not causes. */
export function causeTitle(cause: string, d: Diagnosis): string {
  return d.causes[cause] ? k(d.causes[cause].title) : cause === 'unknown' ? t('Cause not established') : cause === 'none' ? t('No runtime exec errors') : titleOf(cause, d);
}

/** The verdict's headline (numbers.ts) in the display language: the same number, on the same branches, with its words looked up. */
export function headlineWords(d: Diagnosis): Headline {
  return headline(d, { t, k });
}

export function sourceLabel(source: FactSource): string {
  switch (source) {
    case 'logs':
      return t('from the logs');
    case 'sources':
      return t('from the Go sources');
    case 'user':
      return t('answered by you');
    case 'default':
      return t('default');
    case 'measured':
      return t('measured on this machine');
  }
}

export function holdsLabel(holds: boolean | null): string {
  return holds === true ? t('holds') : holds === false ? t('does not hold') : t('unknown');
}

export function percent(fraction: number): string {
  return `${Math.round(Math.max(0, Math.min(1, fraction)) * 100)}%`;
}

/** "3 files": the unit is looked up in the bundle (its English plural by default), so a language without plurals gives its own word. */
export function count(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${t(n === 1 ? one : many)}`;
}

const NBSP = '\u00a0';

/** "1 h 05 m", "3 m 20 s", "12 s": spans of an incident, not of a benchmark. Never broken across lines. */
export function duration(ms: number): string {
  const total = Math.round(ms / 1000);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const secs = total % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  const parts = hours > 0 ? [`${hours} h`, minutes > 0 ? `${pad(minutes)} m` : '']
    : minutes > 0 ? [`${minutes} m`, secs > 0 ? `${pad(secs)} s` : '']
      : [`${secs} s`];
  return parts.filter(Boolean).join(' ').replace(/ /g, NBSP);
}

/** Tiny p-values are reported as a bound: the digits beyond the exponent carry no meaning here. */
export function pValue(p: number): string {
  if (p <= 0) return 'p < 1e-300';
  if (p < 1e-3) return `p < 1e${Math.floor(Math.log10(p)) + 1}`;
  return `p = ${p < 0.01 ? p.toFixed(3) : p.toFixed(2)}`;
}

const ISO = /^(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d:\d\d)(?:\.\d+)?(Z|[+-]\d\d:?\d\d)?$/;

/**
 * Times stay on the clock they were written in (converting to the viewer's zone would put them on
 * a third clock that matches no log); only the fraction is dropped.
 */
export function shortTime(value: string | null): string {
  if (value === null) return '—';
  const m = ISO.exec(value);
  // A time without zone is marked so by the core (diagnose.ts): the mark is a word of the display language.
  if (!m) return value.endsWith(' node-local') ? `${value.slice(0, -' node-local'.length)} ${t('node-local')}` : value;
  const zone = m[3] === undefined ? '' : m[3] === 'Z' ? ' UTC' : ` ${m[3]}`;
  return `${m[1]} ${m[2]}${zone}`;
}

export function baseName(file: string): string {
  return file.split(/[\\/]/).pop() || file;
}

export function seconds(value: number): string {
  return `${Number(value.toFixed(2))}${NBSP}s`;
}
