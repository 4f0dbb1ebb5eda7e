import { byCodeUnit } from '../order';
import { type CauseCatalog, type CauseDef, type EvidenceWeight } from './causes';
import { CAP } from './numbers';
import type { Evidence, Hypothesis, NextQuestion, RankedCause, Contribution } from './types';

/**
 * The differential engine, generic over the cause catalog (causes.json): a new cause is a new row of
 * data, never new code here. How it scores:
 *
 *   posterior(c) ∝ prior(c) × Π LR(c, o)   over every observation o whose value is known,
 *
 * with the causes treated as mutually exclusive explanations of the runtime exec errors in the input
 * (the posteriors sum to 1). LR(c, o) is the catalog's ratio for cause c when o holds (`holds`) or not
 * (`fails`); an observation a cause does not list leaves it at 1, and an unknown observation (holds
 * null) is 1 for every cause. Each runtime exec error signature present in the input is an
 * observation too: ratio `signatures[sig].lr` for a cause that prints it, `signatureDefault` for one
 * that does not (or the cause's own `otherSignatures`: the cause outside the catalog may print any). A repeated experiment (the reproduce lab) weighs N clean attempts as
 * max(floor, (1 − rateIfCause)^N): the more attempts without a failure, the stronger the evidence
 * against.
 *
 * The verdict is the leader only when its posterior clears its threshold (default 0.6), leads the
 * second by the catalog's margin, and the input itself (not only the prior) weighs more for it than for
 * the second; otherwise it is `unknown`, and the engine picks the question whose
 * answer is expected to reduce the uncertainty most (expected information gain over the catalog's
 * askable observations, with P(o holds | c) implied by the ratios and the observation's background
 * rate), among the questions whose two answers would put different causes first. Confidence is the
 * leader's posterior, whether or not it is the verdict, capped (numbers.ts): no log proves a cause.
 */
const DEFAULT_THRESHOLD = 0.6;

function evidenceRatio(w: EvidenceWeight, e: Evidence): number {
  if (e.holds === null) return 1;
  if (e.holds) return w.holds;
  if (w.fails !== undefined) return w.fails;
  const attempts = e.attempts ?? 0;
  return Math.max(w.floor ?? 0, (1 - (w.rateIfCause ?? 0)) ** attempts);
}

function contributions(cause: CauseDef, catalog: CauseCatalog, evidence: Evidence[], signatures: Set<string>, titles: Record<string, string>): Contribution[] {
  const out: Contribution[] = [];
  // A cause that does not print a present error weighs signatureDefault; one that prints it weighs its own
  // ratio. Only their quotient matters once the posteriors are normalised, so the contribution shown is the
  // printing cause's ratio over the default: "prints it, ×10", and nothing for the causes that do not.
  // A cause with its own ratio for the errors it does not list (a cause outside the catalog may print any
  // of them) weighs those by that ratio instead of the default.
  for (const sig of signatures) {
    const own = cause.signatures[sig] ?? cause.otherSignatures;
    if (!own) continue;
    out.push({ id: sig, kind: 'signature', title: titles[sig] ?? sig, holds: true, lr: own.lr / catalog.signatureDefault.lr, why: own.why });
  }
  for (const e of evidence) {
    const w = cause.evidence[e.id];
    if (!w || e.holds === null) continue;
    out.push({ id: e.id, kind: 'evidence', title: e.title, holds: e.holds, lr: evidenceRatio(w, e), why: w.why });
  }
  return out;
}

const round = (x: number) => Math.round(x * 1000) / 1000;

/** Every cause of the catalog with its posterior and the evidence for and against it, most likely first. */
export function rank(catalog: CauseCatalog, evidence: Evidence[], signatures: Set<string>, titles: Record<string, string>): RankedCause[] {
  const scored = catalog.causes.map((cause) => {
    const cs = contributions(cause, catalog, evidence, signatures, titles);
    const log = Math.log(cause.prior) + cs.reduce((s, c) => s + Math.log(c.lr), 0);
    return { cause, cs, log };
  });
  const max = Math.max(...scored.map((s) => s.log));
  const total = scored.reduce((s, x) => s + Math.exp(x.log - max), 0);
  return scored
    .map(({ cause, cs, log }) => ({
      cause: cause.id,
      title: cause.title,
      posterior: round(Math.exp(log - max) / total),
      for: cs.filter((c) => c.lr > 1).sort((a, b) => b.lr - a.lr),
      against: cs.filter((c) => c.lr < 1).sort((a, b) => a.lr - b.lr),
    }))
    .sort((a, b) => b.posterior - a.posterior || byCodeUnit(a.cause, b.cause));
}

