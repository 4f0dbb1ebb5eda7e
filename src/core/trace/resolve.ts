import * as fs from 'node:fs';
import * as path from 'node:path';
import { type GoDecl, GoIndexCache, declKey } from '../sources/goIndex';
import type { GoParser } from '../sources/goParser';
import { type ProjectRoot, discoverProjects } from '../sources/roots';
import type { Atlas, Chain, Hop, HopEdge, HopLocation, HopSpec } from './types';

/** Edges that cross a process: the callee runs from its own build, not from the caller's vendor/. */
const CROSS_PROCESS = new Set(['http', 'grpc', 'exec']);
const KIND_ORDER: Record<string, number> = { checkout: 0, 'module-cache': 1, gopath: 2, vendor: 3 };

interface Found {
  hop: Hop;
  decl: GoDecl | null;
  root: ProjectRoot | null;
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
    const parsedFiles = this.index.parsedFiles;
    const parsedBytes = this.index.parsedBytes;
    const deps = new Map<string, string>();
    const chains: Record<string, Chain> = {};
    // Hops shared between chains (the shim, runc's main) resolve once.
    const shared = new Map<string, Found>();
    const total = chainNames.reduce((n, c) => n + (this.atlas.chains[c]?.hops.length ?? 0), 0);
    let done = 0;
    for (const name of chainNames) {
      const spec = this.atlas.chains[name];
      if (!spec) throw new Error(`unknown chain '${name}'`);
      const hops: Hop[] = [];
      let prev: Found | null = null;
      for (const hopSpec of spec.hops) {
        if (cancel?.isCancellationRequested) throw new TraceCancelled();
        onHop?.(done++, total);
        await new Promise<void>((r) => setImmediate(r));
        // Which copy a hop resolves in depends on the previous hop's copy, unless a process boundary intervenes.
        const sharedKey = `${hopSpec.id}\u0000${CROSS_PROCESS.has(hopSpec.boundary) ? '' : (prev?.root?.dir ?? '')}`;
        let found = shared.get(sharedKey);
        if (!found) {
          found = this.resolveHop(hopSpec, prev, deps);
          shared.set(sharedKey, found);
        }
        const hop: Hop = { ...found.hop, callSite: null };
        if (prev && hopSpec.edge) this.verifyEdge(hop, hopSpec.edge, prev);
        hops.push(hop);
        prev = found;
      }
      chains[name] = { name, title: spec.title, hops };
    }
    const result: TraceResult = {
      chains,
      elapsedMs: performance.now() - started,
      roots: this.roots,
      parsedFiles: this.index.parsedFiles - parsedFiles,
      parsedBytes: this.index.parsedBytes - parsedBytes,
    };
    this.last = { key, deps, result };
    return result;
  }

  private verifyEdge(hop: Hop, edge: HopEdge, prev: Found): void {
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

  private orderedRoots(project: string, hop: HopSpec, prev: Found | null): ProjectRoot[] {
    const all = this.roots.filter((r) => r.project === project);
    const standalone = all.filter((r) => r.kind !== 'vendor').sort((a, b) => KIND_ORDER[a.kind]! - KIND_ORDER[b.kind]!);
    const vendored = all.filter((r) => r.kind === 'vendor');
    if (!prev?.root || CROSS_PROCESS.has(hop.boundary)) return [...standalone, ...vendored];
    const prevModule = prev.root.kind === 'vendor' ? prev.root.vendoredIn : prev.root.dir;
    const same = all.filter((r) => r.dir === prev.root!.dir);
    const inModule = vendored.filter((r) => r.vendoredIn === prevModule);
    return [...new Set([...same, ...inModule, ...standalone, ...vendored])];
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
   * Cheap text prefilter: the file's text when it mentions the name at all, else null. A "no" is
   * remembered per file version; the text read for a "yes" goes straight to the parser.
   */
  private mentioning(file: string, name: string): string | null {
    const s = stamp(file);
    let entry = this.textChecks.get(file);
    if (entry?.stamp !== s) {
      entry = { stamp: s, names: new Map() };
      this.textChecks.set(file, entry);
    }
    if (entry.names.get(name) === false) return null;
    let text: string | null;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      text = null;
    }
    const has = text !== null && text.includes(name);
    entry.names.set(name, has);
    return has ? text : null;
  }

  private findIn(root: ProjectRoot, loc: HopLocation, deps: Map<string, string>): { decl: GoDecl; file: string } | null {
    const dir = path.join(root.dir, loc.dir);
    const files = this.goFiles(dir, deps);
    if (files.length === 0) return null;
    const hints = new Set(loc.files ?? []);
    const ordered = [...files.filter((f) => hints.has(path.basename(f))), ...files.filter((f) => !hints.has(path.basename(f)))];
    const key = loc.field ? `${loc.name}.${loc.field}` : declKey(loc.receiver, loc.name, loc.funcLiteral ? `func${loc.funcLiteral}` : undefined);
    for (const file of ordered) {
      let idx = this.index.fresh(file);
      if (!idx) {
        const text = this.mentioning(file, loc.name);
        if (text === null) continue;
        idx = this.index.get(file, text);
      }
      deps.set(file, stamp(file));
      const decl = idx?.find(key);
      if (decl) return { decl, file };
    }
    return null;
  }

  private upstream(spec: HopSpec, loc: HopLocation): string | undefined {
    const project = this.atlas.projects[loc.project ?? spec.project]!;
    const version = this.roots.find((r) => r.project === (loc.project ?? spec.project) && r.version)?.version;
    const ref = version ? (/^\d/.test(version) ? `v${version}` : version) : 'HEAD';
    return spec.upstreamPath ? `${project.upstream}/blob/${ref}/${spec.upstreamPath}` : project.upstream;
  }

  private resolveHop(spec: HopSpec, prev: Found | null, deps: Map<string, string>): Found {
    const base: Hop = { id: spec.id, component: spec.component, symbol: spec.symbol, boundary: spec.boundary, resolved: false, callSite: null, project: spec.project, note: spec.note };
    const locations = [spec.at, ...(spec.alternates ?? [])];
    let sawProject = false;
    for (let i = 0; i < locations.length; i++) {
      const loc = locations[i]!;
      const roots = this.orderedRoots(loc.project ?? spec.project, spec, prev);
      sawProject ||= roots.length > 0;
      for (const root of roots) {
        const hit = this.findIn(root, loc, deps);
        if (!hit) continue;
        return {
          hop: { ...base, resolved: true, file: hit.file, line: hit.decl.line, root: { dir: root.dir, kind: root.kind, version: root.version }, location: i, upstream: this.upstream(spec, loc) },
          decl: hit.decl,
          root,
        };
      }
    }
    const project = this.atlas.projects[spec.project]!;
    return {
      hop: {
        ...base,
        upstream: this.upstream(spec, spec.at),
        problem: sawProject
          ? `not found in your ${project.title ?? spec.project} sources (looked in ${[...new Set(locations.map((l) => l.dir))].join(', ')})`
          : `no ${project.title ?? spec.project} sources among the source roots`,
      },
      decl: null,
      root: null,
    };
  }
}

function describeEdge(edge: HopEdge): string {
  if (edge.call) return `call to ${edge.call.join(' or ')}`;
  if (edge.string) return `string ${edge.string.map((s) => JSON.stringify(s)).join(' or ')}`;
  return `reference to ${(edge.ref ?? []).join(' or ')}`;
}
