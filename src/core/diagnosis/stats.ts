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

/**
 * The period among `count` candidates from `fromMs` to `toMs` at which the events' phases concentrate
 * most (highest Rayleigh Z). The candidates are evenly spaced in frequency, the spacing in which
 * periods stop being independent (1/span). Each event's unit vector at the next candidate is the
 * previous one turned by a fixed angle of its own, so a candidate costs a complex multiply per event
 * instead of a division, a remainder, a cosine and a sine: the search stays well under a millisecond
 * for thousands of events and candidates.
 */
export function periodScan(offsetsMs: readonly number[], fromMs: number, toMs: number, count: number): { period: number; z: number } {
  const n = offsetsMs.length;
  if (n === 0 || count < 1) return { period: fromMs, z: 0 };
  const f0 = 1 / fromMs;
  const df = count > 1 ? (1 / toMs - f0) / (count - 1) : 0;
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  const turnRe = new Float64Array(n);
  const turnIm = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const o = offsetsMs[i]!;
    // The phase from the remainder keeps full precision for offsets of many periods.
    const a = (2 * Math.PI * phaseOf(o, fromMs)) / fromMs;
    re[i] = Math.cos(a);
    im[i] = Math.sin(a);
    const d = 2 * Math.PI * o * df;
    turnRe[i] = Math.cos(d);
    turnIm[i] = Math.sin(d);
  }
  let best = { period: fromMs, z: -1 };
  for (let k = 0; k < count; k++) {
    let c = 0;
    let s = 0;
    for (let i = 0; i < n; i++) {
      c += re[i]!;
      s += im[i]!;
    }
    const z = (c * c + s * s) / n;
    if (z > best.z) best = { period: 1 / (f0 + k * df), z };
    for (let i = 0; i < n; i++) {
      const r = re[i]! * turnRe[i]! - im[i]! * turnIm[i]!;
      im[i] = re[i]! * turnIm[i]! + im[i]! * turnRe[i]!;
      re[i] = r;
    }
  }
  return best;
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
