import type { ReproduceOutcome, Scenario } from '../reproduce/types';
import type { InnermostError } from '../signatures/types';

/**
 * The diagnosis as data: what the evidence engine returns, what the CLI prints as JSON and what the
 * diagnosis panel renders. Pure types; no vscode.
 */

/**
 * Evidence ids: the contract's (../shared/contract.md: eof-errors-present, reconcile-aligned,
 * cpu-manager-static, runc-before-fix, runc-savestate-atomic, fifo-closed-nearby) and every other
 * observation of the cause catalog (causes.json).
 */
export type EvidenceId = string;

/** Where a fact came from: the logs and files given, the Go sources, the user's answer, or the reproduce lab run here. */
export type FactSource = 'logs' | 'sources' | 'user' | 'default' | 'measured';

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
  /** For a repeated experiment (the reproduce lab): how many attempts the result rests on. */
  attempts?: number;
}

/**
 * A question the panel asks when the logs are silent; the answer enters as a user fact. `fact` is a
 * UserFacts key, or `observation:<id>` for a yes/no answer to a catalog observation.
 */
export interface Question {
  fact: AnswerKey;
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
  /** Yes/no answers to the catalog's observations, by observation id. */
  observations?: Record<string, boolean>;
  /** The cause the user settled on in the panel: the fixes follow it. */
  settledCause?: string;
}

/** The simple answers the panel sends as text (the reproduce results and settled cause have messages of their own). */
export type SimpleFact = 'cpuManagerPolicy' | 'runcVersion' | 'reconcilePeriodSeconds' | 'timeZone';
export type AnswerKey = SimpleFact | `observation:${string}`;

/** One observation's weight on one cause, as the ranking used it. */
export interface Contribution {
  id: string;
  kind: 'signature' | 'evidence';
  title: string;
  holds: boolean | null;
  /** Likelihood ratio applied: > 1 speaks for the cause, < 1 against. */
  lr: number;
  why: string;
}

export interface RankedCause {
  cause: string;
  title: string;
  posterior: number;
  for: Contribution[];
  against: Contribution[];
}

/** The question whose answer would best separate the leading causes. */
export interface NextQuestion {
  observation: string;
  prompt: string;
  yes: string;
  no: string;
  check?: string;
  /** Expected information gain, in bits. */
  gain: number;
  /** Which cause would lead after each answer. */
  ifYes: string;
  ifNo: string;
}

/** A cause of the catalog as the panel and the report show it beside the ranking. */
export interface CauseInfo {
  id: string;
  title: string;
  summary: string;
  versions: string;
  check: string;
  references: { repo: string; number: number; title: string }[];
  fixes: FixOption[];
  /** The reproduce scenario that confirms it on the node, with the command to run there. */
  confirm: { scenario: Scenario; command: string } | null;
  /** The observations the catalog weighs it on. */
  observations: string[];
}

/** One node of the fleet: its failures, its runc, and its own leading cause. */
export interface NodeSummary {
  node: string;
  failures: number;
  signatures: string[];
  runc: string | null;
  cause: string;
  confidence: number;
}

/** Findings of one signature for one pod/container (or without a pod), across files. */
export interface Cluster {
  signature: string;
  title: string;
  node: string | null;
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
  /** The period the phases are shown in: the nominal one, or the sliding one that fitted best. */
  fittedPeriodSeconds: number;
  /** Wall time of the first event as written (node-local unless a zone is known). */
  start: string | null;
  spanMs: number;
  events: TimelineEvent[];
  /** The reconcile ticks' phase, when the kubelet logged its cpu-manager start; else the events' mean phase. */
  tickPhaseSeconds: number | null;
  tickPhaseFrom: 'kubelet start' | 'events' | null;
  /** Counts of events per twentieth of the fitted period (phase histogram). */
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

/**
 * The findings of one node, one container and one error family (the signature, or for `runtime-error`
 * the innermost error), ranked on their own: one input can hold several causes (contract: groups).
 */
export interface DiagnosisGroup {
  /** Stable across runs on the same input: built from node, container and family. */
  id: string;
  node: string | null;
  /** The container's id or name, when the findings name one. */
  container: string | null;
  pod: string | null;
  signature: string;
  /** The signature, or `innermost:<operation>:<errno>` for unclassified runtime errors. */
  family: string;
  count: number;
  innermost: InnermostError | null;
  /** The innermost program's own words around it (the last layer no kernel wrote), for what to search upstream. */
  printedBy: { program: string; text: string; versions: string | null; where: string | null } | null;
  verdict: { cause: string; confidence: number };
  hypotheses: Hypothesis[];
  /** The evidence for and against the group's leading cause, as its own ranking weighed it (the panel shows it per group). */
  for: Contribution[];
  against: Contribution[];
}

/** What one cause explains on one node: "node-a: the state race (47 × OCI exec EOF)". */
export interface NodeCause {
  node: string | null;
  cause: string;
  /** Failures of the groups it explains there. */
  count: number;
  /** Failure-weighted confidence of those groups' verdicts. */
  confidence: number;
  /** The errors with their counts, "45 × OCI exec EOF" (the innermost error for errors no signature covers). */
  errors: string[];
  groups: string[];
}

/** One distinct cause of the input and the groups it explains (contract: causes). */
export interface CauseSpan {
  cause: string;
  groups: string[];
  count: number;
}

export interface FixOption {
  title: string;
  how: string;
  tradeoffs: string;
}

export interface Diagnosis {
  verdict: Verdict;
  hypotheses: Hypothesis[];
  /** Every cause, ranked, with the evidence for and against it. */
  ranked: RankedCause[];
  /** Catalog details of the ranked causes, by id. */
  causes: Record<string, CauseInfo>;
  /** The question that would best separate the leaders, when they are close. */
  question: NextQuestion | null;
  /** The cause the fixes are for: the settled one, else the verdict's, else the leader's. */
  fixesFor: string | null;
  /** Per node, when the input names more than one. */
  fleet: NodeSummary[];
  clusters: Cluster[];
  timeline: Timeline | null;
  fixes: FixOption[];
  /** How klog/journald times were placed on the same clock as zoned logs, in words. */
  clock: string;
  inputs: { files: number; lines: number };
  /** Per (node, container, family), each ranked on its own. */
  groups: DiagnosisGroup[];
  /** The distinct causes found, with the groups each explains (--json `causes`). */
  explained: CauseSpan[];
  /** Per node, each cause its groups settle on (groups still unknown count under `unknown`): the fleet view's and the report's lines. */
  byNode: NodeCause[];
}
