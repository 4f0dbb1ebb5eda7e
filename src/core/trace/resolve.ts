import * as fs from 'node:fs';
import * as path from 'node:path';
import { type BodyEvent, type GoDecl, type GoFileIndex, GoIndexCache, declKey } from '../sources/goIndex';
import type { GoParser } from '../sources/goParser';
import { type ProjectRoot, discoverProjects } from '../sources/roots';
import type { Atlas, Chain, Hop, HopEdge, HopLocation, HopSpec, ShimChoice } from './types';

/** Edges that cross a process: the callee runs from its own build, not from the caller's vendor/. */
const CROSS_PROCESS = new Set(['http', 'grpc', 'exec']);
const KIND_ORDER: Record<string, number> = { checkout: 0, 'module-cache': 1, gopath: 2, vendor: 3 };

interface Found {
  hop: Hop;
  decl: GoDecl | null;
  root: ProjectRoot | null;
  /** The copy of the project that builds this hop's program (the kubelet: kubernetes' tree). */
  program: ProjectRoot | null;
}

interface Hit {
  decl: GoDecl;
  file: string;
  callLine?: number;
  /** The unlisted helper the call goes through, with the line where it makes the call. */
  via?: string;
}

export interface TraceResult {
  chains: Record<string, Chain>;
  elapsedMs: number;
  roots: ProjectRoot[];
  /** Files parsed by this trace (0 on a warm trace). */
  parsedFiles: number;
  parsedBytes: number;
}

/** A cancellation signal the editor can pass (VS Code's CancellationToken fits). */
export interface Cancellation {
  readonly isCancellationRequested: boolean;
}

export class TraceCancelled extends Error {
  constructor() {
    super('trace cancelled');
  }
}

function stamp(p: string): string {
  try {
    const st = fs.statSync(p);
    return `${st.mtimeMs}:${st.size}`;
  } catch {
    return 'missing';
  }
}

/**
 * Resolves the atlas's chains against the user's Go sources. Never parses whole trees: for each hop it
 * lists the one package directory the atlas names (in each copy of the project, best copy first),
 * reads only files that mention the function, and parses those with tree-sitter-go. Results are
 * cached by file mtime; a repeated trace over unchanged sources only stats its files.
 */
export class Tracer {
  private readonly index: GoIndexCache;
  private roots: ProjectRoot[] = [];
  private rootsKey = '';
  private readonly listings = new Map<string, { stamp: string; files: string[] }>();
  private readonly textChecks = new Map<string, { stamp: string; names: Map<string, boolean> }>();
  private last: { key: string; deps: Map<string, string>; result: TraceResult } | null = null;
  /** File texts read during one trace: a package is searched for several names, its files read once. */
  private readonly texts = new Map<string, string | null>();
  /** Import path → package directory per program, for one trace (directories come and go between traces). */
  private readonly importDirs = new Map<string, string | null>();

  constructor(
    parser: GoParser,
    readonly atlas: Atlas,
  ) {
    this.index = new GoIndexCache(parser);
  }

  /** Finds the projects under the source roots (cheap; repeated when the roots change). */
  setSourceRoots(sourceRoots: string[]): ProjectRoot[] {
    const key = sourceRoots.join('\u0000');
    if (key !== this.rootsKey) {
      this.roots = discoverProjects(sourceRoots, this.atlas.projects);
      this.rootsKey = key;
      this.last = null;
    }
    return this.roots;
  }

  /** The indexed declaration a resolved hop points at (for source facts), if still fresh. */
  declAt(file: string, line: number): GoDecl | null {
    const idx = this.index.fresh(file) ?? this.index.get(file);
    if (!idx) return null;
    for (const d of idx.decls.values()) if (d.line === line) return d;
    return null;
  }

  /** Forgets cached listings and parses (after the user edits sources outside the editor's sight). */
  invalidate(file?: string): void {
    this.index.invalidate(file);
    if (file) {
      this.textChecks.delete(file);
      this.listings.delete(path.dirname(file));
    } else {
      this.textChecks.clear();
      this.listings.clear();
    }
    this.last = null;
  }

