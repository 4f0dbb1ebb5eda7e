import type { NodeFact } from '../logs/facts';
import { canonicalNode, nodeFromPath, nodeOf } from '../logs/nodes';
import { type ResolvedTime, type Zone, parseZone } from '../logs/time';
import type { LogTime } from '../logs/types';
import { ENGLISH, type Say } from '../l10n';
import { byCodeUnit } from '../order';
import { innermostReader, innermostRules } from '../messages/innermost';
import { findingsOf, hasYearAt, setsOf, storeRanks } from '../signatures/occurrences';
import { RUNTIME_ERROR } from '../signatures/matcher';
import type { Recognition } from '../signatures/recognise';
import type { Finding, OccurrenceSet } from '../signatures/types';
import type { SaveStateFact } from '../trace/facts';
import { CAUSES, CAUSE_TITLES, type CauseCatalog, execFailureSignatures } from './causes';
import { type Clock, type PlacedFinding, setClock } from './clock';
import { ClusterTable } from './clusters';
import { decide, nextQuestion, rank } from './differential';
import { latest } from './evidence';
import { CAP, probability } from './numbers';
import { labObservation, observe } from './observations';
import type { FamilyScope } from './observations/types';
import { reproduceCommand } from '../reproduce/plan';
import type { InnermostError } from '../signatures/types';
import type { CauseInfo, CauseSpan, Cluster, Diagnosis, DiagnosisGroup, Evidence, Hypothesis, NodeCause, NodeSummary, RankedCause, UserFacts, Verdict } from './types';

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
  /** The sentences of the verdict, the clock and the evidence in the reader's language; English unless given. */
  say?: Say;
}

/**
 * The signatures whose occurrences the evidence weighs one by one: the runtime failures, and those the
 * observation readers read (the catalog's `params.signatures` and `params.near`: the EOFs, closed fifos,
 * probe timeouts). Look-alikes are counted, not expanded.
 */
function weighedOneByOne(catalog: CauseCatalog, failures: Set<string>): Set<string> {
  return new Set([...failures, ...catalog.observations.flatMap((o) => [...(o.params?.signatures ?? []), ...(o.params?.near ?? [])])]);
}

interface Assessment {
  evidence: Evidence[];
  present: Set<string>;
  ranked: RankedCause[];
}

/**
 * Every observation of the catalog for one set of findings and facts (one node, one error family, or the
 * whole input): the evidence the causes are weighed on (observations/ reads each; the user's answers apply
 * there). `files` are every file read for that scope, so a kernel log that was read and holds no OOM kill
 * counts as such; a `family` is aligned on its own failures.
 */
function assess(placed: PlacedFinding[], components: Set<string>, facts: NodeFact[], input: DiagnoseInput, clock: Clock, catalog: CauseCatalog, files: string[], family?: FamilyScope): Assessment {
  const failures = execFailureSignatures(catalog);
  const evidence = observe(catalog, { placed, components, facts, files, clock, saveState: input.saveState, failures, answers: input.user.observations ?? {}, ...(family ? { family } : {}), ...(input.setZone ? { setZone: input.setZone } : {}), ...(input.say ? { say: input.say } : {}) });
  const present = presentIn(placed, failures);
  const ranked = present.size ? rank(catalog, evidence, present, { ...familyTitles(catalog), ...input.titles }) : [];
  return { evidence, present, ranked };
}

/** The runtime failures among `placed`, as the causes are ranked on them (`rankedAs`). */
function presentIn(placed: PlacedFinding[], failures: Set<string>): Set<string> {
  return new Set(placed.map((p) => rankedAs(p.finding, failures)).filter((s) => failures.has(s)));
}

function summaryOf(cause: string, leader: RankedCause | null, ranked: RankedCause[], present: Set<string>, titles: Record<string, string>, catalog: CauseCatalog, say: Say): string {
  if (cause === 'none') return '';
  if (cause !== 'unknown' && leader) {
    const def = catalog.causes.find((c) => c.id === cause)!;
    const word = (c: { title: string; holds: boolean | null }) => (c.holds ? say.k(c.title) : say.t('not: {0}', say.k(c.title)));
    const forIt = leader.for.filter((c) => c.kind === 'evidence').map(word);
    const against = leader.against.filter((c) => c.kind === 'evidence').map(word);
    return `${say.k(def.summary)}${forIt.length ? say.t(' For: {0}.', forIt.join(say.t('; '))) : ''}${against.length ? say.t(' Against: {0}.', against.join(say.t('; '))) : ''}`;
  }
  const errors = [...present].map((s) => titles[s] ?? s).join(', ');
  const lead = ranked.slice(0, 3).map((r) => `${say.k(CAUSE_TITLES[r.cause] ?? r.cause)} (${probability(r.posterior)})`).join(say.t(', '));
  return say.t('Runtime exec errors are present ({0}), but the evidence does not single out a cause: {1} lead.', errors, lead);
}

