import { newAjv } from '../lazy';
import atlasData from '../knowledge/atlas.json';
import schema from '../knowledge/atlas.schema.json';
import type { Atlas } from './types';

/** The chain atlas shipped with Runtime Lens, validated against its schema (a broken one is a build defect). */
export function loadAtlas(): Atlas {
  const validate = newAjv().compile<Atlas>(schema);
  if (!validate(atlasData)) {
    throw new Error(`chain atlas is invalid: ${(validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`).join('; ')}`);
  }
  const atlas = atlasData as Atlas;
  for (const [name, chain] of Object.entries(atlas.chains)) {
    for (const hop of chain.hops) {
      for (const loc of [hop.at, ...(hop.alternates ?? [])]) {
        const project = loc.project ?? hop.project;
        if (!atlas.projects[project]) throw new Error(`chain atlas: hop ${hop.id} in ${name} names unknown project ${project}`);
      }
    }
  }
  return atlas;
}

/**
 * The shipped atlas as data, without the schema compile (tens of milliseconds): for reading which stack a
 * node runs and which chains it takes, which the panel does on every diagnosis. The unit tests and
 * `npm run knowledge:check` validate the same file; the trace itself uses `loadAtlas()`.
 */
export function atlasUnchecked(): Atlas {
  return atlasData as Atlas;
}
