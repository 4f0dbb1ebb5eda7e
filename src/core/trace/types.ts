import type { ProjectSpec } from '../sources/roots';

export type Boundary = 'call' | 'interface' | 'http' | 'grpc' | 'exec' | 'file';
export type Component = 'kubelet' | 'dockerd' | 'containerd' | 'shim' | 'go-runc' | 'runc';

/** Where a hop's code lives, by Go identity (atlas.schema.json#/definitions/location). */
export interface HopLocation {
  project?: string;
  dir: string;
  receiver?: string | null;
  name: string;
  funcLiteral?: number;
  field?: string;
  files?: string[];
  versions?: string;
  /** Only on this shim generation's path. */
  shim?: ShimGeneration;
}

export type ShimGeneration = 'v1' | 'v2';

export interface HopEdge {
  call?: string[];
  string?: string[];
  ref?: string[];
}

/** One step of a chain as the atlas describes it. */
export interface HopSpec {
  id: string;
  component: Component;
  project: string;
  symbol: string;
  boundary: Boundary;
  note?: string;
  at: HopLocation;
  alternates?: HopLocation[];
  edge?: HopEdge;
  upstreamPath?: string;
}

export interface ChainSpec {
  title: string;
  description: string;
  /** The runtime chooser whose choice decides the shim this chain runs through. */
  runtimeFrom?: string;
  hops: HopSpec[];
}

/** The program a component is: built from one project's tree. */
export interface ProgramSpec {
  project: string;
  title: string;
}

/** A place in a program's sources that names the runtime (and so the shim) containers get. */
export interface RuntimeEvidence {
  file: string;
  pattern: string;
  runtime?: string;
  why: string;
  versions?: string;
}

export interface Atlas {
  projects: Record<string, ProjectSpec>;
  programs: Record<Component, ProgramSpec>;
  runtimes: {
    shims: Record<string, ShimGeneration>;
    choosers: Record<string, { program: Component; evidence: RuntimeEvidence[] }>;
  };
  chains: Record<string, ChainSpec>;
  /** What a node runs between the kubelet and runc, first match first (atlas.schema.json: stacks). */
  stacks?: StackSpec[];
  /** Chains traced on every stack for an observation they end in (saveState), with why. */
  evidenceChains?: Record<string, string>;
}

/** A node's runtime stack: its programs, the marks that show it in an input, the chain per entry point. */
export interface StackSpec {
  id: string;
  title: string;
  programs: string[];
  seenIn: { components: string[]; literals: string[]; facts: string[] };
  /** Entry point (the catalog's `chain`: reader, writer) → the atlas chain it takes on this stack. */
  chains: Partial<Record<'reader' | 'writer' | 'start', string>>;
  why: string;
}

/** Which shim a chain runs through, and what in the sources says so. */
export interface ShimChoice {
  /** null when the sources that choose are missing: then every shim location is tried. */
  shim: ShimGeneration | null;
  runtime: string | null;
  /** For people: who chose, from which file and line, and why. */
  why: string;
  file?: string;
  line?: number;
}

/** A hop after resolution against the user's sources. */
export interface Hop {
  id: string;
  component: Component;
  symbol: string;
  boundary: Boundary;
  resolved: boolean;
  /** Absolute path of the declaration, when resolved. */
  file?: string;
  /** 1-based line of the declaration's `func`. */
  line?: number;
  /** Where the previous hop reaches this one (null for the first hop, or when not found). */
  callSite: { file: string; line: number } | null;
  project: string;
  note?: string;
  /** The project copy it resolved in: version, layout. */
  root?: { dir: string; kind: string; version: string | null };
  /** Which atlas location matched: 0 = `at`, n = the nth alternate. */
  location?: number;
  /** Where to read it upstream when the user's sources lack it (or for reference). */
  upstream?: string;
  /** Why it is unresolved, or why its edge could not be verified. */
  problem?: string;
  /** How it was found: by following the call in the previous hop's body, or by the atlas's landmark. */
  foundBy?: 'call' | 'landmark';
  /** When the previous hop reaches this one through a helper the atlas does not list: that helper and its call's line. */
  via?: string;
}

export interface Chain {
  name: string;
  title: string;
  hops: Hop[];
  shim?: ShimChoice;
}
