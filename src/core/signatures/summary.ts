import type { Matcher } from './matcher';
import { findingAt } from './occurrences';
import type { Finding, OccurrenceSet, Signature } from './types';

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

/** A FindingGroup read from OccurrenceSets: the same summary, without a Finding per occurrence. */
export type OccurrenceGroup = Omit<FindingGroup, 'findings'>;

/** `groupFindings` for OccurrenceSets: per file and signature, in catalog order within a file. */
export function groupOccurrences(sets: readonly OccurrenceSet[], matcher: Matcher): OccurrenceGroup[] {
  const bySignature = new Map<string, OccurrenceSet[]>();
  for (const s of sets) {
    if (!matcher.byId(s.signature)) continue;
    const key = `${s.file}\u0000${s.signature}`;
    const list = bySignature.get(key);
    if (list) list.push(s);
    else bySignature.set(key, [s]);
  }
  const groups: OccurrenceGroup[] = [];
  for (const list of bySignature.values()) {
    // The first line (the earliest finding on it) and the last line (the earliest finding on that one).
    let first: [OccurrenceSet, number] = [list[0]!, 0];
    let last: [OccurrenceSet, number] = first;
    let [firstLine, lastLine, firstOrder, lastOrder] = [Infinity, -Infinity, Infinity, Infinity];
    for (const s of list) {
      for (let i = 0; i < s.size; i++) {
        const line = s.store.lines[s.start + i]!;
        const order = s.store.order[s.start + i]!;
        if (line < firstLine || (line === firstLine && order < firstOrder)) [first, firstLine, firstOrder] = [[s, i], line, order];
        if (line > lastLine || (line === lastLine && order < lastOrder)) [last, lastLine, lastOrder] = [[s, i], line, order];
      }
    }
    const pods = new Map<string, number>();
    for (const s of list) {
      const label = s.pod ? (s.namespace ? `${s.namespace}/${s.pod}` : s.pod) : null;
      if (label) pods.set(label, (pods.get(label) ?? 0) + s.count);
    }
    groups.push({
      signature: matcher.byId(list[0]!.signature)!,
      file: list[0]!.file,
      count: list.reduce((n, s) => n + s.count, 0),
      first: findingAt(...first),
      last: findingAt(...last),
      pods: [...pods].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])),
    });
  }
  const order = new Map(matcher.signatures.map((s, i) => [s.def.id, i]));
  return groups.sort((a, b) => a.file.localeCompare(b.file) || order.get(a.signature.id)! - order.get(b.signature.id)!);
}
