import { nodeOf } from '../logs/nodes';
import { findingAt, forEachInOrder, setsOf } from '../signatures/occurrences';
import type { Recognition } from '../signatures/recognise';
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
  };
}

/** Output is handed to `write` in pieces of about this many characters. */
const PIECE = 1 << 20;

/**
 * `diagnose --json`'s document, written as it is made: `findings` first, every occurrence of every
 * recognition in input order, each turned into JSON on its own and written in pieces of about a
 * megabyte; then the members of `rest` in their order. No object of every finding and no string of
 * the whole document is ever built. The bytes are those of `JSON.stringify({ findings, ...rest }, null, 2)`
 * followed by a newline.
 */
export function writeDiagnosisJson(write: (s: string) => void, recognitions: readonly Recognition[], clock: Clock, rest: Record<string, unknown>): void {
  let buffer = '{\n  "findings": [';
  let first = true;
  for (const r of recognitions) {
    forEachInOrder(setsOf(r), (set, i) => {
      // Indented as a member of an array that is itself a member: strings in JSON hold no raw newline.
      buffer += `${first ? '' : ','}\n    ${JSON.stringify(findingJson(placeFinding(findingAt(set, i), clock), clock), null, 2).replace(/\n/g, '\n    ')}`;
      first = false;
      if (buffer.length >= PIECE) {
        write(buffer);
        buffer = '';
      }
    });
  }
  buffer += first ? ']' : '\n  ]';
  const tail = JSON.stringify(rest, null, 2);
  // `rest` as members of the same object: its own braces dropped.
  buffer += tail === '{}' ? '\n}\n' : `,\n${tail.slice(2)}\n`;
  write(buffer);
}
