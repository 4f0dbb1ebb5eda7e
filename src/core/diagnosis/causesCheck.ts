import { newAjv } from '../lazy';
import type { CauseCatalog } from './causes';
import schema from '../knowledge/causes.schema.json';

// Apart from causes.ts, which the webview's type-check reaches through the panel protocol: this check
// needs Ajv (and node), the catalog's own data does not.

/** Validates a cause catalog against its schema, and that every cause only names observations the catalog defines. */
export function causeCatalogErrors(doc: unknown): string | null {
  const validate = newAjv().compile(schema);
  if (!validate(doc)) return (validate.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}`).join('; ');
  const c = doc as unknown as CauseCatalog;
  const known = new Set(c.observations.map((o) => o.id));
  const problems: string[] = [];
  for (const cause of c.causes) {
    for (const id of Object.keys(cause.evidence)) if (!known.has(id)) problems.push(`cause ${cause.id} names unknown observation ${id}`);
  }
  const ids = c.causes.map((x) => x.id);
  if (new Set(ids).size !== ids.length) problems.push('duplicate cause ids');
  return problems.length ? problems.join('; ') : null;
}
