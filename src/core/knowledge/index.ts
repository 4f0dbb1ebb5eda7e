import type { ValidateFunction } from 'ajv';
import { newAjv } from '../lazy';
import { regexHazard } from '../signatures/safeRegex';
import atlas from './atlas.json';
import atlasSchema from './atlas.schema.json';
import catalog from './catalog.json';
import catalogSchema from './catalog.schema.json';
import causes from './causes.json';
import causesSchema from './causes.schema.json';
import facts from './facts.json';
import factsSchema from './facts.schema.json';
import programs from './programs.json';
import programsSchema from './programs.schema.json';
import runcFingerprints from './runc-fingerprints.json';
import runcFingerprintsSchema from './runc-fingerprints.schema.json';
import versions from './versions.json';
import versionsSchema from './versions.schema.json';
import { compareVersions, parseVersion } from './versions';

/**
 * One loader for every knowledge file: each is checked against its schema, then every id one file gives
 * another is checked to point somewhere (signatures ↔ causes, observations, programs, chains, versions).
 * The modules that read a file at start-up import it directly (a schema compile costs tens of
 * milliseconds); this is what the tests and `npm run knowledge:check` run, so a broken reference fails
 * the build instead of silently matching nothing.
 */

/** A knowledge file by its name in src/core/knowledge (`catalog` for catalog.json). */
export type KnowledgeDocs = Record<string, unknown>;

/** The files shipped in the bundle, with their schemas. Files another change adds join here and in the folder. */
export const BUILT_IN: { docs: KnowledgeDocs; schemas: Record<string, object> } = {
  docs: { atlas, catalog, causes, facts, programs, 'runc-fingerprints': runcFingerprints, versions },
  schemas: { atlas: atlasSchema, catalog: catalogSchema, causes: causesSchema, facts: factsSchema, programs: programsSchema, 'runc-fingerprints': runcFingerprintsSchema, versions: versionsSchema },
};

/** The files every knowledge base must hold; the others (messages, errno, innermost…) are checked when present. */
const REQUIRED = ['atlas', 'catalog', 'causes', 'facts', 'programs', 'runc-fingerprints', 'versions'];

/** Every problem of a knowledge base, one sentence each, naming the file and the id. */
export class KnowledgeError extends Error {
  constructor(readonly problems: string[]) {
    super(`knowledge base is inconsistent (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n  ${problems.join('\n  ')}`);
  }
}

interface Sig {
  id: string;
  patterns: string[];
  flags?: string;
  chain?: string | null;
  cause?: string;
  causes?: string[];
  observation?: string;
}

interface CauseRow {
  id: string;
  signatures: Record<string, unknown>;
  evidence: Record<string, unknown>;
}

