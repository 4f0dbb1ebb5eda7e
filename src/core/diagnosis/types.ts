import type { ReproduceOutcome, Scenario } from '../reproduce/types';

/**
 * The diagnosis as data: what the evidence engine returns, what the CLI prints as JSON and what the
 * diagnosis panel renders. Pure types; no vscode.
 */

/** Evidence ids of the contract (../shared/contract.md). */
export type EvidenceId = 'eof-errors-present' | 'reconcile-aligned' | 'cpu-manager-static' | 'runc-before-fix' | 'runc-savestate-atomic' | 'fifo-closed-nearby';

/** Where a fact came from: the logs and files given, the Go sources, or the user's answer. */
export type FactSource = 'logs' | 'sources' | 'user' | 'default';

export interface Evidence {
  id: EvidenceId;
  /** true / false, or null when the input cannot tell. */
  holds: boolean | null;
  /** What was found, in words a person can check. */
  detail: string;
  title: string;
  source: FactSource;
  /** Where it was seen (file:line), when it comes from a file. */
  where?: { file: string; line: number };
  /** The command to check it on the node yourself. */
  check?: string;
  /** Whether (and how) the user can answer it by hand in the panel. */
  ask?: Question;
}

/** A question the panel asks when the logs are silent; the answer enters as a user fact. */
export interface Question {
  fact: keyof UserFacts;
  prompt: string;
  /** Fixed choices, or free text when absent. */
  choices?: { value: string; label: string }[];
  placeholder?: string;
}

/** Facts a person can supply when the inputs lack them. */
export interface UserFacts {
  cpuManagerPolicy?: 'static' | 'none';
  runcVersion?: string;
  reconcilePeriodSeconds?: number;
  /** Zone of klog/journald times, e.g. "+08:00" or "Asia/Shanghai". */
  timeZone?: string;
  /** Results of the reproduce lab, measured here or entered by hand, one per scenario. */
  reproduced?: Partial<Record<Scenario, ReproduceOutcome>>;
}

/** Findings of one signature for one pod/container (or without a pod), across files. */
export interface Cluster {
  signature: string;
  title: string;
  pod: string | null;
  container: string | null;
  count: number;
  files: string[];
  /** ISO instants when resolvable, else node-local wall time as written. */
  firstSeen: string | null;
  lastSeen: string | null;
  /** Occurrences per hour over the span, when the span is known. */
  perHour: number | null;
}

/** One EOF event on the timeline (times in ms since the first event, so no zone is needed). */
export interface TimelineEvent {
  offsetMs: number;
  /** Seconds into the reconcile period, 0 ≤ phase < period. */
  phaseSeconds: number;
  pod: string | null;
  /** 'unexpected EOF' (truncated) or 'EOF' (empty). */
  kind: 'EOF' | 'unexpected EOF';
  file: string;
  line: number;
}

export interface Timeline {
  periodSeconds: number;
  /** Wall time of the first event as written (node-local unless a zone is known). */
  start: string | null;
  spanMs: number;
  events: TimelineEvent[];
  /** The reconcile ticks' phase, when the kubelet logged its cpu-manager start; else the events' mean phase. */
  tickPhaseSeconds: number | null;
  tickPhaseFrom: 'kubelet start' | 'events' | null;
  /** Counts of events per 0.5 s bin of the period (phase histogram). */
  histogram: number[];
  rayleigh: { n: number; meanResultant: number; z: number; p: number } | null;
}

export interface Hypothesis {
  cause: string;
  confidence: number;
}

export interface Verdict {
  cause: string;
  confidence: number;
  summary: string;
  evidence: Evidence[];
}

export interface FixOption {
  title: string;
  how: string;
  tradeoffs: string;
}

export interface Diagnosis {
  verdict: Verdict;
  hypotheses: Hypothesis[];
  clusters: Cluster[];
  timeline: Timeline | null;
  fixes: FixOption[];
  /** How klog/journald times were placed on the same clock as zoned logs, in words. */
  clock: string;
  inputs: { files: number; lines: number };
}
