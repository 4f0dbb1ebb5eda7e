import * as fs from 'node:fs';
import * as path from 'node:path';
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
  return checkRanges(data as MessageIndex);
}

/** The checks the schema cannot make (cheap: one pass over the entries' ranges). */
export function checkRanges(index: MessageIndex): MessageIndex {
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

const loaded = new Map<string, MessageIndex>();

/** Where the bundles keep the index: copied next to the JavaScript by `npm run build:knowledge`. */
export function messageIndexBeside(dir: string): string {
  return path.join(dir, 'messages.json');
}

/**
 * Reads the index from a file, once per file. Not imported into the bundles: as a JavaScript literal its
 * 2 MB would be parsed at every start of the extension and the CLI (~50 ms) and evaluated in ~200 ms,
 * where reading and JSON.parse on first use costs ~40 ms, paid only when a line needs it. Its schema
 * is checked by the tests that re-derive it from the sources (a generated file cannot drift after the
 * build); only the ranges every lookup depends on are checked here. Throws with the file's name when it
 * is missing or broken.
 */
export function loadMessageIndex(file: string): MessageIndex {
  let index = loaded.get(file);
  if (!index) {
    let data: unknown;
    try {
      data = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (e) {
      throw new Error(`message index ${file} unreadable: ${e instanceof Error ? e.message : String(e)}`);
    }
    const entries = (data as { entries?: unknown } | null)?.entries;
    if (!Array.isArray(entries) || typeof (data as { generated?: { programs?: unknown } }).generated?.programs !== 'object') throw new Error(`message index ${file} is not one (no generated.programs or entries)`);
    index = checkRanges(data as MessageIndex);
    loaded.set(file, index);
  }
  return index;
}

/** A tag as people write the version: `v1.1.15` → `1.1.15`, `docker-v29.0.1` → `29.0.1`, `v18.06.3-ce` → `18.06.3-ce`. */
export function versionLabel(tag: string): string {
  return tag.replace(/^(?:[a-z]+-)?v(?=\d)/, '');
}

/** The versions of an entry in words: `1.0.0-rc1–1.0.0-rc10, 1.1.0–1.1.15`; one version alone when a range has one. */
export function versionRange(index: MessageIndex, entry: MessageEntry): string {
  const read = index.generated.programs[entry.program];
  const tags = read?.tags ?? [];
  return entry.versions
    .map(([first, last]) => {
      const a = versionLabel(tags[first] ?? `#${first}`);
      return (first === last ? a : `${a}–${versionLabel(tags[last] ?? `#${last}`)}`) + openEnd(read, last);
    })
    .join(', ');
}

/**
 * `+` after a range that ends at the newest version read of a program whose later releases were not
 * read (the kubelet's came from trees and vendored copies): `1.21.4–1.22.6+` is in 1.22.6 and, as far as
 * the index knows, may be in every kubelet since; without the `+` it would read as gone after 1.22.6.
 */
export function openEnd(read: { tags: string[]; laterUnread?: true } | undefined, last: number): string {
  return read?.laterUnread && last === read.tags.length - 1 ? '+' : '';
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