  /**
   * Resolves the named chains. Yields to the event loop between hops so an editor can show progress
   * and honour cancellation; `onHop` reports progress.
   */
  async trace(chainNames: string[], cancel?: Cancellation, onHop?: (done: number, total: number) => void): Promise<TraceResult> {
    const started = performance.now();
    const key = `${this.rootsKey}\u0001${chainNames.join(',')}`;
    if (this.last?.key === key && [...this.last.deps].every(([p, s]) => stamp(p) === s)) {
      return { ...this.last.result, elapsedMs: performance.now() - started, parsedFiles: 0, parsedBytes: 0 };
    }
    this.importDirs.clear();
    const parsedFiles = this.index.parsedFiles;
    const parsedBytes = this.index.parsedBytes;
    const deps = new Map<string, string>();
    const chains: Record<string, Chain> = {};
    // Hops shared between chains (the shim, runc's main) resolve once.
    const shared = new Map<string, Found>();
    const total = chainNames.reduce((n, c) => n + (this.atlas.chains[c]?.hops.length ?? 0), 0);
    let done = 0;
    const shims = new Map<string, ShimChoice>();
    for (const name of chainNames) {
      const spec = this.atlas.chains[name];
      if (!spec) throw new Error(`unknown chain '${name}'`);
      let shim: ShimChoice | undefined;
      if (spec.runtimeFrom) {
        shim = shims.get(spec.runtimeFrom) ?? this.chooseShim(spec.runtimeFrom, deps);
        shims.set(spec.runtimeFrom, shim);
      }
      const hops: Hop[] = [];
      let prev: Found | null = null;
      for (const hopSpec of spec.hops) {
        if (cancel?.isCancellationRequested) throw new TraceCancelled();
        onHop?.(done++, total);
        await new Promise<void>((r) => setImmediate(r));
        const offPath = this.offShimPath(hopSpec, shim);
        if (offPath) {
          // Not a step on this shim's path: the previous hop calls the next one directly.
          hops.push(offPath);
          continue;
        }
        // Following a call depends on where the previous hop is, so hops shared by chains resolve once per caller.
        const sharedKey = `${hopSpec.id}\u0000${prev?.hop.file ?? ''}:${prev?.hop.line ?? ''}\u0000${shim?.shim ?? ''}`;
        let found = shared.get(sharedKey);
        if (!found) {
          found = this.resolveHop(hopSpec, prev, shim?.shim ?? null, deps);
          shared.set(sharedKey, found);
        }
        const hop: Hop = { ...found.hop };
        if (prev && hopSpec.edge && hop.foundBy !== 'call') this.verifyEdge(hop, hopSpec.edge, prev);
        hops.push(hop);
        prev = found;
      }
      chains[name] = { name, title: spec.title, hops, ...(shim ? { shim } : {}) };
    }
    const result: TraceResult = {
      chains,
      elapsedMs: performance.now() - started,
      roots: this.roots,
      parsedFiles: this.index.parsedFiles - parsedFiles,
      parsedBytes: this.index.parsedBytes - parsedBytes,
    };
    this.last = { key, deps, result };
    this.texts.clear();
    return result;
  }

  private verifyEdge(hop: Hop, edge: HopEdge, prev: Found): void {
    hop.callSite = null;
    if (!prev.decl || !prev.hop.file) {
      if (hop.resolved) hop.problem = 'the previous hop is not in your sources, so the call into this one cannot be shown';
      return;
    }
    const ev = prev.decl.events.find(
      (e) =>
        (e.kind === 'call' && edge.call?.includes(e.text)) ||
        (e.kind === 'string' && edge.string?.some((s) => e.text.includes(s))) ||
        (e.kind === 'ref' && edge.ref?.includes(e.text)),
    );
    if (ev) hop.callSite = { file: prev.hop.file, line: ev.line };
    else hop.problem = `no ${describeEdge(edge)} found in ${prev.hop.symbol} (${path.basename(prev.hop.file)}:${prev.hop.line}) in this version`;
  }

