import type { ChildProcess } from 'node:child_process';
import { childProcess } from '../lazy';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { factsFromLine } from '../logs/facts';
import type { Matcher } from '../signatures/matcher';
import { LabError, type Leftovers, cgroupDirs, describeLeftovers, isClean, labProcesses, leftovers, mountsUnder } from './host';
import { BUSYBOX_COMMANDS, type LabPlan, SCENARIO_TITLES, bundleConfig, commandLine, deleteArgs, execArgs, fillArgs, killArgs, limitArgs, memoryLimitAbove, startArgs, updateLoopArgs } from './plan';
import { errorText, makeResult } from './result';
import type { ReproduceResult } from './types';

/**
 * Runs a plan with a real runc: a scratch container under the plan's private state root, the
 * scenario's execs (against the update loop for the race), then removes all of it — on success, on
 * failure, when aborted (SIGINT/SIGTERM in the CLI, Cancel in VS Code) and at the time limit.
 */

/** One runc call may take this long before it is killed: a hung exec (frozen cgroup) must not hang the lab. */
const COMMAND_TIMEOUT_MS = 30_000;
/** stderr kept per call: runc's message is one line, a Go crash dump is long and only its head matters. */
const MAX_STDERR = 64 * 1024;

export class LabInterrupted extends Error {
  constructor(readonly leftovers: Leftovers) {
    super(isClean(leftovers) ? 'interrupted; the scratch container and everything it made are removed' : `interrupted; could not remove: ${describeLeftovers(leftovers)}`);
  }
}

export interface LabProgress {
  done: number;
  total: number;
  failures: number;
  /** runc update calls the writer made so far (state-race only) and how many failed. */
  updates: number;
  updateFailures: number;
  /** The error text of the latest failed attempt. */
  lastError: string | null;
}

export interface LabRun {
  plan: LabPlan;
  matcher: Matcher;
  signal?: AbortSignal;
  /** After each attempt. */
  onProgress?: (p: LabProgress) => void;
  /** Things the user should know while it runs (what is made, cleanup). */
  onNote?: (note: string) => void;
}

interface Exit {
  code: number | null;
  signal: string | null;
  stderr: string;
  /** Killed by us: the per-call timeout, the time limit or an abort. */
  killed: boolean;
}

/** The children in flight, so an abort or the time limit can stop them at once. */
class Children {
  private readonly live = new Set<ChildProcess>();
  private readonly killed = new WeakSet<ChildProcess>();

  run(file: string, args: string[], opts: { timeoutMs?: number; stdio?: ['ignore', 'ignore', 'pipe' | number] } = {}): Promise<Exit> {
    return new Promise((resolve) => {
      const child = childProcess().spawn(file, args, { stdio: opts.stdio ?? ['ignore', 'ignore', 'pipe'] });
      this.live.add(child);
      let stderr = '';
      let ended = child.stderr === null;
      let finished = false;
      child.stderr?.setEncoding('utf8');
      child.stderr?.on('data', (d: string) => {
        if (stderr.length < MAX_STDERR) stderr += d;
      });
      child.stderr?.on('end', () => (ended = true));
      const timer = setTimeout(() => this.kill(child), opts.timeoutMs ?? COMMAND_TIMEOUT_MS);
      const finish = (code: number | null, signal: string | null) => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        this.live.delete(child);
        resolve({ code, signal, stderr, killed: this.killed.has(child) });
      };
      child.on('error', (e) => {
        stderr += e.message;
        finish(null, null);
      });
      child.on('exit', (code, signal) => {
        // A process started inside the container may still hold the pipe: read what is there, briefly.
        if (ended) return finish(code, signal);
        const grace = setTimeout(() => {
          child.stderr?.destroy();
          finish(code, signal);
        }, 200);
        child.stderr?.once('end', () => {
          clearTimeout(grace);
          finish(code, signal);
        });
      });
    });
  }

  private kill(child: ChildProcess): void {
    this.killed.add(child);
    child.kill('SIGKILL');
  }

  killAll(): void {
    for (const c of this.live) this.kill(c);
  }

  async settled(): Promise<void> {
    for (let i = 0; i < 50 && this.live.size > 0; i++) await sleep(100);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * `runc --version`: the version it prints (null for builds that print only the spec line, as rc
 * builds from a bare `go build` do); a LabError when the binary is not a runc at all.
 */
export async function runcVersion(runc: string): Promise<string | null> {
  const out = await new Promise<{ ok: boolean; text: string }>((resolve) => {
    const child = childProcess().spawn(runc, ['--version'], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000, killSignal: 'SIGKILL' });
    let text = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (text += d.slice(0, 4096)));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (text += d.slice(0, 4096)));
    child.on('error', (e) => resolve({ ok: false, text: e.message }));
    child.on('close', (code) => resolve({ ok: code === 0, text }));
  });
  if (!out.ok || !/^runc version/m.test(out.text)) {
    const said = out.text.trim().split('\n')[0] ?? '';
    throw new LabError(`${runc} is not runc: \`${path.basename(runc)} --version\` ${said ? `printed "${said.slice(0, 200)}"` : 'printed nothing'}${out.ok ? '' : ' and failed'}`);
  }
  return factsFromLine(out.text, runc, 1, null).find((f) => f.kind === 'runcVersion')?.value ?? null;
}

