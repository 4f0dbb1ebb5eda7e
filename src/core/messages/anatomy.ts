import { type Covering, type LiteralMatcher, chooseCovering, literalMatcher, matchLiteral } from '../origins/format';
import { type Fragment, fragmentEdges, messageText, splitFragments } from '../origins/message';
import type { ErrorAnatomy, InnermostError, Layer, MessageOrigin, ProgramId } from '../signatures/types';
import { type Innermost, innermostReader } from './innermost';
import { byCodeUnit } from '../order';
import { openEnd, versionLabel } from './index';
import { errorText } from './split';
import type { InnermostRule, MessageEntry, MessageIndex } from './types';

/**
 * The order in which the programs wrap a runtime error (ProgramId's "innermost last"): along a line,
 * the layers' programs go no shallower. CRI-O stands where containerd does, conmon where the shim
 * does, crun where runc does.
 */
const DEPTH: Record<ProgramId, number> = { kubelet: 0, cri: 1, dockerd: 2, containerd: 3, crio: 3, shim: 4, conmon: 4, 'go-runc': 5, runc: 6, crun: 6, kernel: 7 };

/** One format of one program: every index entry that prints it, merged (its versions are their union). */
interface Format {
  program: ProgramId;
  format: string;
  site: MessageOrigin;
  /** The entries' version ranges, expanded into `versions` only for formats a message matched. */
  ranges: [number, number][];
  newest: number;
  /** Its constant pieces: each must be in a text before the format's regular expression is built or run. */
  pieces: string[];
  versionsValue?: number[];
  upstreamValue?: string | null;
  matcher?: LiteralMatcher | null;
}

/** Sorted tag indices of the format's program that hold it. */
function versionsOf(f: Format): number[] {
  f.versionsValue ??= expand(f.ranges);
  return f.versionsValue;
}

interface Candidate extends Covering {
  format: Format;
}

interface LayerMeta {
  layers: { format: Format; versions: string | null; upstream: string | null }[];
  versions: Partial<Record<ProgramId, string>>;
}

/** Distinct messages remembered (a log repeats a few shapes of error thousands of times). */
const CACHE = 4096;
/** Letters in a row that make a word worth looking up (shorter ones are in every message). */
const WORD = /[A-Za-z]{3,}/g;
/**
 * Words every wrapper uses. A format whose constant text is only these (`%#v failed: %s: %v`) would claim
 * any `… failed: …` of any program: it cannot say which program printed a text.
 */
const GENERIC = new Set(['failed', 'error', 'err', 'unable', 'cannot', 'could', 'not', 'the', 'for', 'with', 'and', 'while', 'from', 'when', 'invalid', 'get', 'set']);

/**
 * Splits runtime errors into their layers with the message index: each wrapping is matched to the
 * format string that printed it (verbs as wildcards, the formats that account for the most of the text
 * winning), the innermost error is read from what is left at the bottom. Everything is prepared on the
 * first message, and each distinct message is split once.
 */
export class AnatomyReader {
  /** The formats filed under each word, parsed from the table's rows when a message first has the word. */
  private readonly byWord = new Map<string, Format[]>();
  private readonly cache = new Map<string, ErrorAnatomy>();
  /** Per sequence of chosen formats (and their equals): what its layers say (layerMeta). */
  private readonly metas = new Map<string, LayerMeta>();
  private readonly ids = new Map<Format, number>();
  /** Version spans in words, per program and tag list. */
  private readonly ranges = new Map<string, string | null>();
  /** A message's shape (shapeOf) → the formats that made it, and how many of them were chosen. */
  private readonly shapes = new Map<string, { formats: Format[]; chosen: number }>();

  private tableValue: (WordTable & Partial<LazyWords>) | null = null;

  /**
   * `source`: a message index (its word table is derived here), or the word table itself; either may be a
   * function, called at the first message: a log without runtime errors never loads it.
   */
  constructor(
    private readonly source: MessageIndex | WordTable | (() => MessageIndex | WordTable),
    private readonly innermost: Innermost = innermostReader(),
  ) {}

