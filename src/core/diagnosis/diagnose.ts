import * as path from 'node:path';
import type { NodeFact } from '../logs/facts';
import { canonicalNode, nodeFromPath, nodeOf } from '../logs/nodes';
import { type Zone, formatWall, parseZone, wallMs } from '../logs/time';
import { byCodeUnit } from '../order';
import { findingAt, findingsOf, hasYearAt, setsOf, wallTimeAt } from '../signatures/occurrences';
import { RUNTIME_ERROR } from '../signatures/matcher';
import type { Recognition } from '../signatures/recognise';
import type { OccurrenceSet, OccurrenceStore } from '../signatures/types';
import type { SaveStateFact } from '../trace/facts';
import { CAUSES, CAUSE_TITLES, type CauseCatalog, execFailureSignatures } from './causes';
import { type Clock, type PlacedFinding, commonYear, placeFinding, setClock } from './clock';
import { decide, nextQuestion, rank } from './differential';
import { latest } from './evidence';
import { CAP, probability } from './numbers';
import { labObservation, observe } from './observations';
import { reproduceCommand } from '../reproduce/plan';
import type { CauseInfo, Cluster, Diagnosis, Evidence, NodeSummary, RankedCause, UserFacts, Verdict } from './types';

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
  /** The cause catalog; the built-in one unless a test gives another. */
  catalog?: CauseCatalog;
}

function when(p: PlacedFinding): string | null {
  const f = p.finding;
  if (f.time) return f.time.iso;
  if (p.epoch !== null) return new Date(p.epoch).toISOString();
  return f.wallTime ? `${formatWall(f.wallTime)} node-local` : null;
}


/** Each file's (store's) rank in the input, as the sets' first occurrences give it. */
function storeRanks(sets: readonly OccurrenceSet[]): Map<OccurrenceStore, number> {
  const ranks = new Map<OccurrenceStore, number>();
  for (const s of sets) if (!ranks.has(s.store)) ranks.set(s.store, ranks.size);
  return ranks;
}

/** Findings grouped by signature, node and pod/container, across files, with first/last seen and a rate. */
export function clusters(sets: readonly OccurrenceSet[], clock: Clock, titles: Record<string, string>): Cluster[] {
  const ranks = storeRanks(sets);
  const groups = new Map<string, OccurrenceSet[]>();
  for (const s of sets) {
    const key = `${s.signature}\u0000${s.node ?? ''}\u0000${s.namespace ?? ''}/${s.pod ?? ''}\u0000${s.container ?? ''}`;
    const list = groups.get(key);
    if (list) list.push(s);
    else groups.set(key, [s]);
  }
  const out: Cluster[] = [];
  for (const list of groups.values()) {
    // The earliest and latest wall times; on a tie the first (earliest) and the last (latest) in input
    // order (the file's rank, then the place in the file).
    let [a, aI, aWall, aRank, aOrder] = [null as OccurrenceSet | null, 0, 0, 0, 0];
    let [b, bI, bWall, bRank, bOrder] = [null as OccurrenceSet | null, 0, 0, 0, 0];
    let timed = 0;
    for (const set of list) {
      const rank = ranks.get(set.store)!;
      for (let i = 0; i < set.size; i++) {
        const wall = wallAt(set, i, clock);
        if (wall === null) continue;
        timed += 1;
        const order = set.store.order[set.start + i]!;
        if (!a || wall < aWall || (wall === aWall && (rank < aRank || (rank === aRank && order < aOrder)))) [a, aI, aWall, aRank, aOrder] = [set, i, wall, rank, order];
        if (!b || wall > bWall || (wall === bWall && (rank > bRank || (rank === bRank && order > bOrder)))) [b, bI, bWall, bRank, bOrder] = [set, i, wall, rank, order];
      }
    }
    const count = list.reduce((n, s) => n + s.count, 0) - repeatedEvents(list);
    const spanH = a && b ? (bWall - aWall) / 3_600_000 : 0;
    const s = list[0]!;
    out.push({
      signature: s.signature,
      title: titles[s.signature] ?? s.signature,
      node: s.node,
      pod: s.pod ? (s.namespace ? `${s.namespace}/${s.pod}` : s.pod) : null,
      container: s.container,
      count,
      files: [...new Set(list.map((x) => path.basename(x.file)))],
      firstSeen: a ? when(placeFinding(findingAt(a, aI), clock)) : null,
      lastSeen: b ? when(placeFinding(findingAt(b, bI), clock)) : null,
      perHour: spanH >= 0.1 ? Math.round((timed / spanH) * 10) / 10 : null,
    });
  }
  return out.sort((a, b) => b.count - a.count);
}

