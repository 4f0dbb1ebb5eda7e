/**
 * Calibration of the differential on real incidents: the 67 labelled public threads of
 * bench/incidents-train.jsonl (a copy of ../shared/incidents-train.jsonl: each thread's verbatim log text,
 * the versions it states, and the cause the thread settled on). Pure functions over the core; the
 * command is bench/calibrate.ts (`npm run calibrate`), and test/unit/calibration.test.ts holds the
 * catalog to what it measures.
 *
 * What it does with a thread: recognise its text as a log, take the facts it states as the user's answers
 * where they map onto one (the runc version; a runtime other than runc), diagnose, and compare the verdict
 * and the ranking with the label. Labels map onto catalog ids: a documented cause as it is, an `other:`
 * thread whose cause the catalog now holds (the six added from these threads) as that cause, any other
 * `other:` as `other`, a look-alike as `none` (no runtime error), `unresolved` as nothing to score.
 */
import * as fs from 'node:fs';
import { CAUSES, type CauseCatalog } from '../src/core/diagnosis/causes';
import { diagnose } from '../src/core/diagnosis/diagnose';
import type { Diagnosis, UserFacts } from '../src/core/diagnosis/types';
import { builtInSignatures } from '../src/core/signatures/catalog';
import { Matcher } from '../src/core/signatures/matcher';
import { type Recognition, recogniseText } from '../src/core/signatures/recognise';

export interface Thread {
  source: string;
  text: string;
  facts: Record<string, string>;
  label: string;
  evidence: string;
  confidence: 'confirmed' | 'likely' | 'unresolved';
}

export function loadThreads(file: string): Thread[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Thread);
}

/** `other:` labels whose cause recurs in the set and became a catalog cause (issue 16), by the label's own words. */
const ADDED: [RegExp, string][] = [
  [/^other:apparmor/, 'lsm-denies-exec'],
  [/^other:keyring-quota/, 'keyring-quota'],
  [/^other:runtime-dir-removed/, 'runtime-dir-removed'],
  [/^other:runc-1\.1\.6\+-cgroup-v1-hybrid/, 'runc-hybrid-cgroup-v1'],
  [/^other:container-paused/, 'container-paused'],
  [/^other:cgroup-procs-EINVAL/, 'exec-cgroup-join-race'],
];

/** The verdict a thread's label calls for: a cause id, `other`, `none` (a look-alike), or null (unresolved: nothing to score). */
export function expected(label: string, catalog: CauseCatalog = CAUSES): string | null {
  if (label === 'unresolved') return null;
  if (label.startsWith('lookalike:')) return 'none';
  if (label.startsWith('other:')) return ADDED.find(([re]) => re.test(label))?.[1] ?? 'other';
  if (!catalog.causes.some((c) => c.id === label)) throw new Error(`label ${label} is no cause of the catalog`);
  return label;
}

/** Runtimes other than runc, as threads state them in their facts (`runtime`, `node`, `platform`). */
const NOT_RUNC_FACT = /\b(crun|gvisor|runsc|kata|sysbox|rkt|windows)\b/i;

/** The thread's stated facts as the user's answers: its runc version, and whether the node runs another runtime. */
export function userFactsOf(t: Thread): UserFacts {
  const user: UserFacts = {};
  const observations: NonNullable<UserFacts['observations']> = {};
  // The runc version typed as the answer to runc-before-fix, as the panel takes it.
  const runc = /\b(\d+\.\d+\.\d+(?:-rc\d+)?)/.exec(t.facts.runc ?? '')?.[1];
  if (runc) observations['runc-before-fix'] = runc;
  const runtime = ['runtime', 'node', 'platform'].map((k) => t.facts[k] ?? '').join(' ');
  if (NOT_RUNC_FACT.test(runtime)) observations['runtime-not-runc'] = true;
  if (Object.keys(observations).length) user.observations = observations;
  return user;
}

const matcher = new Matcher(builtInSignatures());
const titles = Object.fromEntries(matcher.signatures.map((s) => [s.def.id, s.def.title]));
const recognised = new Map<string, Recognition>();

/** The thread recognised as a log (once: recognition does not depend on the cause catalog). */
function recognition(t: Thread): Recognition {
  let r = recognised.get(t.source);
  if (!r) {
    r = recogniseText(`${t.source.replace(/[/#]/g, '_')}.log`, t.text, { matcher });
    recognised.set(t.source, r);
  }
  return r;
}

