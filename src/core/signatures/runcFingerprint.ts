import fingerprints from '../knowledge/runc-fingerprints.json';
import { type Version, affected, parseVersion } from '../knowledge/versions';

/**
 * runc's version from its own error text. Until v1.0.0-rc95, runc prefixed each wrapped error with the
 * file and line of the call that wrapped it (`container_linux.go:349: starting container process caused
 * "process_linux.go:319: getting the final child's pid from pipe caused \"EOF\""`). Those call sites move
 * from release to release, so the set of tags holding every site of a message names the runc that
 * printed it — or none, when it was a patched or vendored build.
 */

/** One `file.go:NNN: <cause> caused` site of an error text. */
export interface RuncSite {
  file: string;
  line: number;
  /** The cause as printed (quotes unescaped), e.g. `getting the final child's pid from pipe`. */
  cause: string;
}

export interface RuncFingerprint {
  sites: RuncSite[];
  /** The upstream tags (oldest first) that have every site, with a matching cause; empty: a patched build. */
  tags: string[];
}

// `file.go:NNN: ` then the cause, up to the first ` caused` (rc1–rc92: ` caused "…"`, rc93+: ` caused: …`).
// Bounded and lazy: linear in the line.
const SITE = /([A-Za-z0-9_]{1,64}\.go):([0-9]{1,5}): ([^\n]{1,200}?) caused[ :]/g;

interface Entry {
  /** The cause's Go format string; its pattern is compiled the first time a text has this site. */
  format: string;
  cause?: RegExp;
  tags: string[];
}

/** The data's shape (see runc-fingerprints.schema.json): tag → [file, line, cause format][]. */
const data = fingerprints as unknown as { tags: Record<string, [string, number, string][]> };

let index: Map<string, Entry[]> | undefined;
/**
 * `file:line` → the cause formats found there, each with the tags that have it. Built on first use,
 * without compiling the ~1,000 formats: a log shows a handful of sites, so each pattern is made when a
 * site first needs it (building them all cost more than reading the log's runc errors).
 */
function sitesIndex(): Map<string, Entry[]> {
  if (index) return index;
  index = new Map();
  for (const [tag, sites] of Object.entries(data.tags)) {
    for (const [file, line, format] of sites) {
      const key = `${file}:${line}`;
      let entries = index.get(key);
      if (!entries) index.set(key, (entries = []));
      const same = entries.find((e) => e.format === format);
      if (same) same.tags.push(tag);
      else entries.push({ format, tags: [tag] });
    }
  }
  return index;
}

/** A Go format string as a whole-string pattern: %d a number, %q a quoted string, %v/%s anything. */
function causeRegex(format: string): RegExp {
  const parts = format.split(/(%[dqsv])/);
  const source = parts
    .map((p) => {
      if (p === '%d') return '-?[0-9]{1,20}';
      if (p === '%q') return '"[^"]{0,500}"';
      if (p === '%s' || p === '%v') return '[^\\n]{0,500}';
      return p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('');
  return new RegExp(`^${source}$`);
}

/** The `file.go:NNN: <cause> caused` sites of a text, outermost first. */
export function runcCallSites(text: string): RuncSite[] {
  const out: RuncSite[] = [];
  for (const m of text.matchAll(SITE)) {
    // Nested causes reach the logs quoted once per level: `\"`, `\\\"`… — the cause as runc printed it.
    out.push({ file: m[1]!, line: Number(m[2]), cause: m[3]!.replace(/\\+"/g, '"') });
  }
  return out;
}

/** The tags whose call sites explain every site of `text`; null when the text has no runc call site. */
export function runcFingerprint(text: string): RuncFingerprint | null {
  const sites = runcCallSites(text);
  if (sites.length === 0) return null;
  let tags = allTags();
  for (const site of sites) {
    const here = new Set<string>();
    for (const e of sitesIndex().get(`${site.file}:${site.line}`) ?? []) if ((e.cause ??= causeRegex(e.format)).test(site.cause)) for (const t of e.tags) here.add(t);
    tags = tags.filter((t) => here.has(t));
  }
  return { sites, tags };
}

/** Every tag of the data, oldest first. */
export function allTags(): string[] {
  return Object.keys(data.tags);
}

/** A `v1.0.0-rcN` tag as a version (the fingerprints cover the release candidates only). */
function rcVersion(tag: string): Version {
  const v = /^v1\.0\.0-rc\d+$/.test(tag) ? parseVersion(tag) : null;
  if (!v) throw new Error(`not a runc release candidate tag: ${tag}`);
  return v;
}

/** true / false when all the tags agree on `test`, null when they disagree or there are none. */
function allAgree(tags: string[], test: (v: Version) => boolean | null): boolean | null {
  if (tags.length === 0) return null;
  const answers = new Set(tags.map((t) => test(rcVersion(t))));
  return answers.size === 1 ? [...answers][0]! : null;
}

/** Whether the tags all predate the `state.json` race fix (versions.json: `runc-state-atomic`). */
export function beforeRaceFix(tags: string[]): boolean | null {
  return allAgree(tags, (v) => affected('runc-state-atomic', v));
}

/** Whether the tags can print the `(possibly OOM-killed)` hint (versions.json: `runc-oom-killed-hint`). */
export function oomHintPossible(tags: string[]): boolean | null {
  return allAgree(tags, (v) => !affected('runc-oom-killed-hint', v));
}
