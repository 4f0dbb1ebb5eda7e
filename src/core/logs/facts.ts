import type { LogTime } from './types';

/** A fact about the node, as a log or config line states it. */
export interface NodeFact {
  kind: NodeFactKind;
  value: string;
  file: string;
  line: number;
  /** The line's time as written, when it has one (the cpu-manager start anchors the reconcile ticks). */
  time: LogTime | null;
  /** How it was stated, e.g. "kubelet flag", "KubeletConfiguration", "runc --version". */
  how: string;
  /** The node it is about, when the input says (journald host, event source) or the folder tells. */
  node?: string | null;
  /** The container (id or name) and pod it is about, for per-container facts (updates, exits, cgroups). */
  container?: string | null;
  pod?: string | null;
  /** Further named values of the fact, e.g. `{ mount: '/run' }` for disk usage. */
  detail?: Record<string, string>;
}

/**
 * The kinds of fact the inputs can state. `value` holds, per kind:
 * - cpuManagerPolicy: `static` | `none`; reconcilePeriod: a Go duration (`10s`); cpuManagerStart: a marker
 * - runcVersion / dockerVersion / containerdVersion: the version; runcGoVersion: `go1.22.1` (runc --version's `go:` line)
 * - runcFingerprint: the upstream tags whose error call sites match, comma-separated (`v1.0.0-rc10,v1.0.0-rc90`),
 *   empty when the sites match no tag (a patched build); `detail.sites` the `file:line` sites seen
 * - cgroupDriver: `systemd` | `cgroupfs`; cgroupVersion: `1` | `2`
 * - oomKill: the killed process's name (`runc:[2:INIT]`), `detail.pid`
 * - memoryEvents: the `oom_kill` count of a `memory.events` file, `detail` every counter
 * - pidsEvents: the `max` count of a `pids.events` file; pidsMax / pidsCurrent: the number (or `max`)
 * - freezerState: `FROZEN` | `THAWED` | `FREEZING`
 * - containerUpdate: the container id an update was applied to (`detail.via`: `kubelet reconcile`,
 *   `containerd UpdateContainerResources`, `dockerd update`); its time is the update's time
 * - taskExit: the container id whose task exited (`detail.exitStatus`)
 * - diskUsage: the use in percent, `detail.mount` and `detail.available`
 */
export type NodeFactKind =
  | 'cpuManagerPolicy'
  | 'reconcilePeriod'
  | 'cpuManagerStart'
  | 'runcVersion'
  | 'runcGoVersion'
  | 'runcFingerprint'
  | 'dockerVersion'
  | 'containerdVersion'
  | 'cgroupDriver'
  | 'cgroupVersion'
  | 'oomKill'
  | 'memoryEvents'
  | 'pidsEvents'
  | 'pidsMax'
  | 'pidsCurrent'
  | 'freezerState'
  | 'containerUpdate'
  | 'taskExit'
  | 'diskUsage';

interface FactRule {
  kind: NodeFact['kind'];
  /** Substring that must appear; it is also a needle for the streaming scanner. */
  literal: string;
  pattern: RegExp;
  how: string;
}

// Each pattern is anchored on its literal and uses bounded, disjoint pieces: linear on any line.
const RULES: FactRule[] = [
  { kind: 'cpuManagerPolicy', literal: '--cpu-manager-policy', pattern: /--cpu-manager-policy[= ]"?([a-z]+)"?/, how: 'kubelet flag' },
  { kind: 'cpuManagerPolicy', literal: 'cpuManagerPolicy', pattern: /"?cpuManagerPolicy"?\s*:\s*"?([a-z]+)"?/, how: 'KubeletConfiguration' },
  { kind: 'cpuManagerPolicy', literal: '[cpumanager] starting with', pattern: /\[cpumanager\] starting with ([a-z]+) policy/, how: 'kubelet cpu-manager start' },
  { kind: 'cpuManagerPolicy', literal: 'Starting CPU manager', pattern: /"Starting CPU manager"[^\n]{0,200}? policy="([a-z]+)"/, how: 'kubelet cpu-manager start' },
  { kind: 'reconcilePeriod', literal: '--cpu-manager-reconcile-period', pattern: /--cpu-manager-reconcile-period[= ]"?([0-9][0-9a-zµ.]*)"?/, how: 'kubelet flag' },
  { kind: 'reconcilePeriod', literal: 'cpuManagerReconcilePeriod', pattern: /"?cpuManagerReconcilePeriod"?\s*:\s*"?([0-9][0-9a-zµ.]*)"?/, how: 'KubeletConfiguration' },
  { kind: 'reconcilePeriod', literal: '[cpumanager] reconciling every', pattern: /\[cpumanager\] reconciling every ([0-9][0-9a-zµ.]*)/, how: 'kubelet cpu-manager start' },
  { kind: 'reconcilePeriod', literal: 'reconcilePeriod="', pattern: /reconcilePeriod="([0-9][0-9a-zµ.]*)"/, how: 'kubelet cpu-manager start' },
  { kind: 'cpuManagerStart', literal: '[cpumanager] reconciling every', pattern: /\[cpumanager\] (reconciling) every/, how: 'kubelet cpu-manager start' },
  { kind: 'cpuManagerStart', literal: 'reconcilePeriod="', pattern: /"(Starting CPU manager)"/, how: 'kubelet cpu-manager start' },
  { kind: 'runcVersion', literal: 'runc version', pattern: /runc version:? v?(\d+\.\d+\.\d+(?:-rc\.?\d+)?(?:\+[\w.-]+)?)/, how: 'runc --version' },
  { kind: 'runcVersion', literal: 'runc:', pattern: /runc:\s+Version:\s+v?(\d+\.\d+\.\d+(?:-rc\.?\d+)?(?:\+[\w.-]+)?)/, how: 'docker version' },
  { kind: 'dockerVersion', literal: 'Docker daemon', pattern: /msg="Docker daemon"[^\n]{0,300}? version=v?(\d+\.\d+\.\d+[\w.-]*)/, how: 'dockerd start' },
  { kind: 'dockerVersion', literal: 'ServerVersion:', pattern: /ServerVersion:v?(\d+\.\d+\.\d+[\w.-]*)/, how: 'kubelet Docker Info' },
  { kind: 'dockerVersion', literal: 'Server Version:', pattern: /Server Version: v?(\d+\.\d+\.\d+[\w.-]*)/, how: 'docker info' },
  { kind: 'containerdVersion', literal: 'starting containerd', pattern: /msg="starting containerd"[^\n]{0,300}? version=v?(\d+\.\d+\.\d+[\w.+-]*)/, how: 'containerd start' },
];

/** Needles for the streaming scanner, so fact lines are found in the same pass as findings. */
export const FACT_NEEDLES: readonly string[] = [...new Set(RULES.map((r) => r.literal))];

/** The facts a line states (usually none). */
export function factsFromLine(text: string, file: string, line: number, time: LogTime | null): NodeFact[] {
  const out: NodeFact[] = [];
  for (const rule of RULES) {
    if (!text.includes(rule.literal)) continue;
    const m = rule.pattern.exec(text.length > 8192 ? text.slice(0, 8192) : text);
    if (m) out.push({ kind: rule.kind, value: m[1]!, file, line, time, how: rule.how });
  }
  return out;
}
