import type { MessageEntry, MessageIndex } from '../core/messages/types';
import { byCodeUnit } from '../core/order';
import type { GoParser } from '../core/sources/goParser';
import type { ProgramId } from '../core/signatures/types';
import { extractC } from './extractC';
import { type GoFileFacts, type MessageWrapper, extractGo, wrappedMessages } from './extractGo';
import { type ProjectSpec, fileFilter, programOf } from './projects';
import type { VersionSource } from './sources';

/** What `generated.by` says: the command that rewrites the file, and the code behind it. */
export const GENERATED_BY = 'npm run knowledge (src/knowledge/main.ts)';

/**
 * Orders release tags as versions: numbers compared as numbers, a pre-release (`-rc10`) before its
 * release and after the one before (`-rc9`). `docker-v29.0.0` and `v28.5.2` compare by their numbers.
 */
export function compareTags(a: string, b: string): number {
  const parse = (t: string) => {
    const m = /^\D*(\d+(?:\.\d+)*)(?:-(.*))?$/.exec(t);
    return { nums: (m?.[1] ?? '').split('.').map(Number), pre: m?.[2] ?? '' };
  };
  const x = parse(a);
  const y = parse(b);
  for (let i = 0; i < Math.max(x.nums.length, y.nums.length); i++) {
    const d = (x.nums[i] ?? 0) - (y.nums[i] ?? 0);
    if (d) return d;
  }
  // `-ce` is Docker's edition, not a pre-release.
  const px = x.pre === 'ce' ? '' : x.pre;
  const py = y.pre === 'ce' ? '' : y.pre;
  if (px !== py) {
    if (!px) return 1;
    if (!py) return -1;
    const nx = Number(/\d+/.exec(px)?.[0] ?? 0);
    const ny = Number(/\d+/.exec(py)?.[0] ?? 0);
    if (nx !== ny) return nx - ny;
  }
  return byCodeUnit(a, b);
}

/** The versions of a project the index reads, oldest first: its early refs, then its releases by version. */
export function projectTags(spec: ProjectSpec, refs: string[]): string[] {
  const early = (spec.earlyRefs ?? []).filter((r) => refs.includes(r));
  return [...early, ...refs.filter((r) => !early.includes(r) && spec.release(r)).sort(compareTags)];
}

export interface ProjectInput {
  spec: ProjectSpec;
  source: VersionSource;
  /** The versions to read, oldest first (default: projectTags of the source's refs). */
  tags?: string[];
}

export interface BuildLog {
  (line: string): void;
}

/** Blobs read per `cat-file --batch` round: bounds memory on a project of hundreds of tags. */
const BATCH = 4000;

/**
 * Reads every version of each project, extracting each distinct file content (git blob) once, and
 * folds the messages into entries: one per program and distinct (kind, level, format, keys), with the
 * versions that have it as index ranges and its site in the newest of them.
 */