  /** The standalone copies of a project (never another project's vendor/), best first. */
  private standalone(project: string): ProjectRoot[] {
    return this.roots.filter((r) => r.project === project && r.kind !== 'vendor').sort((a, b) => KIND_ORDER[a.kind]! - KIND_ORDER[b.kind]!);
  }

  /**
   * The copy of the project that builds the hop's program. Within a program it stays the previous
   * hop's; across a process boundary the program's own tree is picked afresh.
   */
  private programRoot(spec: HopSpec, prev: Found | null): ProjectRoot | null {
    const project = this.atlas.programs[spec.component].project;
    if (prev?.program && prev.program.project === project && !CROSS_PROCESS.has(spec.boundary)) return prev.program;
    return this.standalone(project)[0] ?? null;
  }

  /**
   * Where the program compiles `project` from: its own tree, else the copy in its vendor/, else (a
   * module or GOPATH build) a standalone copy. Another program's vendor/ is never a candidate.
   */
  private copiesFor(project: string, program: ProjectRoot): ProjectRoot[] {
    if (project === program.project) return [program];
    const vendored = this.roots.filter((r) => r.project === project && r.kind === 'vendor' && r.vendoredIn === program.dir);
    return vendored.length > 0 ? vendored : this.standalone(project);
  }

  /**
   * The directory an import path names in the program's build, as Go finds it: the program's own
   * module, then its vendor/ (a nested module such as containerd's api/ is compiled from there), then
   * a standalone copy of an atlas project (module cache, GOPATH).
   */
  private importDir(importPath: string, program: ProjectRoot): string | null {
    const key = `${program.dir}\u0000${importPath}`;
    if (!this.importDirs.has(key)) this.importDirs.set(key, this.findImportDir(importPath, program));
    return this.importDirs.get(key)!;
  }

  private findImportDir(importPath: string, program: ProjectRoot): string | null {
    const own = program.module ? [program.module] : (this.atlas.projects[program.project]?.modules ?? []);
    for (const m of own) {
      if (importPath === m || importPath.startsWith(`${m}/`)) {
        const dir = path.join(program.dir, importPath.slice(m.length + 1));
        if (isDir(dir)) return dir;
      }
    }
    const vendored = path.join(program.dir, 'vendor', importPath);
    // kubernetes links vendor/k8s.io/* to its staging/ tree: name the file where it really is.
    if (isDir(vendored)) return fs.realpathSync(vendored);
    let best: { project: string; rest: string; len: number } | null = null;
    for (const [project, spec] of Object.entries(this.atlas.projects)) {
      for (const m of spec.modules) {
        if ((importPath === m || importPath.startsWith(`${m}/`)) && (!best || m.length > best.len)) best = { project, rest: importPath.slice(m.length + 1), len: m.length };
      }
    }
    if (!best) return null;
    for (const copy of this.copiesFor(best.project, program)) {
      const dir = path.join(copy.dir, best.rest);
      if (isDir(dir)) return dir;
    }
    return null;
  }

  /** Why a hop of a program whose tree is missing stays unresolved, naming any vendored copy that is not it. */
  private missingProgram(spec: HopSpec): string {
    const program = this.atlas.programs[spec.component];
    const title = this.atlas.projects[program.project]?.title ?? program.project;
    // Only a vendored copy that holds the hop's package is worth naming (containerd 1.2 vendors bits of kubernetes, not the kubelet).
    const vendored = this.roots.find((r) => r.kind === 'vendor' && r.project === spec.project && r.vendoredIn && isDir(path.join(r.dir, spec.at.dir)));
    if (!vendored) return `no ${title} sources among the source roots`;
    const owner = this.roots.find((r) => r.dir === vendored.vendoredIn);
    const ownerProgram = Object.values(this.atlas.programs).find((p) => p.project === owner?.project);
    const what = spec.at.dir && spec.at.dir !== '.' ? `${spec.project}'s ${spec.at.dir}` : spec.project;
    return `no ${title} sources among the source roots; ${owner?.project ?? 'another project'} vendors ${what}, but ${ownerProgram?.title ?? 'that program'} does not run it`;
  }