function writeBundle(plan: LabPlan): void {
  // mkdir fails if the folder exists: never reuse (or follow a planted link to) anything not made here.
  fs.mkdirSync(plan.dir, { mode: 0o700 });
  fs.mkdirSync(path.join(plan.bundle, 'rootfs'), { recursive: true, mode: 0o700 });
  if (plan.rootfs.kind === 'busybox') {
    const bin = path.join(plan.bundle, 'rootfs', 'bin');
    fs.mkdirSync(bin);
    fs.copyFileSync(plan.rootfs.busybox, path.join(bin, 'busybox'));
    fs.chmodSync(path.join(bin, 'busybox'), 0o755);
    for (const c of BUSYBOX_COMMANDS) fs.symlinkSync('busybox', path.join(bin, c));
  }
  fs.writeFileSync(path.join(plan.bundle, 'config.json'), JSON.stringify(bundleConfig(plan), null, 2));
}

/**
 * Removes what the plan made, in the order that lets each step succeed: stop our runc calls, kill
 * and delete the container, kill what is still in its cgroups, remove the cgroups (runc leaves the
 * parent), then the folder — unless something is mounted below it, which it never deletes through.
 */
async function cleanUp(plan: LabPlan, children = new Children()): Promise<Leftovers> {
  children.killAll();
  await children.settled();
  if (fs.existsSync(plan.stateRoot)) {
    await children.run(plan.runc, killArgs(plan), { timeoutMs: 10_000 });
    await children.run(plan.runc, deleteArgs(plan), { timeoutMs: 10_000 });
  }
  for (let i = 0; i < 50; i++) {
    const procs = labProcesses(plan);
    for (const p of procs) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    const dirs = cgroupDirs(plan);
    for (const d of dirs) {
      try {
        fs.rmdirSync(d);
      } catch {
        // Busy until its last process is reaped: tried again below.
      }
    }
    if (procs.length === 0 && cgroupDirs(plan).length === 0) break;
    await sleep(100);
  }
  if (fs.existsSync(plan.dir) && mountsUnder(plan.dir).length === 0) fs.rmSync(plan.dir, { recursive: true, force: true });
  return leftovers(plan);
}

/** Runs the plan and returns the contract's result; throws LabError (exit 2) or LabInterrupted. */
export async function runLab(run: LabRun): Promise<ReproduceResult> {
  const { plan, matcher, signal } = run;
  const version = await runcVersion(plan.runc);
  run.onNote?.(`${plan.scenario} (${SCENARIO_TITLES[plan.scenario]}) with ${plan.runc} (${version ?? 'version not printed'}): ${plan.attempts} attempts, at most ${plan.timeoutSeconds} s`);
  // Names given twice (a reused --token) must not adopt, and then remove, what another run made.
  const before = leftovers(plan);
  if (!isClean(before)) throw new LabError(`the scratch names of ${plan.id} are in use (${describeLeftovers(before)}): run again without --token`);
  if (signal?.aborted) throw new LabInterrupted(before);
  const started = performance.now();
  const children = new Children();
  let stopped: 'abort' | 'timeout' | null = null;
  const stop = (why: 'abort' | 'timeout') => {
    stopped ??= why;
    children.killAll();
  };
  const onAbort = () => stop('abort');
  signal?.addEventListener('abort', onAbort, { once: true });
  const deadline = setTimeout(() => stop('timeout'), plan.timeoutSeconds * 1000);
  let outcome: { result: ReproduceResult } | { error: unknown };
  try {
    const { attempts, errors } = await attempt(run, children, () => stopped);
    outcome = {
      result: makeResult({
        scenario: plan.scenario,
        runc: { path: plan.runc, version },
        attempts,
        errors,
        elapsedMs: performance.now() - started,
        timedOut: stopped === 'timeout',
        matcher,
      }),
    };
  } catch (e) {
    outcome = { error: e };
  } finally {
    clearTimeout(deadline);
    signal?.removeEventListener('abort', onAbort);
  }
  run.onNote?.(`removing ${plan.id} and everything it made`);
  const rest = await cleanUp(plan, children);
  if (stopped === 'abort') throw new LabInterrupted(rest);
  if (!isClean(rest)) throw new LabError(`could not remove everything the run made: ${describeLeftovers(rest)}`);
  if ('error' in outcome) throw outcome.error;
  return outcome.result;
}

