/**
 * How a typed answer (not yes/no) is read, by observation id. Apart from the readers because the panel
 * protocol validates answers with it, and the webview's type-check reaches the protocol: no node
 * imports here.
 */
import type { CauseCatalog } from '../causes';
import type { ObservationAnswer } from '../types';

/** The cpu-manager reconcile period in seconds (reconcile-aligned tests the phases on it). */
function period(text: string): number | null {
  const n = Number(text.trim());
  return text.trim() !== '' && Number.isFinite(n) && n > 0 && n <= 3600 ? n : null;
}

/** The node's runc version as `runc --version` prints it (runc-before-fix judges it; the saveState check compares the sources with it). */
function version(text: string): string | null {
  const t = text.trim();
  return t !== '' && t.length <= 100 && t !== 'yes' && t !== 'no' ? t : null;
}

export const TYPED_ANSWERS: Readonly<Record<string, (text: string) => ObservationAnswer | null>> = {
  'reconcile-aligned': period,
  'runc-before-fix': version,
};

/**
 * A panel answer as the observation stores it: yes/no for its catalog question, else what its typed
 * reading accepts (a version, a period); null when it is neither.
 */
export function answerFrom(catalog: CauseCatalog, id: string, value: string): ObservationAnswer | null {
  const def = catalog.observations.find((o) => o.id === id);
  if (!def) return null;
  if (def.question && (value === 'yes' || value === 'no')) return value === 'yes';
  return TYPED_ANSWERS[id]?.(value) ?? null;
}
