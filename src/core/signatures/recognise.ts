import * as path from 'node:path';
import { EventSplit } from '../logs/eventSplit';
import { type EventEntry, type EventFormat, type EventSink, FIRST_SIGHT, JsonEventReader, eventListReader, looksLikeEventDocument } from '../logs/events';
import { FACT_NEEDLES, FactReader, type NodeFact } from '../logs/facts';
import { componentFromName, parseLine } from '../logs/formats';
import { BYTE_BUFFER, Cancelled, InputError, MAX_LINE, decodeLine, openLog, openLogBytes, openRaw, sniff } from '../logs/input';
import { type JournalEntry, JournalExportReader, looksLikeJournalExport, nodeOffsetMinutes } from '../logs/journald';
import { type ParallelOptions, ScanFailure, ScanPool } from '../logs/parallel';
import type { RangeResult } from '../logs/ranges';
import { ByteScanner, type LineVisitor, scanLines } from '../logs/scan';
import { type ResolvedTime, type TimeHints, type TimeOptions, resolveInstant, resolveTime } from '../logs/time';
import type { LogRecord, LogTime, Note } from '../logs/types';
import { type AnatomyReader, sharedAnatomyReader } from '../messages/anatomy';
import { KEYED_EVENTS } from './catalog';
import { type Matcher, RUNTIME_ERROR, type SignatureMatch, isRuntimeError } from './matcher';
import { OccurrenceBuilder, type SetHint, newSetHint, occurrenceSets } from './occurrences';
import type { ErrorAnatomy, Finding, OccurrenceSet, Signature } from './types';

export interface RecogniseOptions extends TimeOptions {
  matcher: Matcher;
  /** Told how many bytes of the file have been read so far (files only). */
  onProgress?: (bytesRead: number) => void;
  /** Stops the reading between chunks: the call then throws `Cancelled`. */
  signal?: AbortSignal;
  /**
   * false: keep the findings as OccurrenceSets only (`findings` stays empty), for inputs of any size
   * (the CLI, the diagnosis session). Default true: each Finding too, for an editor's document.
   */
  keepFindings?: boolean;
  /**
   * Splits the runtime errors found into their layers (Finding.anatomy). Only lines a signature
   * already matched reach it, once per distinct message. Default: the index shipped with Runtime Lens;
   * null: findings carry no anatomy.
   */
  anatomy?: AnatomyReader | null;
  /**
   * Large plain files are scanned on worker threads too (logs/parallel.ts), with the same result.
   * false: on this thread only. Default: when the file and the machine make it worth it.
   */
  parallel?: ParallelOptions | false;
}

export interface Recognition {
  file: string;
  findings: Finding[];
  /** Lines in the input. */
  lines: number;
  /**
   * Events read, when the input is a kubectl event list: a compact list is one line however many events
   * it holds, so its lines say nothing of its size. Absent for every other input.
   */
  events?: number;
  /** Year and zone the file's own lines reveal (used for lines that lack them). */
  hints: TimeHints;
  /**
   * What was not read as it stands, and why: lines cut, a document or event that does not parse (with
   * the parser's reason and position), an input cut short. Nothing is dropped without a note.
   */
  notes: Note[];
  /** What the input states about the node: cpu-manager policy and period, runc/Docker versions. */
  facts: NodeFact[];
  /** The findings grouped (what the diagnosis reads); built from `findings` on first use when those are kept. */
  sets?: OccurrenceSet[];
}

/** Distinct messages whose match is remembered (each costs a map entry; the strings are the reader's). */
const MAX_MESSAGE_MATCHES = 65536;
/** Messages met once remembered by their text at most, for `again`. */
const PROBATION = 4096;
/** Formats whose readers give each distinct message as one shared string (events.ts `sharedValues`). */
const SHARED_MESSAGES = new Set<string>(['kubectl-events-json', 'kubectl-events-yaml']);
/** Lines parsed in full at the start of a file to learn its formats, year and zone. */
const SAMPLE_LINES = 200;
/** A finding keeps at most this much of its line's text. */
const MAX_TEXT = 4096;
/** A first chunk this large warms the scanner up (`ByteScanner.warmUp`); smaller inputs are over before it would pay. */
const WARM_INPUT = 1024 * 1024;
/** Documents are pushed to their readers in pieces of this many characters (texts) or bytes. */
const PIECE = 4 * 1024 * 1024;

/** An event's first finding, for its later lines: the Finding when findings are kept, else its index in the builder. */
interface OpenEvent {
  finding: Finding | null;
  index: number;
}

