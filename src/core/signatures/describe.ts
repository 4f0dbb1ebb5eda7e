import { CAUSE_TITLES } from '../diagnosis/causes';
import { formatWall } from '../logs/time';
import { type FindingGroup, podLabel } from './summary';
import type { Finding, Signature } from './types';

/** How a finding's time reads to a person: the real instant when known, else the time as written. */
export function describeTime(f: Finding): string {
  if (f.time) {
    const from = [f.time.yearFrom !== 'line' && `year from ${f.time.yearFrom}`, f.time.zoneFrom !== 'line' && `zone from ${f.time.zoneFrom}`].filter(Boolean);
    return `${f.time.iso}${from.length ? ` (${from.join(', ')})` : ''}`;
  }
  if (f.wallTime) return `${formatWall(f.wallTime)} node-local (year/zone unknown: set runtimeLens.year and runtimeLens.timeZone)`;
  return 'no timestamp on this line';
}

function occurrenceLine(g: FindingGroup): string {
  const lines = g.first.line === g.last.line ? `line ${g.first.line}` : `lines ${g.first.line}–${g.last.line}`;
  const pods = g.pods.length === 0 ? '' : g.pods.length === 1 ? `, pod ${g.pods[0]![0]}` : `, ${g.pods.length} pods`;
  return `**${g.count}×** in this file (${lines}${pods})`;
}

/** What a diagnosis of an input holding the line concluded: its subject and its headline (numbers.ts). */
export interface DiagnosisBrief {
  subject: string;
  line: string;
}

/**
 * Which cause, as far as this input supports it: the documented causes that print the error, and the
 * diagnosis of an input holding the line when there is one — never one cause's story told as the cause.
 */
export function whichCause(sig: Signature, diagnosis: DiagnosisBrief | null): string | null {
  const causes = (sig.causes ?? []).map((c) => CAUSE_TITLES[c] ?? c);
  if (causes.length === 0) return null;
  const printed = causes.length === 1 ? `one documented cause prints it — ${causes[0]}` : `${causes.length} documented causes print it — ${causes.join('; ')}`;
  const here = diagnosis ? `The diagnosis of ${diagnosis.subject}: ${diagnosis.line}.` : "This line alone does not say which: Diagnose weighs the evidence in the node's logs.";
  return `**Which cause?** Of the runtime's known failures, ${printed}. ${here}`;
}

/** The hover for a recognised line: what it is, where it comes from, which cause the input supports, how often, what to do. */
export function hoverMarkdown(sig: Signature, finding: Finding, group: FindingGroup | undefined, diagnosis: DiagnosisBrief | null = null): string {
  const parts: string[] = [];
  parts.push(`**${sig.title}** \`${sig.id}\` · ${sig.severity}`);
  parts.push(sig.explanation);
  const which = whichCause(sig, diagnosis);
  if (which) parts.push(which);
  if (sig.travels?.length) parts.push(`**Where it comes from:** ${sig.travels.join(' → ')}`);
  const where: string[] = [];
  if (group) where.push(occurrenceLine(group));
  where.push(`this line: ${describeTime(finding)}`);
  const pod = podLabel(finding);
  if (pod) where.push(`pod \`${pod}\`${finding.record.container ? `, container \`${finding.record.container}\`` : ''}`);
  if (finding.record.count > 1) where.push(`this event stands for ${finding.record.count} occurrences`);
  parts.push(where.join(' · '));
  if (sig.nextSteps?.length) parts.push(`**Next steps**\n\n${sig.nextSteps.map((s) => `- ${s}`).join('\n')}`);
  return parts.join('\n\n');
}

/** A Markdown page about one signature in one file: the explanation, causes, steps and every occurrence. */
export function explainMarkdown(sig: Signature, group: FindingGroup | undefined, fileLabel: string, maxRows = 200): string {
  const out: string[] = [`# ${sig.title}`, '', `\`${sig.id}\` · ${sig.severity}${sig.component ? ` · originates in ${sig.component}` : ''}`, '', sig.explanation];
  if (sig.travels?.length) out.push('', '## Where it comes from', '', sig.travels.join(' → '));
  if (sig.likelyCauses?.length) out.push('', '## Likely causes', '', ...sig.likelyCauses.map((c) => `- ${c}`));
  if (sig.nextSteps?.length) out.push('', '## Next steps', '', ...sig.nextSteps.map((s) => `- ${s}`));
  if (group) {
    out.push('', `## In ${fileLabel}`, '', occurrenceLine(group).replace('in this file', ''), '');
    if (group.pods.length) out.push('| pod | occurrences |', '|---|---|', ...group.pods.map(([p, n]) => `| ${p} | ${n} |`), '');
    out.push('| line | time | pod | container |', '|---|---|---|---|');
    for (const f of group.findings.slice(0, maxRows)) {
      out.push(`| ${f.line} | ${describeTime(f).replace(/ \(year\/zone unknown.*$/, '')} | ${podLabel(f) ?? ''} | ${f.record.container ?? ''} |`);
    }
    if (group.findings.length > maxRows) out.push('', `… and ${group.findings.length - maxRows} more lines.`);
  }
  return `${out.join('\n')}\n`;
}
