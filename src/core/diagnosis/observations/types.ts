import type { NodeFact } from '../../logs/facts';
import type { Say } from '../../l10n';
import type { SaveStateFact } from '../../trace/facts';
import type { ObservationDef } from '../causes';
import type { Clock, PlacedFinding } from '../clock';
import type { Evidence, ObservationAnswer, Question } from '../types';

/**
 * What an observation is read from: the findings and facts of one node (or the whole input), on one
 * clock, the Go sources' saveState, and every answer a person gave. `def` is the observation's entry of
 * the cause catalog, with the parameters its reader takes from the data (the signatures it reads).
 */
export interface ObservationContext {
  def: ObservationDef;
  placed: PlacedFinding[];
  /**
   * The components of every finding of the scope: `placed` holds only the findings some reader weighs
   * one by one (the diagnosis keeps the rest as OccurrenceSets); unset, the placed findings' own.
   */
  components?: Set<string>;
  facts: NodeFact[];
  /** Every file of the input, with or without findings (a kernel log with no OOM kill still counts). */
  files: string[];
  clock: Clock;
  saveState: SaveStateFact | null;
  /** The runtime exec failures: the signatures some cause of the catalog prints. */
  failures: Set<string>;
  /** Every answer, by observation id: a reader may use another's (the saveState check, the runc version typed for runc-before-fix). */
  answers: Readonly<Record<string, ObservationAnswer>>;
  /** How the user of this front end sets the zone (`--tz`, or the extension's setting): named where a reader lacks one. */
  setZone?: string;
  /** The details' words in the reader's language (English unless the front end gives its own). */
  say: Say;
  /** Computed once per assessment and shared by readers: the EOF events are timed once for the phase test and the fifo check. */
  once<T>(key: string, make: () => T): T;
  /**
   * When one error family is assessed on its own (a group of the diagnosis): its failures and what to
   * call them. The alignment is then tested on that family's failures, whatever they print.
   */
  family?: FamilyScope;
}

/** One error family's failures: which findings, and what to call them ("EOF", "\"Device access denied\" failure"). */
export interface FamilyScope {
  of: (p: PlacedFinding) => boolean;
  noun: string;
}

/**
 * One observation of the catalog: how it is read from the input and how it is asked. A yes/no answer
 * to the catalog's question is applied by the engine (observations/index.ts) to whatever `read`
 * returns; an answer of another kind (a version, a period, a lab result) is the reader's to use.
 */
export interface ObservationReader {
  read(ctx: ObservationContext): Evidence;
  /**
   * How the panel asks for it, when the catalog's yes/no question does not fit or is missing; null: not
   * asked. A typed answer is parsed by answers.ts before it reaches the reader.
   */
  ask?(ctx: ObservationContext, read: Evidence): Question | null;
}

/** The signatures a reader takes from its catalog entry (`params.signatures` or `params.near`). */
export function signaturesOf(def: ObservationDef, key: 'signatures' | 'near' = 'signatures'): Set<string> {
  return new Set(def.params?.[key] ?? []);
}

/** The catalog's own yes/no question for an observation, as the panel asks it. */
export function yesNo(def: ObservationDef): Question | null {
  if (!def.question) return null;
  return { fact: `observation:${def.id}`, prompt: def.question.prompt, choices: [{ value: 'yes', label: def.question.yes }, { value: 'no', label: def.question.no }] };
}

/** An entry built from the catalog's definition (for observations only a person can answer). */
export function entry(def: ObservationDef, holds: boolean | null, detail: string, source: Evidence['source']): Evidence {
  return { id: def.id, holds, detail, title: def.title, source, ...(def.check ? { check: def.check } : {}) };
}