/** A finding's node by canonical name. */
function nodeOfFinding(f: Finding): string | null {
  return canonicalNode(nodeOf(f));
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
 * `diagnose`, with the clock it placed the findings on: for callers that print their times, and the
 * clusters as a table (`diagnosis.clusters` is made from it when first read). It reads
 * the recognitions' OccurrenceSets; only the runtime errors, closed fifos and probe timeouts are made
 * back into Findings, for the evidence that weighs each one.
 */
export function diagnoseOnClock(input: DiagnoseInput): { diagnosis: Diagnosis; clock: Clock; clusters: ClusterTable } {
  const catalog = input.catalog ?? CAUSES;
  const sets = allSets(input.recognitions);
  const failing = execFailureSignatures(catalog);
  const { clock, placed } = placeFindings(input, sets, weighedOneByOne(catalog, failing));
  const facts = withNodes(input.facts, sets);
  const files = readFiles(input.recognitions, sets);
  const titles = { ...familyTitles(catalog), ...input.titles };
  // Alignment speaks of the EOFs when there are any (the phase timeline is theirs), else of every failed exec.
  const eofs = catalog.observations.find((o) => o.id === 'reconcile-aligned')?.params?.signatures ?? [];
  const allFailures: FamilyScope | undefined = placed.some((p) => eofs.includes(p.finding.signature)) ? undefined : { of: (p) => failing.has(p.finding.signature), noun: (input.say ?? ENGLISH).t('failed exec') };
  const scopes = nodeScopes(sets, failing);
  const components = componentsByNode(scopes);
  const whole = assess(placed, distinct(sets, (s) => s.component), facts, input, clock, catalog, [...files.keys()], allFailures);
  const { groups, ranked: groupRanked, byNodeFamily } = groupsOf(placed, components, facts, files, input, clock, catalog);
  const explained = spans(groups);
  const mixed = explained.length >= 2 ? mixture(explained, groups, groupRanked, whole.ranked) : null;
  const decision = mixed ?? decide(catalog, whole.ranked);
  const ranked = mixed ? mixed.ranked : whole.ranked;
  const cause = whole.present.size ? decision.cause : 'none';
  // Signatures the observations read beside the failures (dockerd's closed fifo) are evidence, not look-alikes.
  const companions = new Set(catalog.observations.flatMap((o) => [...(o.params?.signatures ?? []), ...(o.params?.near ?? [])]));
  // An unclassified runtime error is no look-alike: it is the runtime failing in a way no documented cause explains.
  const lookAlikes = [...new Set([...distinct(sets, (s) => s.signature)].filter((s) => !whole.present.has(s) && !companions.has(s) && s !== RUNTIME_ERROR).map((s) => input.titles[s] ?? s))];
  const say = input.say ?? ENGLISH;
  const summary =
    cause === 'none'
      ? `${say.t('No runtime exec errors of a known kind in the input.')}${lookAlikes.length ? say.t(' Look-alikes found: {0} — see their explanations; they are not the runtime failing.', lookAlikes.join(', ')) : ''}`
      : mixed
        ? severalSummary(explained, groups, titles, catalog, say)
        : cause === 'other'
          ? otherSummary(groups.filter((g) => g.verdict.cause === 'other' || g.hypotheses[0]?.cause === 'other'), whole.evidence, titles, say)
          : summaryOf(cause, decision.leader, whole.ranked, whole.present, titles, catalog, say);
  const question = cause !== 'none' && (cause === 'unknown' || (decision.leader?.posterior ?? 1) < 0.9) ? nextQuestion(catalog, ranked, whole.evidence) : null;
  const settled = cause !== 'none' && input.user.settledCause && catalog.causes.some((c) => c.id === input.user.settledCause) ? input.user.settledCause : null;
  const fixesFor = cause === 'none' ? null : settled ?? (cause !== 'unknown' ? cause : decision.leader?.cause ?? null);
  const verdict: Verdict = settled
    ? settledVerdict(settled, { cause, confidence: decision.confidence }, decision.leader!, ranked, whole.evidence, catalog, say)
    : { cause, confidence: cause === 'none' ? 1 : decision.confidence, summary, evidence: whole.evidence };
  const causes: Record<string, CauseInfo> = Object.fromEntries(
    catalog.causes.map((c) => [
      c.id,
      { id: c.id, title: c.title, summary: c.summary, versions: c.versions, check: c.check, references: c.references, fixes: c.fixes, confirm: c.reproduce ? { scenario: c.reproduce, command: reproduceCommand(c.reproduce), observation: labObservation(catalog, c.reproduce) } : null, observations: Object.keys(c.evidence), ...(c.otherSignatures ? { outside: true } : {}) },
    ]),
  );
  const diagnosis: Diagnosis = {
    verdict,
    hypotheses: cause === 'none' ? [{ cause: 'none', confidence: 1 }] : decision.hypotheses,
    ranked,
    causes,
    question,
    fixesFor,
    fleet: fleet(scopes, placed, facts, files, input, clock, catalog, byNodeFamily),
    clusters: [],
    fixes: fixesFor ? catalog.causes.find((c) => c.id === fixesFor)!.fixes : [],
    clock: clock.description,
    inputs: {
      files: input.recognitions.length,
      lines: input.recognitions.reduce((n, r) => n + (r.events === undefined ? r.lines : 0), 0),
      events: input.recognitions.reduce((n, r) => n + (r.events ?? 0), 0),
    },
    groups,
    explained,
    byNode: nodeCauses(groups, input.titles),
  };
  // Made when first read: `--json` writes them from the table one at a time, the human output reads none.
  const table = new ClusterTable(sets, clock, input.titles);
  Object.defineProperty(diagnosis, 'clusters', {
    enumerable: true,
    configurable: true,
    get: () => {
      const list = table.toArray();
      Object.defineProperty(diagnosis, 'clusters', { value: list, enumerable: true, configurable: true, writable: true });
      return list;
    },
    set: (list: Cluster[]) => Object.defineProperty(diagnosis, 'clusters', { value: list, enumerable: true, configurable: true, writable: true }),
  });
  return { diagnosis, clock, clusters: table };
}

/** The recognitions' sets, in order: one array however many (an event list has a set per pod, 155,149 of them: no flatMap's copy). */
function allSets(recognitions: readonly Recognition[]): readonly OccurrenceSet[] {
  if (recognitions.length === 1) return setsOf(recognitions[0]!);
  const out: OccurrenceSet[] = [];
  for (const r of recognitions) for (const s of setsOf(r)) out.push(s);
  return out;
}

/** The distinct values of a field of the sets, in the order first met (no array of every set's value made). */
function distinct(sets: readonly OccurrenceSet[], field: (s: OccurrenceSet) => string): Set<string> {
  const out = new Set<string>();
  let last: string | undefined;
  for (const s of sets) {
    const v = field(s);
    if (v !== last) out.add((last = v));
  }
  return out;
}

/** Every file that was read, with the node it is from (its findings', else its folder's): the files an observation could have seen. */
function readFiles(recognitions: Recognition[], sets: readonly OccurrenceSet[]): Map<string, string | null> {
  const out = new Map<string, string | null>();
  // Per file, the node of its first occurrence (the set holding it), files in the order of their first occurrence.
  const first = new Map<string, { node: string | null; rank: number; order: number }>();
  const ranks = storeRanks(sets);
  for (const s of sets) {
    if (s.size === 0) continue;
    const rank = ranks.get(s.store)!;
    const order = s.store.order[s.start]!;
    const known = first.get(s.file);
    if (!known || rank < known.rank || (rank === known.rank && order < known.order)) first.set(s.file, { node: s.node, rank, order });
  }
  for (const [file, f] of [...first].sort((a, b) => a[1].rank - b[1].rank || a[1].order - b[1].order)) out.set(file, f.node);
  for (const r of recognitions) if (!out.has(r.file)) out.set(r.file, canonicalNode(nodeFromPath(r.file)));
  return out;
}

/** Per node as the sets name it (null apart from ''): its sets' components and its failures' count, in one pass over the sets. */
function nodeScopes(sets: readonly OccurrenceSet[], failures: Set<string>): Map<string | null, { components: Set<string>; failures: number }> {
  const out = new Map<string | null, { components: Set<string>; failures: number }>();
  for (const s of sets) {
    let scope = out.get(s.node);
    if (!scope) {
      scope = { components: new Set(), failures: 0 };
      out.set(s.node, scope);
    }
    scope.components.add(s.component);
    if (failures.has(s.signature)) scope.failures += s.count;
  }
  return out;
}

/** The components of each node's sets (by canonical node, '' for none): what the observations know of a node's programs without a placed finding. */
function componentsByNode(scopes: Map<string | null, { components: Set<string> }>): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const [node, { components }] of scopes) {
    const key = node ?? '';
    const c = out.get(key);
    if (c) for (const x of components) c.add(x);
    else out.set(key, new Set(components));
  }
  return out;
}