export async function buildIndex(parser: GoParser | null, inputs: ProjectInput[], log: BuildLog = () => {}): Promise<MessageIndex> {
  const programs: MessageIndex['generated']['programs'] = {};
  const entries: MessageEntry[] = [];
  for (const input of inputs) {
    const started = Date.now();
    const { spec, source } = input;
    const tags = input.tags ?? projectTags(spec, source.refs());
    const filter = fileFilter(spec);
    const perTag = tags.map((t) => source.files(t, filter));
    const extracted = new Map<string, GoFileFacts>();
    const distinct = [...new Set(perTag.flat().map((f) => f.blob))];
    let bytes = 0;
    const cBlobs = new Set(perTag.flat().filter((f) => f.path.endsWith('.c')).map((f) => f.blob));
    for (let i = 0; i < distinct.length; i += BATCH) {
      const contents = await source.read(distinct.slice(i, i + BATCH));
      for (const [blob, content] of contents) {
        bytes += content.length;
        const text = content.toString('utf8');
        if (cBlobs.has(blob)) extracted.set(blob, { messages: extractC(text), wrappers: [], calls: [] });
        else {
          if (!parser) throw new Error(`${spec.name} is Go: the generator needs the tree-sitter-go parser`);
          extracted.set(blob, extractGo(parser, text));
        }
      }
    }
    type Acc = { entry: Omit<MessageEntry, 'versions'>; seen: boolean[]; siteTag: number };
    const acc = new Map<string, Acc>();
    perTag.forEach((files, t) => {
      // Wrappers are taken from the same version, so one version read alone (a tarball) gives what it gives here.
      const wrappers = new Map<string, MessageWrapper[]>();
      for (const f of files) for (const w of extracted.get(f.blob)?.wrappers ?? []) wrappers.set(w.name, [...(wrappers.get(w.name) ?? []), w]);
      for (const f of files) {
        const program = programOf(spec, f.path);
        const facts = extracted.get(f.blob);
        if (!facts) continue;
        const messages = [...facts.messages, ...wrappedMessages(facts.calls, wrappers)].sort((a, b) => a.line - b.line);
        for (const m of messages) {
          const key = [program, m.kind, m.level ?? '', m.format, ...(m.keys ?? [])].join('\u0000');
          let a = acc.get(key);
          if (!a) {
            const entry: Omit<MessageEntry, 'versions'> = { program, format: m.format, kind: m.kind, site: { file: f.path, line: m.line, function: m.function } };
            if (m.level) entry.level = m.level;
            if (m.keys) entry.keys = m.keys;
            a = { entry, seen: [], siteTag: t };
            acc.set(key, a);
          }
          // Files come sorted by path and messages by line: the first one of the newest tag is the site.
          if (a.siteTag !== t) {
            a.entry.site = { file: f.path, line: m.line, function: m.function };
            a.siteTag = t;
          }
          a.seen[t] = true;
        }
      }
    });
    const programsOfProject = new Set<ProgramId>([spec.program, ...Object.values(spec.parts ?? {})]);
    // Versions from trees or vendored copies stop where those did; the project has released since.
    for (const p of programsOfProject) programs[p] = source.allReleases ? { repo: spec.repo, tags } : { repo: spec.repo, tags, laterUnread: true };
    for (const a of acc.values()) {
      // A version that lacks the entry's folder altogether (a vendored copy without that package) says
      // nothing about the entry: it neither ends a range nor starts one.
      const dir = a.entry.site.file.includes('/') ? a.entry.site.file.slice(0, a.entry.site.file.lastIndexOf('/')) : '';
      const unknown = source.has ? tags.map((t) => !source.has!(t, dir)) : undefined;
      entries.push({ ...a.entry, versions: ranges(a.seen, tags.length, unknown) });
    }
    log(`${spec.name}: ${tags.length} versions, ${distinct.length} distinct files (${(bytes / 1e6).toFixed(1)} MB), ${acc.size} entries, ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  return { generated: { by: GENERATED_BY, programs: sortKeys(programs) }, entries: entries.sort(compareEntries) };
}

/**
 * Inclusive index ranges of the versions marked in `seen`. Versions marked `unknown` (and not seen) are
 * passed over: a range runs on across them to the next version that has the entry, and never starts or
 * ends on one.
 */
export function ranges(seen: boolean[], count: number, unknown?: boolean[]): [number, number][] {
  const out: [number, number][] = [];
  let open = false;
  for (let i = 0; i < count; i++) {
    if (seen[i]) {
      const last = out[out.length - 1];
      if (open && last) last[1] = i;
      else out.push([i, i]);
      open = true;
    } else if (!unknown?.[i]) open = false;
  }
  return out;
}

/** The index's one order: program, then format, then what else tells two entries apart. */
export function compareEntries(a: MessageEntry, b: MessageEntry): number {
  return (
    byCodeUnit(a.program, b.program) ||
    byCodeUnit(a.format, b.format) ||
    byCodeUnit(a.kind, b.kind) ||
    byCodeUnit(a.level ?? '', b.level ?? '') ||
    byCodeUnit((a.keys ?? []).join('\u0000'), (b.keys ?? []).join('\u0000'))
  );
}

function sortKeys<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => byCodeUnit(a, b)));
}

/**
 * The index as committed: the generated-file notice first, one entry per line (diffs between two
 * runs show the entries that changed), keys in a fixed order so a re-run writes the same bytes.
 */
export function serialise(index: MessageIndex): string {
  const entry = (e: MessageEntry) => {
    const o: Record<string, unknown> = { program: e.program, format: e.format, kind: e.kind };
    if (e.level !== undefined) o.level = e.level;
    if (e.keys !== undefined) o.keys = e.keys;
    o.site = { file: e.site.file, line: e.site.line, function: e.site.function };
    o.versions = e.versions;
    return JSON.stringify(o);
  };
  const programs = Object.entries(index.generated.programs)
    .map(([p, v]) => `      ${JSON.stringify(p)}: { "repo": ${JSON.stringify(v!.repo)}, "tags": ${JSON.stringify(v!.tags)}${v!.laterUnread ? ', "laterUnread": true' : ''} }`)
    .join(',\n');
  return (
    '{\n' +
    '  "$schema": "./messages.schema.json",\n' +
    `  "$comment": "GENERATED by \`${GENERATED_BY.split(' (')[0]}\` (src/knowledge/) from the programs' own upstream sources. Never edit by hand: re-run the generator (README.md, Develop).",\n` +
    `  "generated": {\n    "by": ${JSON.stringify(index.generated.by)},\n    "programs": {\n${programs}\n    }\n  },\n` +
    '  "entries": [\n' +
    index.entries.map((e) => `    ${entry(e)}`).join(',\n') +
    '\n  ]\n}\n'
  );
}
