import type { Scenario } from '../reproduce/types';
import catalogJson from '../knowledge/causes.json';
import { VERDICT_TITLES } from './numbers';
import type { FixOption } from './types';

/** Something the inputs (or the user) can show about the node: the "findings" of the differential. */
export interface ObservationDef {
  id: string;
  title: string;
  /** How often it holds among exec-probe failures in general (used to ask the most useful question). */
  background: number;
  check?: string;
  /** What its reader takes from the data: the signatures it reads, those it looks next to, the lab scenario. */
  params?: { signatures?: string[]; near?: string[]; scenario?: Scenario };
  /** The files of a `runtime-lens collect` bundle that answer it. */
  collected?: string[];
  question?: { prompt: string; yes: string; no: string };
}

export interface EvidenceWeight {
  holds: number;
  fails?: number;
  /** For a repeated experiment (the reproduce lab): the failure rate per attempt if this is the cause. */
  rateIfCause?: number;
  floor?: number;
  why: string;
}

export interface CauseDef {
  id: string;
  title: string;
  summary: string;
  prior: number;
  priorWhy: string;
  threshold?: number;
  signatures: Record<string, { lr: number; why: string }>;
  /** The ratio for a runtime exec error this cause does not list, instead of the catalog's signatureDefault. */
  otherSignatures?: { lr: number; why: string };
  evidence: Record<string, EvidenceWeight>;
  versions: string;
  check: string;
  reproduce?: Scenario;
  references: { repo: string; number: number; title: string }[];
  fixes: FixOption[];
}

export interface CauseCatalog {
  signatureDefault: { lr: number; why: string };
  margin: number;
  observations: ObservationDef[];
  causes: CauseDef[];
}

/** The catalog shipped with Runtime Lens (schema-checked by the unit tests, like the signature catalog). */
export const CAUSES: CauseCatalog = catalogJson as unknown as CauseCatalog;

/** Titles of every cause, plus the two verdicts that are not causes. */
export const CAUSE_TITLES: Record<string, string> = {
  ...Object.fromEntries(CAUSES.causes.map((c) => [c.id, c.title])),
  ...VERDICT_TITLES,
};

/** Signatures that some cause prints: the runtime exec errors the differential explains (look-alikes are not among them). */
export function execFailureSignatures(catalog: CauseCatalog = CAUSES): Set<string> {
  return new Set(catalog.causes.flatMap((c) => Object.keys(c.signatures)));
}
