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
}

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
  hops: HopSpec[];
}

export interface Atlas {
  projects: Record<string, ProjectSpec>;
  chains: Record<string, ChainSpec>;
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
}

export interface Chain {
  name: string;
  title: string;
  hops: Hop[];
}
