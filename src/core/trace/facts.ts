import * as path from 'node:path';
import type { Tracer } from './resolve';
import type { Chain, Hop } from './types';

/** The hop whose body decides how runc writes state.json. */
export const SAVE_STATE_HOP = 'runc.libcontainer.linuxcontainer.savestate';

/** What the sources say about runc's state.json write (evidence `runc-savestate-atomic`). */
export interface SaveStateFact {
  /** true: temp file + rename (runc PR #2467, v1.0.0-rc91+); false: written in place; null: unknown. */
  atomic: boolean | null;
  detail: string;
  hop: Hop | null;
}

/**
 * Decides from the resolved saveState body: a temp file (os.CreateTemp / ioutil.TempFile) followed by
 * a rename is the fix; creating or truncating the state file and writing JSON into it is the race.
 */
export function saveStateFact(tracer: Tracer, chains: Record<string, Chain>): SaveStateFact {
  const hop = Object.values(chains)
    .flatMap((c) => c.hops)
    .find((h) => h.id === SAVE_STATE_HOP);
  if (!hop?.resolved || !hop.file || !hop.line) {
    return { atomic: null, detail: "runc's saveState is not in the given sources, so how it writes state.json is unknown", hop: hop ?? null };
  }
  const decl = tracer.declAt(hop.file, hop.line);
  const where = `${path.basename(hop.file)}:${hop.line}${hop.root?.version ? ` (runc ${hop.root.version})` : ''}`;
  if (!decl) return { atomic: null, detail: `could not read saveState at ${where}`, hop };
  const calls = decl.events.filter((e) => e.kind === 'call');
  const line = (names: string[]) => calls.find((c) => names.includes(c.text))?.line;
  const temp = line(['CreateTemp', 'TempFile']);
  const rename = line(['Rename']);
  const atomicHelper = calls.find((c) => /atomic/i.test(c.text));
  if ((temp && rename) || atomicHelper) {
    const how = atomicHelper ? `via ${atomicHelper.text} (line ${atomicHelper.line})` : `temp file at line ${temp}, rename at line ${rename}`;
    return { atomic: true, detail: `saveState at ${where} writes a temp file and renames it over state.json (${how}): the fix of runc PR #2467`, hop };
  }
  const create = line(['Create', 'OpenFile', 'WriteFile']);
  if (create) {
    return { atomic: false, detail: `saveState at ${where} writes state.json in place (line ${create}) without a rename: a concurrent runc exec can read it empty or half-written`, hop };
  }
  return { atomic: null, detail: `saveState at ${where} neither renames a temp file nor creates the state file itself; how it writes is unclear`, hop };
}
