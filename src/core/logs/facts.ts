import { beforeRaceFix, oomHintPossible, runcFingerprint } from '../signatures/runcFingerprint';
import { parseLine } from './formats';
import type { LogRecord, LogTime } from './types';

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

/** What a rule reads from its match; `value` is the fact's value. */
type Reading = Pick<NodeFact, 'value'> & Partial<Pick<NodeFact, 'container' | 'pod' | 'time' | 'detail'>>;

interface FactRule {
  kind: NodeFact['kind'];
  /** Substring that must appear; it is also a needle for the streaming scanner. */
  literal: string;
  pattern: RegExp;
  how: string;
  /** The fact a match states, or null when the match says nothing after all; default: group 1 is the value. */
  read?: (m: RegExpExecArray, text: string) => Reading | null;
  /**
   * Only in small inputs (command output, config and cgroup files: see FactReader), never a needle: each
   * needle costs the scan of every large log, and these lines never occur in one.
   */
  documentOnly?: true;
}

/** A container id as the runtimes print it: 64 hex digits (klog and CRI sometimes shorten it to 12+). */
const ID = '[0-9a-f]{12,64}';
/** An optional backslash before a quote: the same text inside a quoted logfmt value. */
const Q = '\\\\?"';

// Each pattern is anchored on its literal and uses bounded, disjoint pieces: linear on any line.
const RULES: FactRule[] = [
  { kind: 'cpuManagerPolicy', literal: '--cpu-manager-', pattern: /--cpu-manager-policy[= ]"?([a-z]+)"?/, how: 'kubelet flag' },
  { kind: 'cpuManagerPolicy', literal: 'cpuManager', pattern: /"?cpuManagerPolicy"?\s*:\s*"?([a-z]+)"?/, how: 'KubeletConfiguration' },
  { kind: 'cpuManagerPolicy', literal: '[cpumanager] starting with', pattern: /\[cpumanager\] starting with ([a-z]+) policy/, how: 'kubelet cpu-manager start' },
  { kind: 'cpuManagerPolicy', literal: 'Starting CPU manager', pattern: /"Starting CPU manager"[^\n]{0,200}? policy="([a-z]+)"/, how: 'kubelet cpu-manager start' },
  { kind: 'reconcilePeriod', literal: '--cpu-manager-', pattern: /--cpu-manager-reconcile-period[= ]"?([0-9][0-9a-z\u00b5\u03bc.]*)"?/, how: 'kubelet flag' },
  { kind: 'reconcilePeriod', literal: 'cpuManager', pattern: /"?cpuManagerReconcilePeriod"?\s*:\s*"?([0-9][0-9a-z\u00b5\u03bc.]*)"?/, how: 'KubeletConfiguration' },
  { kind: 'reconcilePeriod', literal: '[cpumanager] reconciling every', pattern: /\[cpumanager\] reconciling every ([0-9][0-9a-z\u00b5\u03bc.]*)/, how: 'kubelet cpu-manager start' },
  { kind: 'reconcilePeriod', literal: 'reconcilePeriod="', pattern: /reconcilePeriod="([0-9][0-9a-z\u00b5\u03bc.]*)"/, how: 'kubelet cpu-manager start' },
  { kind: 'cpuManagerStart', literal: '[cpumanager] reconciling every', pattern: /\[cpumanager\] (reconciling) every/, how: 'kubelet cpu-manager start' },
  { kind: 'cpuManagerStart', literal: 'reconcilePeriod="', pattern: /"(Starting CPU manager)"/, how: 'kubelet cpu-manager start' },
  { kind: 'runcVersion', literal: 'runc version', pattern: /runc version:? v?(\d+\.\d+\.\d+(?:-rc\.?\d+)?(?:\+[\w.-]+)?)/, how: 'runc --version' },
  { kind: 'runcVersion', literal: 'runc:', pattern: /runc:\s+Version:\s+v?(\d+\.\d+\.\d+(?:-rc\.?\d+)?(?:\+[\w.-]+)?)/, how: 'docker version' },
  // `runc --version`'s own `go:` line (runc ≥ 1.0); a whole line, so no other tool's "go:" is taken.
  { kind: 'runcGoVersion', literal: 'go: go', pattern: /^\s{0,8}go: (go\d{1,2}\.\d{1,3}(?:\.\d{1,3})?(?:rc\d{1,2}|beta\d{1,2})?)\s{0,8}$/, how: 'runc --version', documentOnly: true },
  { kind: 'dockerVersion', literal: 'Docker daemon', pattern: /msg="Docker daemon"[^\n]{0,300}? version=v?(\d+\.\d+\.\d+[\w.-]*)/, how: 'dockerd start' },
  { kind: 'dockerVersion', literal: 'ServerVersion:', pattern: /ServerVersion:v?(\d+\.\d+\.\d+[\w.-]*)/, how: 'kubelet Docker Info' },
  { kind: 'dockerVersion', literal: 'Server Version:', pattern: /Server Version: v?(\d+\.\d+\.\d+[\w.-]*)/, how: 'docker info' },
  // What `runtime-lens collect` gathers: `containerd --version`, `dockerd --version`, the kubelet's cpu_manager_state.
  { kind: 'containerdVersion', literal: 'containerd ', pattern: /^containerd (?:[\w./-]{1,200} )?v?(\d+\.\d+\.\d+[\w.+~-]*)(?: |$)/, how: 'containerd --version', documentOnly: true },
  { kind: 'dockerVersion', literal: 'Docker version ', pattern: /^Docker version v?(\d+\.\d+\.\d+[\w.+~-]*), build /, how: 'dockerd --version', documentOnly: true },
  { kind: 'cpuManagerPolicy', literal: '"policyName"', pattern: /"policyName"\s{0,4}:\s{0,4}"([a-z]+)"/, how: 'cpu_manager_state', documentOnly: true },
  { kind: 'containerdVersion', literal: 'starting containerd', pattern: /msg="starting containerd"[^\n]{0,300}? version=v?(\d+\.\d+\.\d+[\w.+-]*)/, how: 'containerd start' },

  { kind: 'cgroupDriver', literal: '--cgroup-driver', pattern: /--cgroup-driver[= ]"?(systemd|cgroupfs)\b/, how: 'kubelet flag' },
  // KubeletConfiguration (YAML or JSON), and the kubelet's own log of the driver the CRI reported.
  { kind: 'cgroupDriver', literal: 'cgroupDriver', pattern: /"?cgroupDriver"?\s{0,4}[:=]\s{0,4}"?(systemd|cgroupfs)\b/, how: 'KubeletConfiguration' },
  { kind: 'cgroupDriver', literal: 'Cgroup ', pattern: /Cgroup Driver: (systemd|cgroupfs)\b/, how: 'docker info', documentOnly: true },
  { kind: 'cgroupDriver', literal: 'SystemdCgroup', pattern: /SystemdCgroup\s{0,4}=\s{0,4}(true|false)\b/, how: 'containerd config', read: (m) => ({ value: m[1] === 'true' ? 'systemd' : 'cgroupfs' }), documentOnly: true },
  { kind: 'cgroupVersion', literal: 'Cgroup ', pattern: /Cgroup Version: ([12])\b/, how: 'docker info', documentOnly: true },

  // Kernel log: an OOM kill in a memory cgroup (or of the whole host). The process named is the value.
  {
    kind: 'oomKill',
    literal: 'Killed process',
    pattern: /(Memory cgroup out of memory|Out of memory): Killed process ([0-9]{1,10}) \(([^()\s]{1,64})\)/,
    how: 'kernel log',
    read: (m, text) => {
      const at = dmesgTime(text);
      const detail = { pid: m[2]!, scope: m[1] === 'Out of memory' ? 'host' : 'memory cgroup', ...(at.uptime ? { uptime: at.uptime } : {}) };
      return { value: m[3]!, detail, ...(at.time ? { time: at.time } : {}) };
    },
  },

  // The kubelet cpu-manager's update of one container (-v=4): klog 1.18–1.21, structured klog ≥ 1.21.
  {
    kind: 'containerUpdate',
    literal: 'econcileState: updating container',
    pattern: new RegExp(`\\[cpumanager\\] reconcileState: updating container \\(pod: ([^,\\s]{1,253}), (?:container: ([^,]{1,253}), )?container id: (?:[a-z]{1,16}://)?(${ID}), cpuset: ${Q}([0-9,-]{0,200})`),
    how: 'kubelet cpu-manager reconcile',
    read: (m) => ({ value: m[3]!, pod: m[1]!, detail: { via: 'kubelet reconcile', cpuset: m[4]!, ...(m[2] ? { containerName: m[2] } : {}) } }),
  },
  {
    kind: 'containerUpdate',
    literal: 'econcileState: updating container',
    pattern: new RegExp(`"ReconcileState: updating container" pod="([^"\\s]{1,253})" containerName="([^"]{1,253})" containerID="(?:[a-z]{1,16}://)?(${ID})" cpuSet="([0-9,-]{0,200})"`),
    how: 'kubelet cpu-manager reconcile',
    read: (m) => ({ value: m[3]!, pod: m[1]!, detail: { via: 'kubelet reconcile', cpuset: m[4]!, containerName: m[2]! } }),
  },
  // containerd's CRI logs the request (`… with …`) and again its outcome: the request is the update.
  {
    kind: 'containerUpdate',
    literal: 'UpdateContainerResources for',
    pattern: new RegExp(`UpdateContainerResources for ${Q}(${ID})${Q} with`),
    how: 'containerd CRI',
    read: (m) => ({ value: m[1]!, detail: { via: 'containerd UpdateContainerResources' } }),
  },
  { kind: 'containerUpdate', literal: '/update"', pattern: new RegExp(`Calling POST /v1\\.[0-9]{1,3}/containers/(${ID})/update"`), how: 'dockerd API (debug)', read: (m) => ({ value: m[1]!, detail: { via: 'dockerd update' } }) },

  // A task's exit. An exec's process exits with its own id under the container's: those are left out.
  {
    kind: 'taskExit',
    literal: 'TaskExit{',
    pattern: new RegExp(`&TaskExit\\{ContainerID:(${ID}),ID:([^,\\s]{1,128}),Pid:([0-9]{1,10}),ExitStatus:([0-9]{1,10})`),
    how: 'containerd TaskExit event',
    read: (m) => exitOf(m[1]!, m[2]!, m[3]!, m[4]!),
  },
  {
    kind: 'taskExit',
    literal: 'container_id',
    pattern: new RegExp(`exit event container_id:${Q}(${ID})${Q} id:${Q}([^"\\\\\\s]{1,128})${Q} pid:([0-9]{1,10}) exit_status:([0-9]{1,10})`),
    how: 'containerd exit event',
    read: (m) => exitOf(m[1]!, m[2]!, m[3]!, m[4]!),
  },
  {
    kind: 'taskExit',
    literal: 'container_id',
    pattern: new RegExp(`/tasks/exit \\{"container_id":"(${ID})","id":"([^"\\s]{1,128})","pid":([0-9]{1,10}),"exit_status":([0-9]{1,10})`),
    how: 'ctr events',
    read: (m, text) => {
      const fact = exitOf(m[1]!, m[2]!, m[3]!, m[4]!);
      return fact && { ...fact, time: ctrEventTime(text) };
    },
  },

  // `grep -H . …/pids.max …` style: `<path>/<file>:<content>`, one line per value.
  ...(['pids.max', 'pids.current'] as const).map(
    (file): FactRule => ({
      kind: file === 'pids.max' ? 'pidsMax' : 'pidsCurrent',
      literal: 'pids.',
      pattern: new RegExp(`(\\S{0,1000})${file.replace('.', '\\.')}:(max|[0-9]{1,12})\\s{0,8}$`),
      how: file,
      read: (m) => ({ value: m[2]!, ...cgroupOwner(m[1]!) }),
      documentOnly: true,
    }),
  ),
  { kind: 'pidsEvents', literal: 'pids.', pattern: /(\S{0,1000})pids\.events:max ([0-9]{1,12})\s{0,8}$/, how: 'pids.events', read: (m) => ({ value: m[2]!, ...cgroupOwner(m[1]!) }), documentOnly: true },
  { kind: 'freezerState', literal: 'freezer.state:', pattern: /(\S{0,1000})freezer\.state:(FROZEN|THAWED|FREEZING)\s{0,8}$/, how: 'freezer.state', read: (m) => ({ value: m[2]!, ...cgroupOwner(m[1]!) }), documentOnly: true },
];

function exitOf(container: string, id: string, pid: string, status: string): Reading | null {
  if (id !== container) return null;
  return { value: container, container, detail: { exitStatus: status, pid } };
}

/** `ctr events` lines start with Go's time.Time format: `2021-05-07 03:43:28.310630 +0000 UTC`. */
function ctrEventTime(text: string): LogTime | null {
  const m = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))? ([+-])(\d\d)(\d\d)\b/.exec(text);
  if (!m) return null;
  const offset = (m[8] === '-' ? -1 : 1) * (Number(m[9]) * 60 + Number(m[10]));
  return { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]), hour: Number(m[4]), minute: Number(m[5]), second: Number(m[6]), micros: Number((m[7] ?? '').padEnd(6, '0').slice(0, 6)), offsetMinutes: offset };
}

