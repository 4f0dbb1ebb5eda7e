/**
 * The reproduce lab's data: what `runtime-lens reproduce` measures with a real runc, what `--json`
 * prints (../shared/contract.md) and what the diagnosis takes as measured evidence. Pure types.
 */

/** A failure mode the lab can provoke on a scratch container. */
export type Scenario = 'state-race' | 'init-oom' | 'pids-limit';

export const SCENARIOS: readonly Scenario[] = ['state-race', 'init-oom', 'pids-limit'];

/** One distinct error text the runc printed, with how often, run through the signature catalog. */
export interface ReproduceError {
  text: string;
  count: number;
  signature: string | null;
}

/** The contract's `reproduce --json` document. */
export interface ReproduceResult {
  scenario: Scenario;
  runc: { path: string; version: string | null };
  attempts: number;
  failures: number;
  reproduced: boolean;
  rate: number;
  /** One-sided 95% upper bound of the failure rate (exact binomial). */
  rateUpper95: number;
  errors: ReproduceError[];
  elapsedMs: number;
  /** Present when the run's time bound stopped it before all attempts were made. */
  timedOut?: true;
}

/**
 * A reproduce outcome as the diagnosis weighs it: measured by the lab on this machine, or entered by
 * hand from a run on the node.
 */
export interface ReproduceOutcome {
  scenario: Scenario;
  attempts: number;
  failures: number;
  /** 'measured' when Runtime Lens ran it; 'user' when typed in. */
  source: 'measured' | 'user';
  runcVersion?: string | null;
}
