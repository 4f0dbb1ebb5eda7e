import * as path from 'node:path';
import { type Zone, formatWall, parseZone } from '../logs/time';
import type { Recognition } from '../signatures/recognise';
import type { Finding } from '../signatures/types';
import type { SaveStateFact } from '../trace/facts';
import { type PlacedFinding, setClock } from './clock';
import { cpuManagerStatic, eofEvents, eofPresent, fifoNearby, latest, reconcileAligned, reconcilePeriod, runcOld, saveStateAtomic } from './evidence';
import type { NodeFact } from '../logs/facts';
import { RACE_FIXES } from './fixes';
import type { Cluster, Diagnosis, UserFacts } from './types';
import { decide } from './verdict';

export interface DiagnoseInput {
  recognitions: Recognition[];
  facts: NodeFact[];
  /** From the traced sources (writer chain), or null when no sources were given. */
  saveState: SaveStateFact | null;
  user: UserFacts;
  /** --tz / runtimeLens.timeZone and --year / runtimeLens.year. */
  zone?: Zone;
  year?: number;
  titles: Record<string, string>;
}

function when(p: PlacedFinding): string | null {
  const f = p.finding;
  if (f.time) return f.time.iso;
  if (p.epoch !== null) return new Date(p.epoch).toISOString();
  return f.wallTime ? `${formatWall(f.wallTime)} node-local` : null;
}

/** Findings grouped by signature and pod/container, across files, with first/last seen and a rate. */
export function clusters(placed: PlacedFinding[], titles: Record<string, string>): Cluster[] {
  const groups = new Map<string, PlacedFinding[]>();
  for (const p of placed) {
    const r = p.finding.record;
    const key = `${p.finding.signature}\u0000${r.namespace ?? ''}/${r.pod ?? ''}\u0000${r.container ?? ''}`;
    const list = groups.get(key);
    if (list) list.push(p);
    else groups.set(key, [p]);
  }
  const out: Cluster[] = [];
  for (const list of groups.values()) {
    const timed = list.filter((p) => p.wall !== null).sort((a, b) => a.wall! - b.wall!);
    const first = timed[0];
    const last = timed[timed.length - 1];
    const count = list.reduce((n, p) => n + p.finding.record.count, 0);
    const spanH = first && last ? (last.wall! - first.wall!) / 3_600_000 : 0;
    const r = list[0]!.finding.record;
    out.push({
      signature: list[0]!.finding.signature,
      title: titles[list[0]!.finding.signature] ?? list[0]!.finding.signature,
      pod: r.pod ? (r.namespace ? `${r.namespace}/${r.pod}` : r.pod) : null,
      container: r.container,
      count,
      files: [...new Set(list.map((p) => path.basename(p.finding.file)))],
      firstSeen: first ? when(first) : null,
      lastSeen: last ? when(last) : null,
      perHour: spanH >= 0.1 ? Math.round((timed.length / spanH) * 10) / 10 : null,
    });
  }
  return out.sort((a, b) => b.count - a.count);
}

/**
 * The diagnosis: a pure function of what was recognised in the inputs, the facts they state, what the
 * Go sources say, and the user's answers.
 */
export function diagnose(input: DiagnoseInput): Diagnosis {
  const findings: Finding[] = input.recognitions.flatMap((r) => r.findings);
  const userZone = input.user.timeZone ? parseZone(input.user.timeZone) : null;
  const zone = userZone ?? input.zone;
  const { clock, placed } = setClock(findings, {
    ...(zone ? { zone, zoneFrom: userZone ? 'as you answered' : 'from --tz / runtimeLens.timeZone' } : {}),
    ...(input.year !== undefined ? { year: input.year } : {}),
  });
  const period = reconcilePeriod(input.facts, input.user);
  const events = eofEvents(placed);
  const alignment = reconcileAligned(events, period, input.facts);
  const runcSeen = input.user.runcVersion ?? latest(input.facts, 'runcVersion')?.value ?? null;
  const evidence = [
    eofPresent(placed),
    alignment.evidence,
    cpuManagerStatic(input.facts, input.user),
    runcOld(input.facts, input.user),
    saveStateAtomic(input.saveState, runcSeen),
    fifoNearby(placed, events, clock.offsetMinutes !== null),
  ];
  if (alignment.evidence.holds === null && period.source === 'default') {
    alignment.evidence.ask = { fact: 'reconcilePeriodSeconds', prompt: 'cpu-manager reconcile period in seconds (--cpu-manager-reconcile-period)?', placeholder: '10' };
  }
  if (clock.offsetMinutes === null && placed.some((p) => p.finding.wallTime && p.finding.wallTime.offsetMinutes === null)) {
    const fifo = evidence.find((e) => e.id === 'fifo-closed-nearby')!;
    fifo.ask = { fact: 'timeZone', prompt: 'Zone of the kubelet log times (e.g. +08:00 or Asia/Shanghai)?', placeholder: '+08:00' };
  }
  const lookAlikes = [...new Set(findings.filter((f) => f.signature !== 'oci-exec-eof' && f.signature !== 'closed-fifo').map((f) => input.titles[f.signature] ?? f.signature))];
  const { verdict, hypotheses } = decide(evidence, lookAlikes);
  return {
    verdict,
    hypotheses,
    clusters: clusters(placed, input.titles),
    timeline: alignment.timeline,
    fixes: verdict.cause === 'cpu-manager-state-race' || verdict.cause === 'unknown' ? RACE_FIXES : [],
    clock: clock.description,
    inputs: { files: input.recognitions.length, lines: input.recognitions.reduce((n, r) => n + r.lines, 0) },
  };
}
