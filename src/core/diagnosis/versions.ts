/** runc versions as the fix cares about them: 1.0.0-rc91 is the first with PR #2467. */
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

const FIX_RC = 91;

/** true: older than the fix; false: has it; null: a development build between rc90 and rc91. */
export function runcBeforeFix(v: RuncVersion): boolean | null {
  if (v.major !== 1 || v.minor !== 0 || v.patch !== 0) return v.major < 1;
  if (v.rc === null) return false;
  if (v.rc >= FIX_RC) return false;
  // PR #2467 was merged after rc90 was tagged: an rc90+dev build may or may not contain it.
  if (v.rc === FIX_RC - 1 && v.dev) return null;
  return true;
}

/**
 * Docker CE up to 18.09 shipped its own runc (docker-runc), all older than rc91; from 19.03 runc
 * comes with the separately upgradable containerd.io package, so the Docker version alone says
 * nothing definite.
 */
export function dockerImpliesOldRunc(dockerVersion: string): boolean | null {
  const m = /^v?(\d+)\.(\d+)/.exec(dockerVersion.trim());
  if (!m) return null;
  const [major, minor] = [Number(m[1]), Number(m[2])];
  return major < 18 || (major === 18 && minor <= 9) ? true : null;
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