  /** Which shim a chain runs through, as the sources of the program that asks containerd for it say. */
  private chooseShim(chooserName: string, deps: Map<string, string>): ShimChoice {
    const chooser = this.atlas.runtimes.choosers[chooserName];
    if (!chooser) throw new Error(`chain atlas: unknown runtime chooser '${chooserName}'`);
    const program = this.atlas.programs[chooser.program];
    const root = this.standalone(program.project)[0];
    if (!root) return { shim: null, runtime: null, why: `no ${this.atlas.projects[program.project]?.title ?? program.project} sources, so which shim ${program.title} asks for is unknown: every shim's code is tried` };
    for (const ev of chooser.evidence) {
      const file = path.join(root.dir, ev.file);
      deps.set(file, stamp(file));
      const text = readText(file);
      const m = text === null ? null : new RegExp(ev.pattern).exec(text);
      if (!m || text === null) continue;
      const runtime = m[1] ?? ev.runtime ?? null;
      const shim = runtime ? (this.atlas.runtimes.shims[runtime] ?? null) : null;
      const line = text.slice(0, m.index + (m[1] ? m[0].indexOf(m[1]) : 0)).split('\n').length;
      const kind = shim === 'v1' ? 'the v1 shim (containerd-shim, runtime/v1)' : shim === 'v2' ? 'the v2 shim (containerd-shim-runc-v2)' : 'a shim this atlas does not know';
      return { shim, runtime, why: `${ev.why} (${ev.file}:${line}): ${runtime} → ${kind}`, file, line };
    }
    return { shim: null, runtime: null, why: `${program.title}'s sources (${root.dir}) name none of the runtimes this atlas knows: every shim's code is tried` };
  }

  /** A hop whose every location belongs to the other shim: shown, unresolved, with the reason. */
  private offShimPath(spec: HopSpec, shim: ShimChoice | undefined): Hop | null {
    if (!shim?.shim) return null;
    const locations = [spec.at, ...(spec.alternates ?? [])];
    if (!locations.every((l) => l.shim && l.shim !== shim.shim)) return null;
    return {
      id: spec.id,
      component: spec.component,
      symbol: spec.symbol,
      boundary: spec.boundary,
      resolved: false,
      callSite: null,
      project: spec.project,
      note: spec.note,
      problem: `not on this path: ${shim.why}, and the ${shim.shim} shim has no such step`,
    };
  }

  private goFiles(dir: string, deps: Map<string, string>): string[] {
    const s = stamp(dir);
    deps.set(dir, s);
    const cached = this.listings.get(dir);
    if (cached?.stamp === s) return cached.files;
    let files: string[] = [];
    try {
      files = fs
        .readdirSync(dir)
        .filter((f) => f.endsWith('.go') && !f.endsWith('_test.go'))
        .sort()
        .map((f) => path.join(dir, f));
    } catch {
      files = [];
    }
    this.listings.set(dir, { stamp: s, files });
    return files;
  }

  /**
   * Cheap text prefilter: the file's text when it mentions `needle` at all, else null. A "no" is
   * remembered per file version; the text read for a "yes" goes straight to the indexer.
   */
  private mentioning(file: string, needle: string): string | null {
    const s = stamp(file);
    let entry = this.textChecks.get(file);
    if (entry?.stamp !== s) {
      entry = { stamp: s, names: new Map() };
      this.textChecks.set(file, entry);
    }
    if (entry.names.get(needle) === false) return null;
    let text = this.texts.get(file);
    if (text === undefined) {
      text = readText(file);
      this.texts.set(file, text);
    }
    const has = text !== null && text.includes(needle);
    entry.names.set(needle, has);
    return has ? text : null;
  }

