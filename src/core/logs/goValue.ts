/**
 * Reads the fields of a protobuf message as a Go program prints it with `%v` / `%+v`. The same event
 * prints differently depending on the protobuf library it was generated with, so a log line of one
 * format string (containerd's `TaskExit event %+v`) holds either form:
 * - gogo-protobuf's generated String() (containerd up to 1.6): `&TaskExit{ContainerID:…,ID:…,Pid:4242,…,}`;
 * - google.golang.org/protobuf's prototext (containerd 1.7 and 2.x): `container_id:"…" id:"…" pid:4242
 *   exited_at:{seconds:… nanos:…}`: fields apart by one space or, at random, two (the library makes its
 *   text output deliberately unstable), and fields holding their zero value left out.
 * Which message and which field names is data (facts.json `values`); this only knows the two grammars.
 */

/** A protobuf message type as facts.json `values` names it. */
export interface GoValueType {
  /** The type's name in gogo's String() (`&TaskExit{`). */
  gogo: string;
  /** Per field: its protobuf name (prototext) → its Go name (gogo String()). */
  fields: Record<string, string>;
}

/** Values longer than this are not a message these rules read (a line cut, or something else). */
const MAX_VALUE = 8192;

/** The message's fields by their protobuf names (strings unquoted), or null when the text is neither form. */
export function readGoValue(text: string, type: GoValueType): Record<string, string> | null {
  const value = text.length > MAX_VALUE ? text.slice(0, MAX_VALUE) : text;
  const start = value.trimStart();
  return start.startsWith(`&${type.gogo}{`) ? readGogo(start.slice(type.gogo.length + 2), type) : readPrototext(start, type);
}

/** `Name:value,Name:value,…,}`: a value runs to the comma at its own depth (brackets and braces nest). */
function readGogo(body: string, type: GoValueType): Record<string, string> | null {
  const byGoName = new Map(Object.entries(type.fields).map(([proto, go]) => [go, proto]));
  const out: Record<string, string> = {};
  let at = 0;
  while (at < body.length && body[at] !== '}') {
    const colon = body.indexOf(':', at);
    const name = colon < 0 ? '' : body.slice(at, colon);
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,64}$/.test(name)) break;
    // A line cut inside a value keeps the fields before it.
    const end = valueEnd(body, colon + 1, ',');
    if (end < 0) break;
    const proto = byGoName.get(name);
    if (proto !== undefined) out[proto] = body.slice(colon + 1, end);
    at = end + 1;
  }
  return Object.keys(out).length ? out : null;
}

/** `name:value name:value …`, space-separated (one or two spaces), strings quoted, messages in braces. */
function readPrototext(text: string, type: GoValueType): Record<string, string> | null {
  const known = new Set(Object.keys(type.fields));
  const out: Record<string, string> = {};
  let at = 0;
  for (;;) {
    while (text[at] === ' ') at++;
    if (at >= text.length) break;
    const m = /^([a-z_][a-z0-9_]{0,64}):/.exec(text.slice(at, at + 67));
    if (!m) break;
    const from = at + m[0].length;
    let end: number;
    if (text[from] === '"') end = quotedEnd(text, from);
    else if (text[from] === '{') end = valueEnd(text, from, ' ');
    else {
      end = text.indexOf(' ', from);
      if (end < 0) end = text.length;
    }
    if (end < 0) break;
    if (known.has(m[1]!)) out[m[1]!] = unquote(text.slice(from, end));
    at = end;
  }
  return Object.keys(out).length ? out : null;
}

/** Where a value starting at `from` ends: at `stop` outside brackets, braces and quotes (or at the text's end for a space). */
function valueEnd(text: string, from: number, stop: string): number {
  let depth = 0;
  for (let i = from; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      const end = quotedEnd(text, i);
      if (end < 0) return -1;
      i = end - 1;
    } else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      if (depth === 0) return stop === ',' ? -1 : i;
      depth--;
      if (depth === 0 && stop === ' ') return i + 1;
    } else if (c === stop && depth === 0) return i;
  }
  return stop === ' ' && depth === 0 ? text.length : -1;
}

/** The index just past a Go-quoted string starting at `from` (a `"`), or -1 when it does not close. */
function quotedEnd(text: string, from: number): number {
  for (let i = from + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i + 1;
  }
  return -1;
}

function unquote(v: string): string {
  if (!v.startsWith('"')) return v;
  try {
    return JSON.parse(v) as string;
  } catch {
    return v.slice(1, -1);
  }
}