/** An occurrence's wall ms on the clock (the clock's year for lines without one), without making its Finding. */
function wallAt(set: OccurrenceSet, i: number, clock: Clock): number | null {
  const w = set.store.wallMs[set.start + i]!;
  if (Number.isNaN(w)) return null;
  // Years are kept as written; a line without one was stored with the stand-in year 2000.
  if (hasYearAt(set, i) || (clock.year ?? 2000) === 2000) return Math.floor(w);
  return wallMs(wallTimeAt(set, i)!, clock.year!);
}

/**
 * The signatures whose occurrences the evidence weighs one by one: the runtime failures, and those the
 * observation readers read (the catalog's `params.signatures` and `params.near`: the EOFs, closed fifos,
 * probe timeouts). Look-alikes are counted, not expanded.
 */
function weighedOneByOne(catalog: CauseCatalog, failures: Set<string>): Set<string> {
  return new Set([...failures, ...catalog.observations.flatMap((o) => [...(o.params?.signatures ?? []), ...(o.params?.near ?? [])])]);
}

/**
 * Occurrences of an event already counted in the list (Finding.event: one exec logged by the kubelet
 * and by containerd is one event), their counts: what a cluster's count leaves out.
 */
function repeatedEvents(list: readonly OccurrenceSet[]): number {
  const seen = new Set<string>();
  let repeated = 0;
  for (const store of new Set(list.map((s) => s.store))) {
    if (store.events.size === 0) continue;
    const ranges = list.filter((s) => s.store === store);
    // In the store's input order, as the findings were counted.
    const keyed = [...store.events].filter(([k]) => ranges.some((s) => k >= s.start && k < s.start + s.size)).sort((a, b) => store.order[a[0]]! - store.order[b[0]]!);
    for (const [k, e] of keyed) {
      if (seen.has(e)) repeated += store.counts[k]!;
      else seen.add(e);
    }
  }
  return repeated;
}

/** A scope of the diagnosis (the whole input, or one node): its sets, and the findings the evidence weighs one by one, placed. */
interface Scope {
  sets: readonly OccurrenceSet[];
  placed: PlacedFinding[];
}

interface Assessment {
  evidence: Evidence[];
  present: Set<string>;
  ranked: RankedCause[];
}

/**
 * Every observation of the catalog for one set of findings and facts (one node, or the whole input):
 * the evidence the causes are weighed on (observations/ reads each; the user's answers apply there).
 */
function assess(scope: Scope, facts: NodeFact[], input: DiagnoseInput, clock: Clock, catalog: CauseCatalog, node: string | null = null): Assessment {
  const { sets, placed } = scope;
  const failures = execFailureSignatures(catalog);
  // Files read count even when they hold nothing: a clean kernel log says there was no OOM kill.
  const read = input.recognitions.map((r) => r.file).filter((f) => node === null || [null, node].includes(nodeFromPath(f)));
  const files = [...new Set([...sets.map((s) => s.file), ...facts.map((f) => f.file), ...read])];
  const components = new Set(sets.map((s) => s.component));
  const evidence = observe(catalog, { placed, components, facts, files, clock, saveState: input.saveState, failures, answers: input.user.observations ?? {} });
  const present = new Set(sets.map((s) => s.signature).filter((s) => failures.has(s)));
  const ranked = present.size ? rank(catalog, evidence, present, input.titles) : [];
  return { evidence, present, ranked };
}