/** The files of one node, and those that name no node (they count for every node, like facts naming none). */
function filesOf(files: Map<string, string | null>, node: string | null): string[] {
  return [...files].filter(([, n]) => node === null || n === null || n === node).map(([f]) => f);
}

/**
 * A runtime error's family: its signature, or for an error no curated signature covers, the family its
 * innermost error belongs to (knowledge/innermost.json), else the innermost error itself.
 */
function familyOf(f: Finding): string {
  if (f.signature !== RUNTIME_ERROR) return f.signature;
  const i = f.anatomy?.innermost;
  if (!i) return f.signature;
  return innermostReader().rule(i)?.family ?? `innermost:${i.operation ?? '-'}:${i.errno ?? i.text}`;
}

/**
 * What a finding is for the ranking: its signature, or for an uncurated runtime error whose innermost
 * error belongs to a family some cause lists (`family:<name>` in causes.json), that family. A family no
 * cause lists stays `runtime-error`: an error no documented cause prints.
 */
function rankedAs(f: Finding, failures: Set<string>): string {
  if (f.signature !== RUNTIME_ERROR) return f.signature;
  const family = `family:${familyOf(f)}`;
  return failures.has(family) ? family : f.signature;
}

/** Titles for the `family:` keys: the meaning knowledge/innermost.json gives the family's first rule. */
function familyTitles(catalog: CauseCatalog): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of execFailureSignatures(catalog)) {
    if (!key.startsWith('family:')) continue;
    const rule = innermostRules().find((r) => r.family === key.slice('family:'.length));
    out[key] = rule ? `runtime error: ${rule.meaning}` : key;
  }
  return out;
}

