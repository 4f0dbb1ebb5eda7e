import * as path from 'node:path';
import type { PanelHop } from './protocol';
import type { Attachment, Diagnosis, Evidence } from './types';
import { CAUSE_TITLES } from './causes';
import { headline, listed, probability, sizesShown } from './numbers';
import { ENGLISH, type Say } from '../l10n';

function status(e: Evidence, say: Say): string {
  return e.holds === true ? say.t('✅ holds') : e.holds === false ? say.t('❌ does not hold') : say.t('❔ unknown');
}

function source(e: Evidence, say: Say): string {
  switch (e.source) {
    case 'logs':
      return say.t('logs');
    case 'sources':
      return say.t('Go sources');
    case 'user':
      return say.t('answered by hand');
    case 'default':
      return say.t('default');
    case 'measured':
      return say.t('measured by the reproduce lab');
  }
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/**
 * The incident-ticket report: verdict, evidence with how to check it, timeline summary, fix. `say`: its
 * words in the reader's language (the catalog's texts looked up with `say.k`); English by default.
 */
export function reportMarkdown(d: Diagnosis, subject: string, chain: { title: string; hops: PanelHop[] } | null, generated: string, say: Say = ENGLISH): string {
  const out: string[] = [];
  const v = d.verdict;
  const head = headline(d, say);
  const causeTitle = (cause: string) => say.k(CAUSE_TITLES[cause] ?? cause);
  out.push(say.t('# Runtime Lens diagnosis: {0}', head.title), '');
  out.push(say.t('**Verdict:** `{0}`{1}', v.cause, head.value === null ? '' : ` — ${head.label}`), '', v.summary, '');
  const { files, lines, events } = d.inputs;
  const shown = sizesShown(d.inputs);
  out.push(
    !shown.events ? say.t('Inputs: {0} ({1} file(s), {2} lines). {3}', subject, files, lines, d.clock)
      : !shown.lines ? say.t('Inputs: {0} ({1} file(s), {2} events). {3}', subject, files, events, d.clock)
        : say.t('Inputs: {0} ({1} file(s), {2} lines, {3} events). {4}', subject, files, lines, events, d.clock),
    '',
  );
  if (d.ranked.length) {
    out.push(say.t('## Causes, ranked'), '', say.t('| cause | probability | for | against |'), '|---|---:|---|---|');
    const word = (c: { kind: string; title: string; holds: boolean | null; lr: number }) => `${c.kind === 'signature' ? `"${c.title}"` : c.holds ? say.k(c.title) : say.t('not: {0}', say.k(c.title))} ×${c.lr >= 10 || c.lr < 0.1 ? c.lr.toPrecision(2) : c.lr.toFixed(2)}`;
    for (const r of listed(d.ranked).shown) {
      out.push(`| ${cell(causeTitle(r.cause))} (\`${r.cause}\`) | ${probability(r.posterior)} | ${cell(r.for.slice(0, 3).map(word).join('; ') || '—')} | ${cell(r.against.slice(0, 3).map(word).join('; ') || '—')} |`);
    }
    out.push('');
    if (d.question) out.push(say.t('**Next question:** {0}{1} (yes → `{2}`, no → `{3}`)', say.k(d.question.prompt), d.question.check ? say.t(' — on the node: `{0}`', d.question.check) : '', d.question.ifYes, d.question.ifNo), '');
  }
  if (d.explained.length > 1 || d.byNode.some((n) => n.node !== null && d.byNode.some((m) => m.node !== n.node))) {
    out.push(say.t('## Causes by group'), '');
    for (const n of d.byNode) out.push(`- ${n.node ?? say.t('no node named')}: ${causeTitle(n.cause)} (${n.count}) — ${n.errors.join(', ')}; ${Math.round(n.confidence * 100)}%`);
    out.push('', say.t('| group | failures | its cause |'), '|---|---:|---|');
    for (const g of d.groups.slice(0, 40)) out.push(`| \`${cell(g.id)}\` | ${g.count} | \`${g.verdict.cause}\` ${Math.round(g.verdict.confidence * 100)}% |`);
    if (d.groups.length > 40) out.push(say.t('| … {0} more | | |', d.groups.length - 40));
    out.push('');
  }
  if (d.fleet.length > 1) {
    out.push(say.t('## Fleet'), '', say.t('| node | failures | runc | its leading cause |'), '|---|---:|---|---|');
    for (const n of d.fleet) {
      const lead = n.cause === 'none' ? '—' : n.cause === 'unknown' && n.leader ? say.t('not established; `{0}` leads with {1}', n.leader, probability(n.confidence)) : `\`${n.cause}\` ${probability(n.confidence)}`;
      out.push(`| ${cell(n.node)} | ${n.failures} | ${n.runc ?? '—'} | ${lead} |`);
    }
    out.push('');
  }
  out.push(say.t('## Symptom'), '');
  if (d.clusters.length === 0) out.push(say.t('No recognised runtime errors.'), '');
  else {
    out.push(say.t('| error | pod / container | count | first seen | last seen | per hour |'), '|---|---|---:|---|---|---:|');
    for (const c of d.clusters.slice(0, 30)) {
      out.push(`| ${cell(c.title)} | ${cell([c.pod, c.container].filter(Boolean).join(' / ') || '—')} | ${c.count} | ${c.firstSeen ?? '—'} | ${c.lastSeen ?? '—'} | ${c.perHour ?? '—'} |`);
    }
    if (d.clusters.length > 30) out.push(say.t('| … {0} more | | | | | |', d.clusters.length - 30));
    out.push('');
  }
  out.push(say.t('## Evidence'), '', say.t('| check | status | detail | source |'), '|---|---|---|---|');
  for (const e of v.evidence.filter((x) => x.holds !== null || (x.source !== 'user' && x.source !== 'measured'))) out.push(`| ${cell(say.k(e.title))} | ${status(e, say)} | ${cell(e.detail)}${e.where ? ` (${path.basename(e.where.file)}:${e.where.line})` : ''} | ${source(e, say)} |`);
  out.push('');
  const checks = v.evidence.filter((e) => e.check);
  if (checks.length) {
    out.push(say.t('Check on the node:'), '', '```sh', ...checks.map((e) => `# ${say.k(e.title)}\n${e.check}`), '```', '');
  }
  const collected = [...new Set(v.evidence.filter((e) => e.holds === null && e.collected).flatMap((e) => e.collected!))];
  if (collected.length) {
    out.push(say.t('Or in one step: `runtime-lens collect` on the node (`runtime-lens collect --print-script` where it has no node.js) gathers {0}, which answer the open checks; `runtime-lens diagnose` reads the bundle as it is.', collected.map((f) => `\`${f}\``).join(', ')), '');
  }
  for (const e of v.evidence) for (const a of e.attachments ?? []) out.push(...attachmentSection(a, e, say));
  if (chain) {
    out.push(say.t('## Where it comes from — {0}', chain.title), '');
    for (const h of chain.hops) out.push(`${h.index + 1}. \`${h.symbol}\` (${h.component}, ${h.boundary})${h.resolved && h.file ? ` — ${h.file}:${h.line}` : say.t(' — not in the given sources')}`);
    out.push('');
  }
  if (d.fixes.length) {
    out.push(d.fixesFor && d.fixesFor !== v.cause ? say.t('## Fix, for `{0}`', d.fixesFor) : v.settled ? say.t('## Fix, for the cause settled by hand') : say.t('## Fix'), '');
    for (const f of d.fixes) out.push(say.t('- **{0}.** {1} *Trade-offs:* {2}', say.k(f.title), say.k(f.how), say.k(f.tradeoffs)));
    out.push('');
  }
  out.push(`---`, say.t('Generated by Runtime Lens on {0}.', generated), '');
  return out.join('\n');
}

/** An evidence attachment as a section of the report, by its kind. */
function attachmentSection(a: Attachment, e: Evidence, say: Say): string[] {
  switch (a.kind) {
    case 'phase-timeline': {
      const t = a.timeline;
      const r = t.rayleigh;
      if (!r || t.events.length === 0) return [];
      // The tick's phase comes from the kubelet's logged start, else from the events' mean (evidence.ts sets both together).
      const at = t.tickPhaseSeconds?.toFixed(1);
      const tick = at === undefined ? '' : t.tickPhaseFrom === 'kubelet start' ? say.t('; tick at {0} s (kubelet start)', at) : say.t('; tick at {0} s (events)', at);
      return [
        say.t('## Timeline — {0} against {1}', say.k(a.events), say.k(a.period)),
        '',
        say.t('{0} {1} over {2} h; phase within the {3} s period: R̄ {4}, Rayleigh p {5}{6}.', r.n, say.k(a.events), (t.spanMs / 3_600_000).toFixed(1), t.periodSeconds, r.meanResultant.toFixed(2), r.p < 1e-6 ? r.p.toExponential(1) : r.p.toFixed(4), tick),
        '',
      ];
    }
    case 'source-check':
      return [
        say.t('## {0} in your {1} sources', a.subject, a.program),
        '',
        `${a.reading}${a.file ? ` — ${a.file}:${a.line}` : ''}. ${a.why[0]!.toUpperCase()}${a.why.slice(1)}${a.weighed ? say.t(' (weighed as "{0}")', say.k(e.title)) : ''}.`,
        '',
      ];
    case 'chain-node':
      // The Call Path view's node: the trace's business, not the ticket's.
      return [];
  }
}