  /** The indexes of a package's files that mention `needle`, hinted files first. */
  private *indexes(dir: string, needle: string, deps: Map<string, string>, hints: string[] = []): Generator<GoFileIndex> {
    const files = this.goFiles(dir, deps);
    const first = new Set(hints);
    for (const file of [...files.filter((f) => first.has(path.basename(f))), ...files.filter((f) => !first.has(path.basename(f)))]) {
      let idx = this.index.fresh(file);
      if (!idx) {
        const text = this.mentioning(file, needle);
        if (text === null) continue;
        idx = this.index.get(file, text);
      }
      deps.set(file, stamp(file));
      if (idx) yield idx;
    }
  }

  /** The declaration an atlas location names, in one copy of its project. */
  private findIn(root: ProjectRoot, loc: HopLocation, deps: Map<string, string>): Hit | null {
    const key = loc.field ? `${loc.name}.${loc.field}` : declKey(loc.receiver, loc.name, loc.funcLiteral ? `func${loc.funcLiteral}` : undefined);
    for (const idx of this.indexes(path.join(root.dir, loc.dir), loc.name, deps, loc.files)) {
      const decl = idx.find(key);
      if (decl) return { decl, file: idx.file };
    }
    return null;
  }

  /** A package-level function of a package directory. */
  private funcIn(dir: string, name: string, deps: Map<string, string>): Hit | null {
    for (const idx of this.indexes(dir, `func ${name}`, deps)) {
      const decl = idx.decls.get(name);
      if (decl) return { decl, file: idx.file };
    }
    return null;
  }

  /** The methods called `name` in a package directory, on any receiver: the implementations an interface call may reach. */
  private methodsIn(dir: string, name: string, deps: Map<string, string>, hints: string[] = []): Hit[] {
    const out: Hit[] = [];
    for (const idx of this.indexes(dir, `) ${name}(`, deps, hints)) {
      for (const decl of idx.decls.values()) if (decl.receiver && decl.name === name) out.push({ decl, file: idx.file });
    }
    return out;
  }

  /**
   * Follows the call into this hop from the previous hop's body: a package's function through the
   * file's imports (in the program's tree, vendor/ or module copies), a function of the same package,
   * or a method — an interface's implementation — in the landmark packages, then in the caller's own
   * and imported packages. A renamed or moved function is found this way, by the call that reaches it.
   */
  private followCall(spec: HopSpec, prev: Found, locations: HopLocation[], program: ProjectRoot, deps: Map<string, string>): Hit | null {
    if (!prev.decl || !prev.hop.file) return null;
    const direct = this.followFrom(prev.decl, prev.hop.file, spec, locations, program, deps);
    if (direct) return direct;
    // Through one helper of the caller's own package that the atlas does not list (go-runc 1.1's startCommand).
    const callerDir = path.dirname(prev.hop.file);
    for (const call of prev.decl.events) {
      if (call.kind !== 'call' || (call.qualifier !== undefined && importNamed(this.index.fresh(prev.hop.file)!, call.qualifier))) continue;
      const helper = call.qualifier === undefined ? this.funcIn(callerDir, call.text, deps) : this.methodsIn(callerDir, call.text, deps)[0];
      if (!helper || helper.decl === prev.decl) continue;
      const hit = this.followFrom(helper.decl, helper.file, spec, locations, program, deps);
      if (hit) return { ...hit, callLine: call.line, via: `${symbolOf(helper.decl, helper.decl.key)} (${path.basename(helper.file)}:${hit.callLine})` };
    }
    return null;
  }