/** Schema problems of every file, then cross-reference problems (only between files whose schema holds). */
export function knowledgeProblems(docs: KnowledgeDocs, schemas: Record<string, object>): string[] {
  const problems: string[] = [];
  const valid = new Set<string>();
  for (const name of REQUIRED) if (!(name in docs)) problems.push(`${name}.json is missing`);
  for (const [name, doc] of Object.entries(docs)) {
    const schema = schemas[name];
    if (!schema) {
      problems.push(`${name}.json has no schema (${name}.schema.json)`);
      continue;
    }
    const validate = validator(schema);
    if (validate(doc)) valid.add(name);
    else for (const e of validate.errors ?? []) problems.push(`${name}.json${e.instancePath || ''}: ${e.message ?? 'is invalid'}`);
  }
  const ok = (...names: string[]) => names.every((n) => valid.has(n));
  const catalogSigs = ok('catalog') ? ((docs.catalog as { signatures: Sig[] }).signatures) : [];
  const causeDoc = ok('causes') ? (docs.causes as { observations: { id: string }[]; causes: CauseRow[] }) : null;
  const observations = new Set(causeDoc?.observations.map((o) => o.id) ?? []);
  const causeIds = new Set(causeDoc?.causes.map((c) => c.id) ?? []);

  duplicates('catalog.json signature', catalogSigs.map((s) => s.id), problems);
  if (causeDoc) {
    duplicates('causes.json cause', causeDoc.causes.map((c) => c.id), problems);
    duplicates('causes.json observation', causeDoc.observations.map((o) => o.id), problems);
    for (const c of causeDoc.causes) for (const o of Object.keys(c.evidence)) if (!observations.has(o)) problems.push(`causes.json: cause ${c.id} weighs observation ${o}, which causes.json does not define`);
  }
  if (ok('catalog')) {
    for (const s of catalogSigs) {
      const hazard = s.patterns.map((p) => regexHazard(p)).find(Boolean);
      if (hazard) problems.push(`catalog.json: signature ${s.id}: ${hazard}`);
    }
    for (const e of (docs.catalog as { keyedEvents?: { id: string; key: string }[] }).keyedEvents ?? []) {
      try {
        if (new RegExp(`${e.key}|`).exec('')!.length < 2) problems.push(`catalog.json: keyed event ${e.id}: its key has no group for the id`);
        const hazard = regexHazard(e.key);
        if (hazard) problems.push(`catalog.json: keyed event ${e.id}: ${hazard}`);
      } catch (err) {
        problems.push(`catalog.json: keyed event ${e.id}: ${(err as Error).message}`);
      }
    }
  }
  if (ok('catalog', 'causes')) {
    for (const s of catalogSigs) {
      for (const c of [...(s.causes ?? []), ...(s.cause ? [s.cause] : [])]) if (!causeIds.has(c)) problems.push(`catalog.json: signature ${s.id} names cause ${c}, which causes.json does not define`);
      if (s.observation && !observations.has(s.observation)) problems.push(`catalog.json: signature ${s.id} feeds observation ${s.observation}, which causes.json does not define`);
    }
    // An observation's reader counts the signatures its params name (causes.json observations' params).
    for (const o of causeDoc!.observations as { id: string; params?: { signatures?: string[]; near?: string[] } }[]) {
      for (const id of [...(o.params?.signatures ?? []), ...(o.params?.near ?? [])]) if (!catalogSigs.some((x) => x.id === id)) problems.push(`causes.json: observation ${o.id} reads signature ${id}, which catalog.json does not define`);
    }
    // The two files say the same thing from both ends: a signature names a cause exactly when the cause weighs it.
    // `family:<name>` keys weigh an unclassified runtime error by the family of its innermost error (innermost.json).
    const families = new Set(((docs.innermost as { rules?: { family: string }[] } | undefined)?.rules ?? []).map((r) => r.family));
    for (const c of causeDoc!.causes) {
      for (const s of Object.keys(c.signatures)) {
        if (s.startsWith('family:')) {
          if ('innermost' in docs && !families.has(s.slice('family:'.length))) problems.push(`causes.json: cause ${c.id} weighs family ${s.slice('family:'.length)}, which innermost.json does not define`);
          continue;
        }
        const sig = catalogSigs.find((x) => x.id === s);
        if (!sig) problems.push(`causes.json: cause ${c.id} weighs signature ${s}, which catalog.json does not define`);
        else if (!(sig.causes ?? []).includes(c.id)) problems.push(`causes.json: cause ${c.id} weighs signature ${s}, but catalog.json's ${s} does not list ${c.id} among its causes`);
      }
    }
    for (const s of catalogSigs) {
      for (const c of s.causes ?? []) {
        const row = causeDoc!.causes.find((x) => x.id === c);
        if (row && !(s.id in row.signatures)) problems.push(`catalog.json: signature ${s.id} lists cause ${c}, but causes.json's ${c} does not weigh ${s.id}`);
      }
    }
  }
  const components = ok('programs') ? new Set(Object.keys((docs.programs as { components: Record<string, unknown> }).components)) : null;
  if (ok('programs')) {
    const p = docs.programs as { projects: Record<string, { component: string; parts?: Record<string, string> }> };
    for (const [project, spec] of Object.entries(p.projects)) {
      for (const c of [spec.component, ...Object.values(spec.parts ?? {})]) if (!components!.has(c)) problems.push(`programs.json: project ${project} names component ${c}, which programs.json does not define`);
    }
  }
  if (ok('atlas')) atlasProblems(docs.atlas as AtlasDoc, components, problems);
  if (ok('atlas', 'catalog')) {
    const chains = new Set(Object.keys((docs.atlas as AtlasDoc).chains));
    for (const s of catalogSigs) if (s.chain && !chains.has(s.chain)) problems.push(`catalog.json: signature ${s.id} travels chain ${s.chain}, which atlas.json does not define`);
  }
  if (ok('versions')) versionProblems(docs.versions as VersionsDoc, components, ok('causes') ? observations : null, problems);
  if (ok('facts')) factProblems(docs.facts as FactsDoc, problems);
  if (ok('facts') && 'messages' in docs && ok('messages')) factMessageProblems(docs.facts as FactsDoc, docs.messages as MessagesDoc, problems);
  if (ok('runc-fingerprints')) {
    for (const tag of Object.keys((docs['runc-fingerprints'] as { tags: Record<string, unknown> }).tags)) if (!parseVersion(tag)) problems.push(`runc-fingerprints.json: tag ${tag} is not a version`);
  }
  if ('messages' in docs && ok('messages')) messageProblems(docs.messages as MessagesDoc, problems);
  if ('innermost' in docs && ok('innermost', 'causes')) {
    const rows = (docs.innermost as { rules?: { id: string; observations?: string[] }[] }).rules ?? [];
    for (const r of rows) for (const o of r.observations ?? []) if (!observations.has(o)) problems.push(`innermost.json: rule ${r.id} makes observation ${o} true, which causes.json does not define`);
  }
  return problems;
}

