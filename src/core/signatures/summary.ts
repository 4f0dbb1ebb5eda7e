import type { Matcher } from './matcher';
import type { Recognition } from './recognise';
import type { Finding, Signature } from './types';

/** Findings of one signature in one file: how often, where first and last, which pods. */
export interface FindingGroup {
  signature: Signature;
  file: string;
  /** Occurrences, counting aggregated events (`x31`) as what they stand for. */
  count: number;
  findings: Finding[];
  first: Finding;
  last: Finding;
  /** "namespace/pod" (or "pod") with occurrences, most frequent first. */
  pods: [string, number][];
}

export interface Evidence {
  id: string;
  holds: boolean | null;
  detail: string;
}

export interface Verdict {
  cause: string;
  confidence: number;
  summary: string;
  evidence: Evidence[];
}

export interface Summary {
  groups: FindingGroup[];
  byFile: Map<string, FindingGroup[]>;
  verdict: Verdict;
  hypotheses: { cause: string; confidence: number }[];
}

export function podLabel(f: Finding): string | null {
  const { pod, namespace } = f.record;
  return pod ? (namespace ? `${namespace}/${pod}` : pod) : null;
}

/** Groups findings per file and signature, in catalog order within a file. */
export function groupFindings(findings: Finding[], matcher: Matcher): FindingGroup[] {
  const groups = new Map<string, FindingGroup>();
  for (const f of findings) {
    const key = `${f.file}\u0000${f.signature}`;
    let g = groups.get(key);
    if (!g) {
      const signature = matcher.byId(f.signature);
      if (!signature) continue;
      g = { signature, file: f.file, count: 0, findings: [], first: f, last: f, pods: [] };
      groups.set(key, g);
    }
    g.count += f.record.count;
    g.findings.push(f);
    if (f.line < g.first.line) g.first = f;
    if (f.line > g.last.line) g.last = f;
  }
  const order = new Map(matcher.signatures.map((s, i) => [s.def.id, i]));
  const list = [...groups.values()].sort((a, b) => a.file.localeCompare(b.file) || order.get(a.signature.id)! - order.get(b.signature.id)!);
  for (const g of list) {
    const pods = new Map<string, number>();
    for (const f of g.findings) {
      const label = podLabel(f);
      if (label) pods.set(label, (pods.get(label) ?? 0) + f.record.count);
    }
    g.pods = [...pods].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  }
  return list;
}

/**
 * The verdict this version can stand behind: it recognises errors but does not yet test their cause
 * (reconcile alignment, cpu-manager policy, runc version come with the diagnosis engine), so EOF
 * errors give `unknown` rather than a confident guess.
 */
export function summarise(recognitions: Recognition[], matcher: Matcher): Summary {
  const groups = groupFindings(recognitions.flatMap((r) => r.findings), matcher);
  const byFile = new Map<string, FindingGroup[]>();
  for (const g of groups) byFile.set(g.file, [...(byFile.get(g.file) ?? []), g]);
  const eof = groups.filter((g) => g.signature.id === 'oci-exec-eof');
  const eofCount = eof.reduce((n, g) => n + g.count, 0);
  const execFamily = groups.filter((g) => g.signature.chain === 'reader');
  const evidence: Evidence[] = [
    {
      id: 'eof-errors-present',
      holds: eofCount > 0,
      detail:
        eofCount > 0
          ? `${eofCount} "OCI runtime exec failed: exec failed: (unexpected) EOF" error(s) in ${eof.map((g) => g.file).join(', ')}`
          : 'no "OCI runtime exec failed: exec failed: EOF" errors in the input',
    },
  ];
  let verdict: Verdict;
  if (execFamily.length > 0) {
    const kinds = [...new Set(execFamily.map((g) => g.signature.title))].join(', ');
    verdict = {
      cause: 'unknown',
      confidence: 0.5,
      summary: `Runtime exec errors found (${kinds}); their cause is not tested here, so none is claimed.`,
      evidence,
    };
  } else {
    const others = groups.length > 0 ? ` (only look-alikes: ${[...new Set(groups.map((g) => g.signature.title))].join(', ')})` : '';
    verdict = { cause: 'none', confidence: 1, summary: `No runtime exec errors of a known kind in the input${others}.`, evidence };
  }
  return { groups, byFile, verdict, hypotheses: [] };
}
