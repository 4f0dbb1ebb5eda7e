import { byCodeUnit } from '../order';
import { type Matcher, RUNTIME_ERROR } from '../signatures/matcher';
import { percent, rateUpperBound } from './stats';
import type { ReproduceError, ReproduceOutcome, ReproduceResult, Scenario } from './types';

/** Longest error text kept: runc's own messages are one line; a Go crash dump is cut to its first. */
const MAX_TEXT = 500;

/**
 * The error a failed runc call printed, as one line. A Go runtime crash of runc's exec helper
 * (`runtime/cgo: pthread_create failed: …`, `fatal error: …`) names the cause, so it comes first;
 * runc's own message then only says the helper's pipe broke. Otherwise the `msg` of runc ≥ 1.0's
 * logrus line (`time="…" level=error msg="exec failed: …"`), else the first line (rc builds print
 * the bare message).
 */
export function errorText(stderr: string, exit: { code: number | null; signal: string | null }): string {
  const crash = /^(?:runtime\/cgo: |fatal error: )[^\n]+/m.exec(stderr);
  const logrus = [...stderr.matchAll(/level=(?:error|fatal) msg="((?:[^"\\]|\\.)*)"/g)].pop();
  let text = crash ? crash[0].trim() : logrus ? logrus[1]!.replace(/\\(.)/g, '$1') : (stderr.split('\n').map((l) => l.trim()).find((l) => l.length > 0) ?? '');
  if (!text) text = exit.signal ? `runc was killed by ${exit.signal}` : `runc exited with status ${exit.code ?? 'unknown'} and printed nothing`;
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text;
}

/**
 * The catalog's signature for a text runc printed: as it stands, or as the node's logs carry it —
 * wrapped by the containerd shim as `OCI runtime exec failed: <text>: unknown` (causes.md).
 */
export function signatureOf(text: string, matcher: Matcher): string | null {
  const own = matcher.match(text);
  if (own && own.signature.id !== RUNTIME_ERROR) return own.signature.id;
  // Seen as the shim wraps it, runc's text may be a curated signature (`exec failed: EOF`); any text would be an
  // unclassified runtime error there, which says nothing the text alone does not.
  const wrapped = matcher.match(`OCI runtime exec failed: ${text}: unknown`);
  return (wrapped && wrapped.signature.id !== RUNTIME_ERROR ? wrapped : own)?.signature.id ?? null;
}

/** Counts the distinct texts, most frequent first, each with its signature. */
export function tallyErrors(texts: string[], matcher: Matcher): ReproduceError[] {
  const counts = new Map<string, number>();
  for (const t of texts) counts.set(t, (counts.get(t) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1] || byCodeUnit(a[0], b[0]))
    .map(([text, count]) => ({ text, count, signature: signatureOf(text, matcher) }));
}

export function makeResult(base: {
  scenario: Scenario;
  runc: { path: string; version: string | null };
  attempts: number;
  errors: string[];
  elapsedMs: number;
  timedOut: boolean;
  matcher: Matcher;
}): ReproduceResult {
  const failures = base.errors.length;
  const result: ReproduceResult = {
    scenario: base.scenario,
    runc: base.runc,
    attempts: base.attempts,
    failures,
    reproduced: failures > 0,
    rate: base.attempts > 0 ? failures / base.attempts : 0,
    rateUpper95: rateUpperBound(failures, base.attempts),
    errors: tallyErrors(base.errors, base.matcher),
    elapsedMs: Math.round(base.elapsedMs),
  };
  if (base.timedOut) result.timedOut = true;
  return result;
}

/** The one-line reading: "not reproduced in 300 attempts: rate < 1.0% at 95%". */
export function reading(r: ReproduceResult): string {
  const stopped = r.timedOut ? ' (stopped at the time limit)' : '';
  if (r.attempts === 0) return `no attempt finished${stopped}: nothing is known about the rate`;
  const n = `${r.attempts} attempt${r.attempts === 1 ? '' : 's'}`;
  if (!r.reproduced) return `not reproduced in ${n}${stopped}: rate < ${percent(r.rateUpper95)} at 95%`;
  // The error the node's logs would carry comes first: the most frequent one with a signature. A runc
  // killed outright ("status 137, printed nothing": under init-oom's 1M limit the OOM killer sometimes
  // takes runc's own process) tells less, even when it is the more frequent.
  const top = r.errors.find((e) => e.signature) ?? r.errors[0]!;
  const bound = r.failures === r.attempts ? 'every attempt failed' : `rate ${percent(r.rate)}, < ${percent(r.rateUpper95)} at 95%`;
  const other = r.errors.find((e) => e !== top);
  const rest = other ? ` (${top.count} of ${r.failures}; the other ${r.failures - top.count}: ${other.text}${r.errors.length > 2 ? ' and more' : ''})` : '';
  return `reproduced in ${r.failures} of ${n}${stopped} (${bound}): ${top.text}${top.signature ? ` [${top.signature}]` : ''}${rest}`;
}

/** The result as the diagnosis weighs it: measured on this machine by the lab. */
export function outcomeFromResult(r: ReproduceResult): ReproduceOutcome {
  return { scenario: r.scenario, attempts: r.attempts, failures: r.failures, source: 'measured', runcVersion: r.runc.version };
}