function summaryOf(cause: string, leader: RankedCause | null, ranked: RankedCause[], present: Set<string>, titles: Record<string, string>, catalog: CauseCatalog): string {
  if (cause === 'none') return '';
  if (cause !== 'unknown' && leader) {
    const def = catalog.causes.find((c) => c.id === cause)!;
    const forIt = leader.for.filter((c) => c.kind === 'evidence').map((c) => (c.holds ? c.title : `not: ${c.title}`));
    const against = leader.against.filter((c) => c.kind === 'evidence').map((c) => (c.holds ? c.title : `not: ${c.title}`));
    return `${def.summary}${forIt.length ? ` For: ${forIt.join('; ')}.` : ''}${against.length ? ` Against: ${against.join('; ')}.` : ''}`;
  }
  const errors = [...present].map((s) => titles[s] ?? s).join(', ');
  const lead = ranked.slice(0, 3).map((r) => `${CAUSE_TITLES[r.cause] ?? r.cause} (${probability(r.posterior)})`).join(', ');
  return `Runtime exec errors are present (${errors}), but the evidence does not single out a cause: ${lead} lead.`;
}

/**
 * The diagnosis: a pure function of what was recognised in the inputs, the facts they state, what the
 * Go sources say, and the user's answers. Every cause of the catalog is weighed (differential.ts); the
 * evidence is assessed for the whole input and again per node when the input names several.
 */
export function diagnose(input: DiagnoseInput): Diagnosis {
  return diagnoseOnClock(input).diagnosis;
}

/**
 * `diagnose`, with the clock it placed the findings on: for callers that print their times. It reads
 * the recognitions' OccurrenceSets; only the runtime errors, closed fifos and probe timeouts are made
 * back into Findings, for the evidence that weighs each one.
 */
export function diagnoseOnClock(input: DiagnoseInput): { diagnosis: Diagnosis; clock: Clock } {
  const catalog = input.catalog ?? CAUSES;
  const sets = input.recognitions.flatMap((r) => setsOf(r));
  const failures = execFailureSignatures(catalog);
  const { clock, placed } = placeFindings(input, sets, weighedOneByOne(catalog, failures));
  const facts = withNodes(input.facts, sets);
  const whole = assess({ sets, placed }, facts, input, clock, catalog);
  const decision = decide(catalog, whole.ranked);
  const cause = whole.present.size ? decision.cause : 'none';
  // Signatures the observations read beside the failures (dockerd's closed fifo) are evidence, not look-alikes.
  const companions = new Set(catalog.observations.flatMap((o) => [...(o.params?.signatures ?? []), ...(o.params?.near ?? [])]));
  // An unclassified runtime error is no look-alike: it is the runtime failing in a way no documented cause explains.
  const lookAlikes = [...new Set(sets.map((s) => s.signature).filter((s) => !whole.present.has(s) && !companions.has(s) && s !== RUNTIME_ERROR).map((s) => input.titles[s] ?? s))];
  const summary =
    cause === 'none'
      ? `No runtime exec errors of a known kind in the input.${lookAlikes.length ? ` Look-alikes found: ${lookAlikes.join(', ')} — see their explanations; they are not the runtime failing.` : ''}`
      : summaryOf(cause, decision.leader, whole.ranked, whole.present, input.titles, catalog);
  const question = cause !== 'none' && (cause === 'unknown' || (decision.leader?.posterior ?? 1) < 0.9) ? nextQuestion(catalog, whole.ranked, whole.evidence) : null;
  const settled = cause !== 'none' && input.user.settledCause && catalog.causes.some((c) => c.id === input.user.settledCause) ? input.user.settledCause : null;
  const fixesFor = cause === 'none' ? null : settled ?? (cause !== 'unknown' ? cause : decision.leader?.cause ?? null);
  const verdict: Verdict = settled
    ? settledVerdict(settled, { cause, confidence: decision.confidence }, decision.leader!, whole.ranked, whole.evidence, catalog)
    : { cause, confidence: cause === 'none' ? 1 : decision.confidence, summary, evidence: whole.evidence };
  const causes: Record<string, CauseInfo> = Object.fromEntries(
    catalog.causes.map((c) => [
      c.id,
      { id: c.id, title: c.title, summary: c.summary, versions: c.versions, check: c.check, references: c.references, fixes: c.fixes, confirm: c.reproduce ? { scenario: c.reproduce, command: reproduceCommand(c.reproduce), observation: labObservation(catalog, c.reproduce) } : null, observations: Object.keys(c.evidence) },
    ]),
  );
  const diagnosis: Diagnosis = {
    verdict,
    hypotheses: cause === 'none' ? [{ cause: 'none', confidence: 1 }] : decision.hypotheses,
    ranked: whole.ranked,
    causes,
    question,
    fixesFor,
    fleet: fleet({ sets, placed }, facts, input, clock, catalog),
    clusters: clusters(sets, clock, input.titles),
    fixes: fixesFor ? catalog.causes.find((c) => c.id === fixesFor)!.fixes : [],
    clock: clock.description,
    inputs: { files: input.recognitions.length, lines: input.recognitions.reduce((n, r) => n + r.lines, 0) },
  };
  return { diagnosis, clock };
}