let ajv: ReturnType<typeof newAjv> | undefined;
const compiled = new WeakMap<object, ValidateFunction>();

/** Each schema compiled once; without its `$id`, which Ajv keeps and would refuse to see twice (a schema read again from disk). */
function validator(schema: object): ValidateFunction {
  let v = compiled.get(schema);
  if (!v) {
    const { $id: _, ...rest } = schema as { $id?: string };
    v = (ajv ??= newAjv()).compile(rest);
    compiled.set(schema, v);
  }
  return v;
}

function duplicates(what: string, ids: string[], problems: string[]): void {
  const seen = new Set<string>();
  for (const id of ids) {
    if (seen.has(id)) problems.push(`${what} ${id} is defined twice`);
    seen.add(id);
  }
}

interface AtlasDoc {
  projects: Record<string, unknown>;
  programs: Record<string, unknown>;
  stacks?: { id: string; programs: string[]; seenIn: { facts: string[] }; chains: Record<string, string> }[];
  evidenceChains?: Record<string, string>;
  chains: Record<string, { hops: { id: string; component: string; project: string; at: { project?: string }; alternates?: { project?: string }[] }[] }>;
}

function atlasProblems(a: AtlasDoc, components: Set<string> | null, problems: string[]): void {
  for (const [name, chain] of Object.entries(a.chains)) {
    duplicates(`atlas.json: chain ${name}: hop`, chain.hops.map((h) => h.id), problems);
    for (const hop of chain.hops) {
      for (const loc of [hop.at, ...(hop.alternates ?? [])]) {
        const project = loc.project ?? hop.project;
        if (!a.projects[project]) problems.push(`atlas.json: chain ${name}: hop ${hop.id} names project ${project}, which atlas.json does not define`);
      }
      if (!a.programs[hop.component]) problems.push(`atlas.json: chain ${name}: hop ${hop.id} runs in program ${hop.component}, which atlas.json does not define`);
      if (components && !components.has(hop.component)) problems.push(`atlas.json: chain ${name}: hop ${hop.id} runs in ${hop.component}, which programs.json does not define`);
    }
  }
  duplicates('atlas.json stack', (a.stacks ?? []).map((s) => s.id), problems);
  for (const stack of a.stacks ?? []) {
    for (const [entry, chain] of Object.entries(stack.chains)) if (!a.chains[chain]) problems.push(`atlas.json: stack ${stack.id} takes chain ${chain} for ${entry}, which atlas.json does not define`);
    for (const p of stack.programs) if (!a.programs[p]) problems.push(`atlas.json: stack ${stack.id} runs program ${p}, which atlas.json does not define`);
    for (const k of stack.seenIn.facts) if (!FACT_KINDS.has(k)) problems.push(`atlas.json: stack ${stack.id} is seen in facts of kind ${k}, which facts.schema.json does not define`);
  }
  for (const chain of Object.keys(a.evidenceChains ?? {})) if (!a.chains[chain]) problems.push(`atlas.json: evidence chain ${chain} is not a chain of atlas.json`);
}