/**
 * The container and pod a cgroup path belongs to: kubepods paths end in the container's directory
 * (`<id>`, `docker-<id>.scope`, `cri-containerd-<id>.scope`) under `pod<uid>` (`_` for `-` with systemd).
 */
export function cgroupOwner(cgroupPath: string): { container?: string; pod?: string; detail: Record<string, string> } {
  const dir = cgroupPath.includes('/') ? cgroupPath.replace(/\/[^/]*$/, '') : '';
  const container = /(?:^|\/)(?:[a-z-]{1,32}-)?([0-9a-f]{64})(?:\.scope)?$/.exec(dir)?.[1];
  const pod = /(?:^|[/-])pod([0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12})(?:\.slice)?(?:\/|$)/.exec(dir)?.[1]?.replace(/_/g, '-');
  return { ...(container ? { container } : {}), ...(pod ? { pod } : {}), detail: dir ? { cgroup: dir } : {} };
}

// Kernel lines: `journalctl -k` has a journald prefix (parsed like any line), `dmesg` seconds since boot,
// `dmesg -T` a local date without a zone.
const DMESG_UPTIME = /^\[\s{0,12}([0-9]{1,10}\.[0-9]{1,9})\]/;
const DMESG_DATE = /^\[(?:[A-Z][a-z]{2}) ([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d\d):(\d\d):(\d\d) (\d{4})\]/;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function dmesgTime(text: string): { time: LogTime | null; uptime?: string } {
  const up = DMESG_UPTIME.exec(text);
  if (up) return { time: null, uptime: up[1]! };
  const d = DMESG_DATE.exec(text);
  const month = d ? MONTHS.indexOf(d[1]!) + 1 : 0;
  if (!d || month === 0) return { time: null };
  return { time: { year: Number(d[6]), month, day: Number(d[2]), hour: Number(d[3]), minute: Number(d[4]), second: Number(d[5]), micros: 0, offsetMinutes: null } };
}

/** The error call sites of a line, as a fingerprint of the runc that printed it (rc1–rc95). */
const FINGERPRINT_LITERALS = [' caused'];

/** Needles for the streaming scanner, so fact lines are found in the same pass as findings. */
export const FACT_NEEDLES: readonly string[] = [...new Set([...RULES.filter((r) => !r.documentOnly).map((r) => r.literal), ...FINGERPRINT_LITERALS])];

/** What the line itself says about where it comes from (its parsed record), for facts that do not say. */
export interface LineContext {
  time: LogTime | null;
  pod?: string | null;
  container?: string | null;
  node?: string | null;
}

/** The facts a line states (usually none); `rules: 'log'` leaves the documentOnly rules out. */
export function factsFromLine(text: string, file: string, line: number, context: LogTime | null | LineContext, rules: 'log' | 'all' = 'all'): NodeFact[] {
  const ctx: LineContext = context && 'time' in context ? context : { time: context };
  const out: NodeFact[] = [];
  const bounded = text.length > 8192 ? text.slice(0, 8192) : text;
  for (const rule of RULES) {
    if ((rule.documentOnly && rules === 'log') || !text.includes(rule.literal)) continue;
    const m = rule.pattern.exec(bounded);
    if (!m) continue;
    const reading = rule.read ? rule.read(m, bounded) : { value: m[1]! };
    if (!reading) continue;
    // A time the rule reads (dmesg -T, ctr events) is the line's own; else the parsed line's.
    const fact: NodeFact = { kind: rule.kind, value: reading.value, file, line, time: reading.time ?? ctx.time, how: rule.how };
    const container = reading.container ?? ctx.container;
    const pod = reading.pod ?? ctx.pod;
    if (container) fact.container = container;
    if (pod) fact.pod = pod;
    if (ctx.node) fact.node = ctx.node;
    if (reading.detail && Object.keys(reading.detail).length) fact.detail = reading.detail;
    out.push(fact);
  }
  return out;
}

/** The runcFingerprint fact of an error text with runc call sites, or null. */
export function fingerprintFact(text: string, file: string, line: number, ctx: LineContext): NodeFact | null {
  const fp = runcFingerprint(text.length > 8192 ? text.slice(0, 8192) : text);
  if (!fp) return null;
  const yesNo = (b: boolean | null) => (b === null ? 'unknown' : String(b));
  const fact: NodeFact = {
    kind: 'runcFingerprint',
    value: fp.tags.join(','),
    file,
    line,
    time: ctx.time,
    how: 'runc error call sites',
    detail: { sites: fp.sites.map((s) => `${s.file}:${s.line}`).join(','), beforeRaceFix: yesNo(beforeRaceFix(fp.tags)), oomHintPossible: yesNo(oomHintPossible(fp.tags)) },
  };
  if (ctx.pod) fact.pod = ctx.pod;
  if (ctx.container) fact.container = ctx.container;
  if (ctx.node) fact.node = ctx.node;
  return fact;
}

/**
 * The cgroup files whose content states a fact. They have no header: a file dropped in is known by its
 * name, and in a `head`/`tail` dump of several (`==> /sys/fs/cgroup/pids/…/pids.max <==`) by the name
 * in each header. Plain `cat` of several files names none of them, so it states nothing (use `grep -H .`:
 * its `path:value` lines are read by the line rules above).
 */
const CGROUP_FILES: Record<string, { kind: NodeFactKind; read: (lines: string[]) => { value: string; at: number; detail?: Record<string, string> } | null }> = {
  'memory.events': { kind: 'memoryEvents', read: (l) => counters(l, 'oom_kill') },
  'memory.events.local': { kind: 'memoryEvents', read: (l) => counters(l, 'oom_kill') },
  // cgroup v1's memory.oom_control carries the same oom_kill counter (kernel ≥ 4.13).
  'memory.oom_control': { kind: 'memoryEvents', read: (l) => counters(l, 'oom_kill') },
  'pids.events': { kind: 'pidsEvents', read: (l) => counters(l, 'max') },
  'pids.max': { kind: 'pidsMax', read: (l) => single(l, /^(max|[0-9]{1,12})$/) },
  'pids.current': { kind: 'pidsCurrent', read: (l) => single(l, /^([0-9]{1,12})$/) },
  'freezer.state': { kind: 'freezerState', read: (l) => single(l, /^(FROZEN|THAWED|FREEZING)$/) },
  // cgroup v2: `cgroup.freeze` holds 1 while frozen.
  'cgroup.freeze': { kind: 'freezerState', read: (l) => single(l, /^([01])$/, (v) => (v === '1' ? 'FROZEN' : 'THAWED')) },
};

function counters(lines: string[], key: string): { value: string; at: number; detail: Record<string, string> } | null {
  const detail: Record<string, string> = {};
  let at = -1;
  lines.forEach((l, i) => {
    const m = /^([a-z_]{1,40}) ([0-9]{1,20})$/.exec(l.trim());
    if (!m) return;
    detail[m[1]!] = m[2]!;
    if (m[1] === key) at = i;
  });
  return at < 0 ? null : { value: detail[key]!, at, detail };
}

function single(lines: string[], pattern: RegExp, map: (v: string) => string = (v) => v): { value: string; at: number } | null {
  const at = lines.findIndex((l) => l.trim() !== '');
  const m = at < 0 ? null : pattern.exec(lines[at]!.trim());
  return m ? { value: map(m[1]!), at } : null;
}

const DUMP_HEADER = /^==> (.{1,1000}) <==$/;
/** Lines kept per cgroup file: the largest (memory.events) has eight. */
const MAX_CGROUP_LINES = 64;
/**
 * An input whose first chunk is smaller than this is a document (command output, a config or cgroup
 * file, a paste): every line of it is read with every rule. Larger inputs are logs, read through the
 * scanner's needles. Chunks of a large file are megabytes, so a small first chunk is the whole input.
 */
const DOCUMENT_MAX = 1024 * 1024;
/** Longer lines of a document state no fact (its lines are short: a longer one is not worth parsing). */
const MAX_DOCUMENT_LINE = 64 * 1024;
/** Every literal a document's line is tried on before it is parsed. */
const DOCUMENT_LITERALS = [...new Set([...RULES.map((r) => r.literal), ...FINGERPRINT_LITERALS, 'commit: ', 'Use% ', '% /'])];

/**
 * Reads the facts of one input. A log (large) is read line by line, only the lines holding one of
 * FACT_NEEDLES; a document (small: command output, config and cgroup files) chunk by chunk, every line.
 * On top of the per-line rules it keeps the little state some facts need: the `commit:` line after
 * `runc --version`, the `df` header (blocks or inodes), the cgroup file a dump is in, and the runc
 * fingerprints already stated (once per file).
 */
export class FactReader {
  private readonly facts: NodeFact[] = [];
  private readonly fingerprints = new Set<string>();
  private lastRunc: NodeFact | null = null;
  private dfInodes = false;
  /** null until the first chunk tells. */
  private mode: 'log' | 'document' | null = null;
  private section: { path: string; line: number; lines: string[] } | null = null;

  constructor(private readonly file: string) {
    const base = file.replace(/^.*[/\\]/, '');
    if (CGROUP_FILES[base]) {
      this.mode = 'document';
      this.section = { path: file, line: 1, lines: [] };
    }
  }

  /** A line of a log holding one of FACT_NEEDLES (a document's lines come through `chunk`). */
  line(content: string, line: number, record: () => LogRecord): void {
    if (this.mode !== 'document') this.read(content, line, record, 'log');
  }

  private read(content: string, line: number, record: () => LogRecord, rules: 'log' | 'all'): void {
    const r = record();
    const ctx: LineContext = { time: r.time, pod: r.pod, container: r.container, node: r.node };
    const found = factsFromLine(content, this.file, line, ctx, rules);
    this.facts.push(...found);
    const runc = found.find((f) => f.kind === 'runcVersion' && f.how === 'runc --version');
    if (runc) this.lastRunc = runc;
    const commit = /^\s{0,8}commit: (\S{1,100})\s{0,8}$/.exec(content);
    if (commit && this.lastRunc && line - this.lastRunc.line <= 4) this.lastRunc.detail = { ...this.lastRunc.detail, commit: commit[1]! };
    // The header (`Use% Mounted on`, `IUse% Mounted on` with -i) says what the rows below count.
    if (content.includes('Use% ')) this.dfInodes = content.includes('IUse% ');
    else if (content.includes('% /')) this.diskRow(content, line, ctx);
    if (FINGERPRINT_LITERALS.some((l) => content.includes(l))) {
      const fp = fingerprintFact(content, this.file, line, ctx);
      const key = fp && `${fp.value}\u0000${fp.detail!.sites}`;
      if (fp && !this.fingerprints.has(key!)) {
        this.fingerprints.add(key!);
        this.facts.push(fp);
      }
    }
  }

  /** A `df` / `df -h` / `df -T` / `df -i` row: `filesystem [type] size used avail use% mount`. */
  private diskRow(content: string, line: number, ctx: LineContext): void {
    const m = /([0-9]{1,3})% (\/\S{0,300})\s{0,8}$/.exec(content.length > 2048 ? '' : content);
    if (!m) return;
    const cols = content.slice(0, m.index).trim().split(/\s+/);
    const amount = /^(?:[0-9]{1,20}(?:[.,][0-9]{1,3})?[KMGTPE]?i?|-)$/;
    if (cols.length < 4 || cols.length > 5 || !cols.slice(-3).every((c) => amount.test(c))) return;
    const [size, used, available] = cols.slice(-3) as [string, string, string];
    const detail: Record<string, string> = { mount: m[2]!, available, size, used, filesystem: cols[0]! };
    if (this.dfInodes) detail.inodes = 'true';
    this.facts.push({ kind: 'diskUsage', value: m[1]!, file: this.file, line, time: ctx.time, how: this.dfInodes ? 'df -i' : 'df', detail, ...(ctx.node ? { node: ctx.node } : {}) });
  }

  /**
   * Whether every line of the input must go to `chunk`: a document, or a `head`/`tail` dump of cgroup
   * files. Decided from the file name, else from the first chunk's size and start (`head` is called once).
   */
  wantsChunks(length: number, head: () => string): boolean {
    this.mode ??= length < DOCUMENT_MAX || /^==> .{1,1000} <==$/m.test(head().slice(0, 65536)) ? 'document' : 'log';
    return this.mode === 'document';
  }

  /** Consecutive text of a document, from line `firstLine` (whole lines; only when `wantsChunks`). */
  chunk(text: string, firstLine: number, decode: (s: string) => string): void {
    const lines = text.split('\n');
    if (text.endsWith('\n')) lines.pop();
    lines.forEach((raw, i) => {
      const content = decode(raw.endsWith('\r') ? raw.slice(0, -1) : raw);
      const line = firstLine + i;
      const header = DUMP_HEADER.exec(content);
      if (header) {
        this.flush();
        this.section = { path: header[1]!, line: line + 1, lines: [] };
        return;
      }
      if (this.section && this.section.lines.length < MAX_CGROUP_LINES) this.section.lines.push(content);
      if (content.length < MAX_DOCUMENT_LINE && DOCUMENT_LITERALS.some((l) => content.includes(l))) this.read(content, line, () => parseLine(content), 'all');
    });
  }

  private flush(): void {
    const s = this.section;
    this.section = null;
    const known = s && CGROUP_FILES[s.path.replace(/^.*[/\\]/, '')];
    const reading = known && known.read(s.lines);
    if (!s || !known || !reading) return;
    const owner = cgroupOwner(s.path);
    const detail = { ...reading.detail, ...owner.detail };
    this.facts.push({
      kind: known.kind,
      value: reading.value,
      file: this.file,
      line: s.line + reading.at,
      time: null,
      how: s.path.replace(/^.*[/\\]/, ''),
      ...(owner.container ? { container: owner.container } : {}),
      ...(owner.pod ? { pod: owner.pod } : {}),
      ...(Object.keys(detail).length ? { detail } : {}),
    });
  }

  /** Every fact read, once the whole input has been. */
  finish(): NodeFact[] {
    this.flush();
    return this.facts;
  }
}