const groupId = (node: string | null, pod: string | null, container: string | null, family: string) => [node ?? '-', [pod, container].filter(Boolean).join(':') || '-', family].join('/');

/**
 * The failures grouped by node, container and error family, each group ranked on its own by the same
 * engine: the evidence of its node for its family (alignment on the family's own failures), the
 * signature of its own findings. One input can hold several causes; each group gets the one that fits it.
 */
function groupsOf(
  placed: PlacedFinding[],
  components: Map<string, Set<string>>,
  facts: NodeFact[],
  files: Map<string, string | null>,
  input: DiagnoseInput,
  clock: Clock,
  catalog: CauseCatalog,
): { groups: DiagnosisGroup[]; ranked: Map<string, RankedCause[]>; byNodeFamily: Map<string, Assessment[]> } {
  const failures = execFailureSignatures(catalog);
  const byGroup = new Map<string, { node: string | null; pod: string | null; container: string | null; family: string; members: PlacedFinding[] }>();
  const byNode = new Map<string, PlacedFinding[]>();
  for (const p of placed) {
    const f = p.finding;
    const node = nodeOfFinding(f);
    const nodeKey = node ?? '';
    const mine = byNode.get(nodeKey);
    if (mine) mine.push(p);
    else byNode.set(nodeKey, [p]);
    if (!failures.has(f.signature)) continue;
    const r = f.record;
    const pod = r.pod ? (r.namespace ? `${r.namespace}/${r.pod}` : r.pod) : null;
    const family = familyOf(f);
    const id = groupId(node, pod, r.container, family);
    const g = byGroup.get(id);
    if (g) g.members.push(p);
    else byGroup.set(id, { node, pod, container: r.container, family, members: [p] });
  }
  // One assessment per node and family: the containers of a family share their node's evidence.
  const assessed = new Map<string, Assessment>();
  // Its decision too: an event list has thousands of groups on a few dozen assessments.
  const decided = new Map<Assessment, ReturnType<typeof decide>>();
  const groups: DiagnosisGroup[] = [];
  const ranked = new Map<string, RankedCause[]>();
  for (const [id, g] of byGroup) {
    const key = `${g.node ?? ''}\u0000${g.family}`;
    let a = assessed.get(key);
    if (!a) {
      const mine = (byNode.get(g.node ?? '') ?? []).filter((p) => !failures.has(p.finding.signature) || familyOf(p.finding) === g.family);
      const theirs = g.node === null ? facts : facts.filter((f) => !f.node || f.node === g.node);
      const noun = input.titles[g.members[0]!.finding.signature] ?? g.family;
      a = assess(mine, components.get(g.node ?? '') ?? new Set(), theirs, input, clock, catalog, filesOf(files, g.node), { of: (p) => failures.has(p.finding.signature) && familyOf(p.finding) === g.family, noun: g.family === 'oci-exec-eof' ? 'EOF' : (input.say ?? ENGLISH).t('"{0}" failure', noun) });
      assessed.set(key, a);
    }
    let d = decided.get(a);
    if (!d) {
      d = decide(catalog, a.ranked);
      decided.set(a, d);
    }
    const innermost = g.members.map((p) => p.finding.anatomy?.innermost).find((i): i is InnermostError => !!i) ?? null;
    const layer = g.members.map((p) => p.finding.anatomy?.layers.filter((l) => l.program !== 'kernel').pop()).find((l) => !!l) ?? null;
    const printedBy = layer ? { program: layer.program, text: layer.text, versions: layer.versions, where: layer.origin ? `${layer.origin.file}:${layer.origin.line}` : null } : null;
    groups.push({
      id,
      node: g.node,
      container: g.container,
      pod: g.pod,
      signature: g.members[0]!.finding.signature,
      family: g.family,
      count: g.members.reduce((n, p) => n + p.finding.record.count, 0),
      innermost,
      printedBy,
      verdict: { cause: d.cause, confidence: d.confidence },
      // The causes that still count for this group (an event list holds thousands of groups): 1% or more, at least two.
      hypotheses: d.hypotheses.filter((h, i) => i < 2 || h.confidence >= 0.01).map((h) => ({ ...h })),
      for: d.leader?.for ?? [],
      against: d.leader?.against ?? [],
    });
    ranked.set(id, a.ranked);
  }
  groups.sort((a, b) => b.count - a.count || byCodeUnit(a.id, b.id));
  // Per node, its families' assessments: a node with one family needs no assessment of its own for the fleet.
  const byNodeFamily = new Map<string, Assessment[]>();
  for (const [key, a] of assessed) {
    const node = key.slice(0, key.indexOf('\u0000'));
    byNodeFamily.set(node, [...(byNodeFamily.get(node) ?? []), a]);
  }
  return { groups, ranked, byNodeFamily };
}

