import { affected } from '../knowledge/versions';

/** runc versions as the fix cares about them (the boundary is versions.json's `runc-state-atomic`). */
export interface RuncVersion {
  major: number;
  minor: number;
  patch: number;
  /** Release-candidate number, null for a final release. */
  rc: number | null;
  /** "+dev" and the like: a build after the named version. */
  dev: boolean;
  text: string;
}

export function parseRuncVersion(text: string): RuncVersion | null {
  const m = /v?(\d+)\.(\d+)\.(\d+)(?:-rc\.?(\d+))?(\+[\w.-]+|-dev\S*)?/.exec(text);
  if (!m) return null;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), rc: m[4] !== undefined ? Number(m[4]) : null, dev: m[5] !== undefined, text: m[0] };
}

/**
 * true: older than the state.json fix; false: has it; null: a development build of the release before it
 * (the fix was merged after that release was tagged).
 */
export function runcBeforeFix(v: RuncVersion): boolean | null {
  return affected('runc-state-atomic', { major: v.major, minor: v.minor, patch: v.patch, pre: v.rc ?? Infinity, dev: v.dev, text: v.text });
}

/**
 * true when the Docker release shipped its own runc, older than the fix (versions.json's
 * `docker-bundled-runc`); later releases take runc from containerd.io, so the Docker version alone says
 * nothing definite (null).
 */
export function dockerImpliesOldRunc(dockerVersion: string): boolean | null {
  const m = /^v?(\d+)\.(\d+)/.exec(dockerVersion.trim());
  if (!m) return null;
  return affected('docker-bundled-runc', { major: Number(m[1]), minor: Number(m[2]), patch: 0, pre: Infinity, dev: false, text: m[0] }) ? true : null;
}

/** Go durations as kubelet flags and config write them: 10s, 1m0s, 500ms, 1h. */
export function parseGoDuration(text: string): number | null {
  // Microseconds as Go writes them (U+00B5 micro sign) and as it also parses them (U+03BC Greek mu),
  // escaped: a non-ASCII character anywhere in the bundle makes node read all of it as UTF-16.
  const re = /(\d+(?:\.\d+)?)(h|ms|m|s|us|\u00b5s|\u03bcs|ns)/g;
  let total = 0;
  let consumed = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const unit = { h: 3600, m: 60, s: 1, ms: 1e-3, ns: 1e-9 }[m[2] as 'h'] ?? 1e-6; // the rest are the three spellings of µs
    total += Number(m[1]) * unit;
    consumed += m[0].length;
  }
  return consumed === text.trim().length && total > 0 ? total : null;
}