/** A distinct message's match, and where it is in the text it last came with (from `start` to `end`). */
interface MessageMatch {
  match: SignatureMatch;
  text: string | null;
  start: number;
  end: number;
  /** Whether that text holds a keyed event's literal (keyedEventOf can find an id in it). */
  keyed: boolean;
  /** The set its last occurrence went to; none for a match not kept (a message met once so far). */
  hint: SetHint | undefined;
}

function cut(line: string): string {
  return line.length <= MAX_TEXT ? line : `${line.slice(0, MAX_TEXT)}… [${line.length - MAX_TEXT} more characters]`;
}

/**
 * Accumulates findings over a file's chunks. Only lines holding a signature literal are parsed;
 * times are resolved at the end, when everything the file says about year and zone is known.
 */
class Recogniser {
  private readonly findings: Finding[] = [];
  /** Where findings go when they are not kept one by one. */
  private readonly occurrences: OccurrenceBuilder | null;
  private readonly spans = new Map<number, { start: number; end: number }>();
  private readonly factReader: FactReader;
  private readonly years = new Map<number, { n: number; line: number }>();
  private readonly offsets = new Map<number, { n: number; line: number }>();
  private readonly fileComponent: string | null;
  private needles: readonly string[];
  private describe: { pod: string | null; namespace: string | null } | null = null;
  /** Signatures whose events span several lines, and the event open per (signature, node). */
  private readonly eventSpecs: Map<string, NonNullable<Signature['event']>>;
  private readonly openEvents = new Map<string, OpenEvent & { time: LogTime | null; line: number; lines: number }>();
  /** The latest finding per (signature, node, event id), oldest first, for keyed events (an exec's id). */
  private readonly keyedOpen = new Map<string, OpenEvent & { line: number; maxLines: number }>();
  private sampled = false;
  /** Whether the facts want every line of the input (a document), decided by its first chunk. */
  private document = false;
  /** By distinct message: its match, and where it is in the text it last came with. */
  private readonly messageMatches = new Map<string, MessageMatch | null>();
  /** The same by the reader's number for a message (EventEntry.messageId), where it gives one. */
  private readonly matchesById: (MessageMatch | null)[] = [];
  /**
   * A message's match is kept from its second time on (see `again`): by the reader's number, 1 for a
   * message met once; by text, the messages met once lately.
   */
  private metById = new Uint8Array(1024);
  private readonly metOnce = new Set<string>();
  lines = 0;
  /** Events read from a kubectl event list (Recognition.events); null for other inputs. */
  events: number | null = null;
  readonly notes: Note[] = [];

  constructor(
    readonly file: string,
    private readonly options: RecogniseOptions,
  ) {
    this.fileComponent = componentFromName(path.basename(file));
    this.occurrences = options.keepFindings === false ? new OccurrenceBuilder() : null;
    this.factReader = new FactReader(file);
    // Fact lines (kubelet flags, versions) are found in the same pass as the signatures. In JSON lines
    // (journalctl -o json) quotes are escaped: a literal with quotes is looked for in that form too.
    const literals = options.matcher.needles;
    const escaped = literals.filter((l) => l.includes('"')).map((l) => JSON.stringify(l).slice(1, -1));
    this.needles = [...new Set([...literals, ...escaped, ...FACT_NEEDLES])];
    this.eventSpecs = new Map(options.matcher.signatures.flatMap((s) => (s.def.event ? [[s.def.id, s.def.event] as const] : [])));
  }

  note(line: number | null, note: string): void {
    this.notes.push({ file: this.file, line, note });
  }

  private learn(record: LogRecord, line: number): void {
    const t = record.time;
    if (!t) return;
    if (t.year !== null) bump(this.years, t.year, line);
    if (record.localTime !== undefined) {
      // A journal entry: its time is exact UTC; the node's zone is how far its own line's clock is off.
      const zone = nodeOffsetMinutes(record);
      if (zone !== null) bump(this.offsets, zone, line);
      return;
    }
    if (t.offsetMinutes !== null) bump(this.offsets, t.offsetMinutes, line);
  }

  /** Parses the first lines in full: year/zone hints, and whether this is `kubectl describe` output. */
  private sample(text: string, firstLine: number, decode: (s: string) => string): void {
    this.sampled = true;
    let start = 0;
    for (let i = 0; i < SAMPLE_LINES && start < text.length; i++) {
      const end = text.indexOf('\n', start);
      const raw = text.slice(start, end < 0 ? text.length : end);
      const line = decode(raw.endsWith('\r') ? raw.slice(0, -1) : raw);
      if (/^Name:\s+\S/.test(line)) this.describe = { pod: null, namespace: null };
      if (line.length > 0 && line.length < MAX_LINE) this.learn(parseLine(line), firstLine + i);
      if (end < 0) break;
      start = end + 1;
    }
    // kubectl describe names the pod once, in its header: follow the header lines too.
    if (this.describe) this.needles = [...this.needles, 'Name:', 'Namespace:'];
  }

