import { nodeOf } from '../logs/nodes';
import { findingAt, setsOf, storesInOrder } from '../signatures/occurrences';
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

/**
 * The findings' bytes, made in a buffer and handed on in pieces of PIECE. A cluster's event list has
 * hundreds of thousands of findings: made as strings, each finding was a dozen short-lived strings
 * joined into ropes that `write` then had to flatten and encode — most of the time of `--json`. Here
 * what a set's findings share is encoded once, a finding's own parts (line, time, count) are written as
 * digits, and each distinct text is encoded once.
 */
/** A piece's buffer: a piece and the finding that ends it (a larger finding grows it). */
const PIECE_ROOM = PIECE + 16 * 1024;

class ByteWriter {
  private buf = Buffer.allocUnsafe(PIECE_ROOM);
  private n = 0;

  /** Room for `m` more bytes: the buffer grows for a finding larger than it (pieces are cut between findings). */
  private room(m: number): void {
    if (this.n + m <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(2 * this.buf.length, this.n + m));
    this.buf.copy(bigger, 0, 0, this.n);
    this.buf = bigger;
  }

  bytes(b: Uint8Array): void {
    this.room(b.length);
    const buf = this.buf;
    let n = this.n;
    // Most parts are a few dozen bytes: a loop is cheaper than a native copy's call.
    if (b.length < 64) for (let j = 0; j < b.length; j++) buf[n++] = b[j]!;
    else {
      buf.set(b, n);
      n += b.length;
    }
    this.n = n;
  }

  byte(c: number): void {
    this.room(1);
    this.buf[this.n++] = c;
  }

  /** A non-negative integer in decimal, at least `width` digits (zeros in front). */
  int(x: number, width = 1): void {
    if (!Number.isSafeInteger(x) || x < 0) {
      this.bytes(Buffer.from(String(x), 'utf8'));
      return;
    }
    let digits = 1;
    for (let t = x; t >= 10; t = Math.floor(t / 10)) digits++;
    const w = Math.max(width, digits);
    this.room(w);
    const buf = this.buf;
    let at = this.n + w - 1;
    for (let k = 0; k < w; k++, x = Math.floor(x / 10)) buf[at--] = 0x30 + (x % 10);
    this.n += w;
  }

  /** Whether a PIECE is ready. */
  get full(): boolean {
    return this.n >= PIECE;
  }

  /**
   * What was written since the last `take`: a copy of the bytes (whole characters: only whole encodings
   * are written). Bytes, not a string: the output wants bytes, and decoding each piece only for stdout
   * to encode it again cost as much as making it.
   */
  take(): Buffer {
    // Handed over, not copied: a writer may hold it until its reader takes it (a pipe).
    const piece = this.buf.subarray(0, this.n);
    this.buf = Buffer.allocUnsafe(PIECE_ROOM);
    this.n = 0;
    return piece;
  }
}

const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');
const COMMA = utf8(',');
const FILE = utf8('\n    {\n      "file": ');
const LINE = utf8(',\n      "line": ');
const SIGNATURE = utf8(',\n      "signature": ');
const TIME = utf8(',\n      "time": ');
const POD = utf8(',\n      "pod": ');
const NAMESPACE = utf8(',\n      "namespace": ');
const CONTAINER = utf8(',\n      "container": ');
const COUNT = utf8(',\n      "count": ');
const NODE = utf8(',\n      "node": ');
const TEXT = utf8(',\n      "text": ');
const FINDING_END = utf8('\n    }');
const NULL = utf8('null');
/**
 * Distinct values (files, names, texts) whose encodings are kept. Kept per value, not per set: a list
 * can hold a set per event, but its names and texts repeat.
 */
const MAX_VALUES = 65536;

/** Writes findings as `findingJson` would, one occurrence at a time (a plain method: the hot loop of `--json`). */
class FindingWriter {
  /** No finding written yet. */
  none = true;
  private readonly values = new Map<string, Buffer>();
  private anatomies = new Map<ErrorAnatomy, string>();
  // The time's date and second, encoded once per second (the findings of a second share it).
  private second = NaN;
  private secondBytes = utf8('');
  // `value` for one member: the findings before often had the same (one file, one namespace…).
  private readonly file = this.member();
  private readonly signature = this.member();
  private readonly pod = this.member();
  private readonly namespace = this.member();
  private readonly container = this.member();
  private readonly node = this.member();

  constructor(
    private readonly out: ByteWriter,
    private readonly clock: Clock,
  ) {}

  /** A new file: anatomies are written once per file's store. */
  nextFile(): void {
    this.anatomies = new Map();
  }

  /** A string or null as JSON, encoded. */
  private value(v: string | null): Buffer {
    if (v === null) return NULL;
    let encoded = this.values.get(v);
    if (encoded === undefined) {
      encoded = utf8(JSON.stringify(v));
      if (this.values.size < MAX_VALUES) this.values.set(v, encoded);
    }
    return encoded;
  }

