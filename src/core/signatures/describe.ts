import { CAUSE_TITLES } from '../diagnosis/causes';
import { formatWall } from '../logs/time';
import { innermostReader } from '../messages/innermost';
import { RUNTIME_ERROR } from './matcher';
import { type FindingGroup, podLabel } from './summary';
import type { ErrorAnatomy, Finding, Layer, Signature } from './types';

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

/**
 * The hover for a recognised line: what it is, where it comes from, which cause the input supports, how
 * often, what to do. A runtime error's layers (`anatomy`, anatomyMarkdown) come right after its heading:
 * they are this line's own story.
 */
export function hoverMarkdown(sig: Signature, finding: Finding, group: FindingGroup | undefined, diagnosis: DiagnosisBrief | null = null, anatomy?: string): string {
  const parts: string[] = [];
  parts.push(`**${findingTitle(sig, finding)}** \`${sig.id}\` · ${sig.severity}`);
  if (anatomy) parts.push(anatomy);
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

/** Text shown as code in Markdown, whatever backticks it holds; long texts cut in the middle. */
function code(text: string, max = 160): string {
  const t = text.length > max ? `${text.slice(0, max / 2)}…${text.slice(-max / 2 + 1)}` : text;
  const fence = t.includes('`') ? '``' : '`';
  return `${fence}${fence.length > 1 ? ' ' : ''}${t}${fence.length > 1 ? ' ' : ''}${fence}`;
}

/** A link's target and its tooltip (a `command:` URI or a web address). */
export interface LayerLink {
  href: string;
  title: string;
}

/**
 * A runtime error's layers for the hover, outermost first: each program's words, linked to the line that
 * printed them (`link` chooses: the user's Go sources when they hold it, else upstream at the tag), and
 * the versions that hold the wording; then the innermost error with its meaning, and the versions
 * consistent with every layer.
 */
export function anatomyMarkdown(a: ErrorAnatomy, innermost: { words: string; meaning: string | null } | null, link: (l: Layer) => LayerLink | null): string {
  const rows = a.layers.map((l, i) => {
    const target = l.origin ? link(l) : null;
    const site = l.origin ? `${l.origin.file.split('/').pop()}:${l.origin.line}` : null;
    const where = target && site ? ` [${site}](${target.href} "${target.title.replace(/["\\]/g, "'")}")` : site ? ` ${site}` : '';
    return `${i + 1}. **${l.program}**${where} ${code(l.text)}${l.versions ? ` · ${l.versions}` : ''}`;
  });
  const out = [`**Layers** (outermost first)`, rows.join('\n')];
  if (innermost) out.push(`**Innermost error:** ${code(innermost.words)}${innermost.meaning ? ` — ${innermost.meaning}` : ''}`);
  const versions = Object.entries(a.versions).map(([p, v]) => `${p} ${v}`);
  if (versions.length) out.push(`**Versions with this wording:** ${versions.join(' · ')}`);
  return out.join('\n\n');
}

/**
 * What a finding is, in a line (the Problems entry, the hover's heading): an unclassified runtime error is
 * named by its innermost error (`Runtime error: open /dev/ptmx: ENOSPC (no space left on device)`), a
 * curated one by its title followed by the innermost error when the line has a system call's.
 */
export function findingTitle(sig: Signature, finding: Finding): string {
  const e = finding.anatomy?.innermost;
  if (!e) return sig.title;
  const words = innermostReader().describe(e);
  if (sig.id === RUNTIME_ERROR) return `Runtime error: ${words}`;
  return e.errno && e.errno !== 'EOF' ? `${sig.title} — ${words}` : sig.title;
}

/** The innermost error of a finding for anatomyMarkdown: its words and the meaning innermost.json gives it. */
export function innermostSummary(finding: Finding): { words: string; meaning: string | null } | null {
  const e = finding.anatomy?.innermost;
  if (!e) return null;
  const reader = innermostReader();
  return { words: reader.describe(e), meaning: reader.rule(e)?.meaning ?? null };
}