  feed(text: string, firstLine: number, decode: (s: string) => string): void {
    if (!this.sampled) this.sample(text, firstLine, decode);
    if (this.factReader.wantsChunks(text.length, () => text)) this.factReader.chunk(text, firstLine, decode);
    const newlines = scanLines(text, this.needles, firstLine, this.visitor(decode));
    this.lines = Math.max(this.lines, firstLine - 1 + newlines + (text.endsWith('\n') ? 0 : 1));
  }

  /**
   * `feed` for bytes [start, end) of a scanner's buffer (latin1, like a file chunk); returns its
   * newlines. Lines longer than MAX_LINE are examined up to MAX_LINE and passed to `onLongLine`.
   */
  feedBytes(scanner: ByteScanner, start: number, end: number, firstLine: number, onLongLine: (line: number) => void): number {
    const bytes = scanner.bytes;
    if (!this.sampled) {
      // A large input: the scan is optimised while its first lines are parsed and its needles planned.
      if (end - start >= WARM_INPUT) scanner.warmUp();
      let sampleEnd = start;
      for (let i = 0; i < SAMPLE_LINES && sampleEnd < end; i++) {
        const nl = bytes.subarray(0, end).indexOf(0x0a, sampleEnd);
        sampleEnd = nl < 0 ? end : nl + 1;
      }
      this.sample(bytes.toString('latin1', start, sampleEnd), firstLine, decodeLine);
    }
    this.document = this.factReader.wantsChunks(end - start, () => bytes.toString('latin1', start, Math.min(end, start + 65536)));
    if (this.document) this.factReader.chunk(bytes.toString('latin1', start, end), firstLine, decodeLine);
    let newlines: number;
    if (scanner.setNeedles(this.needles, () => bytes.subarray(start, end))) newlines = scanner.scan(start, end, firstLine, this.visitor(decodeLine), { maxLine: MAX_LINE, onLongLine });
    else {
      const text = bytes.toString('latin1', start, end);
      newlines = scanLines(text, this.needles, firstLine, this.visitor(decodeLine));
    }
    this.lines = Math.max(this.lines, firstLine - 1 + newlines + (end > start && bytes[end - 1] === 0x0a ? 0 : 1));
    return newlines;
  }

  /**
   * Whether the rest of the input can be scanned in ranges on other threads (`feedRange`): only the
   * lines holding a needle matter from here on (not a document), and `scanner` searches for them.
   */
  rangesWork(scanner: ByteScanner): boolean {
    return this.sampled && !this.document && scanner.setNeedles(this.needles);
  }

  /** A range's result (logs/ranges.ts) whose first line is `firstLine`: what `feedBytes` does with those lines. */
  feedRange(result: RangeResult, firstLine: number, onLongLine: (line: number) => void): void {
    const visit = this.visitor(decodeLine);
    const hits = result.hits;
    for (let i = 0; i < hits.length; i += 2) visit(firstLine + (hits[i] as number), hits[i + 1] as string, 0);
    for (const l of result.longLines) onLongLine(firstLine + l);
    this.lines = Math.max(this.lines, firstLine - 1 + result.lines);
  }

  private visitor(decode: (s: string) => string): LineVisitor {
    return (line, raw) => {
      const content = decode(raw);
      if (this.describe) {
        const header = /^(Name|Namespace):\s+(\S+)\s*$/.exec(content);
        if (header) {
          if (header[1] === 'Name') this.describe = { pod: header[2]!, namespace: null };
          else this.describe.namespace = header[2]!;
          return;
        }
      }
      // Parsed at most once, and only for lines that state a fact or match a signature.
      let parsed: LogRecord | undefined;
      const parse = () => (parsed ??= parseLine(content));
      if (FACT_NEEDLES.some((n) => content.includes(n))) this.factReader.line(content, line, parse);
      if (content.charCodeAt(0) === 0x7b && parse().format === 'journald-json') {
        // Matched as the service wrote it: unescaped, so `Get \"http://…\": EOF` is the HTTP probe's.
        this.addMessage(line, content, parse());
        return;
      }
      const m = this.options.matcher.match(content);
      if (!m) return;
      const record = parse();
      if (this.describe && record.format === 'kubectl-describe') {
        record.pod ??= this.describe.pod;
        record.namespace ??= this.describe.namespace;
      }
      this.add(line, content, record, m.signature, m.start, m.end);
    };
  }

