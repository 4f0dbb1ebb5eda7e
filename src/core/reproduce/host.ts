import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HOST_DIRS, type LabPlan, type Rootfs } from './plan';
import type { Scenario } from './types';

/**
 * What the lab needs from the machine, checked before anything is made, and what it may have left
 * behind, checked after. Each refusal is a LabError: a clear message, exit code 2 in the CLI.
 */
export class LabError extends Error {}

const CGROUP_ROOT = '/sys/fs/cgroup';

/** The v1 controller each scenario writes to (cgroup v2 has them all in one tree). */
const CONTROLLER: Record<Scenario, string> = { 'state-race': 'cpuset', 'init-oom': 'memory', 'pids-limit': 'pids' };

function isExecutableFile(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * The runc to use: the path given (a bare name is looked up on PATH), else `runc` on PATH, else
 * `docker-runc` (Docker ≤ 18.09 shipped its runc under that name).
 */
export function resolveRunc(given: string | undefined, envPath = process.env.PATH ?? ''): string {
  const dirs = envPath.split(':').filter(Boolean);
  const onPath = (name: string) => dirs.map((d) => path.join(d, name)).find(isExecutableFile);
  if (given === undefined) {
    const found = onPath('runc') ?? onPath('docker-runc');
    if (!found) throw new LabError('no runc found: neither runc nor docker-runc is on PATH; give one with --runc PATH');
    return found;
  }
  if (given === '') throw new LabError('--runc wants the path of a runc binary');
  if (!given.includes('/')) {
    const found = onPath(given);
    if (!found) throw new LabError(`--runc ${given}: not found on PATH`);
    return found;
  }
  const file = path.resolve(given);
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    throw new LabError(`--runc ${given}: no such file`);
  }
  if (!st.isFile()) throw new LabError(`--runc ${given}: not a file`);
  if (!isExecutableFile(file)) throw new LabError(`--runc ${given}: not executable (mode ${(st.mode & 0o777).toString(8)})`);
  return file;
}

/** Refuses to start without root: runc needs it to create namespaces and cgroups. */
export function requireRoot(uid = process.getuid?.()): void {
  if (uid !== 0) throw new LabError(`runs real runc containers and needs root (running as uid ${uid ?? 'unknown'}); try again with sudo, or use --dry-run to see the commands`);
}

/** The cgroup version mounted at /sys/fs/cgroup, with the controller the scenario needs. */
export function requireCgroups(scenario: Scenario, root = CGROUP_ROOT): 'v1' | 'v2' {
  const controller = CONTROLLER[scenario];
  if (fs.existsSync(path.join(root, 'cgroup.controllers'))) {
    const available = fs.readFileSync(path.join(root, 'cgroup.controllers'), 'utf8').split(/\s+/);
    if (!available.includes(controller)) throw new LabError(`the cgroup v2 hierarchy at ${root} lacks the ${controller} controller ${scenario} needs`);
    return 'v2';
  }
  if (fs.existsSync(path.join(root, controller, 'cgroup.procs'))) return 'v1';
  throw new LabError(`no cgroup hierarchy: neither cgroup v2 nor the v1 ${controller} controller is mounted under ${root}`);
}

/** true when the ELF file asks for no program interpreter (PT_INTERP): it runs in an empty root. */
export function isStaticElf(file: string): boolean {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const head = Buffer.alloc(64);
    if (fs.readSync(fd, head, 0, 64, 0) < 64 || head.readUInt32BE(0) !== 0x7f454c46 || head[4] !== 2 || head[5] !== 1) return false;
    const phoff = Number(head.readBigUInt64LE(32));
    const phentsize = head.readUInt16LE(54);
    const phnum = head.readUInt16LE(56);
    const table = Buffer.alloc(phentsize * phnum);
    if (fs.readSync(fd, table, 0, table.length, phoff) < table.length) return false;
    for (let i = 0; i < phnum; i++) if (table.readUInt32LE(i * phentsize) === 3) return false;
    return true;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** busybox when a static one is installed (busybox-static); else the host's binaries, bind-mounted. */
export function chooseRootfs(busybox = '/bin/busybox'): Rootfs {
  if (isStaticElf(busybox)) return { kind: 'busybox', busybox };
  return { kind: 'host', dirs: HOST_DIRS.filter((d) => fs.existsSync(d)) };
}

/** CPUs the update loop can alternate over (the scratch container's cgroup has them all). */
export function cpuCount(): number {
  return Math.max(1, os.cpus().length);
}

/** Cgroup directories the plan's container (or its parent) may have: one per v1 hierarchy, or one in v2. */
export function cgroupDirs(plan: LabPlan, root = CGROUP_ROOT): string[] {
  const found: string[] = [];
  const bases = [root];
  try {
    for (const e of fs.readdirSync(root, { withFileTypes: true })) if (e.isDirectory()) bases.push(path.join(root, e.name));
  } catch {
    return found;
  }
  for (const base of bases) {
    for (const rel of [plan.cgroupsPath, plan.cgroupParent]) {
      const dir = path.join(base, rel);
      if (fs.existsSync(dir)) found.push(dir);
    }
  }
  // Children before parents, so they can be removed in this order.
  return found.sort((a, b) => b.length - a.length);
}

/** Processes that belong to the plan: runc calls naming its state root, anything in its cgroups. */
export function labProcesses(plan: LabPlan): { pid: number; command: string }[] {
  const out: { pid: number; command: string }[] = [];
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return out;
  }
  for (const e of entries) {
    const pid = Number(e);
    if (pid === process.pid) continue;
    try {
      const cmdline = fs.readFileSync(`/proc/${e}/cmdline`, 'utf8');
      const cgroups = fs.readFileSync(`/proc/${e}/cgroup`, 'utf8');
      if (cmdline.includes(plan.stateRoot) || cgroups.includes(plan.cgroupParent + '/') || cgroups.split('\n').some((l) => l.endsWith(plan.cgroupParent))) {
        out.push({ pid, command: cmdline.split('\0').filter(Boolean).join(' ') });
      }
    } catch {
      // The process ended while we looked.
    }
  }
  return out;
}

/** Mount points at or below a folder (in this mount namespace), which must never be deleted through. */
export function mountsUnder(dir: string): string[] {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  return fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((m): m is string => m !== undefined)
    .map((m) => m.replace(/\\(\d{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))))
    .filter((m) => m === dir || m.startsWith(prefix));
}

/** Everything of the plan still on the machine; all empty after a clean run. */
export interface Leftovers {
  containers: string[];
  cgroups: string[];
  processes: { pid: number; command: string }[];
  files: string[];
}

export function leftovers(plan: LabPlan): Leftovers {
  const containers: string[] = [];
  try {
    for (const e of fs.readdirSync(plan.stateRoot)) containers.push(e);
  } catch {
    // No state root: no container.
  }
  return {
    containers,
    cgroups: cgroupDirs(plan),
    processes: labProcesses(plan),
    files: fs.existsSync(plan.dir) ? [plan.dir] : [],
  };
}

export function isClean(l: Leftovers): boolean {
  return l.containers.length + l.cgroups.length + l.processes.length + l.files.length === 0;
}

export function describeLeftovers(l: Leftovers): string {
  const parts: string[] = [];
  if (l.containers.length) parts.push(`container state ${l.containers.join(', ')}`);
  if (l.cgroups.length) parts.push(`cgroups ${l.cgroups.join(', ')}`);
  if (l.processes.length) parts.push(`processes ${l.processes.map((p) => `${p.pid} (${p.command})`).join(', ')}`);
  if (l.files.length) parts.push(`files ${l.files.join(', ')}`);
  return parts.join('; ');
}