/** The distinct causes the groups settle on, with the groups each explains, most failures first. */
function spans(groups: DiagnosisGroup[]): CauseSpan[] {
  const out = new Map<string, CauseSpan>();
  for (const g of groups) {
    if (g.verdict.cause === 'unknown' || g.verdict.cause === 'none') continue;
    const s = out.get(g.verdict.cause);
    if (s) {
      s.groups.push(g.id);
      s.count += g.count;
    } else out.set(g.verdict.cause, { cause: g.verdict.cause, groups: [g.id], count: g.count });
  }
  return [...out.values()].sort((a, b) => b.count - a.count || byCodeUnit(a.cause, b.cause));
}

/**
 * The whole input's verdict when its groups settle on different causes: the cause that explains the most
 * failures leads, its confidence the failure-weighted confidence of the groups it explains (how sure each
 * is of that cause, not a share of the failures); the other causes follow, then the rest of the ranking.
 * `ranked` is the leading cause's largest group's ranking, the evidence for and against that cause.
 */
function mixture(explained: CauseSpan[], groups: DiagnosisGroup[], groupRanked: Map<string, RankedCause[]>, whole: RankedCause[]): { cause: string; confidence: number; hypotheses: Hypothesis[]; leader: RankedCause | null; ranked: RankedCause[] } {
  const byId = new Map(groups.map((g) => [g.id, g]));
  const confidenceOf = (span: CauseSpan) => {
    const gs = span.groups.map((id) => byId.get(id)!);
    return Math.round((gs.reduce((s, g) => s + g.verdict.confidence * g.count, 0) / span.count) * 100) / 100;
  };
  const lead = explained[0]!;
  const ranked = groupRanked.get(lead.groups[0]!) ?? whole;
  const listed = [lead, ...explained.slice(1).sort((a, b) => confidenceOf(b) - confidenceOf(a))].map((s) => ({ cause: s.cause, confidence: confidenceOf(s) }));
  const seen = new Set(listed.map((h) => h.cause));
  const rest = whole.filter((r) => !seen.has(r.cause)).map((r) => ({ cause: r.cause, confidence: Math.round(Math.min(0.97, r.posterior) * 100) / 100 }));
  return { cause: lead.cause, confidence: listed[0]!.confidence, hypotheses: [...listed, ...rest], leader: ranked.find((r) => r.cause === lead.cause) ?? null, ranked };
}