/**
 * The verdict when a person settled on a cause: theirs, marked as settled by hand, with what the
 * evidence alone said beside it (the number stays the settled cause's posterior).
 */
function settledVerdict(settled: string, byEvidence: { cause: string; confidence: number }, leader: RankedCause, ranked: RankedCause[], evidence: Evidence[], catalog: CauseCatalog): Verdict {
  const posterior = ranked.find((r) => r.cause === settled)?.posterior ?? 0;
  const def = catalog.causes.find((c) => c.id === settled)!;
  const evidenceCause = byEvidence.cause;
  const said = evidenceCause === settled ? 'and names it too' : evidenceCause === 'unknown' ? `and singles out no cause (${CAUSE_TITLES[leader.cause] ?? leader.cause} leads with ${probability(leader.posterior)})` : `and names ${CAUSE_TITLES[evidenceCause] ?? evidenceCause} (${probability(leader.posterior)})`;
  return {
    cause: settled,
    confidence: Math.round(Math.min(CAP, posterior) * 100) / 100,
    summary: `Settled by hand on ${def.title}: the evidence alone gives it ${probability(posterior)} ${said}. ${def.summary}`,
    evidence,
    settled: { by: 'hand', evidenceCause, evidenceConfidence: byEvidence.confidence, leader: leader.cause },
  };
}

/**
 * The clock (the user's zone, --tz, or the one inferred from the runtime errors), and the findings the
 * evidence weighs one by one placed on it.
 */
function placeFindings(input: Pick<DiagnoseInput, 'user' | 'zone' | 'year'>, sets: readonly OccurrenceSet[], weighed: Set<string>): { clock: Clock; placed: PlacedFinding[] } {
  const userZone = input.user.timeZone ? parseZone(input.user.timeZone) : null;
  const zone = userZone ?? input.zone;
  return setClock(findingsOf(sets.filter((s) => weighed.has(s.signature))), {
    ...(zone ? { zone, zoneFrom: userZone ? 'as you answered' : 'from --tz / runtimeLens.timeZone' } : {}),
    ...(input.year !== undefined ? { year: input.year } : { commonYear: yearOfSets(sets) }),
  });
}

/** The year most lines that carry one say, the first seen in the input winning a tie (as `commonYear` over every finding). */
function yearOfSets(sets: readonly OccurrenceSet[]): number | null {
  const ranks = storeRanks(sets);
  const years = new Map<number, { n: number; rank: number; order: number }>();
  for (const s of sets) {
    const rank = ranks.get(s.store)!;
    for (let i = 0; i < s.size; i++) {
      if (!hasYearAt(s, i)) continue;
      const y = new Date(s.store.wallMs[s.start + i]!).getUTCFullYear();
      const order = s.store.order[s.start + i]!;
      const e = years.get(y);
      if (!e) years.set(y, { n: 1, rank, order });
      else {
        e.n += 1;
        if (rank < e.rank || (rank === e.rank && order < e.order)) [e.rank, e.order] = [rank, order];
      }
    }
  }
  const seen = [...years].sort((a, b) => a[1].rank - b[1].rank || a[1].order - b[1].order);
  return commonYear(seen.flatMap(([y, e]) => new Array<number>(e.n).fill(y)));
}

