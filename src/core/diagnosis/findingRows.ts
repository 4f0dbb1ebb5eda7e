import { nodeOf } from '../logs/nodes';
import { byCodeUnit } from '../order';
import type { Finding } from '../signatures/types';
import { execFailureSignatures } from './causes';
import type { Diagnosis } from './types';

/** Findings of signatures no documented cause prints — look-alikes, and evidence such as the kernel's OOM kills — listed apart. */
export const LOOKALIKE = 'lookalike';

/** One leaf group of the Findings view: a node's findings of one signature, under the cause they are put to. */
export interface Row {
  node: string | null;
  cause: string;
  signature: string;
  findings: Finding[];
}

/**
 * The Findings view's rows: findings by node, cause and signature. A finding's cause is the
 * diagnosis's — of its group when the diagnosis ranks groups, else its node's leading cause (the
 * fleet), else the leader of the whole input. Nodes in code-unit order (unnamed last), causes most
 * frequent first, look-alikes last; signatures most frequent first.
 */
export function findingRows(findings: Finding[], d: Diagnosis): Row[] {
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
  for (const f of findings) {
    const node = nodeOf(f);
    const cause = causeOf(node, f.signature);
    const key = `${node}\u0000${cause}\u0000${f.signature}`;
    const row = rows.get(key);
    if (row) row.findings.push(f);
    else rows.set(key, { node, cause, signature: f.signature, findings: [f] });
  }
  const perCause = new Map<string, number>();
  for (const r of rows.values()) perCause.set(r.cause, (perCause.get(r.cause) ?? 0) + r.findings.length);
  const causeRank = (c: string) => (c === LOOKALIKE ? -1 : perCause.get(c)!);
  return [...rows.values()].sort((a, b) =>
    byCodeUnit(a.node ?? '\uffff', b.node ?? '\uffff') || causeRank(b.cause) - causeRank(a.cause) || byCodeUnit(a.cause, b.cause) || b.findings.length - a.findings.length || byCodeUnit(a.signature, b.signature));
}

