/**
 * What sits between the parts of a wrapped Go error: `%s: %w` wrapping, quotes around a `%q` (and the
 * klog/logrus quoting around a whole error), runc rc-era `… caused "…"`, gRPC's `desc = `, klog's `] `.
 */
const SEPARATORS = [': ', ' caused ', 'desc = ', '] ', '; ', '"', "'", '\n', '\t'];
/**
 * By the code of a character a separator starts with, the separators starting with it, in SEPARATORS'
 * order: most characters start none. Trying all nine at every character was most of reading a runtime
 * error's anatomy (the kubelet log of the bench: 258 distinct messages, each split twice).
 */
const SEPARATORS_BY_FIRST: (string[] | undefined)[] = [];
for (const s of SEPARATORS) (SEPARATORS_BY_FIRST[s.charCodeAt(0)] ??= []).push(s);

/** An error text with the escaping of its log lines undone, and where each character came from. */
export interface MessageText {
  /** The text as given. */
  original: string;
  /** With `\"` (at any depth of escaping) turned into `"`, so a `%q` inside a quoted error reads as it was made. */
  text: string;
  /** For each index of `text` (and one past its end), the index in `original`. */
  origin: number[];
}

/** A part of the text between separators. */
export interface Fragment {
  start: number;
  end: number;
  text: string;
}

export function messageText(original: string): MessageText {
  let text = '';
  const origin: number[] = [];
  for (let i = 0; i < original.length; i++) {
    if (original[i] === '\\') {
      // A run of backslashes before a quote is escaping (klog inside logrus inside JSON…): drop it.
      let j = i;
      while (original[j] === '\\') j++;
      if (original[j] === '"') {
        i = j - 1;
        continue;
      }
    }
    origin.push(i);
    text += original[i];
  }
  origin.push(original.length);
  return { original, text, origin };
}

/** The original characters behind [start, end) of the normalised text. */
export function originalSlice(m: MessageText, start: number, end: number): string {
  return m.original.slice(m.origin[start], end > start ? m.origin[end - 1]! + 1 : m.origin[start]);
}

/** Splits the text into the parts its wrappers produced, each trimmed; empty parts are dropped. */
export function splitFragments(text: string): Fragment[] {
  const out: Fragment[] = [];
  let start = 0;
  const push = (end: number) => {
    let s = start;
    let e = end;
    while (s < e && /\s/.test(text[s]!)) s++;
    while (e > s && /\s/.test(text[e - 1]!)) e--;
    if (e > s) out.push({ start: s, end: e, text: text.slice(s, e) });
  };
  let i = 0;
  while (i < text.length) {
    const sep = SEPARATORS_BY_FIRST[text.charCodeAt(i)]?.find((s) => text.startsWith(s, i));
    if (!sep) {
      i++;
      continue;
    }
    push(i);
    i += sep.length;
    start = i;
  }
  push(text.length);
  return out;
}

/**
 * Positions where a part may begin or end: the edges of the fragments. A literal that starts (ends)
 * with constant text must start (end) on one, so `exec failed: %w` is not taken for the tail of
 * `OCI runtime exec failed`.
 */
export function fragmentEdges(fragments: Fragment[]): { starts: Set<number>; ends: Set<number> } {
  const starts = new Set<number>();
  const ends = new Set<number>();
  for (const f of fragments) {
    starts.add(f.start);
    ends.add(f.end);
  }
  return { starts, ends };
}

/** Words that vary per occurrence (ids, numbers, paths, durations): never part of a format's constant text. */
function isVariable(word: string): boolean {
  return /[\d/\\]/.test(word);
}

const PUNCTUATION = /^[("'[{,.;:]+|[)"'\]},.;:]+$/g;

/**
 * Fixed strings one of which every literal that made part of this text must contain: pairs of
 * adjacent constant words of a fragment, and the longer words next to a variable one (where a verb
 * sat: `timeout %v exceeded`). Cheap to look for in a file's bytes before reading its literals.
 */
export function needles(text: string): string[] {
  // runc's rc-era `%s:%d: %s caused %q` holds no pair of words: its one word is the needle.
  const out = new Set<string>(text.includes(' caused ') ? ['caused'] : []);
  for (const f of splitFragments(text)) {
    const words = f.text.split(/\s+/).map((w) => w.replace(PUNCTUATION, ''));
    for (let i = 0; i < words.length; i++) {
      const w = words[i]!;
      if (!w || isVariable(w)) continue;
      const next = words[i + 1];
      if (next && !isVariable(next)) {
        const pair = `${w} ${next}`;
        if (pair.length >= 6) out.add(pair);
      }
      const besideVariable = (words[i - 1] !== undefined && isVariable(words[i - 1]!)) || (next !== undefined && isVariable(next));
      if (besideVariable && w.length >= 7) out.add(w);
    }
  }
  return [...out];
}