  private get table(): WordTable & Partial<LazyWords> {
    if (!this.tableValue) {
      let s: MessageIndex | WordTable | null;
      try {
        s = typeof this.source === 'function' ? this.source() : this.source;
      } catch {
        // A package without its table (a defect the unit tests catch) still names every innermost error.
        s = null;
      }
      this.tableValue = !s ? { about: 'none', programs: {}, words: {} } : typeof (s as WordTable).words === 'object' ? (s as WordTable & Partial<LazyWords>) : wordTable(s as MessageIndex);
    }
    return this.tableValue;
  }

  /** The formats filed under a word (none for a word no format is filed under). */
  private formatsOf(word: string): Format[] {
    let list = this.byWord.get(word);
    if (list) return list;
    const literal = this.table.literals?.get(word);
    const rows = literal !== undefined ? (JSON.parse(literal) as string) : Object.prototype.hasOwnProperty.call(this.table.words, word) ? this.table.words[word] : undefined;
    list = [];
    if (typeof rows === 'string') {
      for (const r of JSON.parse(rows) as TableRow[]) {
        const [program, format, file, line, fn, ranges, newest] = r;
        list.push({ program, format, site: { file, line, function: fn }, ranges, newest, pieces: constantPieces(format).map((t) => t.trim()).filter((t) => t.length >= 3) });
      }
    }
    this.byWord.set(word, list);
    return list;
  }

  /** The innermost error in words (the Problems entry, the finding's title). */
  describe(e: InnermostError): string {
    return this.innermost.describe(e);
  }

  /** The row of knowledge/innermost.json the error satisfies, if any. */
  rule(e: InnermostError): InnermostRule | null {
    return this.innermost.rule(e);
  }

  /** The anatomy of a runtime error's message (the line's message, not its log prefix). */
  read(message: string): ErrorAnatomy {
    const cached = this.cache.get(message);
    if (cached) return cached;
    const result = this.compute(message);
    if (this.cache.size >= CACHE) this.cache.clear();
    this.cache.set(message, result);
    return result;
  }

  private compute(message: string): ErrorAnatomy {
    const msg = messageText(errorText(message));
    const text = msg.text;
    const inner = this.innermost.parse(text);
    const kernelStart = inner?.syscall ? inner.start : (inner?.end ?? text.length);
    const fragments = splitFragments(text);
    const { chosen: all, candidates } = this.match(msg, fragments);
    const chosen = all.filter((c) => c.match.start < kernelStart).sort((a, b) => a.match.start - b.match.start);
    // The same words printed by several formats of a program (`exec failed: %v` before 1.0, `%w`
    // after): each layer may be any of them, and the versions are those where every layer's words exist.
    const alternatives = chosen.map((c) => candidates.filter((o) => o.format.program === c.format.program && o.match.start === c.match.start && o.match.end === c.match.end && o.match.covered.length === c.match.covered.length));
    const meta = this.layerMeta(chosen, alternatives);
    const fragmentStarts = [...fragmentEdges(fragments).starts].sort((a, b) => a - b);
    const layers: Layer[] = chosen.map((c, i) => {
      const m = meta.layers[i]!;
      // A format that starts with a verb (`%s probe errored: %v`) made the words before its constant text too.
      let start = c.match.start;
      if (m.format.matcher?.openStart) {
        const previousEnd = i > 0 ? chosen[i - 1]!.match.end : 0;
        const fragment = fragmentStarts.filter((f) => f <= start).pop() ?? 0;
        start = Math.max(previousEnd, fragment);
      }
      const end = Math.min(chosen[i + 1]?.match.start ?? kernelStart, kernelStart);
      const layer: Layer = { program: c.format.program, text: trimLayer(text.slice(start, end)), origin: m.format.site, versions: m.versions };
      if (m.upstream) layer.upstream = m.upstream;
      return layer;
    });
    if (inner?.syscall) layers.push({ program: 'kernel', text: inner.innermost.text, origin: null, versions: null });
    const versions = meta.versions;
    return Object.freeze({ layers, innermost: inner?.innermost ?? null, versions });
  }

