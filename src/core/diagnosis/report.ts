import * as path from 'node:path';
import type { PanelHop } from './protocol';
import type { Attachment, Diagnosis, Evidence } from './types';
import { CAUSE_TITLES } from './causes';
import { headline, listed, probability } from './numbers';

const STATUS: Record<string, string> = { true: '✅ holds', false: '❌ does not hold', null: '❔ unknown' };

function status(e: Evidence): string {
  return STATUS[String(e.holds)]!;
}

const SOURCE: Record<string, string> = { logs: 'logs', sources: 'Go sources', user: 'answered by hand', default: 'default', measured: 'measured by the reproduce lab' };

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** The incident-ticket report: verdict, evidence with how to check it, timeline summary, fix. */
export function reportMarkdown(d: Diagnosis, subject: string, chain: { title: string; hops: PanelHop[] } | null, generated: string): string {
  const out: string[] = [];
  const v = d.verdict;
  const head = headline(d);
  out.push(`# Runtime Lens diagnosis: ${head.title}`, '');
  out.push(`**Verdict:** \`${v.cause}\`${head.value === null ? '' : ` — ${head.label}`}`, '', v.summary, '');
  out.push(`Inputs: ${subject} (${d.inputs.files} file(s), ${d.inputs.lines} lines). ${d.clock}`, '');
  if (d.ranked.length) {
    out.push('## Causes, ranked', '', '| cause | probability | for | against |', '|---|---:|---|---|');
    const word = (c: { kind: string; title: string; holds: boolean | null; lr: number }) => `${c.kind === 'signature' ? `"${c.title}"` : c.holds ? c.title : `not: ${c.title}`} ×${c.lr >= 10 || c.lr < 0.1 ? c.lr.toPrecision(2) : c.lr.toFixed(2)}`;
    for (const r of listed(d.ranked).shown) {
      out.push(`| ${cell(CAUSE_TITLES[r.cause] ?? r.cause)} (\`${r.cause}\`) | ${probability(r.posterior)} | ${cell(r.for.slice(0, 3).map(word).join('; ') || '—')} | ${cell(r.against.slice(0, 3).map(word).join('; ') || '—')} |`);
    }
    out.push('');
    if (d.question) out.push(`**Next question:** ${d.question.prompt}${d.question.check ? ` — on the node: \`${d.question.check}\`` : ''} (yes → \`${d.question.ifYes}\`, no → \`${d.question.ifNo}\`)`, '');
  }
  if (d.explained.length > 1 || d.byNode.some((n) => n.node !== null && d.byNode.some((m) => m.node !== n.node))) {
    out.push('## Causes by group', '');
    for (const n of d.byNode) out.push(`- ${n.node ?? 'no node named'}: ${CAUSE_TITLES[n.cause] ?? n.cause} (${n.count}) — ${n.errors.join(', ')}; ${Math.round(n.confidence * 100)}%`);
    out.push('', '| group | failures | its cause |', '|---|---:|---|');
    for (const g of d.groups.slice(0, 40)) out.push(`| \`${cell(g.id)}\` | ${g.count} | \`${g.verdict.cause}\` ${Math.round(g.verdict.confidence * 100)}% |`);
    if (d.groups.length > 40) out.push(`| … ${d.groups.length - 40} more | | |`);
    out.push('');
  }
  if (d.fleet.length > 1) {
    out.push('## Fleet', '', '| node | failures | runc | its leading cause |', '|---|---:|---|---|');
    for (const n of d.fleet) {
      const lead = n.cause === 'none' ? '—' : n.cause === 'unknown' && n.leader ? `not established; \`${n.leader}\` leads with ${probability(n.confidence)}` : `\`${n.cause}\` ${probability(n.confidence)}`;
      out.push(`| ${cell(n.node)} | ${n.failures} | ${n.runc ?? '—'} | ${lead} |`);
    }
    out.push('');
  }
  out.push('## Symptom', '');
  if (d.clusters.length === 0) out.push('No recognised runtime errors.', '');
  else {
    out.push('| error | pod / container | count | first seen | last seen | per hour |', '|---|---|---:|---|---|---:|');
    for (const c of d.clusters.slice(0, 30)) {
      out.push(`| ${cell(c.title)} | ${cell([c.pod, c.container].filter(Boolean).join(' / ') || '—')} | ${c.count} | ${c.firstSeen ?? '—'} | ${c.lastSeen ?? '—'} | ${c.perHour ?? '—'} |`);
    }
    if (d.clusters.length > 30) out.push(`| … ${d.clusters.length - 30} more | | | | | |`);
    out.push('');
  }
  out.push('## Evidence', '', '| check | status | detail | source |', '|---|---|---|---|');
  for (const e of v.evidence.filter((x) => x.holds !== null || (x.source !== 'user' && x.source !== 'measured'))) out.push(`| ${cell(e.title)} | ${status(e)} | ${cell(e.detail)}${e.where ? ` (${path.basename(e.where.file)}:${e.where.line})` : ''} | ${SOURCE[e.source]} |`);
  out.push('');
  const checks = v.evidence.filter((e) => e.check);
  if (checks.length) {
    out.push('Check on the node:', '', '```sh', ...checks.map((e) => `# ${e.title}\n${e.check}`), '```', '');
  }
  const collected = [...new Set(v.evidence.filter((e) => e.holds === null && e.collected).flatMap((e) => e.collected!))];
  if (collected.length) {
    out.push(`Or in one step: \`runtime-lens collect\` on the node (\`runtime-lens collect --print-script\` where it has no node.js) gathers ${collected.map((f) => `\`${f}\``).join(', ')}, which answer the open checks; \`runtime-lens diagnose\` reads the bundle as it is.`, '');
  }
  for (const e of v.evidence) for (const a of e.attachments ?? []) out.push(...attachmentSection(a, e));
  if (chain) {
    out.push(`## Where it comes from — ${chain.title}`, '');
    for (const h of chain.hops) out.push(`${h.index + 1}. \`${h.symbol}\` (${h.component}, ${h.boundary})${h.resolved && h.file ? ` — ${h.file}:${h.line}` : ' — not in the given sources'}`);
    out.push('');
  }
  if (d.fixes.length) {
    out.push(d.fixesFor && d.fixesFor !== v.cause ? `## Fix, for \`${d.fixesFor}\`` : v.settled ? `## Fix, for the cause settled by hand` : '## Fix', '');
    for (const f of d.fixes) out.push(`- **${f.title}.** ${f.how} *Trade-offs:* ${f.tradeoffs}`);
    out.push('');
  }
  out.push(`---`, `Generated by Runtime Lens on ${generated}.`, '');
  return out.join('\n');
}

