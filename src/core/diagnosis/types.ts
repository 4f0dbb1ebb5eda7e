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
  /** The files of a `runtime-lens collect` bundle that would answer it. */
  collected?: string[];
  /** Whether (and how) the user can answer it by hand in the panel. */
  ask?: Question;
  /** For a repeated experiment (the reproduce lab): how many attempts the result rests on. */
  attempts?: number;
  /** Views of this observation beyond its one line (a timeline, a source check), rendered by kind. */
  attachments?: Attachment[];
}

/**
 * What an observation shows beyond true/false, typed so the panel, the report and the Call Path view
 * render it by its kind and never by the observation or cause it came from.
 */
export type Attachment = PhaseTimelineAttachment | SourceCheckAttachment | ChainNodeAttachment;

/** Failures set against a periodic process: when each fell, and at which phase of the period. */
export interface PhaseTimelineAttachment {
  kind: 'phase-timeline';
  /** What the events are, e.g. "EOF failures", and what the period is, e.g. "the cpu-manager reconcile". */
  events: string;
  period: string;
  timeline: Timeline;
}

/**
 * What the user's Go sources say about one function, and whether that speaks for the node: only when
 * the sources are the version the node runs (from the input) is it weighed.
 */
export interface SourceCheckAttachment {
  kind: 'source-check';
  /** The function read, e.g. "saveState", and its program. */
  subject: string;
  program: string;
  /** What the sources do, in a few words; `holds` is the observation as the sources state it. */
  reading: string;
  holds: boolean | null;
  file?: string;
  line?: number;
  sourcesVersion: string | null;
  nodeVersion: string | null;
  /** True when the sources are the node's version, so the reading is the node's evidence. */
  weighed: boolean;
  /** Why it is weighed or not, in words ("your sources are runc 1.1.5; the node runs 1.0.0-rc6"). */
  why: string;
}

/** A node the Call Path view adds at the end of chains: where they meet (a file both sides use). */
export interface ChainNodeAttachment {
  kind: 'chain-node';
  label: string;
  /** By chain id: what happens there on that chain. Chains not listed get no node. */
  chains: Record<string, string>;
  /** Markdown. */
  tooltip: string;
}

/**
 * A question the panel asks when the logs are silent; the answer enters as the observation's answer.
 * `fact` is `observation:<id>`, or `timeZone` for the clock.
 */
export interface Question {
  fact: AnswerKey;
  prompt: string;
  /** Fixed choices, or free text when absent. */
  choices?: { value: string; label: string }[];
  placeholder?: string;
}

/**
 * A person's answer to one observation: yes/no, a value read on the node (a runc version, a reconcile
 * period), or the reproduce lab's outcome. Each observation reads its own (observations/).
 */
export type ObservationAnswer = boolean | number | string | ReproduceOutcome;

/** What a person supplies when the inputs lack it: answers by observation id, the clock's zone, and the cause settled on. */
export interface UserFacts {
  /** By observation id of the cause catalog. */
  observations?: Record<string, ObservationAnswer>;
  /** Zone of klog/journald times, e.g. "+08:00" or "Asia/Shanghai". */
  timeZone?: string;
  /** The cause the user settled on in the panel: it becomes the verdict, marked as settled by hand. */
  settledCause?: string;
}

export type AnswerKey = 'timeZone' | `observation:${string}`;

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
  /** The files of a `runtime-lens collect` bundle that would answer it. */
  collected?: string[];
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
  confirm: { scenario: Scenario; command: string; observation: string | null } | null;
  /** The observations the catalog weighs it on. */
  observations: string[];
  /** The cause outside the catalog (it may print any error: `otherSignatures`), not a documented one. */
  outside?: boolean;
}

/** One node of the fleet: its failures, its runc, and its own leading cause. */
export interface NodeSummary {
  node: string;
  failures: number;
  signatures: string[];
  runc: string | null;
  cause: string;
  /** The posterior of its leading cause (numbers.ts), which `cause` is unless it is `unknown`. */
  confidence: number;
  leader: string | null;
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
  /**
   * The posterior of the cause the verdict names — for `unknown`, of the leading cause — capped at 0.97
   * (no log proves a cause); 1 for `none`. The one number the CLI, the panel and the report show (numbers.ts).
   */
  confidence: number;
  summary: string;
  evidence: Evidence[];
  /** Present when a person settled on the cause: what the evidence alone said. */
  settled?: { by: 'hand'; evidenceCause: string; evidenceConfidence: number; leader: string };
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
  fixes: FixOption[];
  /** How klog/journald times were placed on the same clock as zoned logs, in words. */
  clock: string;
  /**
   * What was read: files; lines of the inputs read as lines (logs, journal exports); events of kubectl
   * event lists, whose own lines say nothing of their size (a compact list is one line).
   */
  inputs: { files: number; lines: number; events: number };
  /** Per (node, container, family), each ranked on its own. */
  groups: DiagnosisGroup[];
  /** The distinct causes found, with the groups each explains (--json `causes`). */
  explained: CauseSpan[];
  /** Per node, each cause its groups settle on (groups still unknown count under `unknown`): the fleet view's and the report's lines. */
  byNode: NodeCause[];
}