  private followFrom(from: GoDecl, fromFile: string, spec: HopSpec, locations: HopLocation[], program: ProjectRoot, deps: Map<string, string>): Hit | null {
    const caller = this.index.fresh(fromFile) ?? this.index.get(fromFile);
    if (!caller) return null;
    const prevFile = fromFile;
    const named = locations.filter((l) => !l.funcLiteral && !l.field);
    if (named.length === 0) return null;
    const names = new Set([...(spec.edge?.call ?? []), ...named.map((l) => l.name)]);
    const calls = from.events.filter((e): e is BodyEvent & { kind: 'call' } => e.kind === 'call' && names.has(e.text));
    const callerDir = path.dirname(prevFile);
    // The landmark packages the caller imports come first: they are what its build compiles (a vendored api module, say).
    const importedDirs = caller.imports.map((i) => ({ path: i.path, dir: this.importDir(i.path, program) }));
    const landmarkDirs = (): { dir: string; loc: HopLocation }[] =>
      named.flatMap((loc) => [
        ...importedDirs.filter((i) => i.dir && loc.dir !== '.' && i.path.endsWith(`/${loc.dir}`)).map((i) => ({ dir: i.dir!, loc })),
        ...this.copiesFor(loc.project ?? spec.project, program).map((c) => ({ dir: path.join(c.dir, loc.dir), loc })),
      ]);
    for (const call of calls) {
      const at = (hit: Hit | null | undefined): Hit | null => (hit ? { ...hit, callLine: call.line } : null);
      if (call.qualifier === undefined) {
        const hit = this.funcIn(callerDir, call.text, deps);
        if (hit) return at(hit);
        continue;
      }
      const imp = /^[A-Za-z_]\w*$/.test(call.qualifier) ? importNamed(caller, call.qualifier) : null;
      if (imp) {
        const dir = this.importDir(imp, program);
        const hit = dir ? this.funcIn(dir, call.text, deps) : null;
        if (hit) return at(hit);
        continue;
      }
      // A method on a value: the landmark's receiver first, then any implementation in the landmark packages.
      const dirs = landmarkDirs();
      const imported = dirs.filter((d) => importedDirs.some((i) => i.dir === d.dir));
      const others = dirs.filter((d) => !imported.includes(d));
      // The landmark's own receiver in its hinted files first: the common case, without scanning the package.
      for (const { dir, loc } of [...imported, ...others]) {
        if (!loc.receiver || !loc.files) continue;
        const files = new Set(loc.files.map((f) => path.join(dir, f)));
        for (const idx of this.indexes(dir, `) ${call.text}(`, deps, loc.files)) {
          if (!files.has(idx.file)) break;
          const decl = idx.decls.get(declKey(loc.receiver, call.text));
          if (decl) return at({ decl, file: idx.file });
        }
      }
      for (const group of [imported, others]) {
        const inLandmarks = group.flatMap(({ dir, loc }) => this.methodsIn(dir, call.text, deps, loc.files));
        const exact = inLandmarks.find((h) => named.some((l) => l.receiver === h.decl.receiver && l.name === h.decl.name));
        if (exact ?? inLandmarks[0]) return at(exact ?? inLandmarks[0]);
      }
      const own = [callerDir, ...importedDirs.map((i) => i.dir).filter((d): d is string => d !== null)];
      for (const dir of new Set(own)) {
        const hit = this.methodsIn(dir, call.text, deps)[0];
        if (hit) return at(hit);
      }
    }
    return null;
  }

  private upstream(spec: HopSpec, loc: HopLocation): string | undefined {
    const project = this.atlas.projects[loc.project ?? spec.project]!;
    const version = this.roots.find((r) => r.project === (loc.project ?? spec.project) && r.version)?.version;
    const ref = version ? (/^\d/.test(version) ? `v${version}` : version) : 'HEAD';
    return spec.upstreamPath ? `${project.upstream}/blob/${ref}/${spec.upstreamPath}` : project.upstream;
  }

  /** The copy a file lies in: the deepest project root holding it. */
  private rootOf(file: string): ProjectRoot | null {
    let best: ProjectRoot | null = null;
    for (const r of this.roots) if (file.startsWith(r.dir + path.sep) && (!best || r.dir.length > best.dir.length)) best = r;
    return best;
  }