  /**
   * A record whose message was taken out of its line (an event, a journal entry): matched on the
   * message, and the span placed where the match is written in the line (escaped, in JSON), or the
   * whole line when it cannot be found there.
   */
  addMessage(line: number, text: string, record: LogRecord, textColumn = 0, messageId = -1): void {
    // An event list's messages repeat (its reader shares each distinct one): each is matched, and its
    // match placed in its text, once. A journal's are different on every line (times, ids): remembering
    // them would only cost memory.
    // A message its reader meets for the first time is not looked for nor kept by its text: its repeats
    // come with a number (on a recorder's list, most messages come once: a lookup and a set of their text each).
    const remember = messageId !== FIRST_SIGHT && SHARED_MESSAGES.has(record.format);
    let m = messageId >= 0 ? this.matchesById[messageId] : remember ? this.messageMatches.get(record.message) : undefined;
    if (m === undefined) {
      const found = this.options.matcher.match(record.message);
      // A message with no match is remembered at once (an entry of null); one with a match from its
      // second time on. The kubelet's recorder makes each item of a list a distinct (pod, message)
      // (client-go's EventCorrelator counts repeats into one item), so most messages come once, and a
      // match, a set hint and an entry kept for each of them were 29 MB of a 400,000-item list's heap.
      const keep = found === null || this.again(messageId, remember ? record.message : null);
      m = found ? { match: found, text: null, start: 0, end: 0, keyed: false, hint: keep ? newSetHint() : undefined } : null;
      if (keep) {
        if (messageId >= 0) this.matchesById[messageId] = m;
        else if (remember && this.messageMatches.size < MAX_MESSAGE_MATCHES) this.messageMatches.set(record.message, m);
      }
    }
    if (!m) return;
    if (m.text !== text) {
      const matched = record.message.slice(m.match.start, m.match.end);
      let at = text.indexOf(matched);
      let length = matched.length;
      if (at < 0) {
        const escaped = JSON.stringify(matched).slice(1, -1);
        at = text.indexOf(escaped);
        length = escaped.length;
      }
      m.text = text;
      m.start = Math.max(at, 0);
      m.end = at >= 0 ? at + length : text.length;
      // Worked out ahead only for a match kept for the next event of this text; add() searches otherwise.
      m.keyed = messageId >= 0 || remember ? mayBeKeyed(text) : true;
    }
    this.add(line, text, record, m.match.signature, m.start, m.end, textColumn, m.keyed, m.hint);
  }

  /**
   * Whether a message (by the reader's number, else by its text; neither: never) was met before: by
   * number exactly, by text among the last PROBATION messages met once (a repeat further apart is
   * matched again, not kept).
   */
  private again(messageId: number, message: string | null): boolean {
    if (messageId >= 0) {
      if (messageId >= this.metById.length) {
        const more = new Uint8Array(Math.max(2 * this.metById.length, messageId + 1));
        more.set(this.metById);
        this.metById = more;
      }
      if (this.metById[messageId] === 1) return true;
      this.metById[messageId] = 1;
      return false;
    }
    if (message === null) return false;
    if (this.metOnce.delete(message)) return true;
    if (this.metOnce.size >= PROBATION) this.metOnce.clear();
    this.metOnce.add(message);
    return false;
  }

