import type { NodeFact } from '../logs/facts';
import { canonicalNode } from '../logs/nodes';
import type { Scenario } from '../reproduce/types';
import { latest } from './evidence';
import { probability } from './numbers';
import type { Diagnosis } from './types';
import { parseRuncVersion } from './versions';

/** Below this the leader is not settled, and the lab is worth running (as for the next question). */
const SETTLED = 0.9;

/**
 * Which reproduce scenario would confirm or rule out one of the leading causes: run only when the top
 * causes are close, for the first of the two leaders the lab can provoke.
 */
export function scenarioToConfirm(d: Diagnosis): { scenario: Scenario; cause: string } | { why: string } {
  if (d.verdict.cause === 'none' || d.ranked.length === 0) return { why: 'no runtime exec errors to confirm' };
  const [first, second] = d.ranked;
  if (d.verdict.cause !== 'unknown' && first!.posterior >= SETTLED) return { why: `${first!.cause} leads clearly (${probability(first!.posterior)}): nothing to confirm` };
  for (const r of [first, second]) {
    const confirm = r && d.causes[r.cause]?.confirm;
    if (confirm) return { scenario: confirm.scenario, cause: r.cause };
  }
  return { why: `no reproduce scenario for the leading causes (${[first, second].filter(Boolean).map((r) => r!.cause).join(', ')})` };
}

/**
 * Whether this machine is the node the input comes from: its host name among the nodes the input names,
 * or — when the input names none — its runc the version the input shows. The lab tests this machine's
 * runc, which says nothing about another node's.
 */
export function isTheNode(d: Diagnosis, facts: NodeFact[], here: { hostname: string; runcVersion: string | null }): { yes: boolean; why: string } {
  const nodes = d.fleet.map((n) => n.node);
  if (nodes.length) {
    const yes = nodes.some((n) => canonicalNode(n) === canonicalNode(here.hostname));
    return { yes, why: yes ? `this machine (${here.hostname}) is a node of the input` : `this machine (${here.hostname}) is none of the input's nodes (${nodes.slice(0, 5).join(', ')}${nodes.length > 5 ? ', …' : ''})` };
  }
  const seen = latest(facts, 'runcVersion')?.value ?? null;
  if (!seen) return { yes: false, why: 'the input names no node and shows no runc version to compare this machine with' };
  if (!here.runcVersion) return { yes: false, why: `this machine's runc prints no version to compare with the node's ${seen}` };
  const yes = parseRuncVersion(seen)?.text === parseRuncVersion(here.runcVersion)?.text;
  return { yes, why: yes ? `this machine's runc ${here.runcVersion} is the node's` : `this machine's runc ${here.runcVersion} is not the node's ${seen}` };
}
