import type { ValidateFunction } from 'ajv';
import { newAjv } from '../lazy';
import builtIn from '../knowledge/catalog.json';
import schema from '../knowledge/catalog.schema.json';
import { regexHazard } from './safeRegex';
import type { Signature } from './types';

// Compiling the schema costs ~60 ms, a tenth of a CLI run on a 512 MB log: it is compiled only when
// there are user signatures to check. The built-in catalog is checked against it by a unit test.
let validators: { catalog: ValidateFunction<{ signatures: Signature[] }>; signature: ValidateFunction<Signature> } | undefined;
function validate() {
  if (!validators) {
    const ajv = newAjv();
    validators = { catalog: ajv.compile(schema), signature: ajv.compile({ ...schema.definitions.signature, definitions: schema.definitions }) };
  }
  return validators;
}

/** Validates a whole catalog document against the schema (for tests and catalog files). */
export function catalogErrors(doc: unknown): string | null {
  const v = validate().catalog;
  return v(doc) ? null : describeErrors(v.errors);
}

/** A signature ready to match: its regular expressions compiled once. */
export interface CompiledSignature {
  def: Signature;
  regexes: RegExp[];
  /** Where it came from: 'built-in' or the setting / file that added it. */
  origin: string;
}

/** A signature the user supplied that cannot be used, and why — shown to them, never thrown. */
export interface SignatureProblem {
  origin: string;
  id: string | null;
  message: string;
}

function compile(def: Signature, origin: string): { compiled?: CompiledSignature; problem?: SignatureProblem } {
  const regexes: RegExp[] = [];
  for (const p of def.patterns) {
    const hazard = regexHazard(p);
    if (hazard) return { problem: { origin, id: def.id, message: `pattern /${p}/ rejected: ${hazard}` } };
    try {
      regexes.push(new RegExp(p, def.flags ?? ''));
    } catch (e) {
      return { problem: { origin, id: def.id, message: `pattern /${p}/ is not a valid regular expression: ${(e as Error).message}` } };
    }
  }
  return { compiled: { def, regexes, origin } };
}

function describeErrors(errors: ValidateFunction['errors']): string {
  return (errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}`).join('; ');
}

/** Lines that name one event by its id (catalog.json keyedEvents), compiled. */
export interface KeyedEvent {
  id: string;
  literal: string;
  key: RegExp;
  maxLines: number;
}

/** The catalog's keyed events (an exec's id): built-in knowledge, not user-configurable. */
export const KEYED_EVENTS: readonly KeyedEvent[] = (builtIn.keyedEvents ?? []).map((e) => ({ id: e.id, literal: e.literal, key: new RegExp(e.key), maxLines: e.maxLines }));

/** The catalog shipped with Runtime Lens (schema-checked by the unit tests); bad patterns throw. */
export function builtInSignatures(): CompiledSignature[] {
  return (builtIn.signatures as Signature[]).map((def) => {
    const r = compile(def, 'built-in');
    if (!r.compiled) throw new Error(`built-in signature ${def.id}: ${r.problem!.message}`);
    return r.compiled;
  });
}

/**
 * Adds user signatures (from the `runtimeLens.signatures` setting or a file) in front of the built-in
 * ones, so a user can refine a built-in by reusing its id. Invalid entries are skipped and reported.
 */
export function withUserSignatures(
  base: CompiledSignature[],
  user: unknown,
  origin: string,
): { signatures: CompiledSignature[]; problems: SignatureProblem[] } {
  const problems: SignatureProblem[] = [];
  if (user === undefined || user === null) return { signatures: base, problems };
  if (!Array.isArray(user)) return { signatures: base, problems: [{ origin, id: null, message: 'expected an array of signatures' }] };
  const added: CompiledSignature[] = [];
  for (const entry of user) {
    const id = entry && typeof entry === 'object' && typeof (entry as { id?: unknown }).id === 'string' ? (entry as { id: string }).id : null;
    const check = validate().signature;
    if (!check(entry)) {
      problems.push({ origin, id, message: describeErrors(check.errors) });
      continue;
    }
    const r = compile(entry, origin);
    if (r.problem) problems.push(r.problem);
    else added.push(r.compiled!);
  }
  const overridden = new Set(added.map((s) => s.def.id));
  return { signatures: [...added, ...base.filter((s) => !overridden.has(s.def.id))], problems };
}