  /** `keyed`: false when `content` holds no keyed event's literal (known beforehand for a repeated text). */
  add(line: number, content: string, record: LogRecord, signature: Signature, start: number, end: number, textColumn = 0, keyed = true, hint?: SetHint): void {
    if (record.component === 'unknown') record.component = this.fileComponent ?? 'unknown';
    this.learn(record, line);
    const event = this.eventSpecs.get(signature.id);
    if (event && this.joinsEvent(event, signature.id, line, content, record)) return;
    const keyedEvent = keyed ? keyedEventOf(signature.id, record, content) : null;
    if (keyedEvent && this.joinsKeyed(keyedEvent.key, line)) return;
    let anatomy: ErrorAnatomy | undefined;
    if (isRuntimeError(signature)) {
      const reader = this.options.anatomy === undefined ? sharedAnatomyReader() : this.options.anatomy;
      const a = reader?.read(record.message || content);
      // A kernel or runtime line that no format printed and that ends in no system call's error has no anatomy to show.
      if (a && (signature.id === RUNTIME_ERROR || a.innermost?.errno || a.layers.some((l) => l.origin))) anatomy = a;
    }
    // Kept as sets, the occurrence goes straight into the builder's columns, no Finding made (a later
    // line of its event reaches it by its index); kept one by one, it is a Finding.
    let finding: Finding | null = null;
    let index = -1;
    if (this.occurrences) index = this.occurrences.addOccurrence(this.file, line, signature.id, start, end, record, cut(content), textColumn, anatomy, keyedEvent?.event, hint);
    else {
      finding = { file: this.file, line, signature: signature.id, match: this.span(start, end), record, wallTime: record.time, time: null, text: cut(content), textColumn };
      if (anatomy) finding.anatomy = anatomy;
      if (keyedEvent) finding.event = keyedEvent.event;
      this.findings.push(finding);
    }
    if (event && !closesEvent(event, content, 1)) this.openEvents.set(eventKey(signature.id, record, content), { finding, index, time: record.time, line, lines: 1 });
    if (keyedEvent) this.openKeyed(keyedEvent.key, { finding, index, line, maxLines: keyedEvent.maxLines });
  }

  /** A later line naming an exec already found (the kubelet's CRI client and its prober log it both). */
  private joinsKeyed(key: string, line: number): boolean {
    const open = this.keyedOpen.get(key);
    if (!open || line - open.line > open.maxLines) return false;
    this.relate(open, line);
    return true;
  }

  /** A later line of the open event's finding: on the finding, and on its occurrence when kept as sets. */
  private relate(open: OpenEvent, line: number): void {
    if (open.finding) (open.finding.related ??= []).push(line);
    if (open.index >= 0) this.occurrences?.relate(open.index, line);
  }

  private openKeyed(key: string, open: OpenEvent & { line: number; maxLines: number }): void {
    const line = open.line;
    this.keyedOpen.delete(key);
    this.keyedOpen.set(key, open);
    // Oldest first: entries past their window are dropped, so a log of a million execs keeps a few.
    for (const [k, v] of this.keyedOpen) {
      if (line - v.line <= v.maxLines) break;
      this.keyedOpen.delete(k);
    }
  }

  /**
   * Whether the line is a later line of an event already found (one OOM kill: `invoked oom-killer`, then
   * `Killed process`): it is then linked to that finding instead of counted again.
   */
  private joinsEvent(event: NonNullable<Signature['event']>, signature: string, line: number, content: string, record: LogRecord): boolean {
    const key = eventKey(signature, record, content);
    const open = this.openEvents.get(key);
    if (!open) return false;
    if (line - open.line > event.maxLines || event.opens?.some((l) => content.includes(l)) || !withinMs(open.time, record.time, event.withinMs)) {
      this.openEvents.delete(key);
      return false;
    }
    this.relate(open, line);
    open.lines += 1;
    if (closesEvent(event, content, open.lines)) this.openEvents.delete(key);
    return true;
  }

  /** Findings of one message share its span: one object per distinct span, read-only like the times. */
  private span(start: number, end: number): { start: number; end: number } {
    if (start > 0xffff || end > 0xffff) return { start, end };
    const key = start * 0x10000 + end;
    let s = this.spans.get(key);
    if (!s) {
      s = Object.freeze({ start, end });
      if (this.spans.size < 65536) this.spans.set(key, s);
    }
    return s;
  }

  finish(): Recognition {
    const hints: TimeHints = { year: null, offsetMinutes: null, line: null };
    const year = mostCommon(this.years);
    const offset = mostCommon(this.offsets);
    if (year) [hints.year, hints.line] = [year.key, year.line];
    if (offset) [hints.offsetMinutes, hints.line] = [offset.key, hints.line ?? offset.line];
    const base = { file: this.file, lines: this.lines, ...(this.events === null ? {} : { events: this.events }), hints, notes: this.notes, facts: this.factReader.finish() };
    if (this.occurrences) {
      return { ...base, findings: [], sets: this.occurrences.finish((t) => resolveInstant(t, this.options, hints)) };
    }
    // Findings often share one time object (the events of one second): resolved once, shared too.
    const resolved = new Map<LogTime, ResolvedTime | null>();
    for (const f of this.findings) {
      const wall = f.wallTime;
      if (!wall) continue;
      let t = resolved.get(wall);
      if (t === undefined) {
        t = resolveTime(wall, this.options, hints);
        resolved.set(wall, t);
      }
      f.time = t;
    }
    const findings = this.findings;
    let sets: OccurrenceSet[] | undefined;
    return {
      ...base,
      findings,
      get sets() {
        return (sets ??= occurrenceSets(findings));
      },
      set sets(v) {
        sets = v;
      },
    };
  }
}

