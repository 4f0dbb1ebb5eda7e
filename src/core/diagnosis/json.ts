import { nodeOf } from '../logs/nodes';
import { findingAt, forEachInOrder, setsOf } from '../signatures/occurrences';
import type { Recognition } from '../signatures/recognise';
import type { ErrorAnatomy, OccurrenceSet, OccurrenceStore } from '../signatures/types';
import { type Clock, type PlacedFinding, placeFinding } from './clock';
import { findingTimes } from './diagnose';

/** The contract's JSON for one finding (../shared/contract.md), plus namespace, node and count; times on the diagnosis's clock. */
export function findingJson(p: PlacedFinding, clock: Clock) {
  const f = p.finding;
  return {
    file: f.file,
    line: f.line,
    signature: f.signature,
    ...findingTimes(p, clock),
    pod: f.record.pod,
    namespace: f.record.namespace,
    container: f.record.container,
    count: f.record.count,
    node: nodeOf(f),
    text: f.text,
    // A runtime error's wrappings, innermost error and the versions its wording holds (contract, turn 3).
    ...(f.anatomy ? { layers: f.anatomy.layers, innermost: f.anatomy.innermost, versions: f.anatomy.versions } : {}),
    // The other lines of the same event (a kernel OOM report, one exec logged twice): one finding, not several.
    ...(f.related?.length ? { related: f.related } : {}),
  };
}

/**
 * The members after `text` of an occurrence's finding (findingJson's anatomy and related lines), as
 * JSON at a finding's depth: an anatomy is written once per distinct one and reused.
 */
function extrasJson(s: OccurrenceStore, k: number, anatomies: Map<ErrorAnatomy, string>): string {
  const a = s.anatomyIds[k]!;
  const related = s.related.get(k);
  if (a === 0 && !related?.length) return '';
  let out = '';
  if (a > 0) {
    const anatomy = s.anatomies[a - 1]!;
    let text = anatomies.get(anatomy);
    if (text === undefined) {
      const at = (v: unknown) => JSON.stringify(v, null, 2).replace(/\n/g, '\n      ');
      // As JSON.stringify writes findingJson's members: one left undefined is left out.
      text = (['layers', 'innermost', 'versions'] as const).map((key) => (anatomy[key] === undefined ? '' : `,\n      "${key}": ${at(anatomy[key])}`)).join('');
      anatomies.set(anatomy, text);
    }
    out += text;
  }
  if (related?.length) out += `,\n      "related": ${JSON.stringify(related, null, 2).replace(/\n/g, '\n      ')}`;
  return out;
}

/** Output is handed to `write` in pieces of about this many characters: small enough that a piece dies young (a megabyte of pieces outlived the young generation and filled the old one with garbage). */
const PIECE = 1 << 16;

/** An instant as the contract writes it (`isoMicros`), the date part reused while the second is the same. */
function isoWriter(): (epochMicros: number) => string {
  let second = NaN;
  let base = '';
  return (us) => {
    const s = Math.floor(us / 1_000_000);
    if (s !== second) {
      second = s;
      base = new Date(s * 1000).toISOString().slice(0, 19);
    }
    return `${base}.${String(us - s * 1_000_000).padStart(6, '0')}Z`;
  };
}

/** What every finding of a set writes alike, as JSON. */
interface SetJson {
  file: string;
  signature: string;
  tail: string;
}

/**
 * `diagnose --json`'s document, written as it is made: `findings` first, every occurrence of every
 * recognition in input order, each written out on its own in pieces of about a megabyte; then the
 * members of `rest` in their order. No object of every finding and no string of the whole document is
 * ever built. The bytes are those of `JSON.stringify({ findings, ...rest }, null, 2)` and a newline,
 * each finding being `findingJson` (the members every finding of a set shares are made once per set);
 * `rest` holds plain data (no toJSON).
 */
export function writeDiagnosisJson(write: (s: string) => void, recognitions: readonly Recognition[], clock: Clock, rest: Record<string, unknown>): void {
  let buffer = '{\n  "findings": [';
  let first = true;
  const iso = isoWriter();
  const perSet = new Map<OccurrenceSet, SetJson>();
  let anatomies = new Map<ErrorAnatomy, string>();
  const j = (v: unknown) => JSON.stringify(v);
  for (const r of recognitions) {
    perSet.clear();
    anatomies = new Map();
    forEachInOrder(setsOf(r), (set, i) => {
      let c = perSet.get(set);
      if (!c) {
        c = { file: j(set.file), signature: j(set.signature), tail: `"pod": ${j(set.pod)},\n      "namespace": ${j(set.namespace)},\n      "container": ${j(set.container)},\n      "count": ` };
        perSet.set(set, c);
      }
      const s = set.store;
      const k = set.start + i;
      const us = s.epochUs[k]!;
      let time: string;
      if (!Number.isNaN(us)) time = `"${iso(us)}"`;
      else {
        // No instant of its own: placed on the diagnosis's clock, or node-local.
        const t = findingTimes(placeFinding(findingAt(set, i), clock), clock);
        time = t.localTime !== undefined ? `${j(t.time)},\n      "localTime": ${j(t.localTime)}` : j(t.time);
      }
      buffer += `${first ? '' : ','}\n    {\n      "file": ${c.file},\n      "line": ${s.lines[k]},\n      "signature": ${c.signature},\n      "time": ${time},\n      ${c.tail}${s.counts[k]},\n      "node": ${j(set.node)},\n      "text": ${j(s.texts[k])}${extrasJson(s, k, anatomies)}\n    }`;
      first = false;
      if (buffer.length >= PIECE) {
        write(buffer);
        buffer = '';
      }
    });
  }
  buffer += first ? ']' : '\n  ]';
  // The other members, an array's items one at a time (an event list's clusters are as many as its pods).
  const indent = (text: string, by: string) => text.replace(/\n/g, `\n${by}`);
  for (const [key, value] of Object.entries(rest)) {
    if (value === undefined || typeof value === 'function') continue;
    buffer += `,\n  ${JSON.stringify(key)}: `;
    if (!Array.isArray(value) || value.length === 0) buffer += indent(JSON.stringify(value, null, 2), '  ');
    else {
      value.forEach((item, k) => {
        // JSON.stringify writes null for an item it cannot write (undefined, a function).
        buffer += `${k === 0 ? '[' : ','}\n    ${item === undefined || typeof item === 'function' ? 'null' : indent(JSON.stringify(item, null, 2), '    ')}`;
        if (buffer.length >= PIECE) {
          write(buffer);
          buffer = '';
        }
      });
      buffer += '\n  ]';
    }
  }
  write(`${buffer}\n}\n`);
}
