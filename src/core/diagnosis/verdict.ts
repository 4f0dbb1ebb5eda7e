import type { Evidence, Hypothesis, Verdict } from './types';

/**
 * Scoring. The verdict is a probability for "cpu-manager state.json race", built as prior odds times
 * one likelihood ratio per piece of evidence that holds or fails (unknown evidence contributes 1):
 *
 *   prior, given EOF errors are present: 0.3 — the race is the documented cause of exactly this
 *   error, but not the only thing that can truncate state.json or break an exec.
 *
 *   evidence               holds   fails   why
 *   reconcile-aligned        8      0.15   a shared phase at the reconcile period is hard to get by
 *                                          chance; spread phases argue strongly against a periodic cause
 *   cpu-manager-static       4      0.02   with policy none the kubelet never calls UpdateContainer-
 *                                          Resources periodically: the race cannot happen
 *   runc-before-fix          3      0.05   a fixed runc renames atomically: the race cannot happen
 *   runc-savestate-atomic    0.3    2      the sources may not be the node's runc, so weaker than the
 *                                          version seen on the node
 *   fifo-closed-nearby       1.5    0.8    dockerd seeing the exec fail fits any exec-start failure
 *
 * The race is the verdict only above 0.6; below, the verdict is `unknown` — a confident wrong answer
 * costs an on-call engineer more than an honest "not established". Confidence is capped at 0.97
 * because no log proves a race.
 */
const PRIOR = 0.3;
const RATIOS: Record<string, [holds: number, fails: number]> = {
  'reconcile-aligned': [8, 0.15],
  'cpu-manager-static': [4, 0.02],
  'runc-before-fix': [3, 0.05],
  'runc-savestate-atomic': [0.3, 2],
  'fifo-closed-nearby': [1.5, 0.8],
};
const THRESHOLD = 0.6;
const CAP = 0.97;

export const CAUSE_TITLES: Record<string, string> = {
  'cpu-manager-state-race': 'runc state.json race with the kubelet cpu-manager',
  unknown: 'Cause not established',
  none: 'No runtime exec errors',
};

export function raceProbability(evidence: Evidence[]): number {
  let odds = PRIOR / (1 - PRIOR);
  for (const e of evidence) {
    const r = RATIOS[e.id];
    if (r && e.holds !== null) odds *= e.holds ? r[0] : r[1];
  }
  return Math.min(CAP, odds / (1 + odds));
}

export function decide(evidence: Evidence[], lookAlikes: string[]): { verdict: Verdict; hypotheses: Hypothesis[] } {
  const eof = evidence.find((e) => e.id === 'eof-errors-present');
  if (!eof?.holds) {
    const also = lookAlikes.length ? ` Look-alikes found: ${lookAlikes.join(', ')} — see their explanations; they are not the state.json race.` : '';
    return { verdict: { cause: 'none', confidence: 1, summary: `No "exec failed: EOF" errors in the input.${also}`, evidence }, hypotheses: [{ cause: 'none', confidence: 1 }] };
  }
  const p = raceProbability(evidence);
  const round = (x: number) => Math.round(x * 100) / 100;
  const hypotheses: Hypothesis[] = [
    { cause: 'cpu-manager-state-race', confidence: round(p) },
    { cause: 'unknown', confidence: round(1 - p) },
  ].sort((a, b) => b.confidence - a.confidence);
  // Whether a piece of evidence speaks for or against the race follows from its likelihood ratio.
  const ratio = (e: Evidence) => (e.holds === null ? 1 : (RATIOS[e.id]?.[e.holds ? 0 : 1] ?? 1));
  const describe = (e: Evidence) => (e.holds ? e.title : `not: ${e.title}`);
  const holding = evidence.filter((e) => ratio(e) > 1).map(describe);
  const against = evidence.filter((e) => ratio(e) < 1).map(describe);
  const unknown = evidence.filter((e) => e.holds === null).length;
  if (p >= THRESHOLD) {
    return {
      verdict: {
        cause: 'cpu-manager-state-race',
        confidence: round(p),
        summary: `The EOFs are runc reading a state.json that the kubelet cpu-manager's periodic runc update is rewriting in place. For: ${holding.join('; ')}.${against.length ? ` Against: ${against.join('; ')}.` : ''}${unknown ? ` ${unknown} check(s) could not be made from the input.` : ''}`,
        evidence,
      },
      hypotheses,
    };
  }
  const why = against.length ? `the evidence is against the cpu-manager race (${against.join('; ')})` : `the input does not hold enough evidence for the cpu-manager race (${unknown} check(s) unknown)`;
  return { verdict: { cause: 'unknown', confidence: round(1 - p), summary: `EOF errors are present, but ${why}.`, evidence }, hypotheses };
}