/** Whether `content` holds a keyed event's literal: keyedEventOf finds none in a line without one. */
function mayBeKeyed(content: string): boolean {
  return KEYED_EVENTS.some((e) => content.includes(e.literal));
}

/** The keyed event a line names (catalog keyedEvents: an exec's id), as a key per signature and node. */
function keyedEventOf(signature: string, record: LogRecord, content: string): { key: string; event: string; maxLines: number } | null {
  for (const e of KEYED_EVENTS) {
    if (!content.includes(e.literal)) continue;
    const m = e.key.exec(content.length > 65536 ? content.slice(0, 65536) : content);
    if (m) return { key: `${e.id}\u0000${eventKey(signature, record, content)}\u0000${m[1]}`, event: `${e.id}:${m[1]}`, maxLines: e.maxLines };
  }
  return null;
}

/** A journald text line's host (`Mar  3 10:00:00 node-a kernel: …`, or the ISO form). */
const JOURNAL_HOST = /^(?:[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d(?:\.\d{1,9})?|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:[.,]\d{1,9})?(?:Z|[+-]\d\d:?\d\d)?) (\S{1,253}) /;

/** Whether the event is complete with this line: it holds a `closes` literal, or the event has all its `lines`. */
function closesEvent(event: NonNullable<Signature['event']>, content: string, lines: number): boolean {
  return (event.closes?.some((l) => content.includes(l)) ?? false) || (event.lines !== undefined && lines >= event.lines);
}

/**
 * Whether a later line is within `ms` of an event's first, as the lines' own clocks tell (one file, one
 * format: compared as written). Lines without a time are compared by their distance in lines only.
 */
function withinMs(first: LogTime | null, later: LogTime | null, ms: number | undefined): boolean {
  if (ms === undefined || !first || !later) return true;
  const at = (t: LogTime) => Date.UTC(t.year ?? 2000, t.month - 1, t.day, t.hour, t.minute, t.second) + t.micros / 1000 - (t.offsetMinutes ?? 0) * 60_000;
  return Math.abs(at(later) - at(first)) <= ms;
}

/** Events are told line by line by one node: merged kernel logs of several hosts interleave theirs. */
function eventKey(signature: string, record: LogRecord, content: string): string {
  const node = record.node ?? (record.format === 'journald' ? JOURNAL_HOST.exec(content)?.[1] : null) ?? '';
  return `${signature}\u0000${node}`;
}

function bump(map: Map<number, { n: number; line: number }>, key: number, line: number): void {
  const e = map.get(key);
  if (e) e.n += 1;
  else map.set(key, { n: 1, line });
}

function mostCommon(map: Map<number, { n: number; line: number }>): { key: number; line: number } | null {
  let best: { key: number; n: number; line: number } | null = null;
  for (const [key, v] of map) if (!best || v.n > best.n) best = { key, ...v };
  return best;
}

/** Inputs read by a parser of their own rather than line by line. */
type DocumentKind = EventFormat | 'journald-export';

function documentKind(head: string): DocumentKind | null {
  return looksLikeEventDocument(head) ?? (looksLikeJournalExport(head) ? 'journald-export' : null);
}

/** Bytes in, findings out: an event list or a journal export, read as it streams. */
interface DocumentReader {
  push(chunk: Buffer): void;
  end(): void;
  /**
   * Once the file was pushed up to `split`'s point: the worker's part of the list taken in (or not,
   * see eventSplit.ts); returns the offset to push on from.
   */
  split(split: EventSplit, stop: () => Error | null, progress: (at: number) => void, signal?: AbortSignal): Promise<number>;
}