export function diagnoseThread(t: Thread, catalog: CauseCatalog = CAUSES): Diagnosis {
  const r = recognition(t);
  return diagnose({ recognitions: [r], facts: r.facts, saveState: null, user: userFactsOf(t), titles, catalog });
}

/** One thread's result: what it should be, what the diagnosis said, with what confidence, and the posterior of the right answer. */
export interface Scored {
  source: string;
  confidence: Thread['confidence'];
  expected: string;
  verdict: string;
  /** The verdict's confidence (for `unknown`: the leader's). */
  stated: number;
  leader: string;
  top2: string[];
  /** P(expected) in the ranking; 1 for a look-alike found to be none. */
  pExpected: number;
}

export function score(t: Thread, catalog: CauseCatalog = CAUSES): Scored | null {
  const want = expected(t.label, catalog);
  if (want === null) return null;
  const d = diagnoseThread(t, catalog);
  const top2 = d.hypotheses.slice(0, 2).map((h) => h.cause);
  const pExpected = want === 'none' ? (d.verdict.cause === 'none' ? 1 : 0) : (d.ranked.find((r) => r.cause === want)?.posterior ?? 0);
  return { source: t.source, confidence: t.confidence, expected: want, verdict: d.verdict.cause, stated: d.hypotheses[0]?.confidence ?? 0, leader: d.hypotheses[0]?.cause ?? 'none', top2, pExpected };
}

export interface Figures {
  scored: number;
  top1: number;
  top2: number;
  /** Mean −log P(expected) over the threads whose answer is a cause (floored at 0.001). */
  logLoss: number;
  /** Threads outside the catalog (`other`), and how many got a documented cause as verdict; with confidence ≥ 0.6. */
  other: { n: number; documented: number; documentedConfident: number; named: number };
  lookAlikes: { n: number; blamed: number };
  /** Stated confidence of the leading cause against how often it was right, for the threads where runtime errors were found. */
  reliability: { from: number; to: number; n: number; meanStated: number; right: number }[];
  results: Scored[];
}

const BINS = [0, 0.2, 0.4, 0.6, 0.8, 1.0001];
const NOT_DOCUMENTED = new Set(['other', 'unknown', 'none']);

export function figures(results: Scored[]): Figures {
  const right1 = (s: Scored) => s.verdict === s.expected;
  const causal = results.filter((s) => s.expected !== 'none');
  const other = results.filter((s) => s.expected === 'other');
  const documented = other.filter((s) => !NOT_DOCUMENTED.has(s.verdict));
  const found = results.filter((s) => s.verdict !== 'none' && s.expected !== 'none');
  const reliability = BINS.slice(0, -1).map((from, i) => {
    const to = BINS[i + 1]!;
    const inBin = found.filter((s) => s.stated >= from && s.stated < to);
    return { from, to: Math.min(1, to), n: inBin.length, meanStated: mean(inBin.map((s) => s.stated)), right: inBin.filter((s) => s.leader === s.expected).length };
  });
  return {
    scored: results.length,
    top1: results.filter(right1).length,
    top2: results.filter((s) => (s.expected === 'none' ? s.verdict === 'none' : s.top2.includes(s.expected))).length,
    logLoss: mean(causal.map((s) => -Math.log(Math.max(0.001, s.pExpected)))),
    other: { n: other.length, documented: documented.length, documentedConfident: documented.filter((s) => s.stated >= 0.6).length, named: other.filter((s) => s.verdict === 'other').length },
    lookAlikes: { n: results.filter((s) => s.expected === 'none').length, blamed: results.filter((s) => s.expected === 'none' && s.verdict !== 'none').length },
    reliability,
    results,
  };
}

function mean(xs: number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0;
}

/** FNV-1a, 32 bits: the deterministic hash that splits the set (no seed to forget, the same on every machine). */
export function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** About a fifth of the threads, chosen by the hash of `source`, kept out of every fit and reported apart. */
export function isHeldOut(t: Thread): boolean {
  return hash(t.source) % 5 === 0;
}

export const FOLDS = 5;
const foldOf = (t: Thread) => (hash(t.source) >>> 8) % FOLDS;

/** What the fit chooses: the catalog-wide ratio for an error a cause does not print, and the outside cause's own. */
export interface Knobs {
  signatureDefault: number;
  otherSignatures: number;
  /** Pseudo-count weight of the catalog's reasoned priors against the training labels (0: the labels alone; Infinity: the catalog's). */
  priorWeight: number;
}