/** Makes the container, sets the scenario's limit, and runs the execs (against the writer for the race). */
async function attempt(run: LabRun, children: Children, stopped: () => 'abort' | 'timeout' | null): Promise<{ attempts: number; errors: string[] }> {
  const { plan } = run;
  const runc = path.basename(plan.runc);
  writeBundle(plan);
  run.onNote?.(`scratch container ${plan.id}: bundle and private state root in ${plan.dir}, cgroup ${plan.cgroupsPath}`);
  const log = path.join(plan.dir, 'run.stderr');
  const fd = fs.openSync(log, 'w', 0o600);
  // runc run -d hands its stdio to the container's process: /dev/null in and out, a file for errors, never our pipes.
  const start = await children.run(plan.runc, startArgs(plan), { stdio: ['ignore', 'ignore', fd] }).finally(() => fs.closeSync(fd));
  if (stopped() === 'timeout') throw new LabError(`the time limit of ${plan.timeoutSeconds} s was reached before the container started`);
  if (stopped()) return { attempts: 0, errors: [] };
  if (start.code !== 0) {
    const said = fs.readFileSync(log, 'utf8').trim();
    throw new LabError(`${plan.runc} cannot start a container: \`${commandLine(runc, startArgs(plan))}\` failed: ${said ? errorText(said, start) : `exit status ${start.code ?? start.signal}`}`);
  }
  const fill = fillArgs(plan);
  if (fill) {
    const filled = await children.run(plan.runc, fill);
    if (stopped()) return { attempts: 0, errors: [] };
    if (filled.code !== 0) throw new LabError(`\`${commandLine(runc, fill)}\` failed: ${errorText(filled.stderr, filled)}`);
  }
  let limit = limitArgs(plan);
  if (limit) {
    let set = await children.run(plan.runc, limit);
    // The kernel gives back page cache between tries: on a busy node 1M is often refused once, then taken.
    for (let retry = 0; retry < 5 && set.code !== 0 && !stopped() && memoryLimitAbove(set.stderr) !== null; retry++) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      set = await children.run(plan.runc, limit);
    }
    const above = set.code !== 0 && !stopped() ? memoryLimitAbove(set.stderr) : null;
    if (above !== null) {
      run.onNote?.(`the container already uses more than 1M that the kernel cannot reclaim: the limit is set just above its use, at ${above} bytes`);
      limit = limitArgs(plan, above)!;
      set = await children.run(plan.runc, limit);
    }
    if (set.code !== 0 && !stopped()) throw new LabError(`\`${commandLine(runc, limit)}\` failed: ${errorText(set.stderr, set)}`);
  }
  const progress: LabProgress = { done: 0, total: plan.attempts, failures: 0, updates: 0, updateFailures: 0, lastError: null };
  const errors: string[] = [];
  let readerDone = false;
  let writer: Promise<void> = Promise.resolve();
  if (plan.scenario === 'state-race') {
    const updates = updateLoopArgs(plan);
    writer = (async () => {
      for (let i = 0; !readerDone && !stopped(); i++) {
        const u = await children.run(plan.runc, updates[i % 2]!);
        progress.updates += 1;
        if (u.code !== 0 && !u.killed) progress.updateFailures += 1;
      }
    })();
  }
  const exec = execArgs(plan);
  try {
    while (progress.done < plan.attempts && !stopped()) {
      const e = await children.run(plan.runc, exec);
      // A call we killed (abort, time limit) is no attempt; one that ran into the per-call timeout is a failure.
      if (stopped()) break;
      progress.done += 1;
      if (e.code !== 0) {
        progress.lastError = e.killed ? `runc exec did not finish within ${COMMAND_TIMEOUT_MS / 1000} s` : errorText(e.stderr, e);
        errors.push(progress.lastError);
      }
      progress.failures = errors.length;
      run.onProgress?.(progress);
    }
  } finally {
    readerDone = true;
    await writer;
  }
  if (plan.scenario === 'state-race' && progress.updates > 0 && progress.updateFailures === progress.updates) {
    throw new LabError(`every \`${runc} update --cpuset-cpus\` failed: the writer never rewrote state.json, so the race was not tested`);
  }
  return { attempts: progress.done, errors };
}
