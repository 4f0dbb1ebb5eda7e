import { type Covering, type LiteralMatcher, chooseCovering, formatPieces, literalMatcher, matchLiteral } from '../origins/format';
import { fragmentEdges, messageText, splitFragments } from '../origins/message';
import type { ErrorAnatomy, InnermostError, Layer, MessageOrigin, ProgramId } from '../signatures/types';
import { type Innermost, innermostReader } from './innermost';
import { loadMessageIndex, versionLabel } from './index';
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
  private formats: Format[] | null = null;
  /** A word of each format's constant text (its longest) → the formats holding it. */
  private byWord = new Map<string, Format[]>();
  private readonly cache = new Map<string, ErrorAnatomy>();

  private indexValue: MessageIndex | null = null;

  /** `index` may be a function: the index is then loaded at the first message, never for a log without runtime errors. */
  constructor(
    private readonly source: MessageIndex | (() => MessageIndex),
    private readonly innermost: Innermost = innermostReader(),
  ) {}

  private get index(): MessageIndex {
    this.indexValue ??= typeof this.source === 'function' ? this.source() : this.source;
    return this.indexValue;
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
    const { chosen: all, candidates } = this.match(msg);
    const chosen = all.filter((c) => c.match.start < kernelStart).sort((a, b) => a.match.start - b.match.start);
    // The same words printed by several formats of a program (`exec failed: %v` before 1.0, `%w`
    // after): each layer may be any of them, and the versions are those where every layer's words exist.
    const alternatives = chosen.map((c) => candidates.filter((o) => o.format.program === c.format.program && o.match.start === c.match.start && o.match.end === c.match.end && o.match.covered.length === c.match.covered.length));
    const perProgram = new Map<ProgramId, number[]>();
    alternatives.forEach((alts, i) => {
      const program = chosen[i]!.format.program;
      const tags = alts.reduce<number[]>((acc, a) => union(acc, versionsOf(a.format)), []);
      const held = perProgram.get(program);
      perProgram.set(program, held ? intersect(held, tags) : tags);
    });
    const fragmentStarts = [...fragmentEdges(splitFragments(text)).starts].sort((a, b) => a - b);
    const layers: Layer[] = chosen.map((c, i) => {
      const consistent = perProgram.get(c.format.program) ?? [];
      const best = alternatives[i]!.reduce((a, b) => (overlap(versionsOf(b.format), consistent) > overlap(versionsOf(a.format), consistent) ? b : a), c);
      // A format that starts with a verb (`%s probe errored: %v`) made the words before its constant text too.
      let start = c.match.start;
      if (best.format.matcher?.openStart) {
        const previousEnd = i > 0 ? chosen[i - 1]!.match.end : 0;
        const fragment = fragmentStarts.filter((f) => f <= start).pop() ?? 0;
        start = Math.max(previousEnd, fragment);
      }
      const end = Math.min(chosen[i + 1]?.match.start ?? kernelStart, kernelStart);
      const own = overlap(versionsOf(best.format), consistent) > 0 ? intersect(versionsOf(best.format), consistent) : versionsOf(best.format);
      return { program: c.format.program, text: trimLayer(text.slice(start, end)), origin: best.format.site, versions: this.range(c.format.program, own) };
    });
    if (inner?.syscall) layers.push({ program: 'kernel', text: inner.innermost.text, origin: null, versions: null });
    const versions: Partial<Record<ProgramId, string>> = {};
    for (const [program, tags] of perProgram) {
      const range = this.range(program, tags);
      if (range) versions[program] = range;
    }
    return Object.freeze({ layers, innermost: inner?.innermost ?? null, versions });
  }

  /** The index formats that made the text, outermost first. */
  private match(msg: ReturnType<typeof messageText>): { chosen: Candidate[]; candidates: Candidate[] } {
    const formats = this.prepare();
    if (formats.length === 0) return { chosen: [], candidates: [] };
    const edges = fragmentEdges(splitFragments(msg.text));
    const seen = new Set<Format>();
    const candidates: Candidate[] = [];
    for (const word of new Set(msg.text.match(WORD) ?? [])) {
      for (const f of this.byWord.get(word) ?? []) {
        if (seen.has(f)) continue;
        seen.add(f);
        if (!f.pieces.every((p) => msg.text.includes(p))) continue;
        if (f.matcher === undefined) f.matcher = literalMatcher(f.format);
        if (!f.matcher) continue;
        for (const match of matchLiteral(f.matcher, msg, edges)) candidates.push({ format: f, match, depth: DEPTH[f.program] ?? 0 });
      }
    }
    candidates.sort(
      (a, b) =>
        b.match.covered.length - a.match.covered.length ||
        b.format.matcher!.constantLength - a.format.matcher!.constantLength ||
        b.depth - a.depth ||
        b.match.start - a.match.start ||
        versionsOf(b.format).length - versionsOf(a.format).length,
    );
    return { chosen: chooseCovering(candidates), candidates };
  }

  /**
   * Merges the index's entries per (program, format) and files each under its rarest word (the one fewest
   * formats share), so that a message's words reach few formats. Nothing else is computed before a
   * message needs it: the regular expressions and the version lists are built for the formats it meets.
   */
  private prepare(): Format[] {
    if (this.formats) return this.formats;
    const merged = new Map<string, Format>();
    const entries: unknown = this.index?.entries;
    for (const e of (Array.isArray(entries) ? entries : []) as MessageEntry[]) {
      if (!e || typeof e.format !== 'string' || !e.site || !Array.isArray(e.versions) || DEPTH[e.program] === undefined) continue;
      const key = `${e.program}\u0000${e.format}`;
      const newest = e.versions.reduce((n, r) => (Array.isArray(r) && typeof r[1] === 'number' ? Math.max(n, r[1]) : n), -1);
      const held = merged.get(key);
      if (!held) merged.set(key, { program: e.program, format: e.format, site: e.site, ranges: [...e.versions], newest, pieces: [] });
      else {
        held.ranges.push(...e.versions);
        if (newest > held.newest) [held.site, held.newest] = [e.site, newest];
      }
    }
    const words: string[][] = [];
    const frequency = new Map<string, number>();
    this.formats = [];
    for (const f of merged.values()) {
      const constant = formatPieces(f.format).flatMap((p) => ('text' in p ? [p.text] : []));
      if (!constant.some((t) => (t.match(/[A-Za-z]{3,}/g) ?? []).some((w) => !GENERIC.has(w.toLowerCase())))) continue;
      const keys = keyWords(f.format);
      if (keys.length === 0) continue;
      f.pieces = constant.map((t) => t.trim()).filter((t) => t.length >= 3);
      this.formats.push(f);
      words.push(keys);
      for (const w of new Set(keys)) frequency.set(w, (frequency.get(w) ?? 0) + 1);
    }
    this.formats.forEach((f, i) => {
      const word = words[i]!.reduce((a, b) => (frequency.get(b)! < frequency.get(a)! || (frequency.get(b) === frequency.get(a) && b.length > a.length) ? b : a));
      const list = this.byWord.get(word);
      if (list) list.push(f);
      else this.byWord.set(word, [f]);
    });
    return this.formats;
  }

  /** Tag indices as people read them: `1.1.0–1.1.15`, several spans joined by commas. */
  private range(program: ProgramId, tags: number[]): string | null {
    const names = this.index.generated?.programs?.[program]?.tags;
    if (!names || tags.length === 0) return null;
    const spans: string[] = [];
    for (let i = 0; i < tags.length; ) {
      let j = i;
      while (j + 1 < tags.length && tags[j + 1] === tags[j]! + 1) j++;
      const from = tagName(names[tags[i]!]);
      const to = tagName(names[tags[j]!]);
      if (from !== null && to !== null) spans.push(i === j ? from : `${from}–${to}`);
      i = j + 1;
    }
    return spans.length ? spans.join(', ') : null;
  }
}