/** The ratios searched, with the catalog's priors kept (the fit), and the same with priors blended with the labels (the check on the priors). */
export const GRID: Knobs[] = [0.003, 0.01, 0.03, 0.1].flatMap((signatureDefault) => [0.03, 0.1, 0.3].map((otherSignatures) => ({ signatureDefault, otherSignatures, priorWeight: Infinity })));
export const PRIOR_GRID: Knobs[] = GRID.flatMap((k) => [20, 60].map((priorWeight) => ({ ...k, priorWeight })));

/** The catalog with the knobs applied, its priors blended with the label counts of `train`. */
export function fitted(base: CauseCatalog, knobs: Knobs, train: Thread[]): CauseCatalog {
  const counts = new Map<string, number>();
  for (const t of train) {
    const e = expected(t.label, base);
    if (e && e !== 'none') counts.set(e, (counts.get(e) ?? 0) + 1);
  }
  const n = [...counts.values()].reduce((a, b) => a + b, 0);
  const prior = (id: string, p: number) => (knobs.priorWeight === Infinity ? p : (p * knobs.priorWeight + (counts.get(id) ?? 0)) / (knobs.priorWeight + n));
  return {
    ...base,
    signatureDefault: { ...base.signatureDefault, lr: knobs.signatureDefault },
    causes: base.causes.map((c) => ({
      ...c,
      prior: prior(c.id, c.prior),
      ...(c.otherSignatures ? { otherSignatures: { ...c.otherSignatures, lr: knobs.otherSignatures } } : {}),
    })),
  };
}

/** The shipped catalog's knobs, read back. */
export function shippedKnobs(catalog: CauseCatalog = CAUSES): Knobs {
  return { signatureDefault: catalog.signatureDefault.lr, otherSignatures: catalog.causes.find((c) => c.otherSignatures)?.otherSignatures?.lr ?? catalog.signatureDefault.lr, priorWeight: Infinity };
}

const evaluate = (threads: Thread[], catalog: CauseCatalog) => figures(threads.map((t) => score(t, catalog)).filter((s): s is Scored => s !== null));

/** The objective the fit minimises: log loss, then fewer outside-the-catalog threads given a documented cause, then top-1 errors. */
function loss(f: Figures): number {
  return f.logLoss + 0.5 * (f.other.documented / Math.max(1, f.other.n)) + 0.2 * (1 - f.top1 / Math.max(1, f.scored));
}

/** The grid point with the least loss on `train` (ties: the earlier, i.e. the smaller ratios). */
export function fit(base: CauseCatalog, train: Thread[], grid: Knobs[] = GRID): { knobs: Knobs; loss: number } {
  let best: { knobs: Knobs; loss: number } | null = null;
  for (const knobs of grid) {
    const l = loss(evaluate(train, fitted(base, knobs, train)));
    if (!best || l < best.loss - 1e-9) best = { knobs, loss: l };
  }
  return best!;
}

export interface Calibration {
  threads: number;
  fitSet: number;
  heldOut: number;
  /** The shipped catalog on the fitting part and on the held-out part. */
  shipped: { fit: Figures; heldOut: Figures; all: Figures };
  /**
   * k-fold cross-validation over the fitting part: each fold scored by the ratios fitted on the others
   * (catalog priors), by ratios and priors fitted on the others, and by the shipped catalog.
   */
  crossValidation: { folds: { fold: number; n: number; knobs: Knobs; withPriors: Knobs; fitted: Figures; shipped: Figures }[]; fitted: Figures; withPriors: Figures; shipped: Figures };
  /** The knobs fitted on the whole fitting part, and how they do on the held-out part. */
  final: { knobs: Knobs; heldOut: Figures };
  shippedKnobs: Knobs;
}

export function calibrate(threads: Thread[], base: CauseCatalog = CAUSES): Calibration {
  const heldOut = threads.filter(isHeldOut);
  const fitSet = threads.filter((t) => !isHeldOut(t));
  const folds = [];
  const cvFitted: Scored[] = [];
  const cvPriors: Scored[] = [];
  const cvShipped: Scored[] = [];
  for (let k = 0; k < FOLDS; k++) {
    const test = fitSet.filter((t) => foldOf(t) === k);
    const train = fitSet.filter((t) => foldOf(t) !== k);
    const { knobs } = fit(base, train);
    const withPriors = fit(base, train, PRIOR_GRID).knobs;
    const f = evaluate(test, fitted(base, knobs, train));
    const p = evaluate(test, fitted(base, withPriors, train));
    const s = evaluate(test, base);
    cvFitted.push(...f.results);
    cvPriors.push(...p.results);
    cvShipped.push(...s.results);
    folds.push({ fold: k, n: test.length, knobs, withPriors, fitted: f, shipped: s });
  }
  const final = fit(base, fitSet);
  return {
    threads: threads.length,
    fitSet: fitSet.length,
    heldOut: heldOut.length,
    shipped: { fit: evaluate(fitSet, base), heldOut: evaluate(heldOut, base), all: evaluate(threads, base) },
    crossValidation: { folds, fitted: figures(cvFitted), withPriors: figures(cvPriors), shipped: figures(cvShipped) },
    final: { knobs: final.knobs, heldOut: evaluate(heldOut, fitted(base, final.knobs, fitSet)) },
    shippedKnobs: shippedKnobs(base),
  };
}

