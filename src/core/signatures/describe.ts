import { CAUSE_TITLES } from '../diagnosis/causes';
import { ENGLISH, type Say } from '../l10n';
import { formatWall } from '../logs/time';
import { innermostReader } from '../messages/innermost';
import { RUNTIME_ERROR } from './matcher';
import { type FindingGroup, podLabel } from './summary';
import type { ErrorAnatomy, Finding, Layer, Signature } from './types';

/**
 * How a finding's time reads to a person: the real instant when known, else the time as written. The
 * hovers and pages below take `say` for their words (English by default); signature texts stay as written.
 */
export function describeTime(f: Finding, say: Say = ENGLISH): string {
  if (f.time) {
    const from = [f.time.yearFrom !== 'line' && say.t('year from {0}', f.time.yearFrom), f.time.zoneFrom !== 'line' && say.t('zone from {0}', f.time.zoneFrom)].filter(Boolean);
    return `${f.time.iso}${from.length ? ` (${from.join(', ')})` : ''}`;
  }
  if (f.wallTime) return say.t('{0} node-local (year/zone unknown: set runtimeLens.year and runtimeLens.timeZone)', formatWall(f.wallTime));
  return say.t('no timestamp on this line');
}

/** How often a signature occurs in a file: "in this file" on a hover, plain on the file's own page. */
function occurrenceLine(g: FindingGroup, say: Say, inThisFile = true): string {
  const lines = g.first.line === g.last.line ? say.t('line {0}', g.first.line) : say.t('lines {0}–{1}', g.first.line, g.last.line);
  const pods = g.pods.length === 0 ? '' : g.pods.length === 1 ? say.t(', pod {0}', g.pods[0]![0]) : say.t(', {0} pods', g.pods.length);
  return inThisFile ? say.t('**{0}×** in this file ({1}{2})', g.count, lines, pods) : say.t('**{0}×** ({1}{2})', g.count, lines, pods);
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
export function whichCause(sig: Signature, diagnosis: DiagnosisBrief | null, say: Say = ENGLISH): string | null {
  const causes = (sig.causes ?? []).map((c) => say.k(CAUSE_TITLES[c] ?? c));
  if (causes.length === 0) return null;
  const printed = causes.length === 1 ? say.t('one documented cause prints it — {0}', causes[0]!) : say.t('{0} documented causes print it — {1}', causes.length, causes.join(say.t('; ')));
  const here = diagnosis ? say.t('The diagnosis of {0}: {1}.', diagnosis.subject, diagnosis.line) : say.t("This line alone does not say which: Diagnose weighs the evidence in the node's logs.");
  return say.t("**Which cause?** Of the runtime's known failures, {0}. {1}", printed, here);
}

/**
 * The hover for a recognised line: what it is, where it comes from, which cause the input supports, how
 * often, what to do. A runtime error's layers (`anatomy`, anatomyMarkdown) come right after its heading:
 * they are this line's own story.
 */
export function hoverMarkdown(sig: Signature, finding: Finding, group: FindingGroup | undefined, diagnosis: DiagnosisBrief | null = null, anatomy?: string, say: Say = ENGLISH): string {
  const parts: string[] = [];
  parts.push(`**${findingTitle(sig, finding, say)}** \`${sig.id}\` · ${sig.severity}`);
  if (anatomy) parts.push(anatomy);
  parts.push(sig.explanation);
  const which = whichCause(sig, diagnosis, say);
  if (which) parts.push(which);
  if (sig.travels?.length) parts.push(say.t('**Where it comes from:** {0}', sig.travels.join(' → ')));
  const where: string[] = [];
  if (group) where.push(occurrenceLine(group, say));
  where.push(say.t('this line: {0}', describeTime(finding, say)));
  const pod = podLabel(finding);
  if (pod) where.push(finding.record.container ? say.t('pod `{0}`, container `{1}`', pod, finding.record.container) : say.t('pod `{0}`', pod));
  if (finding.record.count > 1) where.push(say.t('this event stands for {0} occurrences', finding.record.count));
  parts.push(where.join(' · '));
  if (sig.nextSteps?.length) parts.push(`${say.t('**Next steps**')}\n\n${sig.nextSteps.map((s) => `- ${s}`).join('\n')}`);
  return parts.join('\n\n');
}

/** A Markdown page about one signature in one file: the explanation, causes, steps and every occurrence. */
export function explainMarkdown(sig: Signature, group: FindingGroup | undefined, fileLabel: string, maxRows = 200, say: Say = ENGLISH): string {
  const out: string[] = [`# ${sig.title}`, '', `\`${sig.id}\` · ${sig.severity}${sig.component ? say.t(' · originates in {0}', sig.component) : ''}`, '', sig.explanation];
  if (sig.travels?.length) out.push('', say.t('## Where it comes from'), '', sig.travels.join(' → '));
  if (sig.likelyCauses?.length) out.push('', say.t('## Likely causes'), '', ...sig.likelyCauses.map((c) => `- ${c}`));
  if (sig.nextSteps?.length) out.push('', say.t('## Next steps'), '', ...sig.nextSteps.map((s) => `- ${s}`));
  if (group) {
    out.push('', say.t('## In {0}', fileLabel), '', occurrenceLine(group, say, false), '');
    if (group.pods.length) out.push(say.t('| pod | occurrences |'), '|---|---|', ...group.pods.map(([p, n]) => `| ${p} | ${n} |`), '');
    out.push(say.t('| line | time | pod | container |'), '|---|---|---|---|');
    for (const f of group.findings.slice(0, maxRows)) {
      out.push(`| ${f.line} | ${f.wallTime && !f.time ? say.t('{0} node-local', formatWall(f.wallTime)) : describeTime(f, say)} | ${podLabel(f) ?? ''} | ${f.record.container ?? ''} |`);
    }
    if (group.findings.length > maxRows) out.push('', say.t('… and {0} more lines.', group.findings.length - maxRows));
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
export function anatomyMarkdown(a: ErrorAnatomy, innermost: { words: string; meaning: string | null } | null, link: (l: Layer) => LayerLink | null, say: Say = ENGLISH): string {
  const rows = a.layers.map((l, i) => {
    const target = l.origin ? link(l) : null;
    const site = l.origin ? `${l.origin.file.split('/').pop()}:${l.origin.line}` : null;
    const where = target && site ? ` [${site}](${target.href} "${target.title.replace(/["\\]/g, "'")}")` : site ? ` ${site}` : '';
    return `${i + 1}. **${l.program}**${where} ${code(l.text)}${l.versions ? ` · ${l.versions}` : ''}`;
  });
  const out = [say.t('**Layers** (outermost first)'), rows.join('\n')];
  if (innermost) out.push(say.t('**Innermost error:** {0}', `${code(innermost.words)}${innermost.meaning ? ` — ${innermost.meaning}` : ''}`));
  const versions = Object.entries(a.versions).map(([p, v]) => `${p} ${v}`);
  if (versions.length) out.push(say.t('**Versions with this wording:** {0}', versions.join(' · ')));
  return out.join('\n\n');
}

/**
 * What a finding is, in a line (the Problems entry, the hover's heading): an unclassified runtime error is
 * named by its innermost error (`Runtime error: open /dev/ptmx: ENOSPC (no space left on device)`), a
 * curated one by its title followed by the innermost error when the line has a system call's.
 */
export function findingTitle(sig: Signature, finding: Finding, say: Say = ENGLISH): string {
  const e = finding.anatomy?.innermost;
  if (!e) return sig.title;
  const words = innermostReader().describe(e);
  if (sig.id === RUNTIME_ERROR) return say.t('Runtime error: {0}', words);
  return e.errno && e.errno !== 'EOF' ? `${sig.title} — ${words}` : sig.title;
}

/** The innermost error of a finding for anatomyMarkdown: its words and the meaning innermost.json gives it. */
export function innermostSummary(finding: Finding): { words: string; meaning: string | null } | null {
  const e = finding.anatomy?.innermost;
  if (!e) return null;
  const reader = innermostReader();
  return { words: reader.describe(e), meaning: reader.rule(e)?.meaning ?? null };
}