/** The fact kinds a stack may be seen in: those facts.schema.json defines. */
const FACT_KINDS = new Set<string>(factsSchema.definitions.kind.enum);

interface VersionsDoc {
  programs: Record<string, { toolchain?: boolean }>;
  boundaries: { id: string; program: string; since?: string; before?: string; from?: string; through?: string; devAmbiguous?: string; observations?: string[] }[];
}

function versionProblems(v: VersionsDoc, components: Set<string> | null, observations: Set<string> | null, problems: string[]): void {
  duplicates('versions.json boundary', v.boundaries.map((b) => b.id), problems);
  for (const [id, p] of Object.entries(v.programs)) if (!p.toolchain && components && !components.has(id)) problems.push(`versions.json: program ${id} is not a component of programs.json (nor marked a toolchain)`);
  for (const b of v.boundaries) {
    if (!v.programs[b.program]) problems.push(`versions.json: boundary ${b.id} is of program ${b.program}, which versions.json does not define`);
    for (const text of [b.since, b.before, b.from, b.through, b.devAmbiguous]) if (text !== undefined && !parseVersion(text)) problems.push(`versions.json: boundary ${b.id}: ${text} is not a version`);
    if (b.from && b.through && parseVersion(b.from) && parseVersion(b.through) && compareVersions(parseVersion(b.from)!, parseVersion(b.through)!) > 0) problems.push(`versions.json: boundary ${b.id}: from ${b.from} is after through ${b.through}`);
    if (observations) for (const o of b.observations ?? []) if (!observations.has(o)) problems.push(`versions.json: boundary ${b.id} is read by observation ${o}, which causes.json does not define`);
  }
}

interface FactsDoc {
  pieces: Record<string, string>;
  values?: Record<string, unknown>;
  states?: Record<string, unknown>;
  rules: { id: string; pattern?: string; messages?: { program: string; format: string; keys?: string[] }[]; verbs?: { shape?: string; value?: string }[]; keys?: Record<string, string>; sets?: string; when?: Record<string, string>; follows?: { rule: string } }[];
  files: Record<string, { single?: string }>;
}

function factProblems(f: FactsDoc, problems: string[]): void {
  duplicates('facts.json rule', f.rules.map((r) => r.id), problems);
  const ids = new Set(f.rules.map((r) => r.id));
  for (const r of f.rules) {
    if (r.follows && !ids.has(r.follows.rule)) problems.push(`facts.json: rule ${r.id} follows rule ${r.follows.rule}, which facts.json does not define`);
    for (const name of [...(r.sets !== undefined ? [r.sets] : []), ...Object.keys(r.when ?? {})]) if (!f.states?.[name]) problems.push(`facts.json: rule ${r.id} reads or sets state ${name}, which facts.json states does not define`);
    const patterns = [...(r.pattern !== undefined ? [r.pattern] : []), ...(r.verbs ?? []).flatMap((v) => (v.shape !== undefined ? [v.shape] : [])), ...Object.values(r.keys ?? {})];
    for (const v of r.verbs ?? []) if (v.value !== undefined && !f.values?.[v.value]) problems.push(`facts.json: rule ${r.id} reads value ${v.value}, which facts.json values does not define`);
    // A structured klog line is its quoted message and pairs: a rule reads it by key (the entry's keys), never
    // by verbs, and does not mix it with printf formats, whose `keys` are fields of the whole line.
    const structured = (r.messages ?? []).filter((m) => m.keys);
    if (structured.length && structured.length < r.messages!.length) problems.push(`facts.json: rule ${r.id} names structured klog entries and printf formats at once`);
    if (structured.length && r.verbs) problems.push(`facts.json: rule ${r.id} names structured klog entries, whose values are read by key: it has verbs`);
    for (const m of structured) for (const key of Object.keys(r.keys ?? {})) if (!m.keys!.includes(key)) problems.push(`facts.json: rule ${r.id} reads key ${key}, which ${m.program}'s ${JSON.stringify(m.format)} does not log (its keys: ${m.keys!.join(', ')})`);
    for (const pattern of patterns) {
      let source = pattern;
      for (const m of pattern.matchAll(/\{([A-Z]+)\}/g)) {
        if (f.pieces[m[1]!] === undefined) problems.push(`facts.json: rule ${r.id} names piece {${m[1]}}, which facts.json does not define`);
        else source = source.replace(m[0], f.pieces[m[1]!]!);
      }
      try {
        new RegExp(source);
        const hazard = regexHazard(source);
        if (hazard) problems.push(`facts.json: rule ${r.id}: ${hazard}`);
      } catch (e) {
        problems.push(`facts.json: rule ${r.id}: ${(e as Error).message}`);
      }
    }
  }
}