/** The contract's finding times: `time` in UTC when the instant is known, else `localTime` as the node wrote it (with the clock's year when the line has none). */
export function findingTimes(p: PlacedFinding, clock: Clock): { time: string | null; localTime?: string } {
  const t = p.finding.wallTime;
  const micros = t ? String(t.micros).padStart(6, '0') : '000000';
  if (p.finding.time) return { time: p.finding.time.iso };
  if (p.epoch !== null) return { time: `${new Date(p.epoch).toISOString().slice(0, 19)}.${micros}Z` };
  if (!t) return { time: null };
  const year = t.year ?? clock.year;
  const pad = (n: number) => String(n).padStart(2, '0');
  return { time: null, localTime: `${year !== null ? `${year}-` : ''}${pad(t.month)}-${pad(t.day)}T${pad(t.hour)}:${pad(t.minute)}:${pad(t.second)}.${micros}` };
}

/**
 * Facts carry their node by canonical name: the one they state, else that of their file's findings (a
 * node's kubelet log states that node's flags), else the one their folder names.
 */
function withNodes(facts: NodeFact[], sets: readonly OccurrenceSet[]): NodeFact[] {
  // Per file, the node of its first finding that names one.
  const byFile = new Map<string, { node: string; order: number }>();
  for (const s of sets) {
    if (!s.node) continue;
    const known = byFile.get(s.file);
    const first = s.store.order[s.start]!;
    if (!known || first < known.order) byFile.set(s.file, { node: s.node, order: first });
  }
  return facts.map((f) => {
    const node = canonicalNode(f.node) ?? byFile.get(f.file)?.node ?? nodeFromPath(f.file);
    return node === (f.node ?? null) ? f : { ...f, node };
  });
}

/** Per node: its failures, its runc, and its own leading cause on its own evidence (facts naming no node count for every node). */
function fleet(whole: Scope, facts: NodeFact[], input: DiagnoseInput, clock: Clock, catalog: CauseCatalog): NodeSummary[] {
  // One pass to group the sets and findings by node: a cluster's event list names hundreds of nodes.
  const byNode = new Map<string, { sets: OccurrenceSet[]; placed: PlacedFinding[] }>();
  for (const s of whole.sets) {
    if (s.node === null) continue;
    const scope = byNode.get(s.node);
    if (scope) scope.sets.push(s);
    else byNode.set(s.node, { sets: [s], placed: [] });
  }
  if (byNode.size === 0) return [];
  for (const p of whole.placed) {
    const node = canonicalNode(nodeOf(p.finding));
    if (node !== null) byNode.get(node)!.placed.push(p);
  }
  const failures = execFailureSignatures(catalog);
  return [...byNode]
    .map(([node, mine]) => {
      const theirs = facts.filter((f) => !f.node || f.node === node);
      const a = assess(mine, theirs, input, clock, catalog, node);
      const d = decide(catalog, a.ranked);
      const typed = input.user.observations?.['runc-before-fix'];
      const runc = (typeof typed === 'string' ? typed : null) ?? latest(theirs, 'runcVersion')?.value ?? (latest(theirs, 'runcFingerprint')?.value || null);
      return {
        node,
        failures: mine.sets.filter((s) => failures.has(s.signature)).reduce((n, s) => n + s.count, 0),
        signatures: [...a.present].sort(),
        runc,
        cause: a.present.size ? d.cause : 'none',
        confidence: a.present.size ? d.confidence : 1,
        leader: d.leader?.cause ?? null,
      };
    })
    .sort((a, b) => b.failures - a.failures || byCodeUnit(a.node, b.node));
}