function documentReader(r: Recogniser, kind: DocumentKind): DocumentReader {
  let newlines = 0;
  let last = 0x0a;
  let bytes = 0;
  // Every event a list's reader reads comes through the sink, the split's worker's too (eventSplit.ts).
  let events = 0;
  const count = (chunk: Buffer) => {
    for (let at = chunk.indexOf(0x0a); at >= 0; at = chunk.indexOf(0x0a, at + 1)) newlines += 1;
    if (chunk.length) last = chunk[chunk.length - 1]!;
    bytes += chunk.length;
  };
  const finish = () => {
    r.lines = newlines + (bytes > 0 && last !== 0x0a ? 1 : 0);
    if (kind !== 'journald-export') r.events = events;
  };
  const sink: EventSink = {
    event: (e: EventEntry, messageId?: number) => {
      events += 1;
      r.addMessage(e.line, e.text, e.record, e.column, messageId);
    },
    unparsed: (text, firstLine) => r.feed(text, firstLine, (s) => s),
    note: (line, note) => r.note(line, note),
  };
  const reader =
    kind === 'journald-export'
      ? new JournalExportReader({
          entry: (e: JournalEntry) => r.addMessage(e.line, e.text, e.record),
          note: (line, note) => r.note(line, note),
        })
      : eventListReader(kind, sink);
  return {
    push: (chunk) => {
      count(chunk);
      reader.push(chunk);
    },
    end: () => {
      reader.end();
      finish();
    },
    split: async (split, stop, progress, signal) => {
      if (!(reader instanceof JsonEventReader)) {
        await split.close();
        return split.at;
      }
      const taken = await split.take(reader, sink, stop, progress, signal);
      newlines += taken.newlines;
      bytes += taken.at - split.at;
      if (taken.last >= 0) last = taken.last;
      return taken.at;
    },
  };
}

/** A text in pieces of whole characters (a surrogate pair is never split), as UTF-8. */
function* pieces(text: string): Generator<Buffer> {
  for (let at = 0; at < text.length; ) {
    let end = Math.min(at + PIECE, text.length);
    const c = text.charCodeAt(end - 1);
    if (end < text.length && c >= 0xd800 && c <= 0xdbff) end -= 1;
    yield Buffer.from(text.slice(at, end), 'utf8');
    at = end;
  }
}

/** Pieces of whole lines of a text, for the line scanner. */
function* linePieces(text: string): Generator<{ text: string; firstLine: number }> {
  let line = 1;
  for (let at = 0; at < text.length; ) {
    let end = at + PIECE >= text.length ? text.length : text.indexOf('\n', at + PIECE);
    end = end < 0 ? text.length : end === text.length ? end : end + 1;
    const piece = text.slice(at, end);
    yield { text: piece, firstLine: line };
    for (let nl = piece.indexOf('\n'); nl >= 0; nl = piece.indexOf('\n', nl + 1)) line += 1;
    at = end;
  }
}

/**
 * Recognition of an in-memory text as steps: each step reads a piece (a few MB) and the caller may
 * yield in between — the editor must not be blocked for the whole of a large document.
 */
function* textSteps(r: Recogniser, text: string): Generator<void> {
  const kind = documentKind(text.slice(0, 8192));
  if (kind) {
    const reader = documentReader(r, kind);
    for (const piece of pieces(text)) {
      reader.push(piece);
      yield;
    }
    reader.end();
    return;
  }
  if (text.length <= PIECE) {
    r.feed(text, 1, (s) => s);
    return;
  }
  for (const piece of linePieces(text)) {
    r.feed(piece.text, piece.firstLine, (s) => s);
    yield;
  }
}

/** Recognises the signatures in an in-memory text (an editor document). */
export function recogniseText(file: string, text: string, options: RecogniseOptions): Recognition {
  const r = new Recogniser(file, options);
  for (const _ of textSteps(r, text));
  return r.finish();
}

/**
 * `recogniseText` that gives the event loop back between pieces of the text, so a document of
 * hundreds of megabytes does not hold the extension host for the whole of its recognition.
 */
export async function recogniseTextAsync(file: string, text: string, options: RecogniseOptions): Promise<Recognition> {
  const r = new Recogniser(file, options);
  for (const _ of textSteps(r, text)) {
    await new Promise((resolve) => setImmediate(resolve));
    if (options.signal?.aborted) throw new Cancelled(file);
  }
  return r.finish();
}

/** Scanners for files (each holds a read buffer), reused across calls; one per concurrent call. */
const idleScanners: ByteScanner[] = [];

/**
 * Recognises the signatures in a file on disk, plain or gzip, streaming with bounded memory: logs line
 * by line, event lists and journal exports by their own readers, whatever their size.
 */
export async function recogniseFile(file: string, options: RecogniseOptions): Promise<Recognition> {
  const kind = documentKind(await sniff(file));
  if (kind) return recogniseDocumentFile(file, kind, options);
  const scanner = idleScanners.pop() ?? ByteScanner.create(BYTE_BUFFER);
  if (!scanner) return recogniseFileText(file, options);
  try {
    return await recogniseFileBytes(file, options, scanner);
  } finally {
    idleScanners.push(scanner);
  }
}

