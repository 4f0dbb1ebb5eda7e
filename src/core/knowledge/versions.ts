import data from './versions.json';

/**
 * Fix boundaries and affected ranges (versions.json), read by id. The data is validated with every other
 * knowledge file by `loadKnowledge()` (tests, `npm run knowledge:check`); here it is only read, so that
 * start-up pays no schema compile.
 */
export interface VersionBoundary {
  id: string;
  program: string;
  /** First release with the change. */
  since?: string;
  /** The first release no longer affected (everything older is). */
  before?: string;
  /** An affected range, both ends included. */
  from?: string;
  through?: string;
  /** Development builds of this version may or may not hold the change. */
  devAmbiguous?: string;
  what: string;
  change?: { repo: string; number: number };
  reference?: string;
  observations?: string[];
}

export interface VersionsData {
  programs: Record<string, { title: string; toolchain?: boolean }>;
  boundaries: VersionBoundary[];
}

export const VERSIONS: VersionsData = data as VersionsData;

/** A version as the programs print it: `v1.0.0-rc6+dev`, `1.1.5`, `18.09.9`, `go1.22.1`, `go1.22rc1`. */
export interface Version {
  major: number;
  minor: number;
  patch: number;
  /** Pre-release order: Infinity for a release, the rc number, betas below every rc. */
  pre: number;
  /** `+dev`, `-dev`, a distribution suffix: a build after the named version. */
  dev: boolean;
  /** The text the version was read from (without what follows it). */
  text: string;
}

export function parseVersion(text: string): Version | null {
  const m = /(?:^|[^\w.])v?(?:go)?(\d{1,4})\.(\d{1,4})(?:\.(\d{1,6}))?(?:-?rc\.?(\d{1,4})|beta(\d{1,4}))?(\+[\w.~-]+|-dev\S*)?/.exec(` ${text}`);
  if (!m) return null;
  const pre = m[4] !== undefined ? Number(m[4]) : m[5] !== undefined ? Number(m[5]) - 10_000 : Infinity;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3] ?? 0), pre, dev: m[6] !== undefined, text: m[0].slice(1) };
}

function need(text: string): Version {
  const v = parseVersion(text);
  if (!v) throw new Error(`versions.json: "${text}" is not a version`);
  return v;
}

/** Release order; `core` compares major.minor.patch only (a pre-release of a release counts as it). */
export function compareVersions(a: Version, b: Version, core = false): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch || (core || a.pre === b.pre ? 0 : a.pre < b.pre ? -1 : 1);
}

const byId = new Map(VERSIONS.boundaries.map((b) => [b.id, b]));

export function boundary(id: string): VersionBoundary {
  const b = byId.get(id);
  if (!b) throw new Error(`versions.json has no boundary ${id}`);
  return b;
}

/**
 * Whether `version` is affected by what the boundary fixes (older than `since` / `before`) or lies in its
 * range (`from`–`through`). null: a development build of `devAmbiguous`, which may or may not hold the change.
 */
export function affected(id: string, version: Version): boolean | null {
  const b = boundary(id);
  if (b.from && b.through) return compareVersions(version, need(b.from), true) >= 0 && compareVersions(version, need(b.through)) <= 0;
  if (b.devAmbiguous && version.dev && compareVersions(version, need(b.devAmbiguous)) === 0) return null;
  return compareVersions(version, need((b.since ?? b.before)!)) < 0;
}

/** The boundary's versions as people write them: `v1.0.0-rc91`, `1.22.0–1.22.3`, `19.03`. */
export function boundaryText(id: string): string {
  const b = boundary(id);
  const v = (s: string) => (b.program === 'runc' ? `v${s}` : s);
  return b.from && b.through ? `${v(b.from)}–${v(b.through)}` : v((b.since ?? b.before)!);
}

/** `opencontainers/runc#2467`, or the reference, for texts that cite the change. */
export function boundaryChange(id: string): string {
  const b = boundary(id);
  return b.change ? `${b.change.repo}#${b.change.number}` : b.reference!;
}