  private member(): (v: string | null) => Buffer {
    let last: string | null | undefined;
    let encoded: Buffer = NULL;
    return (v) => {
      if (v !== last) {
        last = v;
        encoded = this.value(v);
      }
      return encoded;
    };
  }

  /** Occurrence `k` of `set`'s store. */
  write(set: OccurrenceSet, k: number): void {
    const out = this.out;
    const s = set.store;
    if (!this.none) out.bytes(COMMA);
    this.none = false;
    out.bytes(FILE);
    out.bytes(this.file(set.file));
    out.bytes(LINE);
    out.int(s.lines[k]!);
    out.bytes(SIGNATURE);
    out.bytes(this.signature(set.signature));
    out.bytes(TIME);
    const us = s.epochUs[k]!;
    if (!Number.isNaN(us)) {
      // As isoMicros writes it: the whole second, then the fraction as six digits.
      const sec = Math.floor(us / 1_000_000);
      if (sec !== this.second) {
        this.second = sec;
        this.secondBytes = utf8(`"${new Date(sec * 1000).toISOString().slice(0, 19)}.`);
      }
      out.bytes(this.secondBytes);
      out.int(us - sec * 1_000_000, 6);
      out.byte(0x5a); // Z
      out.byte(0x22); // "
    } else {
      // No instant of its own: placed on the diagnosis's clock, or node-local.
      const j = (v: unknown) => JSON.stringify(v);
      const t = findingTimes(placeFinding(findingAt(set, k - set.start), this.clock), this.clock);
      out.bytes(utf8(t.localTime !== undefined ? `${j(t.time)},\n      "localTime": ${j(t.localTime)}` : j(t.time)));
    }
    out.bytes(POD);
    out.bytes(this.pod(set.pod));
    out.bytes(NAMESPACE);
    out.bytes(this.namespace(set.namespace));
    out.bytes(CONTAINER);
    out.bytes(this.container(set.container));
    out.bytes(COUNT);
    out.int(s.counts[k]!);
    out.bytes(NODE);
    out.bytes(this.node(set.node));
    out.bytes(TEXT);
    out.bytes(this.value(s.texts[k]!));
    const extras = extrasJson(s, k, this.anatomies);
    if (extras) out.bytes(utf8(extras));
    out.bytes(FINDING_END);
  }
}

/**
 * `diagnose --json`'s document, in pieces of about PIECE characters (the findings as UTF-8 bytes) as it is made: `findings` first,
 * every occurrence of every recognition in input order, then the members of `rest` in their order. No
 * object of every finding and no string of the whole document is ever built, and the next piece is
 * made only when the caller asks for it: a writer that must wait for its reader (a pipe to `jq`)
 * waits before asking, and what it holds stays one piece. The bytes are those of
 * `JSON.stringify({ findings, ...rest }, null, 2)` and a newline, each finding being `findingJson`;
 * `rest` holds plain data (no toJSON).
 */
export function* diagnosisJson(recognitions: readonly Recognition[], clock: Clock, rest: Record<string, unknown>): Generator<string | Buffer, void, undefined> {
  const out = new ByteWriter();
  out.bytes(utf8('{\n  "findings": ['));
  const findings = new FindingWriter(out, clock);
  for (const r of recognitions) {
    findings.nextFile();
    for (const { store, setAt } of storesInOrder(setsOf(r))) {
      const byOrder = store.byOrder;
      for (let o = 0; o < byOrder.length; o++) {
        const k = byOrder[o]!;
        const set = setAt[k];
        if (!set) continue;
        findings.write(set, k);
        if (out.full) yield out.take();
      }
    }
  }
  const first = findings.none;
  out.bytes(utf8(first ? ']' : '\n  ]'));
  yield out.take();
  let buffer = '';

  // The other members, an array's items one at a time (an event list's clusters are as many as its pods).
  const indent = (text: string, by: string) => text.replace(/\n/g, `\n${by}`);
  for (const [key, value] of Object.entries(rest)) {
    if (value === undefined || typeof value === 'function') continue;
    buffer += `,\n  ${JSON.stringify(key)}: `;
    if (!Array.isArray(value) || value.length === 0) buffer += indent(JSON.stringify(value, null, 2), '  ');
    else {
      for (let k = 0; k < value.length; k++) {
        const item: unknown = value[k];
        // JSON.stringify writes null for an item it cannot write (undefined, a function).
        buffer += `${k === 0 ? '[' : ','}\n    ${item === undefined || typeof item === 'function' ? 'null' : indent(JSON.stringify(item, null, 2), '    ')}`;
        if (buffer.length >= PIECE) {
          yield buffer;
          buffer = '';
        }
      }
      buffer += '\n  ]';
    }
  }
  yield `${buffer}\n}\n`;
}

/** `diagnosisJson` handed to a writer that takes what it is given at once (a string, a file opened for sync writes). */
export function writeDiagnosisJson(write: (s: string) => void, recognitions: readonly Recognition[], clock: Clock, rest: Record<string, unknown>): void {
  for (const piece of diagnosisJson(recognitions, clock, rest)) write(typeof piece === 'string' ? piece : piece.toString('utf8'));
}