/** The error of a group in words: its signature's title, or for an error no signature covers, its innermost error. */
function groupError(g: DiagnosisGroup, titles: Record<string, string>): string {
  return g.innermost && g.signature === 'runtime-error' ? innermostWords(g.innermost) : titles[g.signature] ?? g.signature;
}

/** Per node and cause, what the groups settle on there, nodes by name and causes by failures. */
function nodeCauses(groups: DiagnosisGroup[], titles: Record<string, string>): NodeCause[] {
  const out = new Map<string, NodeCause & { weighted: number; byError: Map<string, number> }>();
  for (const g of groups) {
    const key = `${g.node ?? ''}\u0000${g.verdict.cause}`;
    const n = out.get(key) ?? { node: g.node, cause: g.verdict.cause, count: 0, confidence: 0, errors: [], groups: [], weighted: 0, byError: new Map<string, number>() };
    n.count += g.count;
    n.weighted += g.verdict.confidence * g.count;
    const error = groupError(g, titles);
    n.byError.set(error, (n.byError.get(error) ?? 0) + g.count);
    n.groups.push(g.id);
    out.set(key, n);
  }
  return [...out.values()]
    .map(({ weighted, byError, ...n }) => ({ ...n, errors: [...byError].map(([e, k]) => `${k} × ${e}`), confidence: Math.round((weighted / n.count) * 100) / 100 }))
    .sort((a, b) => byCodeUnit(a.node ?? '', b.node ?? '') || b.count - a.count || byCodeUnit(a.cause, b.cause));
}

/** Where a group is, in words: its node, its pod or container, or its error when it names neither. */
function groupPlace(g: DiagnosisGroup, titles: Record<string, string>): string {
  return [g.node, g.pod ?? g.container].filter(Boolean).join(' ') || (titles[g.signature] ?? g.family);
}

/** "node-a: the state race (47 × OCI exec EOF); node-b: OOM-killed runc init (12 × …)", per cause and node. */
function severalSummary(explained: CauseSpan[], groups: DiagnosisGroup[], titles: Record<string, string>, catalog: CauseCatalog, say: Say): string {
  const byId = new Map(groups.map((g) => [g.id, g]));
  const parts = explained.map((span) => {
    const gs = span.groups.map((id) => byId.get(id)!);
    const places = new Map<string, { errors: Map<string, number>; groups: number }>();
    for (const g of gs) {
      const where = g.node ?? groupPlace(g, titles);
      const p = places.get(where) ?? { errors: new Map<string, number>(), groups: 0 };
      p.groups += 1;
      const error = groupError(g, titles);
      p.errors.set(error, (p.errors.get(error) ?? 0) + g.count);
      places.set(where, p);
    }
    const title = say.k(catalog.causes.find((c) => c.id === span.cause)?.title ?? CAUSE_TITLES[span.cause] ?? span.cause);
    const where = [...places].map(([place, p]) => `${place}: ${title} (${[...p.errors].map(([e, n]) => `${n} × ${e}`).join(', ')}${p.groups > 1 ? say.t(', in {0} groups', p.groups) : ''})`);
    return where.join('; ');
  });
  return say.t('{0} causes at once, each for its own failures — {1}.', explained.length, parts.join('; '));
}

/** The errno's own words: the innermost text after its operation and object ("no such file or directory"). */
function errnoWords(i: InnermostError): string {
  const cut = i.text.lastIndexOf(': ');
  return cut >= 0 && (i.operation || i.object) ? i.text.slice(cut + 2) : i.text;
}

/** The innermost error in one phrase: "write /sys/fs/cgroup/…/cgroup.procs: ENOENT (no such file or directory)". */
function innermostWords(i: InnermostError): string {
  const what = [i.operation, i.object].filter(Boolean).join(' ');
  const how = i.errno ? `${i.errno} (${errnoWords(i)})` : errnoWords(i);
  return what ? `${what}: ${how}` : how;
}

/**
 * The verdict's words when the cause is outside the catalog: why no documented cause fits, the innermost
 * error (operation, object, errno), and what to search upstream. It names no documented cause.
 */