  /**
   * What the layers of these formats say whatever the message's own words: which of each layer's equal
   * formats is shown, its versions and link, and the versions consistent with every layer. The same
   * formats make thousands of lines: worked out once per sequence of them.
   */
  private layerMeta(chosen: Candidate[], alternatives: Candidate[][]): LayerMeta {
    const key = alternatives.map((alts) => alts.map((a) => this.idOf(a.format)).join('+')).join('|');
    const held = this.metas.get(key);
    if (held) return held;
    const perProgram = new Map<ProgramId, number[]>();
    alternatives.forEach((alts, i) => {
      const program = chosen[i]!.format.program;
      const tags = alts.reduce<number[]>((acc, a) => union(acc, versionsOf(a.format)), []);
      const had = perProgram.get(program);
      perProgram.set(program, had ? intersect(had, tags) : tags);
    });
    const layers = chosen.map((c, i) => {
      const consistent = perProgram.get(c.format.program) ?? [];
      const best = alternatives[i]!.reduce((a, b) => (overlap(versionsOf(b.format), consistent) > overlap(versionsOf(a.format), consistent) ? b : a), c);
      const own = overlap(versionsOf(best.format), consistent) > 0 ? intersect(versionsOf(best.format), consistent) : versionsOf(best.format);
      return { format: best.format, versions: this.range(c.format.program, own), upstream: this.upstream(best.format) };
    });
    const versions: Partial<Record<ProgramId, string>> = {};
    for (const [program, tags] of perProgram) {
      const range = this.range(program, tags);
      if (range) versions[program] = range;
    }
    const meta = { layers, versions: Object.freeze(versions) };
    if (this.metas.size >= CACHE) this.metas.clear();
    this.metas.set(key, meta);
    return meta;
  }

  private idOf(f: Format): number {
    let id = this.ids.get(f);
    if (id === undefined) {
      id = this.ids.size;
      this.ids.set(f, id);
    }
    return id;
  }

  /** The index formats that made the text, outermost first; `fragments` are splitFragments of the text. */
  private match(msg: ReturnType<typeof messageText>, fragments: Fragment[]): { chosen: Candidate[]; candidates: Candidate[] } {
    const edges = fragmentEdges(fragments);
    // Messages of one shape (the same error of another pod, container or pid) are made by the same
    // formats: those are tried first, and the whole index only when they no longer account for the text.
    const shape = shapeOf(msg.text);
    const known = this.shapes.get(shape);
    if (known) {
      const again = this.candidates(known.formats, msg, edges);
      const chosen = chooseCovering(again);
      if (chosen.length === known.chosen) return { chosen, candidates: again };
    }
    const seen = new Set<Format>();
    for (const word of new Set(msg.text.match(WORD) ?? [])) for (const f of this.formatsOf(word)) seen.add(f);
    const candidates = this.candidates([...seen], msg, edges);
    const chosen = chooseCovering(candidates);
    if (this.shapes.size >= CACHE) this.shapes.clear();
    this.shapes.set(shape, { formats: [...new Set(candidates.map((c) => c.format))], chosen: chosen.length });
    return { chosen, candidates };
  }

  /** Every place these formats can have made part of the text, best first. */
  private candidates(formats: Format[], msg: ReturnType<typeof messageText>, edges: ReturnType<typeof fragmentEdges>): Candidate[] {
    const out: Candidate[] = [];
    for (const f of formats) {
      if (!f.pieces.every((p) => msg.text.includes(p))) continue;
      if (f.matcher === undefined) f.matcher = literalMatcher(f.format);
      if (!f.matcher) continue;
      for (const match of matchLiteral(f.matcher, msg, edges)) out.push({ format: f, match, depth: DEPTH[f.program] ?? 0 });
    }
    return out.sort(
      (a, b) =>
        b.match.covered.length - a.match.covered.length ||
        b.format.matcher!.constantLength - a.format.matcher!.constantLength ||
        b.depth - a.depth ||
        b.match.start - a.match.start ||
        versionsOf(b.format).length - versionsOf(a.format).length,
    );
  }

  /** The format's site on GitHub at the newest tag that has it. */
  private upstream(f: Format): string | null {
    if (f.upstreamValue === undefined) f.upstreamValue = this.upstreamOf(f);
    return f.upstreamValue;
  }

