import * as path from 'node:path';
import type { Scenario } from './types';

/**
 * The lab's plan, as pure data: where the scratch container lives, its config.json, and every runc
 * command line. The runner (lab.ts) executes exactly these commands and `--dry-run` prints them.
 */

/**
 * Attempts when none are asked for. The race needs hundreds (it hit ~1 exec in 10 on old runc). A memory
 * limit with the container at it fails every exec (FILL_BYTES). A pids limit fails only the execs whose
 * helper still has a thread to start when runc has moved it into the pids cgroup (it joins each
 * hierarchy in turn, in no fixed order): 9 of 100 with Debian's 1.1.5 on this project's machines (2026-12).
 */
export const DEFAULT_ATTEMPTS: Record<Scenario, number> = { 'state-race': 300, 'init-oom': 10, 'pids-limit': 100 };
export const MAX_ATTEMPTS = 10000;
/** The whole run's time bound when none is asked for, in seconds. */
export const DEFAULT_TIMEOUT_SECONDS = 600;
export const MAX_TIMEOUT_SECONDS = 24 * 3600;

export const SCENARIO_TITLES: Record<Scenario, string> = {
  'state-race': 'runc update rewriting state.json while runc exec reads it',
  'init-oom': "a memory limit too small for runc's exec helper (runc:[2:INIT])",
  'pids-limit': 'a pids limit of 1: runc cannot start a thread for the exec',
};

/** The root filesystem: a static busybox copied in, or an empty root with the host's binaries bind-mounted read-only. */
export type Rootfs = { kind: 'busybox'; busybox: string } | { kind: 'host'; dirs: string[] };

/** The commands linked to busybox in its rootfs: the container's sleep, the execs' true, init-oom's fill. */
export const BUSYBOX_COMMANDS = ['sh', 'sleep', 'true', 'head'];

/** Host directories a container needs to run /bin/sleep and /bin/true without busybox (lab.md). */
export const HOST_DIRS = ['/bin', '/sbin', '/lib', '/lib64', '/usr'];

export interface LabPlan {
  scenario: Scenario;
  runc: string;
  attempts: number;
  timeoutSeconds: number;
  /** The random part shared by the folder, the container id and the cgroup parent. */
  token: string;
  /** The fresh folder holding everything on disk: bundle and state root. */
  dir: string;
  stateRoot: string;
  bundle: string;
  id: string;
  /** The container's cgroup path below each hierarchy's root: `/<id>/<id>`, a parent of our own. */
  cgroupsPath: string;
  cgroupParent: string;
  rootfs: Rootfs;
  /** CPUs the update loop alternates between: "0" and "0-1" (or "0" and "0" on a one-CPU machine). */
  cpusets: [string, string];
}

export interface PlanOptions {
  scenario: Scenario;
  runc: string;
  attempts: number;
  timeoutSeconds: number;
  token: string;
  tmpDir: string;
  rootfs: Rootfs;
  cpuCount: number;
}

export function makePlan(o: PlanOptions): LabPlan {
  if (!/^[0-9a-f]{8,32}$/.test(o.token)) throw new RangeError(`makePlan: the token must be 8 to 32 hex digits, got '${o.token}'`);
  const id = `runtime-lens-${o.token}`;
  const dir = path.join(o.tmpDir, id);
  return {
    scenario: o.scenario,
    runc: o.runc,
    attempts: o.attempts,
    timeoutSeconds: o.timeoutSeconds,
    token: o.token,
    dir,
    stateRoot: path.join(dir, 'state'),
    bundle: path.join(dir, 'bundle'),
    id,
    cgroupParent: `/${id}`,
    cgroupsPath: `/${id}/${id}`,
    rootfs: o.rootfs,
    // Any update rewrites state.json; alternating two values only makes each one a real change.
    cpusets: o.cpuCount >= 2 ? ['0', '0-1'] : ['0', '0'],
  };
}

