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
