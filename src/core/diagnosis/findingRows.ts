import { nodeOf } from '../logs/nodes';
import { byCodeUnit } from '../order';
import { findingAt, forEachInOrder } from '../signatures/occurrences';
import type { Finding, OccurrenceSet } from '../signatures/types';
import { execFailureSignatures } from './causes';
import type { Diagnosis } from './types';

/** Findings of signatures no documented cause prints — look-alikes, and evidence such as the kernel's OOM kills — listed apart. */
export const LOOKALIKE = 'lookalike';

/** One leaf group of the Findings view: a node's findings of one signature, under the cause they are put to. */
export interface Row {
  node: string | null;
  cause: string;
  signature: string;
  /** The row's findings in input order: every one, or the first of them when the rows are bounded (findingRowsOfSets). */
  findings: Finding[];
  /** How many findings the row has (more than `findings` holds when bounded). */
  count: number;
}

/**
 * The Findings view's rows: findings by node, cause and signature. A finding's cause is the
 * diagnosis's — of its group when the diagnosis ranks groups, else its node's leading cause (the
 * fleet), else the leader of the whole input. Nodes in code-unit order (unnamed last), causes most
 * frequent first, look-alikes last; signatures most frequent first.
 */
export function findingRows(findings: Finding[], d: Diagnosis): Row[] {
  return rowsOf((add) => {
    for (const f of findings) add(nodeOf(f), f.signature, () => f);
  }, d);
}

/**
 * The same rows from the OccurrenceSets, each holding its count and only its first `max` findings: a
 * cluster-wide list has hundreds of thousands of occurrences, which the view lists a hundred at a time
 * per row; a Finding is made only for those it lists. (A set's occurrences share their node.)
 */
export function findingRowsOfSets(sets: readonly OccurrenceSet[], d: Diagnosis, max: number): Row[] {
  const nodes = new Map<OccurrenceSet, string | null>();
  return rowsOf((add) =>
    forEachInOrder(sets, (s, i) => {
      if (!nodes.has(s)) nodes.set(s, nodeOf(findingAt(s, 0)));
      add(nodes.get(s)!, s.signature, () => findingAt(s, i));
    }),
  d, max);
}

/** Rows of the findings `each` visits in input order (node, signature, and the finding, made only when kept). */
function rowsOf(each: (add: (node: string | null, signature: string, finding: () => Finding) => void) => void, d: Diagnosis, max = Infinity): Row[] {
  const exec = execFailureSignatures();
  const causeOf = (node: string | null, signature: string): string => {
    if (!exec.has(signature)) return LOOKALIKE;
    const group = d.groups?.find((g) => g.node === node && g.signature === signature);
    if (group) return group.verdict.cause;
    const fleet = d.fleet.find((n) => n.node === node);
    if (fleet) return fleet.cause;
    return d.verdict.cause === 'unknown' && d.ranked[0] ? d.ranked[0].cause : d.verdict.cause;
  };
  const rows = new Map<string, Row>();
  each((node, signature, finding) => {
    // The row of a (node, signature) is looked up once per pair, not per finding, with its cause.
    const pair = `${node}\u0000${signature}`;
    let row = rows.get(pair);
    if (!row) rows.set(pair, (row = { node, cause: causeOf(node, signature), signature, findings: [], count: 0 }));
    row.count += 1;
    if (row.findings.length < max) row.findings.push(finding());
  });
  const perCause = new Map<string, number>();
  for (const r of rows.values()) perCause.set(r.cause, (perCause.get(r.cause) ?? 0) + r.count);
  const causeRank = (c: string) => (c === LOOKALIKE ? -1 : perCause.get(c)!);
  return [...rows.values()].sort((a, b) =>
    byCodeUnit(a.node ?? '\uffff', b.node ?? '\uffff') || causeRank(b.cause) - causeRank(a.cause) || byCodeUnit(a.cause, b.cause) || b.count - a.count || byCodeUnit(a.signature, b.signature));
}