  private upstreamOf(f: Format): string | null {
    const program = this.table.programs[f.program];
    const tag = program?.tags?.[f.newest];
    if (!program?.repo || !tag || !/^[\w.-]+\/[\w.-]+$/.test(program.repo)) return null;
    return `https://github.com/${program.repo}/blob/${encodeURIComponent(tag)}/${f.site.file.split('/').map(encodeURIComponent).join('/')}#L${f.site.line}`;
  }

  /** Tag indices as people read them: `1.1.0–1.1.15`, several spans joined by commas. */
  private range(program: ProgramId, tags: number[]): string | null {
    const key = `${program}:${tags.join(',')}`;
    let r = this.ranges.get(key);
    if (r === undefined) {
      r = this.rangeOf(program, tags);
      if (this.ranges.size >= CACHE) this.ranges.clear();
      this.ranges.set(key, r);
    }
    return r;
  }

  private rangeOf(program: ProgramId, tags: number[]): string | null {
    const read = this.table.programs[program];
    const names = read?.tags;
    if (!names || tags.length === 0) return null;
    const spans: string[] = [];
    for (let i = 0; i < tags.length; ) {
      let j = i;
      while (j + 1 < tags.length && tags[j + 1] === tags[j]! + 1) j++;
      const from = tagName(names[tags[i]!]);
      const to = tagName(names[tags[j]!]);
      if (from !== null && to !== null) spans.push((i === j ? from : `${from}–${to}`) + openEnd(read, tags[j]!));
      i = j + 1;
    }
    return spans.length ? spans.join(', ') : null;
  }
}

/**
 * The message index as the reader looks it up (knowledge/messages-words.json, derived from messages.json
 * by `npm run knowledge`): each format once per program, its entries' versions merged, filed under its
 * rarest whole word. The rows of a word are kept as JSON text: loading the table parses strings only, and
 * a word's rows are parsed when a message first has it.
 */
export interface WordTable {
  about: string;
  programs: MessageIndex['generated']['programs'];
  words: Record<string, string>;
}

/** The shipped table's text, parsed a word at a time: word → its value as written (a JSON string literal). */
interface LazyWords {
  literals: { get(word: string): string | undefined };
}

/** [program, format, file, line, function, version ranges (tag indices, merged), the site's tag index] */
type TableRow = [ProgramId, string, string, number, string, [number, number][], number];

/** Derives the word table of a message index (the generator writes it; the reader derives it for an index in memory). */
export function wordTable(index: MessageIndex): WordTable {
  const merged = new Map<string, { row: TableRow; ranges: [number, number][] }>();
  const entries: unknown = index?.entries;
  for (const e of (Array.isArray(entries) ? entries : []) as MessageEntry[]) {
    if (!e || typeof e.format !== 'string' || !e.site || !Array.isArray(e.versions) || DEPTH[e.program] === undefined) continue;
    const ranges = e.versions.filter((r): r is [number, number] => Array.isArray(r) && typeof r[0] === 'number' && typeof r[1] === 'number' && r[0] <= r[1]);
    const newest = ranges.reduce((n, r) => Math.max(n, r[1]), -1);
    const key = `${e.program}\u0000${e.format}`;
    const held = merged.get(key);
    if (!held) merged.set(key, { row: [e.program, e.format, e.site.file, e.site.line, e.site.function, [], newest], ranges: [...ranges] });
    else {
      held.ranges.push(...ranges);
      if (newest > held.row[6]) [held.row[2], held.row[3], held.row[4], held.row[6]] = [e.site.file, e.site.line, e.site.function, newest];
    }
  }
  const kept: { row: TableRow; keys: string[] }[] = [];
  const frequency = new Map<string, number>();
  for (const { row, ranges } of merged.values()) {
    const constant = constantPieces(row[1]);
    if (!constant.some((t) => (t.match(WORD) ?? []).some((w) => !GENERIC.has(w.toLowerCase())))) continue;
    const keys = keyWordsOf(constant);
    if (keys.length === 0) continue;
    row[5] = mergeRanges(ranges);
    kept.push({ row, keys });
    for (const w of new Set(keys)) frequency.set(w, (frequency.get(w) ?? 0) + 1);
  }
  const byWord = new Map<string, TableRow[]>();
  for (const { row, keys } of kept) {
    const word = keys.reduce((a, b) => (frequency.get(b)! < frequency.get(a)! || (frequency.get(b) === frequency.get(a) && b.length > a.length) ? b : a));
    const list = byWord.get(word);
    if (list) list.push(row);
    else byWord.set(word, [row]);
  }
  const words: Record<string, string> = {};
  for (const w of [...byWord.keys()].sort(byCodeUnit)) {
    const rows = byWord.get(w)!.sort((a, b) => byCodeUnit(a[0], b[0]) || byCodeUnit(a[1], b[1]));
    words[w] = JSON.stringify(rows);
  }
  return { about: `derived from messages.json (${index?.generated?.by ?? 'a message index'}) by wordTable in src/core/messages/anatomy.ts`, programs: index?.generated?.programs ?? {}, words };
}

