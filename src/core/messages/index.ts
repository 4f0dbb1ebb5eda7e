import { newAjv } from '../lazy';
import type { ProgramId } from '../signatures/types';
import type { MessageEntry, MessageIndex } from './types';

/**
 * Checks a message index against its schema and what the schema cannot say: every entry's program has
 * a tag list and its version ranges are ascending, disjoint and inside it. A broken index is a
 * generator defect, so this throws rather than recognising with half of it.
 */
export function validateMessageIndex(data: unknown, schema: object): MessageIndex {
  const validate = newAjv().compile<MessageIndex>(schema);
  if (!validate(data)) throw new Error(`messages.json is invalid: ${(validate.errors ?? []).slice(0, 5).map((e) => `${e.instancePath} ${e.message}`).join('; ')}`);
  const index = data as MessageIndex;
  index.entries.forEach((e, i) => {
    const tags = index.generated.programs[e.program]?.tags;
    if (!tags) throw new Error(`messages.json: entry ${i} (${e.program}) names a program with no tag list`);
    let previous = -2;
    for (const [first, last] of e.versions) {
      if (first <= previous + 1 || last < first || last >= tags.length) throw new Error(`messages.json: entry ${i} (${e.program} ${JSON.stringify(e.format)}) has version range [${first}, ${last}] outside, overlapping or touching another (${tags.length} tags)`);
      previous = last;
    }
  });
  return index;
}

let loaded: MessageIndex | undefined;
let unchecked: MessageIndex | undefined;

/**
 * The index shipped with Runtime Lens. Required on first use rather than imported: it is the largest
 * data file, and only recognition of an unclassified runtime error needs it. `check: false` skips the
 * schema check (compiling the schema and walking 9,000 entries is a quarter of a second, a third of the
 * CLI's time on a 512 MiB log): recognition takes the shipped file as the unit tests have checked it.
 */
export function loadMessageIndex(options: { check?: boolean } = {}): MessageIndex {
  if (loaded) return loaded;
  const { shipped } = require('./shipped') as typeof import('./shipped');
  if (options.check === false) {
    unchecked ??= shipped.data as MessageIndex;
    return unchecked;
  }
  loaded = validateMessageIndex(shipped.data, shipped.schema);
  return loaded;
}

/** A tag as people write the version: `v1.1.15` → `1.1.15`, `docker-v29.0.1` → `29.0.1`, `v18.06.3-ce` → `18.06.3-ce`. */
export function versionLabel(tag: string): string {
  return tag.replace(/^(?:[a-z]+-)?v(?=\d)/, '');
}

/** The versions of an entry in words: `1.0.0-rc1–1.0.0-rc10, 1.1.0–1.1.15`; one version alone when a range has one. */
export function versionRange(index: MessageIndex, entry: MessageEntry): string {
  const tags = index.generated.programs[entry.program]?.tags ?? [];
  return entry.versions
    .map(([first, last]) => {
      const a = versionLabel(tags[first] ?? `#${first}`);
      return first === last ? a : `${a}–${versionLabel(tags[last] ?? `#${last}`)}`;
    })
    .join(', ');
}

/** Whether the entry's text exists in that version (a tag of its program). */
export function hasVersion(index: MessageIndex, entry: MessageEntry, tag: string): boolean {
  const at = index.generated.programs[entry.program]?.tags.indexOf(tag) ?? -1;
  return at >= 0 && entry.versions.some(([first, last]) => first <= at && at <= last);
}

const byProgram = new WeakMap<MessageIndex, Map<ProgramId, MessageEntry[]>>();

/** The entries of one program, in the index's order (format, then kind, level, keys). */
export function entriesOf(index: MessageIndex, program: ProgramId): MessageEntry[] {
  let groups = byProgram.get(index);
  if (!groups) {
    groups = new Map();
    for (const e of index.entries) {
      const list = groups.get(e.program) ?? [];
      list.push(e);
      groups.set(e.program, list);
    }
    byProgram.set(index, groups);
  }
  return groups.get(program) ?? [];
}