/**
 * The container's config.json, written by us rather than patched from `runc spec`, whose output
 * differs across versions: only fields every runc from v1.0.0-rc1 on reads the same way.
 */
export function bundleConfig(plan: LabPlan): object {
  const hostBinds = plan.rootfs.kind === 'host'
    ? plan.rootfs.dirs.map((d) => ({ destination: d, type: 'bind', source: d, options: ['rbind', 'ro'] }))
    : [];
  return {
    ociVersion: '1.0.0',
    process: {
      terminal: false,
      user: { uid: 0, gid: 0 },
      // Outlives the run's time bound by a minute and no more: even a container that a SIGKILLed
      // runtime-lens could not delete ends by itself.
      args: ['/bin/sleep', String(plan.timeoutSeconds + 60)],
      env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
      cwd: '/',
      capabilities: {
        bounding: ['CAP_KILL'],
        effective: ['CAP_KILL'],
        permitted: ['CAP_KILL'],
      },
      noNewPrivileges: true,
    },
    root: { path: 'rootfs', readonly: plan.rootfs.kind === 'host' },
    hostname: plan.id.slice(0, 63),
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
      { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620'] },
      { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
      ...hostBinds,
    ],
    linux: {
      cgroupsPath: plan.cgroupsPath,
      resources: { devices: [{ allow: false, access: 'rwm' }] },
      namespaces: [{ type: 'pid' }, { type: 'network' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }],
    },
  };
}

/** `runc --root <private root>` and the rest: every runc call the lab makes goes through here. */
export function runcArgs(plan: LabPlan, ...rest: string[]): string[] {
  return ['--root', plan.stateRoot, ...rest];
}

export const startArgs = (p: LabPlan) => runcArgs(p, 'run', '-d', '--bundle', p.bundle, p.id);
export const execArgs = (p: LabPlan) => runcArgs(p, 'exec', p.id, '/bin/true');
export const updateLoopArgs = (p: LabPlan): [string[], string[]] => [
  runcArgs(p, 'update', '--cpuset-cpus', p.cpusets[0], p.id),
  runcArgs(p, 'update', '--cpuset-cpus', p.cpusets[1], p.id),
];
/**
 * What init-oom's container holds before its limit is set: a file of this many bytes in its /dev, a
 * tmpfs charged to the container's memory cgroup that the kernel cannot reclaim without swap, so the
 * 1M limit leaves runc's exec helper almost no room — a pod at its memory limit. With room to spare
 * (the sleeping process alone uses ~370 KB), runc 1.1.5's helper mostly made its allocations before
 * runc moved it into the cgroup: here (2026-12) 3 of 100 execs died before the init handshake (lab.md's
 * text), 6 more after it (exit 137, nothing printed); with the file, 30 of 30, all lab.md's text.
 */
export const FILL_BYTES = 768 * 1024;

/** The exec that fills init-oom's container before its limit (FILL_BYTES), or null for the other scenarios. */
export function fillArgs(p: LabPlan): string[] | null {
  return p.scenario === 'init-oom' ? runcArgs(p, 'exec', p.id, '/bin/sh', '-c', `head -c ${FILL_BYTES} /dev/zero > /dev/runtime-lens-fill`) : null;
}

/** The one update that sets the limit a scenario needs before its execs (none for the race). */
export function limitArgs(p: LabPlan, memoryBytes?: number): string[] | null {
  if (p.scenario === 'init-oom') {
    const m = memoryBytes === undefined ? '1M' : String(memoryBytes);
    return runcArgs(p, 'update', '--memory', m, '--memory-swap', m, p.id);
  }
  if (p.scenario === 'pids-limit') return runcArgs(p, 'update', '--pids-limit', '1', p.id);
  return null;
}
/**
 * cgroup v1 refuses a memory limit below what the container already uses and cannot give back (`unable
 * to set memory limit to 1048576 (current usage: 2183168, …)`: the sleeping process's own pages, the page
 * cache of its binary): 1M works on a quiet node and fails on a busy one. The scenario only needs a limit
 * that leaves runc's exec helper no room, so when 1M is refused again and again the lab sets the current
 * usage plus 64 KiB, rounded up to 64 KiB: runc init needs megabytes more than that.
 */
export function memoryLimitAbove(stderr: string): number | null {
  const m = /unable to set memory limit to \d+ \(current usage: (\d+)/.exec(stderr);
  if (!m) return null;
  const step = 64 * 1024;
  return Math.ceil((Number(m[1]) + step) / step) * step;
}

export const killArgs = (p: LabPlan) => runcArgs(p, 'kill', p.id, 'KILL');
export const deleteArgs = (p: LabPlan) => runcArgs(p, 'delete', '-f', p.id);

/** A word as a POSIX shell reads it back: bare when it is plainly safe, else single-quoted. */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export function commandLine(program: string, args: string[]): string {
  return [program, ...args].map(shellWord).join(' ');
}

/**
 * Every command the run makes, in order, as shell lines a cautious user can read (and run) first.
 * The folder and files are made by runtime-lens itself; the lines say what they hold.
 */
export function planCommands(plan: LabPlan): string[] {
  const r = (args: string[]) => commandLine(plan.runc, args);
  const lines: string[] = [];
  lines.push(`# ${plan.scenario}: ${SCENARIO_TITLES[plan.scenario]}; at most ${plan.timeoutSeconds} s in all`);
  lines.push(`mkdir -m 700 ${shellWord(plan.dir)} ${shellWord(plan.bundle)} ${shellWord(path.join(plan.bundle, 'rootfs'))}`);
  if (plan.rootfs.kind === 'busybox') {
    const bin = path.join(plan.bundle, 'rootfs', 'bin');
    lines.push(`mkdir ${shellWord(bin)} && cp ${shellWord(plan.rootfs.busybox)} ${shellWord(path.join(bin, 'busybox'))}`);
    lines.push(`for c in ${BUSYBOX_COMMANDS.join(' ')}; do ln -s busybox ${shellWord(bin)}/$c; done`);
  } else {
    lines.push(`# rootfs: empty and read-only; ${plan.rootfs.dirs.join(' ')} bind-mounted read-only from the host (see config.json)`);
  }
  lines.push(`cat > ${shellWord(path.join(plan.bundle, 'config.json'))} <<'EOF'`, JSON.stringify(bundleConfig(plan)), 'EOF');
  lines.push(r(startArgs(plan)));
  const fill = fillArgs(plan);
  if (fill) lines.push(`${r(fill)}   # the container near its limit before the limit is set`);
  const limit = limitArgs(plan);
  if (limit) lines.push(r(limit));
  const exec = r(execArgs(plan));
  if (plan.scenario === 'state-race') {
    const [a, b] = updateLoopArgs(plan);
    lines.push(`( while :; do ${r(a)}; ${r(b)}; done ) &   # the writer, stopped after the last exec`);
  }
  lines.push(`for i in $(seq ${plan.attempts}); do ${exec}; done   # the reader: each failure is counted with its error text`);
  lines.push(r(killArgs(plan)));
  lines.push(r(deleteArgs(plan)));
  lines.push(`rmdir /sys/fs/cgroup/*${plan.cgroupsPath} /sys/fs/cgroup/*${plan.cgroupParent} 2>/dev/null   # those runc left behind`);
  lines.push(`rm -rf ${shellWord(plan.dir)}`);
  return lines;
}

/** The command a user copies to run the lab on the node (as root), e.g. from the diagnosis panel. */
export function reproduceCommand(scenario: Scenario, opts: { runc?: string; attempts?: number; json?: boolean } = {}): string {
  const args = ['reproduce', '--scenario', scenario];
  if (opts.runc) args.push('--runc', opts.runc);
  args.push('--attempts', String(opts.attempts ?? DEFAULT_ATTEMPTS[scenario]));
  if (opts.json) args.push('--json');
  return `sudo ${commandLine('runtime-lens', args)}`;
}