function entropy(ps: number[]): number {
  return -ps.reduce((s, p) => (p > 0 ? s + p * Math.log2(p) : s), 0);
}

/** P(o holds | cause) implied by the cause's two ratios and the observation's background rate. */
function holdsGiven(cause: CauseDef, id: string, background: number): number {
  const w = cause.evidence[id];
  if (!w || w.fails === undefined) return background;
  const yes = w.holds * background;
  const no = w.fails * (1 - background);
  return yes / (yes + no);
}

/**
 * The askable observation not yet known whose answer is expected to separate the causes best
 * (expected information gain in bits), or null when nothing askable would move the ranking.
 */
export function nextQuestion(catalog: CauseCatalog, ranked: RankedCause[], evidence: Evidence[]): NextQuestion | null {
  const known = new Map(evidence.map((e) => [e.id, e.holds]));
  const byId = new Map(catalog.causes.map((c) => [c.id, c]));
  const p = ranked.map((r) => r.posterior);
  const h = entropy(p);
  let best: NextQuestion | null = null;
  for (const o of catalog.observations) {
    if (!o.question || (known.has(o.id) && known.get(o.id) !== null)) continue;
    const q = ranked.map((r) => holdsGiven(byId.get(r.cause)!, o.id, o.background));
    const pYes = p.reduce((s, pi, i) => s + pi * q[i]!, 0);
    const yes = p.map((pi, i) => (pi * q[i]!) / pYes);
    const no = p.map((pi, i) => (pi * (1 - q[i]!)) / (1 - pYes));
    const gain = h - (pYes * entropy(yes) + (1 - pYes) * entropy(no));
    const lead = (post: number[]) => ranked[post.indexOf(Math.max(...post))]!.cause;
    const [ifYes, ifNo] = [lead(yes), lead(no)];
    // A question is worth asking only when its answer decides between two causes.
    if (gain > 0.01 && ifYes !== ifNo && (!best || gain > best.gain)) {
      best = { observation: o.id, prompt: o.question.prompt, yes: o.question.yes, no: o.question.no, ...(o.check ? { check: o.check } : {}), ...(o.collected ? { collected: o.collected } : {}), gain: round(gain), ifYes, ifNo };
    }
  }
  return best;
}

export interface Decision {
  cause: string;
  confidence: number;
  hypotheses: Hypothesis[];
  /** The leader, whether or not it is the verdict. */
  leader: RankedCause | null;
}

/** The verdict from the ranking: the leader when it clears its threshold by the margin, else unknown. */
export function decide(catalog: CauseCatalog, ranked: RankedCause[]): Decision {
  const hypotheses = ranked.map((r) => ({ cause: r.cause, confidence: Math.round(Math.min(CAP, r.posterior) * 100) / 100 }));
  const [first, second] = ranked;
  if (!first) return { cause: 'none', confidence: 1, hypotheses: [{ cause: 'none', confidence: 1 }], leader: null };
  const threshold = catalog.causes.find((c) => c.id === first.cause)?.threshold ?? DEFAULT_THRESHOLD;
  // A prior is not evidence: when what the input shows weighs no more for the leader than for the runner-up
  // (both print the same error and nothing else tells them apart), the leader leads by its prior alone.
  const shown = (r: RankedCause) => [...r.for, ...r.against].reduce((p, c) => p * c.lr, 1);
  const byEvidence = !second || shown(first) > shown(second) * (1 + 1e-9);
  const clear = byEvidence && first.posterior >= threshold && first.posterior - (second?.posterior ?? 0) >= catalog.margin;
  const confidence = Math.round(Math.min(CAP, first.posterior) * 100) / 100;
  return { cause: clear ? first.cause : 'unknown', confidence, hypotheses, leader: first };
}
