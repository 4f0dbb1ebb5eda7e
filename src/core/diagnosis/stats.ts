/**
 * Circular statistics for "do the EOFs fall on the reconcile ticks?". Each event's phase within the
 * period is an angle; if the events are tied to a periodic cause their angles concentrate, which the
 * Rayleigh test measures: R̄ is the length of the mean unit vector (0 = spread evenly, 1 = all at one
 * phase), Z = n·R̄², and p is the chance of a concentration at least this strong from uniformly random
 * phases.
 */
export interface Rayleigh {
  n: number;
  meanResultant: number;
  /** Mean phase in [0, period). */
  meanPhase: number;
  z: number;
  p: number;
}

export function phaseOf(ms: number, periodMs: number): number {
  return ((ms % periodMs) + periodMs) % periodMs;
}

export function rayleigh(phases: number[], period: number): Rayleigh | null {
  const n = phases.length;
  if (n === 0) return null;
  let c = 0;
  let s = 0;
  for (const ph of phases) {
    const a = (2 * Math.PI * ph) / period;
    c += Math.cos(a);
    s += Math.sin(a);
  }
  const r = Math.hypot(c, s) / n;
  const z = n * r * r;
  // Zar (Biostatistical Analysis, eq. 27.4): accurate for small n where exp(-Z) alone is not.
  const p = Math.min(1, Math.max(0, Math.exp(Math.sqrt(1 + 4 * n + 4 * (n * n - n * n * r * r)) - (1 + 2 * n))));
  let mean = (Math.atan2(s, c) / (2 * Math.PI)) * period;
  if (mean < 0) mean += period;
  return { n, meanResultant: r, meanPhase: mean, z, p };
}

/** Counts per bin of width `bin` over [0, period). */
export function histogram(phases: number[], period: number, bin: number): number[] {
  const bins = new Array<number>(Math.ceil(period / bin)).fill(0);
  for (const ph of phases) bins[Math.min(bins.length - 1, Math.floor(ph / bin))]! += 1;
  return bins;
}


/** Whether the sorted list holds a value within `tolerance` of `t` (binary search). */
export function hasWithin(sorted: number[], t: number, tolerance: number): boolean {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < t - tolerance) lo = mid + 1;
    else hi = mid;
  }
  return lo < sorted.length && sorted[lo]! <= t + tolerance;
}

/** P(X ≥ k) for X ~ Binomial(n, p): how surprising k successes are by chance. Summed in log space, so large n is fine. */
export function binomialTail(n: number, k: number, p: number): number {
  if (k <= 0) return 1;
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  let logC = 0;
  let total = 0;
  for (let i = 0; i <= n; i++) {
    if (i > 0) logC += Math.log(n - i + 1) - Math.log(i);
    if (i >= k) total += Math.exp(logC + i * Math.log(p) + (n - i) * Math.log1p(-p));
  }
  return Math.min(1, total);
}
