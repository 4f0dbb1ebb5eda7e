import * as path from 'node:path';
import { newAjv } from '../lazy';
import type { ProjectRoot } from '../sources/roots';
import data from '../knowledge/programs.json';
import schema from '../knowledge/programs.schema.json';

export interface ComponentSpec {
  title: string;
  depth: number;
}

export interface ProgramSpec {
  component: string;
  dirs?: string[];
  parts?: Record<string, string>;
}

export interface Programs {
  components: Record<string, ComponentSpec>;
  projects: Record<string, ProgramSpec>;
}

/** The program table shipped with Runtime Lens, validated against its schema (a broken one is a build defect). */
export function loadPrograms(): Programs {
  const validate = newAjv().compile<Programs>(schema);
  if (!validate(data)) throw new Error(`programs.json is invalid: ${(validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`).join('; ')}`);
  const programs = data as Programs;
  for (const [project, spec] of Object.entries(programs.projects)) {
    for (const c of [spec.component, ...Object.values(spec.parts ?? {})]) {
      if (!programs.components[c]) throw new Error(`programs.json: ${project} names unknown component ${c}`);
    }
  }
  return programs;
}

/** The program a file of a project copy is compiled into: the longest matching part, else the project's own. */
export function componentOf(programs: Programs, copy: ProjectRoot, file: string): string {
  const spec = programs.projects[copy.project]!;
  const rel = path.relative(copy.dir, file).split(path.sep).join('/');
  let best = '';
  let component = spec.component;
  for (const [prefix, c] of Object.entries(spec.parts ?? {})) {
    if ((rel === prefix || rel.startsWith(`${prefix}/`)) && prefix.length > best.length) {
      best = prefix;
      component = c;
    }
  }
  return component;
}