/** An evidence attachment as a section of the report, by its kind. */
function attachmentSection(a: Attachment, e: Evidence): string[] {
  switch (a.kind) {
    case 'phase-timeline': {
      const t = a.timeline;
      const r = t.rayleigh;
      if (!r || t.events.length === 0) return [];
      const tick = t.tickPhaseSeconds !== null ? `; tick at ${t.tickPhaseSeconds.toFixed(1)} s (${t.tickPhaseFrom})` : '';
      return [
        `## Timeline — ${a.events} against ${a.period}`,
        '',
        `${r.n} ${a.events} over ${(t.spanMs / 3_600_000).toFixed(1)} h; phase within the ${t.periodSeconds} s period: R̄ ${r.meanResultant.toFixed(2)}, Rayleigh p ${r.p < 1e-6 ? r.p.toExponential(1) : r.p.toFixed(4)}${tick}.`,
        '',
      ];
    }
    case 'source-check':
      return [
        `## ${a.subject} in your ${a.program} sources`,
        '',
        `${a.reading}${a.file ? ` — ${a.file}:${a.line}` : ''}. ${a.why[0]!.toUpperCase()}${a.why.slice(1)}${a.weighed ? ` (weighed as "${e.title}")` : ''}.`,
        '',
      ];
    case 'chain-node':
      // The Call Path view's node: the trace's business, not the ticket's.
      return [];
  }
}