async function recogniseDocumentFile(file: string, kind: DocumentKind, options: RecogniseOptions): Promise<Recognition> {
  const r = new Recogniser(file, options);
  const reader = documentReader(r, kind);
  // A large event list is read by this thread and a worker together (logs/eventSplit.ts); the worker
  // starts before the first byte is read here.
  const split = kind === 'kubectl-events-json' ? EventSplit.open(file, options.parallel) : null;
  // The offset reached, told as it grows: with a split, the head's read-ahead goes past the split point.
  let reported = 0;
  const progress = options.onProgress && ((at: number) => at > reported && options.onProgress!((reported = at)));
  /** Pushes the file's bytes from `from` up to `until` (or its end) to the reader; returns the offset reached. */
  const push = async (from: number, until: number): Promise<number> => {
    let at = from;
    for await (const chunk of openRaw(file, progress, kind === 'journald-export', from)) {
      if (options.signal?.aborted) throw new Cancelled(file);
      const take = Math.min(chunk.length, until - at);
      reader.push(take === chunk.length ? chunk : chunk.subarray(0, take));
      at += take;
      if (at >= until) break;
    }
    return at;
  };
  try {
    const at = await push(0, split ? split.at : Infinity);
    if (split && at === split.at) {
      const stop = () => (options.signal?.aborted ? new Cancelled(file) : null);
      await push(await reader.split(split, stop, (n) => progress?.(n), options.signal), Infinity);
    }
    reader.end();
    return r.finish();
  } finally {
    await split?.close();
  }
}

/**
 * The file is read into the scanner's WebAssembly memory and searched there in one pass; only the
 * lines holding a needle ever become strings. Same results as `recogniseFileText`.
 */
async function recogniseFileBytes(file: string, options: RecogniseOptions, scanner: ByteScanner): Promise<Recognition> {
  const r = new Recogniser(file, options);
  // Started before the first byte is read: workers take a while to start.
  const pool = ScanPool.open(file, options.parallel);
  try {
    const log = openLogBytes(file, scanner.bytes);
    const longLines: number[] = [];
    const onLongLine = (l: number) => longLines.push(l);
    let line = 1;
    let read = 0;
    /** Where the rest of the file is left to the pool: after the first chunk, which tells what the file is. */
    let handOver = -1;
    for await (const segment of log.segments) {
      if (options.signal?.aborted) throw new Cancelled(file);
      const { start, end } = segment;
      if (segment.cut) longLines.push(line);
      line += r.feedBytes(scanner, start, end, line, onLongLine);
      read += end - start;
      options.onProgress?.(read);
      if (pool && read === end - start && !segment.cut && !log.compressed && r.rangesWork(scanner)) {
        handOver = read;
        break;
      }
    }
    if (pool && handOver >= 0) {
      const stop = () => (options.signal?.aborted ? new Cancelled(file) : null);
      const consume = (result: RangeResult) => {
        r.feedRange(result, line, onLongLine);
        line += result.lines;
        read += result.bytes;
        options.onProgress?.(read);
      };
      try {
        await pool.run(scanner, handOver, MAX_LINE, consume, stop);
      } catch (e) {
        throw e instanceof ScanFailure ? new InputError(file, e.message) : e;
      }
    }
    for (const l of longLines.sort((x, y) => x - y)) r.note(l, longLineNote(l));
    return r.finish();
  } finally {
    await pool?.close();
  }
}

/** The same with strings, chunk by chunk: where WebAssembly is unavailable. */
async function recogniseFileText(file: string, options: RecogniseOptions): Promise<Recognition> {
  const r = new Recogniser(file, options);
  const log = openLog(file);
  let read = 0;
  for await (const chunk of log.chunks) {
    if (options.signal?.aborted) throw new Cancelled(file);
    r.feed(chunk.text, chunk.firstLine, decodeLine);
    read += chunk.text.length;
    options.onProgress?.(read);
  }
  for (const line of log.longLines) r.note(line, longLineNote(line));
  return r.finish();
}

const longLineNote = (line: number) => `line ${line} is longer than ${MAX_LINE / 1024 / 1024} MB: only its first ${MAX_LINE / 1024 / 1024} MB was examined`;

/** Whether any input behind a result was cut, skipped or not parsed: a verdict on it must say so. */
export function inputWasCut(notes: readonly Note[]): boolean {
  return notes.length > 0;
}

/** A note as one line for people: `file:line: what` (no line for the whole file). */
export function formatNote(n: Note): string {
  return `${n.file}${n.line !== null ? `:${n.line}` : ''}: ${n.note}`;
}
