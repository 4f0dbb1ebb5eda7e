/**
 * What a count of failures in N attempts says about the failure rate: the exact (Clopper–Pearson)
 * one-sided upper bound, and the one-line reading the CLI, the extension and the report show.
 */

/** ln C(n, k) for every k in 0..upTo, built incrementally (exact enough for n up to millions). */
function logBinomials(n: number, upTo: number): number[] {
  const out = [0];
  for (let k = 1; k <= upTo; k++) out.push(out[k - 1]! + Math.log(n - k + 1) - Math.log(k));
  return out;
}

/** P(X ≤ k) for X ~ Binomial(n, p), summed in log space so large n do not underflow term by term. */
function binomialCdf(k: number, n: number, p: number, logC: number[]): number {
  if (p <= 0) return 1;
  if (p >= 1) return k >= n ? 1 : 0;
  const lp = Math.log(p);
  const lq = Math.log1p(-p);
  let sum = 0;
  for (let i = 0; i <= k; i++) sum += Math.exp(logC[i]! + i * lp + (n - i) * lq);
  return Math.min(1, sum);
}

/**
 * The exact one-sided upper confidence bound of a binomial rate: the p at which seeing at most
 * `failures` in `attempts` has probability 1 − confidence (Clopper–Pearson). With no failures it is
 * 1 − (1 − confidence)^(1/N), the closed form; with no attempts nothing is known and it is 1.
 */
export function rateUpperBound(failures: number, attempts: number, confidence = 0.95): number {
  if (!Number.isInteger(failures) || !Number.isInteger(attempts) || failures < 0 || attempts < 0 || failures > attempts) {
    throw new RangeError(`rateUpperBound: need whole numbers 0 ≤ failures ≤ attempts, got ${failures} of ${attempts}`);
  }
  const alpha = 1 - confidence;
  if (attempts === 0 || failures === attempts) return 1;
  if (failures === 0) return 1 - alpha ** (1 / attempts);
  const logC = logBinomials(attempts, failures);
  // The CDF falls monotonically in p: bisect to below 1e-12, far finer than anyone reads a rate.
  let lo = failures / attempts;
  let hi = 1;
  while (hi - lo > 1e-12) {
    const mid = (lo + hi) / 2;
    if (binomialCdf(failures, attempts, mid, logC) > alpha) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** A rate as a percentage a reader takes in at a glance: 1.0%, 12.5%, 0.030%. */
export function percent(rate: number): string {
  const pct = rate * 100;
  if (pct === 0) return '0%';
  if (pct >= 0.1) return `${pct.toFixed(1)}%`;
  return `${pct.toPrecision(2)}%`;
}