function otherSummary(groups: DiagnosisGroup[], evidence: Evidence[], titles: Record<string, string>, say: Say): string {
  const notRunc = evidence.find((e) => e.id === 'runtime-not-runc' && e.holds === true);
  const curated = [...new Set(groups.filter((g) => g.signature !== RUNTIME_ERROR).map((g) => titles[g.signature] ?? g.signature))];
  const why = notRunc ? say.t('the node does not run runc ({0})', notRunc.detail) : curated.length ? say.t('no documented cause fits {0} here', curated.map((e) => `"${e}"`).join(', ')) : say.t('no documented cause prints this error');
  const g = groups.find((x) => x.innermost) ?? groups[0];
  if (!g) return say.t('A cause outside the catalog: {0}.', why);
  const i = g.innermost;
  const place = [g.node, g.pod ?? g.container].filter(Boolean).join(' ');
  const times = `${g.count === 1 ? say.t('{0} time', g.count) : say.t('{0} times', g.count)}${place ? say.t(' in {0}', place) : ''}`;
  const by = g.printedBy;
  // Ids and pids vary per failure; the words around them are what upstream issues quote.
  const general = (w: string) => w.replace(/[0-9a-f]{32,64}/g, '<id>').replace(/ [0-9]{2,10}(?=\b)/g, '').trim();
  const words = [by?.text, i ? errnoWords(i) : null].filter((w): w is string => !!w).map((w) => `"${general(w)}"`);
  const where = by ? say.t("{0}'s issues{1}", by.program, by.versions ? ` (${by.program} ${by.versions}${by.where ? `, ${by.where}` : ''})` : '') : say.t('the issues of the program that printed it, with its version');
  const error = i ? say.t('The innermost error: {0}', innermostWords(i)) : say.t('The error: {0}', titles[g.signature] ?? g.signature);
  return say.t('A cause outside the catalog: {0}. {1} ({2}). Search upstream for {3} in {4}.', why, error, times, words.length ? words.join(' ') : say.t("the error's own words"), where);
}

/**
 * The verdict when a person settled on a cause: theirs, marked as settled by hand, with what the
 * evidence alone said beside it (the number stays the settled cause's posterior).
 */
function settledVerdict(settled: string, byEvidence: { cause: string; confidence: number }, leader: RankedCause, ranked: RankedCause[], evidence: Evidence[], catalog: CauseCatalog, say: Say): Verdict {
  const posterior = ranked.find((r) => r.cause === settled)?.posterior ?? 0;
  const def = catalog.causes.find((c) => c.id === settled)!;
  const evidenceCause = byEvidence.cause;
  const title = (cause: string) => say.k(CAUSE_TITLES[cause] ?? cause);
  const said = evidenceCause === settled ? say.t('and names it too') : evidenceCause === 'unknown' ? say.t('and singles out no cause ({0} leads with {1})', title(leader.cause), probability(leader.posterior)) : say.t('and names {0} ({1})', title(evidenceCause), probability(leader.posterior));
  return {
    cause: settled,
    confidence: Math.round(Math.min(CAP, posterior) * 100) / 100,
    summary: say.t('Settled by hand on {0}: the evidence alone gives it {1} {2}. {3}', say.k(def.title), probability(posterior), said, say.k(def.summary)),
    evidence,
    settled: { by: 'hand', evidenceCause, evidenceConfidence: byEvidence.confidence, leader: leader.cause },
  };
}

/**
 * The clock (the user's zone, --tz, or the one inferred from the runtime errors), and the findings the
 * evidence weighs one by one placed on it.
 */
function placeFindings(input: Pick<DiagnoseInput, 'user' | 'zone' | 'year' | 'setZone' | 'say'>, sets: readonly OccurrenceSet[], weighed: Set<string>): { clock: Clock; placed: PlacedFinding[] } {
  const userZone = input.user.timeZone ? parseZone(input.user.timeZone) : null;
  const zone = userZone ?? input.zone;
  const setZone = input.setZone ?? '--tz';
  const say = input.say ?? ENGLISH;
  return setClock(findingsOf(sets.filter((s) => weighed.has(s.signature))), {
    setZone,
    say,
    ...(zone ? { zone, zoneFrom: userZone ? say.t('as you answered') : say.t('from {0}', setZone) } : {}),
    ...(input.year !== undefined ? { year: input.year } : { commonYear: yearOfSets(sets) }),
  });
}