function tagName(tag: string | undefined): string | null {
  return tag === undefined ? null : versionLabel(tag);
}

let shared: AnatomyReader | undefined;

/** The reader over the index shipped with Runtime Lens, loaded at the first runtime error it is asked about. */
export function sharedAnatomyReader(): AnatomyReader {
  shared ??= new AnatomyReader(() => loadMessageIndex({ check: false }));
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

function union(a: number[], b: number[]): number[] {
  if (a.length === 0) return b;
  return [...new Set([...a, ...b])].sort((x, y) => x - y);
}

function overlap(a: number[], b: number[]): number {
  return intersect(a, b).length;
}

function intersect(a: number[], b: number[]): number[] {
  const s = new Set(b);
  return a.filter((x) => s.has(x));
}

/**
 * The words of a format's constant text that are whole words wherever the format prints them: one that
 * touches a verb (`runc-process%d`, `%sfoo`) may be glued to what the verb prints.
 */
export function keyWords(format: string): string[] {
  const pieces = formatPieces(format);
  const out: string[] = [];
  pieces.forEach((p, i) => {
    if (!('text' in p)) return;
    for (const m of p.text.matchAll(WORD)) {
      const at = m.index!;
      if (at === 0 && i > 0) continue;
      if (at + m[0].length === p.text.length && i < pieces.length - 1) continue;
      out.push(m[0]);
    }
  });
  return out;
}

/** A layer's words without the separators that hand over to the next one. */
function trimLayer(s: string): string {
  return s.replace(/^[\s:"'\\,]+/, '').replace(/[\s:"'\\,]+$/, '');
}