/**
 * The message index's entries that print a fact rule's line (its `messages`: program, format and, for a
 * structured klog call, its keys in order), with their versions; a rule naming a format the index does not
 * hold has none. What the loader checks, and what says in which versions a fact's line exists.
 */
export function factMessageEntries(f: FactsDoc, m: MessagesDoc): Map<string, { program: string; format: string; keys?: string[]; entries: MessagesDoc['entries'] }[]> {
  const byKey = new Map<string, MessagesDoc['entries']>();
  for (const e of m.entries) {
    const key = `${e.program}\u0000${e.format}`;
    const list = byKey.get(key);
    if (list) list.push(e);
    else byKey.set(key, [e]);
  }
  const sameKeys = (a: string[] | undefined, b: string[] | undefined) => (a ?? []).join('\u0000') === (b ?? []).join('\u0000');
  return new Map(f.rules.filter((r) => r.messages).map((r) => [r.id, r.messages!.map((ref) => ({ ...ref, entries: (byKey.get(`${ref.program}\u0000${ref.format}`) ?? []).filter((e) => sameKeys(e.keys, ref.keys)) }))]));
}

function factMessageProblems(f: FactsDoc, m: MessagesDoc, problems: string[]): void {
  for (const [id, refs] of factMessageEntries(f, m)) {
    for (const ref of refs) {
      const named = `${ref.program}'s format ${JSON.stringify(ref.format)}${ref.keys ? ` with keys ${ref.keys.join(', ')}` : ''}`;
      if (ref.entries.length === 0) problems.push(`facts.json: rule ${id} reads ${named}, which messages.json does not hold`);
      else if (!ref.entries.some((e) => e.kind === 'log')) problems.push(`facts.json: rule ${id} reads ${named}, which messages.json holds only as an error value, never a log line`);
    }
  }
}

interface MessagesDoc {
  generated: { programs: Record<string, { tags: string[] }> };
  entries: { program: string; format: string; kind?: string; keys?: string[]; versions: [number, number][] }[];
}

function messageProblems(m: MessagesDoc, problems: string[]): void {
  m.entries.forEach((e, i) => {
    const tags = m.generated.programs[e.program]?.tags;
    if (!tags) problems.push(`messages.json: entry ${i} (${JSON.stringify(e.format.slice(0, 60))}) is of program ${e.program}, which generated.programs does not list`);
    else for (const [from, to] of e.versions) if (from < 0 || to >= tags.length || from > to) problems.push(`messages.json: entry ${i} (${JSON.stringify(e.format.slice(0, 60))}): version range [${from}, ${to}] is outside ${e.program}'s ${tags.length} tags`);
  });
}

/** The built-in knowledge base (or `docs`), validated in full; throws a KnowledgeError naming every problem. */
export function loadKnowledge(base: { docs: KnowledgeDocs; schemas: Record<string, object> } = BUILT_IN): KnowledgeDocs {
  const problems = knowledgeProblems(base.docs, base.schemas);
  if (problems.length) throw new KnowledgeError(problems);
  return base.docs;
}

/** Every `NAME.json` of a folder with its `NAME.schema.json` (node only: the check script and the tests). */
export function knowledgeFromDir(dir: string): { docs: KnowledgeDocs; schemas: Record<string, object> } {
  const fs = require('node:fs') as typeof import('node:fs');
  const path = require('node:path') as typeof import('node:path');
  const docs: KnowledgeDocs = {};
  const schemas: Record<string, object> = {};
  for (const file of fs.readdirSync(dir).sort()) {
    const m = /^(.+?)(\.schema)?\.json$/.exec(file);
    if (!m) continue;
    const data = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as object;
    if (m[2]) schemas[m[1]!] = data;
    else docs[m[1]!] = data;
  }
  return { docs, schemas };
}