function mergeRanges(ranges: [number, number][]): [number, number][] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
    else out.push([r[0], r[1]]);
  }
  return out;
}

function tagName(tag: string | undefined): string | null {
  return tag === undefined ? null : versionLabel(tag);
}

let shared: AnatomyReader | undefined;

/**
 * Where a generated knowledge file is on disk: beside the bundle (dist/, copied by `npm run build`; the
 * .vsix carries it), else in the source tree above this module (the unit tests' out/ folder).
 */
function knowledgeFile(name: string): string | null {
  const fs = require('node:fs') as typeof import('node:fs');
  const path = require('node:path') as typeof import('node:path');
  const candidates = [path.join(__dirname, name)];
  for (let dir = __dirname, i = 0; i < 6; dir = path.dirname(dir), i++) candidates.push(path.join(dir, 'src', 'core', 'knowledge', name));
  return candidates.find((f) => fs.existsSync(f)) ?? null;
}

/** The word table as the generator writes it (serialiseWordTable): its header, then one word per line. */
export function serialiseWordTable(table: WordTable): string {
  const body = Object.keys(table.words).map((w) => `    ${JSON.stringify(w)}: ${JSON.stringify(table.words[w])}`);
  return `{\n  "about": ${JSON.stringify(table.about)},\n  "programs": ${JSON.stringify(table.programs)},\n  "words": {\n${body.join(',\n')}\n  }\n}\n`;
}

const WORDS_START = '\n  "words": {\n';

/**
 * The word table shipped with Runtime Lens (knowledge/messages-words.json), read from disk. The file is
 * JSON, written one word per line: only the header is parsed here, each word's line is found by its
 * key and parsed when a message has the word (a whole JSON.parse would unescape 1.2 MB for a few words).
 */
export function loadWordTable(): WordTable & LazyWords {
  const file = knowledgeFile('messages-words.json');
  if (!file) throw new Error('messages-words.json is missing beside the bundle and in the source tree');
  const fs = require('node:fs') as typeof import('node:fs');
  // Bytes, not a string: the file is 1.5 MB with some non-ASCII text, which as a string took twice as
  // long to read (decoded to two bytes a character); only the header and the lines looked up are decoded.
  const bytes = fs.readFileSync(file);
  const at = bytes.indexOf(WORDS_START);
  if (at < 0) throw new Error(`${file}: not as serialiseWordTable writes it`);
  const head = JSON.parse(`${bytes.toString('utf8', 0, at).replace(/,\s*$/, '')}\n}`) as { about: string; programs: WordTable['programs'] };
  const from = at + WORDS_START.length;
  const to = bytes.indexOf(WORDS_END, from - 1) + 1;
  if (to <= 0) throw new Error(`${file}: not as serialiseWordTable writes it`);
  return { about: head.about, programs: head.programs, words: {}, literals: { get: (word) => wordLine(bytes, from, to, word) } };
}

const WORDS_END = '\n  }\n';
/** How a word's line starts: `    "word": "…"`, then a comma but on the last line. */
const KEY_START = Buffer.from('    "', 'latin1');

/**
 * The value of `word`'s line among the lines [from, to) of the table's bytes, by binary search: the
 * generator writes the words in code-unit order (`wordTable`), one per line (a JSON string literal
 * holds no newline). Splitting all 3,200 lines into a map when the table was loaded took ~7-10 ms of
 * the first runtime error's line, for the few dozen words a log's reading looks up.
 */
