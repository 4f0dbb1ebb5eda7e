import * as os from 'node:os';
import { parseArgs } from 'node:util';
import { crypto } from '../core/lazy';
import { LabError, chooseRootfs, cpuCount, requireCgroups, requireRoot, resolveRunc } from '../core/reproduce/host';
import { LabInterrupted, type LabProgress, runLab } from '../core/reproduce/lab';
import { DEFAULT_ATTEMPTS, DEFAULT_TIMEOUT_SECONDS, type LabPlan, MAX_ATTEMPTS, MAX_TIMEOUT_SECONDS, makePlan, planCommands } from '../core/reproduce/plan';
import { reading } from '../core/reproduce/result';
import { type ReproduceResult, SCENARIOS, type Scenario } from '../core/reproduce/types';
import { builtInSignatures } from '../core/signatures/catalog';
import { Matcher } from '../core/signatures/matcher';
import { type Command, UsageError } from './commands';

export interface ReproduceArgs {
  json: boolean;
  dryRun: boolean;
  runc: string | undefined;
  scenario: Scenario;
  attempts: number;
  timeoutSeconds: number;
  /** The random part of the scratch names, given so a dry run and the run after it name the same things. */
  token: string | undefined;
}

const TOKEN = /^[0-9a-f]{12}$/;

function wholeNumber(flag: string, value: string, min: number, max: number): number {
  const n = /^\d{1,9}$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!(n >= min && n <= max)) throw new UsageError(`${flag} wants a whole number from ${min} to ${max}, got '${value}'`);
  return n;
}

/** The command line, checked: every mistake is a UsageError naming the flag and what it wants. */
export function parseReproduceArgs(args: string[]): ReproduceArgs {
  // parseArgs reads "--attempts -1" as a missing value; it is a number, refused below for what it is.
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const next = args[i + 1];
    if ((args[i] === '--attempts' || args[i] === '--timeout') && next !== undefined && /^-\d/.test(next)) {
      joined.push(`${args[i]}=${next}`);
      i += 1;
    } else joined.push(args[i]!);
  }
  let values;
  try {
    ({ values } = parseArgs({
      args: joined,
      allowPositionals: false,
      options: {
        json: { type: 'boolean', default: false },
        'dry-run': { type: 'boolean', default: false },
        runc: { type: 'string' },
        scenario: { type: 'string', default: 'state-race' },
        attempts: { type: 'string' },
        timeout: { type: 'string' },
        token: { type: 'string' },
      },
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const scenario = values.scenario as Scenario;
  if (values.token !== undefined && !TOKEN.test(values.token)) throw new UsageError(`--token wants 12 hex digits (as a dry run prints them), got '${values.token}'`);
  if (!SCENARIOS.includes(scenario)) throw new UsageError(`--scenario wants ${SCENARIOS.join(', ')}, got '${values.scenario}'`);
  return {
    json: values.json ?? false,
    dryRun: values['dry-run'] ?? false,
    runc: values.runc,
    scenario,
    attempts: values.attempts === undefined ? DEFAULT_ATTEMPTS[scenario] : wholeNumber('--attempts', values.attempts, 1, MAX_ATTEMPTS),
    timeoutSeconds: values.timeout === undefined ? DEFAULT_TIMEOUT_SECONDS : wholeNumber('--timeout', values.timeout, 1, MAX_TIMEOUT_SECONDS),
    token: values.token,
  };
}

function planFor(a: ReproduceArgs): LabPlan {
  return makePlan({
    scenario: a.scenario,
    runc: resolveRunc(a.runc),
    attempts: a.attempts,
    timeoutSeconds: a.timeoutSeconds,
    token: a.token ?? crypto().randomBytes(6).toString('hex'),
    tmpDir: os.tmpdir(),
    rootfs: chooseRootfs(),
    cpuCount: cpuCount(),
  });
}

/** Progress on stderr at most once a second, and for the last attempt. */
function progressPrinter(err: (s: string) => void, scenario: Scenario) {
  let last = 0;
  return (p: LabProgress) => {
    const now = Date.now();
    if (now - last < 1000 && p.done < p.total) return;
    last = now;
    const writer = scenario === 'state-race' ? `, ${p.updates} updates${p.updateFailures ? ` (${p.updateFailures} failed)` : ''}` : '';
    err(`${scenario}: ${p.done}/${p.total} attempts, ${p.failures} failed${writer}\n`);
  };
}

/**
 * Runs the lab for checked arguments: root and cgroups first, progress on stderr, Ctrl-C and SIGTERM
 * stop it and clean up. Returns the result, or the exit code of an interrupted run. Shared by
 * `reproduce` and `diagnose --reproduce`.
 */
export async function runReproduce(a: ReproduceArgs, err: (s: string) => void): Promise<ReproduceResult | { interrupted: number }> {
  let plan: LabPlan;
  try {
    requireRoot();
    requireCgroups(a.scenario);
    plan = planFor(a);
  } catch (e) {
    if (e instanceof LabError) throw new UsageError(e.message);
    throw e;
  }
  const controller = new AbortController();
  const signals: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };
  let exitOnSignal = 0;
  const onSignal = (name: NodeJS.Signals) => {
    if (controller.signal.aborted) return;
    exitOnSignal = signals[name]!;
    err(`${name}: stopping and removing the scratch container…\n`);
    controller.abort();
  };
  for (const s of Object.keys(signals)) process.on(s, onSignal);
  try {
    const result = await runLab({
      plan,
      matcher: new Matcher(builtInSignatures()),
      signal: controller.signal,
      onProgress: progressPrinter(err, a.scenario),
      onNote: (n) => err(`${n}\n`),
    });
    if (result.timedOut) err(`the time limit of ${a.timeoutSeconds} s stopped the run after ${result.attempts} of ${a.attempts} attempts\n`);
    err('removed the scratch container, its cgroups, processes and files\n');
    return result;
  } catch (e) {
    if (e instanceof LabInterrupted) {
      err(`${e.message}\n`);
      return { interrupted: exitOnSignal || 130 };
    }
    if (e instanceof LabError) throw new UsageError(e.message);
    throw e;
  } finally {
    for (const s of Object.keys(signals)) process.off(s, onSignal);
  }
}

export const reproduce: Command = async (args, out, err) => {
  const a = parseReproduceArgs(args);
  if (a.dryRun) {
    let plan: LabPlan;
    try {
      plan = planFor(a);
    } catch (e) {
      if (e instanceof LabError) throw new UsageError(e.message);
      throw e;
    }
    const commands = planCommands(plan);
    out(a.json ? `${JSON.stringify({ dryRun: true, scenario: a.scenario, runc: plan.runc, commands }, null, 2)}\n` : `${commands.join('\n')}\n`);
    return 0;
  }
  const result = await runReproduce(a, err);
  if ('interrupted' in result) return result.interrupted;
  if (a.json) out(`${JSON.stringify(result, null, 2)}\n`);
  else {
    const lines = [
      `Runtime Lens reproduce — ${result.scenario} with ${result.runc.path} (${result.runc.version ?? 'version not printed'})`,
      `  ${result.attempts} attempts, ${result.failures} failed, in ${(result.elapsedMs / 1000).toFixed(1)} s`,
      ...result.errors.map((e) => `  ${String(e.count).padStart(5)}× ${e.text}${e.signature ? `  [${e.signature}]` : ''}`),
      `  ${reading(result)}`,
    ];
    out(`${lines.join('\n')}\n`);
  }
  return 0;
};