  private resolveHop(spec: HopSpec, prev: Found | null, shim: 'v1' | 'v2' | null, deps: Map<string, string>): Found {
    const base: Hop = { id: spec.id, component: spec.component, symbol: spec.symbol, boundary: spec.boundary, resolved: false, callSite: null, project: spec.project, note: spec.note };
    const all = [spec.at, ...(spec.alternates ?? [])];
    const locations = all.filter((l) => !shim || !l.shim || l.shim === shim);
    const program = this.programRoot(spec, prev);
    if (!program) return { hop: { ...base, upstream: this.upstream(spec, spec.at), problem: this.missingProgram(spec) }, decl: null, root: null, program: null };
    const done = (hit: Hit, foundBy: 'call' | 'landmark'): Found => {
      const root = this.rootOf(hit.file);
      const i = locations.findIndex((l) => hit.file.startsWith(path.join(root?.dir ?? '', l.dir) + path.sep) && (l.receiver ?? null) === hit.decl.receiver);
      const loc = locations[Math.max(0, i)]!;
      return {
        hop: {
          ...base,
          symbol: symbolOf(hit.decl, spec.symbol),
          resolved: true,
          file: hit.file,
          line: hit.decl.line,
          callSite: hit.callLine && prev?.hop.file ? { file: prev.hop.file, line: hit.callLine } : null,
          foundBy,
          ...(hit.via ? { via: hit.via } : {}),
          root: root ? { dir: root.dir, kind: root.kind, version: root.version } : undefined,
          location: all.indexOf(loc),
          upstream: this.upstream(spec, loc),
        },
        decl: hit.decl,
        root,
        program,
      };
    };
    if (prev?.decl && !CROSS_PROCESS.has(spec.boundary)) {
      const hit = this.followCall(spec, prev, locations, program, deps);
      if (hit) return done(hit, 'call');
    }
    // Entry points and crossings between programs come from the atlas, in the program's own copy.
    const copies = new Set<string>();
    for (const loc of locations) {
      for (const root of this.copiesFor(loc.project ?? spec.project, program)) {
        copies.add(root.dir);
        const hit = this.findIn(root, loc, deps) ?? (loc.receiver && !loc.funcLiteral ? this.methodsIn(path.join(root.dir, loc.dir), loc.name, deps, loc.files)[0] : null);
        if (hit) return done(hit, 'landmark');
      }
    }
    const project = this.atlas.projects[spec.project]!;
    const programTitle = this.atlas.programs[spec.component].title;
    return {
      hop: {
        ...base,
        upstream: this.upstream(spec, spec.at),
        problem:
          copies.size > 0
            ? `not found in the ${project.title ?? spec.project} sources ${programTitle} is built from (looked in ${[...new Set(locations.map((l) => l.dir))].join(', ')})`
            : `${programTitle} compiles ${project.title ?? spec.project} from its vendor/ or module cache, and no copy is among the source roots`,
      },
      decl: null,
      root: null,
      program,
    };
  }
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function readText(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/** The import path a file refers to by `name`: an explicit alias, or the package name its path implies. */
function importNamed(file: GoFileIndex, name: string): string | null {
  for (const imp of file.imports) {
    if (imp.alias !== null) {
      if (imp.alias === name) return imp.path;
      continue;
    }
    const parts = imp.path.split('/');
    let last = parts[parts.length - 1]!;
    if (/^v\d+$/.test(last) && parts.length > 1) last = parts[parts.length - 2]!;
    const guesses = [last, last.replace(/^go-/, ''), last.replace(/\.v\d+$/, ''), last.replace(/-/g, '')];
    if (guesses.includes(name)) return imp.path;
  }
  return null;
}

/** The display symbol of a declaration found by following a call: (*T).M or F; literals keep the atlas's name. */
function symbolOf(decl: GoDecl, atlasSymbol: string): string {
  if (decl.key.includes('.func') || (decl.receiver === null && decl.key.includes('.'))) return atlasSymbol;
  return decl.receiver ? `(${decl.pointer ? '*' : ''}${decl.receiver}).${decl.name}` : decl.name;
}

function describeEdge(edge: HopEdge): string {
  if (edge.call) return `call to ${edge.call.join(' or ')}`;
  if (edge.string) return `string ${edge.string.map((s) => JSON.stringify(s)).join(' or ')}`;
  return `reference to ${(edge.ref ?? []).join(' or ')}`;
}
