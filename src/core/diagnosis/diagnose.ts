import * as path from 'node:path';
import type { NodeFact } from '../logs/facts';
import { canonicalNode, nodeFromPath, nodeOf } from '../logs/nodes';
import { type Zone, formatWall, parseZone } from '../logs/time';
import { byCodeUnit } from '../order';
import { RUNTIME_ERROR } from '../signatures/matcher';
import type { Recognition } from '../signatures/recognise';
import type { Finding } from '../signatures/types';
import type { SaveStateFact } from '../trace/facts';
import { CAUSES, CAUSE_TITLES, type CauseCatalog, execFailureSignatures } from './causes';
import { type Clock, type PlacedFinding, setClock } from './clock';
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
  /**
   * How the user of this front end sets the zone, named in the clock note and the evidence: `--tz`
   * (the default, the CLI's flag) or, in VS Code, the setting.
   */
  setZone?: string;
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

/** Findings grouped by signature, node and pod/container, across files, with first/last seen and a rate. */
export function clusters(placed: PlacedFinding[], titles: Record<string, string>): Cluster[] {
  const groups = new Map<string, PlacedFinding[]>();
  for (const p of placed) {
    const r = p.finding.record;
    const key = `${p.finding.signature}\u0000${nodeOf(p.finding) ?? ''}\u0000${r.namespace ?? ''}/${r.pod ?? ''}\u0000${r.container ?? ''}`;
    const list = groups.get(key);
    if (list) list.push(p);
    else groups.set(key, [p]);
  }
  const out: Cluster[] = [];
  for (const list of groups.values()) {
    const timed = list.filter((p) => p.wall !== null).sort((a, b) => a.wall! - b.wall!);
    const first = timed[0];
    const last = timed[timed.length - 1];
    // One exec logged by the kubelet and by containerd is one event: counted once (Finding.event).
    const events = new Set<string>();
    const count = list.reduce((n, p) => {
      const e = p.finding.event;
      if (e !== undefined) {
        if (events.has(e)) return n;
        events.add(e);
      }
      return n + p.finding.record.count;
    }, 0);
    const spanH = first && last ? (last.wall! - first.wall!) / 3_600_000 : 0;
    const r = list[0]!.finding.record;
    out.push({
      signature: list[0]!.finding.signature,
      title: titles[list[0]!.finding.signature] ?? list[0]!.finding.signature,
      node: nodeOf(list[0]!.finding),
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

interface Assessment {
  evidence: Evidence[];
  present: Set<string>;
  ranked: RankedCause[];
}

/**
 * Every observation of the catalog for one set of findings and facts (one node, or the whole input):
 * the evidence the causes are weighed on (observations/ reads each; the user's answers apply there).
 */
function assess(placed: PlacedFinding[], facts: NodeFact[], input: DiagnoseInput, clock: Clock, catalog: CauseCatalog, node: string | null = null): Assessment {
  const failures = execFailureSignatures(catalog);
  // Files read count even when they hold nothing: a clean kernel log says there was no OOM kill.
  const read = input.recognitions.map((r) => r.file).filter((f) => node === null || [null, node].includes(nodeFromPath(f)));
  const files = [...new Set([...placed.map((p) => p.finding.file), ...facts.map((f) => f.file), ...read])];
  const evidence = observe(catalog, { placed, facts, files, clock, saveState: input.saveState, failures, answers: input.user.observations ?? {}, ...(input.setZone ? { setZone: input.setZone } : {}) });
  const present = new Set(placed.map((p) => p.finding.signature).filter((s) => failures.has(s)));
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

/** Which node a finding is from (journald host, event source, or the file's folder), by canonical name. */
function nodeOfFinding(f: Finding): string | null {
  return canonicalNode(nodeOf(f));
}

/**
 * The diagnosis: a pure function of what was recognised in the inputs, the facts they state, what the
 * Go sources say, and the user's answers. Every cause of the catalog is weighed (differential.ts); the
 * evidence is assessed for the whole input and again per node when the input names several.
 */
export function diagnose(input: DiagnoseInput): Diagnosis {
  return diagnosePlaced(input).diagnosis;
}

/** `diagnose`, with the findings as it placed them on its clock: for callers that print their times. */
export function diagnosePlaced(input: DiagnoseInput): { diagnosis: Diagnosis; clock: Clock; placed: PlacedFinding[] } {
  const catalog = input.catalog ?? CAUSES;
  const findings: Finding[] = input.recognitions.flatMap((r) => r.findings);
  const { clock, placed } = placeFindings(input);
  const facts = withNodes(input.facts, findings);
  const whole = assess(placed, facts, input, clock, catalog);
  const decision = decide(catalog, whole.ranked);
  const cause = whole.present.size ? decision.cause : 'none';
  // Signatures the observations read beside the failures (dockerd's closed fifo) are evidence, not look-alikes.
  const companions = new Set(catalog.observations.flatMap((o) => [...(o.params?.signatures ?? []), ...(o.params?.near ?? [])]));
  // An unclassified runtime error is no look-alike: it is the runtime failing in a way no documented cause explains.
  const lookAlikes = [...new Set(findings.map((f) => f.signature).filter((s) => !whole.present.has(s) && !companions.has(s) && s !== RUNTIME_ERROR).map((s) => input.titles[s] ?? s))];
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
    fleet: fleet(placed, facts, input, clock, catalog),
    clusters: clusters(placed, input.titles),
    fixes: fixesFor ? catalog.causes.find((c) => c.id === fixesFor)!.fixes : [],
    clock: clock.description,
    inputs: { files: input.recognitions.length, lines: input.recognitions.reduce((n, r) => n + r.lines, 0) },
  };
  return { diagnosis, clock, placed };
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

/** Every finding on one clock: the user's zone, --tz, or the inferred one. */
function placeFindings(input: Pick<DiagnoseInput, 'recognitions' | 'user' | 'zone' | 'year' | 'setZone'>): { clock: Clock; placed: PlacedFinding[] } {
  const userZone = input.user.timeZone ? parseZone(input.user.timeZone) : null;
  const zone = userZone ?? input.zone;
  const setZone = input.setZone ?? '--tz';
  return setClock(
    input.recognitions.flatMap((r) => r.findings),
    {
      setZone,
      ...(zone ? { zone, zoneFrom: userZone ? 'as you answered' : `from ${setZone}` } : {}),
      ...(input.year !== undefined ? { year: input.year } : {}),
    },
  );
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
function withNodes(facts: NodeFact[], findings: Finding[]): NodeFact[] {
  const byFile = new Map<string, string>();
  for (const f of findings) {
    const node = nodeOfFinding(f);
    if (node && !byFile.has(f.file)) byFile.set(f.file, node);
  }
  return facts.map((f) => {
    const node = canonicalNode(f.node) ?? byFile.get(f.file) ?? nodeFromPath(f.file);
    return node === (f.node ?? null) ? f : { ...f, node };
  });
}

/** Per node: its failures, its runc, and its own leading cause on its own evidence (facts naming no node count for every node). */
function fleet(placed: PlacedFinding[], facts: NodeFact[], input: DiagnoseInput, clock: Clock, catalog: CauseCatalog): NodeSummary[] {
  // One pass to group the findings: a cluster's event list names hundreds of nodes.
  const byNode = new Map<string, PlacedFinding[]>();
  for (const p of placed) {
    const node = nodeOfFinding(p.finding);
    if (node === null) continue;
    const list = byNode.get(node);
    if (list) list.push(p);
    else byNode.set(node, [p]);
  }
  if (byNode.size === 0) return [];
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
        failures: mine.filter((p) => failures.has(p.finding.signature)).reduce((n, p) => n + p.finding.record.count, 0),
        signatures: [...a.present].sort(),
        runc,
        cause: a.present.size ? d.cause : 'none',
        confidence: a.present.size ? d.confidence : 1,
        leader: d.leader?.cause ?? null,
      };
    })
    .sort((a, b) => b.failures - a.failures || byCodeUnit(a.node, b.node));
}
