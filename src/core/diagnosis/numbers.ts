/**
 * The one number a diagnosis states, and its words — the same in the CLI, the panel, the report and the
 * hover, because people quote it in tickets. Pure and import-free: the webview bundles it too.
 *
 * The number is a posterior: the probability of the cause it names, given the evidence, capped at 97%
 * since no log proves a cause. For a verdict, the verdict's cause; for `unknown`, the leading cause
 * (named with it: the verdict is not that cause); for a cause settled by hand, the settled cause's.
 */

import { ENGLISH, type Say } from '../l10n';

/** No log proves a cause: no posterior is stated above this. */
export const CAP = 0.97;

/** Titles of the two verdicts that are not causes. */
export const VERDICT_TITLES: Readonly<Record<string, string>> = { unknown: 'Cause not established', none: 'No runtime exec errors' };

/**
 * The units that say how much a diagnosis read: lines of the inputs read as lines, events of kubectl event
 * lists (a compact list is one line of any size). Lines when there are any or no events at all (an empty
 * input: 0 lines), events when there are any. The CLI, the panel and the report each put it in their words.
 */
export function sizesShown(inputs: { lines: number; events: number }): { lines: boolean; events: boolean } {
  return { lines: inputs.lines > 0 || inputs.events === 0, events: inputs.events > 0 };
}

/** A posterior as it is shown everywhere: whole percent, capped. */
export function probability(p: number): string {
  return `${Math.round(Math.min(CAP, Math.max(0, p)) * 100)}%`;
}

/** The parts of a diagnosis the headline reads (structural, so the webview needs no more than it has). */
export interface HeadlineSource {
  verdict: { cause: string; confidence: number; settled?: { evidenceCause: string; evidenceConfidence: number; leader: string } };
  ranked: { cause: string; posterior: number }[];
  causes: Record<string, { title: string }>;
}

export interface Headline {
  /** The verdict's cause, or the words for `unknown` / `none`. */
  title: string;
  /** The posterior shown, or null when no cause is weighed (`none`). */
  value: number | null;
  /** Which cause the number is the probability of, and that it is one: the label that goes with it. */
  label: string;
  /** The same, for a place that shows the number beside it (the panel's meter). */
  caption: string;
  /** Title, number and label in one line. */
  line: string;
}

export function titleOf(cause: string, d: Pick<HeadlineSource, 'causes'>): string {
  return d.causes[cause]?.title ?? VERDICT_TITLES[cause] ?? cause;
}

/** The headline in the reader's language (`say`: English by default; titles are the catalog's, looked up with `say.k`). */
export function headline(d: HeadlineSource, say: Say = ENGLISH): Headline {
  const v = d.verdict;
  const titled = (cause: string) => say.k(titleOf(cause, d));
  const title = titled(v.cause);
  if (v.cause === 'none' || d.ranked.length === 0) return { title, value: null, label: say.t('no runtime exec errors to weigh'), caption: say.t('no runtime exec errors to weigh'), line: title };
  if (v.settled) {
    const leader = v.settled.leader === v.cause ? '' : say.t('; {0} leads', titled(v.settled.leader));
    const label = say.t('settled by hand — the evidence alone gives it {0}{1}', probability(v.confidence), leader);
    return { title, value: v.confidence, label, caption: say.t('settled by hand: what the evidence alone gives it{0}', leader), line: `${title}: ${label}` };
  }
  if (v.cause === 'unknown') {
    const lead = titled(d.ranked[0]!.cause);
    const label = say.t('leading cause {0}: {1} probability', lead, probability(v.confidence));
    return { title, value: v.confidence, label, caption: say.t('probability of the leading cause, {0}', lead), line: `${title} — ${label}` };
  }
  const label = say.t('{0} probability given the evidence', probability(v.confidence));
  return { title, value: v.confidence, label, caption: say.t('probability given the evidence'), line: `${title} — ${label}` };
}

/**
 * Which causes a ranking lists by name: the first three, and every other that shows as at least 1%;
 * the rest are "below 1%" — true of each of them, since they round to 0%.
 */
export function listed<T extends { posterior: number }>(ranked: T[]): { shown: T[]; rest: T[] } {
  const shown = ranked.filter((r, i) => i < 3 || Math.round(Math.min(CAP, r.posterior) * 100) >= 1);
  return { shown, rest: ranked.filter((r) => !shown.includes(r)) };
}