/** The year most lines that carry one say, the first seen in the input winning a tie (as `commonYear` over every finding). */
function yearOfSets(sets: readonly OccurrenceSet[]): number | null {
  const ranks = storeRanks(sets);
  const years = new Map<number, { n: number; rank: number; order: number }>();
  // The year of the occurrence before, and the ms it spans: most lines are of one year, and a Date per
  // occurrence was most of this loop's time.
  let year = NaN;
  let from = NaN;
  let to = NaN;
  for (const s of sets) {
    const rank = ranks.get(s.store)!;
    for (let i = 0; i < s.size; i++) {
      if (!hasYearAt(s, i)) continue;
      const w = s.store.wallMs[s.start + i]!;
      if (!(w >= from && w < to)) {
        year = new Date(w).getUTCFullYear();
        from = new Date(0).setUTCFullYear(year, 0, 1);
        to = new Date(0).setUTCFullYear(year + 1, 0, 1);
      }
      const y = year;
      const order = s.store.order[s.start + i]!;
      const e = years.get(y);
      if (!e) years.set(y, { n: 1, rank, order });
      else {
        e.n += 1;
        if (rank < e.rank || (rank === e.rank && order < e.order)) [e.rank, e.order] = [rank, order];
      }
    }
  }
  // As commonYear over the years in input order: the most said, the first seen of those that tie.
  const seen = [...years].sort((a, b) => a[1].rank - b[1].rank || a[1].order - b[1].order);
  let best: [number, { n: number }] | undefined;
  for (const e of seen) if (best === undefined || e[1].n > best[1].n) best = e;
  return best ? best[0] : null;
}

/** The contract's finding times: `time` in UTC when the instant is known, else `localTime` as the node wrote it (with the clock's year when the line has none). */
export function findingTimes(p: PlacedFinding, clock: Clock): { time: string | null; localTime?: string } {
  return writtenTimes(p.finding.wallTime, p.finding.time, p.epoch, clock);
}

/** `findingTimes` of a finding's time as written, its resolved time and its instant on the clock (PlacedFinding.epoch). */
export function writtenTimes(t: LogTime | null, resolved: ResolvedTime | null, epoch: number | null, clock: Clock): { time: string | null; localTime?: string } {
  const micros = t ? String(t.micros).padStart(6, '0') : '000000';
  if (resolved) return { time: resolved.iso };
  if (epoch !== null) return { time: `${new Date(epoch).toISOString().slice(0, 19)}.${micros}Z` };
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
function fleet(scopes: Map<string | null, { components: Set<string>; failures: number }>, placed: PlacedFinding[], facts: NodeFact[], files: Map<string, string | null>, input: DiagnoseInput, clock: Clock, catalog: CauseCatalog, byNodeFamily: Map<string, Assessment[]>): NodeSummary[] {
  // The nodes the sets name (from one pass over them: a cluster's event list names hundreds of nodes), and each one's placed findings.
  const byNode = new Map<string, { components: Set<string>; failures: number; placed: PlacedFinding[] }>();
  for (const [node, scope] of scopes) if (node !== null) byNode.set(node, { ...scope, placed: [] });
  if (byNode.size === 0) return [];
  for (const p of placed) {
    const node = canonicalNode(nodeOf(p.finding));
    if (node !== null) byNode.get(node)!.placed.push(p);
  }
  return [...byNode]
    .map(([node, mine]) => {
      const theirs = facts.filter((f) => !f.node || f.node === node);
      // A node whose failures are of one family was assessed for it already, on the same findings and facts.
      const families = byNodeFamily.get(node);
      let a = families?.length === 1 ? families[0]! : null;
      if (!a) {
        // A node with no runtime failure has no cause to rank, whatever its evidence: its row is 'none' (as
        // decide makes of no ranked causes) without the catalog's observations read for it. On a cluster's
        // list that is most nodes (1,635 of 1,721 on the bench's), and their evidence was ~50 MB of garbage.
        const present = presentIn(mine.placed, execFailureSignatures(catalog));
        a = present.size === 0 ? { evidence: [], present, ranked: [] } : assess(mine.placed, mine.components, theirs, input, clock, catalog, filesOf(files, node));
      }
      const d = decide(catalog, a.ranked);
      const typed = input.user.observations?.['runc-before-fix'];
      const runc = (typeof typed === 'string' ? typed : null) ?? latest(theirs, 'runcVersion')?.value ?? (latest(theirs, 'runcFingerprint')?.value || null);
      return {
        node,
        failures: mine.failures,
        signatures: [...a.present].sort(),
        runc,
        cause: a.present.size ? d.cause : 'none',
        confidence: a.present.size ? d.confidence : 1,
        leader: d.leader?.cause ?? null,
      };
    })
    .sort((a, b) => b.failures - a.failures || byCodeUnit(a.node, b.node));
}