function wordLine(bytes: Buffer, from: number, to: number, word: string): string | undefined {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    // The line holding the middle byte; lo is a line's start, so it starts at or after lo.
    const start = bytes.lastIndexOf(0x0a, ((lo + hi) >>> 1) - 1) + 1;
    const end = bytes.indexOf(0x0a, start);
    if (end < 0 || end >= to || bytes.compare(KEY_START, 0, KEY_START.length, start, start + KEY_START.length) !== 0) return undefined;
    const quote = bytes.indexOf(0x22, start + KEY_START.length);
    const found = bytes.toString('latin1', start + KEY_START.length, quote);
    if (quote < 0 || quote >= end || bytes[quote + 1] !== 0x3a || bytes[quote + 2] !== 0x20 || !/^[A-Za-z]+$/.test(found)) return undefined;
    if (found === word) return bytes.toString('utf8', quote + 3, bytes[end - 1] === 0x2c ? end - 1 : end);
    if (found < word) lo = end + 1;
    else hi = start;
  }
  return undefined;
}

/** The reader over the index shipped with Runtime Lens, loaded at the first runtime error it is asked about. */
export function sharedAnatomyReader(): AnatomyReader {
  shared ??= new AnatomyReader(loadWordTable);
  return shared;
}

function expand(ranges: [number, number][]): number[] {
  const out = new Set<number>();
  for (const r of ranges) {
    if (!Array.isArray(r) || r.length !== 2) continue;
    for (let i = Math.max(0, r[0]); i <= r[1] && i - r[0] < 10000; i++) out.add(i);
  }
  return [...out].sort((a, b) => a - b);
}

/** Sorted, distinct tag indices in; sorted, distinct out (merges: these run for every layer of every message). */
function union(a: number[], b: number[]): number[] {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = j >= b.length || (i < a.length && a[i]! <= b[j]!) ? a[i++]! : b[j++]!;
    if (out[out.length - 1] !== x) out.push(x);
  }
  return out;
}

function overlap(a: number[], b: number[]): number {
  return intersect(a, b).length;
}

function intersect(a: number[], b: number[]): number[] {
  const out: number[] = [];
  for (let i = 0, j = 0; i < a.length && j < b.length; ) {
    if (a[i]! < b[j]!) i++;
    else if (a[i]! > b[j]!) j++;
    else {
      out.push(a[i]!);
      i++;
      j++;
    }
  }
  return out;
}

/**
 * The words of a format's constant text that are whole words wherever the format prints them: one that
 * touches a verb (`runc-process%d`, `%sfoo`) may be glued to what the verb prints.
 */
export function keyWords(format: string): string[] {
  return keyWordsOf(constantPieces(format));
}

function keyWordsOf(pieces: string[]): string[] {
  const out: string[] = [];
  pieces.forEach((p, i) => {
    for (const m of p.matchAll(WORD)) {
      const at = m.index!;
      if (at === 0 && i > 0) continue;
      if (at + m[0].length === p.length && i < pieces.length - 1) continue;
      out.push(m[0]);
    }
  });
  return out;
}

/**
 * A format's constant text between its verbs, as formatPieces reads it (the same verb syntax; `%%` is a
 * percent sign), without building its pieces: one split per format when the index is prepared.
 */
function constantPieces(format: string): string[] {
  return format
    .replace(/%%/g, '\u0001')
    .split(VERBS)
    .map((p) => p.replace(/\u0001/g, '%'));
}

/** Go's fmt verbs (format.ts), and the HOLE of a non-literal operand. */
const VERBS = /%[-+# 0]*(?:\[\d+\])?(?:\d+|\*)?(?:\.(?:\d+|\*)?)?(?:\[\d+\])?[a-zA-Z]|\u0000/g;

/**
 * What messages of one error share: ids, numbers and quoted names (pods, containers, paths without
 * spaces) blanked. A quoted text with spaces (runc's `caused "…"`) is an error of its own and stays.
 */
function shapeOf(text: string): string {
  return text.replace(/"[^"\s]{0,300}"/g, '""').replace(/[0-9a-f]{12,}/g, '#').replace(/\d+/g, '0');
}

/** A layer's words without the separators that hand over to the next one. */
function trimLayer(s: string): string {
  return s.replace(/^[\s:"'\\,]+/, '').replace(/[\s:"'\\,]+$/, '');
}