const pct = (k: number, n: number) => (n ? `${k}/${n} (${Math.round((100 * k) / n)}%)` : '—');
const knobsText = (k: Knobs) => `signatureDefault ${k.signatureDefault}, other's otherSignatures ${k.otherSignatures}, priors ${k.priorWeight === Infinity ? "the catalog's" : `blended with the labels (weight ${k.priorWeight})`}`;

function figureRow(name: string, f: Figures): string {
  return `| ${name} | ${f.scored} | ${pct(f.top1, f.scored)} | ${pct(f.top2, f.scored)} | ${f.logLoss.toFixed(2)} | ${f.other.documented}/${f.other.n} (${f.other.documentedConfident} at ≥ 0.6) | ${f.other.named}/${f.other.n} | ${f.lookAlikes.blamed}/${f.lookAlikes.n} |`;
}

/** The calibration as the Markdown section of bench/results.md. */
export function markdown(c: Calibration, command: string): string[] {
  const md = ['## Calibration on real incidents', ''];
  md.push(
    `Produced by \`${command}\` over \`bench/incidents-train.jsonl\` (${c.threads} public threads; unresolved ones are not scored). Each thread's text is diagnosed as a log, its stated runc version and runtime taken as answers. Held out: ${c.heldOut} threads (FNV-1a of \`source\` mod 5 = 0), never used to fit; ${FOLDS}-fold cross-validation over the other ${c.fitSet}.`,
    '',
  );
  md.push('| set | scored | top-1 | top-2 | log loss | "other" given a documented cause | "other" named as other | look-alikes blamed on the runtime |', '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  md.push(figureRow('shipped catalog, fitting part', c.shipped.fit));
  md.push(figureRow('shipped catalog, **held out**', c.shipped.heldOut));
  md.push(figureRow('shipped catalog, all', c.shipped.all));
  md.push(figureRow('cross-validation: ratios fitted per fold', c.crossValidation.fitted));
  md.push(figureRow('cross-validation: ratios and priors fitted per fold', c.crossValidation.withPriors));
  md.push(figureRow('cross-validation: shipped', c.crossValidation.shipped));
  md.push(figureRow('fitted on the fitting part, **held out**', c.final.heldOut));
  md.push('');
  md.push(`Fitted on the fitting part (grid of ${GRID.length} ratio pairs, the catalog's priors kept; least log loss plus penalties for "other" given a documented cause and for top-1 misses): ${knobsText(c.final.knobs)}. Shipped: ${knobsText(c.shippedKnobs)}. Per fold, ratios: ${c.crossValidation.folds.map((f) => `${f.fold}: ${f.knobs.signatureDefault}/${f.knobs.otherSignatures}`).join('; ')}; with priors: ${c.crossValidation.folds.map((f) => `${f.fold}: ${f.withPriors.signatureDefault}/${f.withPriors.otherSignatures}/${f.withPriors.priorWeight}`).join('; ')}.`, '');
  md.push('Reliability of the shipped catalog (all threads where runtime errors were found; stated = the leading cause\'s confidence):', '');
  md.push('| stated confidence | threads | mean stated | leader right |', '| --- | ---: | ---: | ---: |');
  for (const b of c.shipped.all.reliability) md.push(`| ${b.from.toFixed(1)}–${b.to.toFixed(1)} | ${b.n} | ${b.n ? b.meanStated.toFixed(2) : '—'} | ${pct(b.right, b.n)} |`);
  md.push('');
  const misses = c.shipped.all.results.filter((s) => s.verdict !== s.expected);
  md.push(`Threads whose verdict is not their label (${misses.length}): ${misses.map((s) => `${s.source} (${s.expected} → ${s.verdict}${s.verdict === 'unknown' ? `, ${s.leader} leads at ${s.stated}` : ` ${s.stated}`})`).join('; ')}.`, '');
  return md;
}
