import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { discoverLogs } from '../core/logs/discover';
import { InputError } from '../core/logs/input';
import { type TimeOptions, formatWall, parseZone } from '../core/logs/time';
import { builtInSignatures } from '../core/signatures/catalog';
import { Matcher } from '../core/signatures/matcher';
import { type Recognition, recogniseFile } from '../core/signatures/recognise';
import { type Summary, summarise } from '../core/signatures/summary';
import type { Finding } from '../core/signatures/types';
import { type Command, UsageError } from './commands';

/** The contract's JSON for one finding (../shared/contract.md), plus namespace and count. */
export function findingJson(f: Finding) {
  return {
    file: f.file,
    line: f.line,
    signature: f.signature,
    time: f.time?.iso ?? null,
    pod: f.record.pod,
    namespace: f.record.namespace,
    container: f.record.container,
    count: f.record.count,
    text: f.text,
  };
}

function timeOptions(values: { year?: string; tz?: string }): TimeOptions {
  const options: TimeOptions = {};
  if (values.year !== undefined) {
    // Lines' own years are accepted from 1970 on (validTime); an earlier --year would silently give no times.
    if (!/^\d{4}$/.test(values.year) || Number(values.year) < 1970) throw new UsageError(`--year wants a four-digit year from 1970 on, got '${values.year}'`);
    options.year = Number(values.year);
  }
  if (values.tz !== undefined) {
    const zone = parseZone(values.tz);
    if (!zone) throw new UsageError(`--tz wants UTC, an offset like +08:00 or an IANA zone like Asia/Shanghai, got '${values.tz}'`);
    options.zone = zone;
  }
  return options;
}

/** Explicit files must be readable logs (exit 2 otherwise); directories are searched and their non-logs skipped. */
function inputs(paths: string[]): { files: { path: string; explicit: boolean }[]; skipped: string[] } {
  const files: { path: string; explicit: boolean }[] = [];
  const skipped: string[] = [];
  for (const p of paths) {
    let st: fs.Stats;
    try {
      st = fs.statSync(p);
    } catch {
      throw new UsageError(`${p}: no such file or directory`);
    }
    if (st.isDirectory()) {
      const d = discoverLogs(p);
      files.push(...d.files.map((f) => ({ path: f, explicit: false })));
      skipped.push(...d.skipped);
    } else files.push({ path: p, explicit: true });
  }
  return { files, skipped };
}

function human(recognitions: Recognition[], summary: Summary, skipped: string[]): string {
  const out: string[] = [];
  const lines = recognitions.reduce((n, r) => n + r.lines, 0);
  out.push(`Runtime Lens diagnose — ${recognitions.length} file(s), ${lines} line(s) examined`);
  for (const r of recognitions) {
    const groups = summary.byFile.get(r.file) ?? [];
    if (groups.length === 0 && r.warnings.length === 0) continue;
    out.push('', r.file);
    for (const g of groups) {
      const when = (f: Finding) => f.time?.iso ?? (f.wallTime ? `${formatWall(f.wallTime)} (node-local)` : 'no time');
      out.push(`  ${String(g.count).padStart(5)}× ${g.signature.title} [${g.signature.id}]  lines ${g.first.line}–${g.last.line}, ${when(g.first)} … ${when(g.last)}`);
      for (const [pod, n] of g.pods.slice(0, 5)) out.push(`         ${n}× ${pod}`);
      if (g.pods.length > 5) out.push(`         … and ${g.pods.length - 5} more pod(s)`);
    }
    for (const w of r.warnings) out.push(`  note: ${w}`);
  }
  for (const s of skipped) out.push(`skipped: ${s}`);
  out.push('', `Verdict: ${summary.verdict.cause} (confidence ${summary.verdict.confidence.toFixed(2)}) — ${summary.verdict.summary}`);
  return `${out.join('\n')}\n`;
}

export const diagnose: Command = async (args, out, err) => {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        json: { type: 'boolean', default: false },
        year: { type: 'string' },
        tz: { type: 'string' },
        sources: { type: 'string', multiple: true, default: [] },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { values, positionals } = parsed;
  if (positionals.length === 0) throw new UsageError('give at least one log file or directory');
  for (const s of values.sources ?? []) {
    if (!fs.existsSync(s) || !fs.statSync(s).isDirectory()) throw new UsageError(`--sources ${s}: not a directory`);
  }
  const options = { ...timeOptions(values), matcher: new Matcher(builtInSignatures()) };
  const { files, skipped } = inputs(positionals);
  const recognitions: Recognition[] = [];
  for (const f of files) {
    try {
      recognitions.push(await recogniseFile(f.path, options));
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      if (f.explicit) throw new UsageError(e.message);
      skipped.push(e.message);
    }
  }
  const summary = summarise(recognitions, options.matcher);
  if (values.json) {
    out(
      `${JSON.stringify(
        {
          findings: recognitions.flatMap((r) => r.findings.map(findingJson)),
          verdict: summary.verdict,
          hypotheses: summary.hypotheses,
        },
        null,
        2,
      )}\n`,
    );
  } else out(human(recognitions, summary, skipped));
  if (values.json) for (const s of skipped) err(`skipped: ${s}\n`);
  return 0;
};
