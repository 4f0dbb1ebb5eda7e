/**
 * The error inside a log message. Most messages are the error's text as it was wrapped (`Readiness
 * probe failed: OCI runtime exec failed: …`), and the wrappings themselves (`: `, quotes, gRPC's
 * `desc = `, runc's `caused "…"`) are split where the index formats are matched. A structured klog
 * line is not: `"ExecSync cmd from runtime service failed" err="rpc error: …" containerID="…"` holds
 * the kubelet's message and, quoted as a value, the error it logs; the pairs after it belong to
 * neither. It is read as the message wrapping its `err` value.
 */
export function errorText(message: string): string {
  // logrus's text format on a terminal (`ERRO[0000] exec failed: …`): the level and seconds are no one's words.
  const m = message.trimStart().replace(/^(?:ERRO|WARN|INFO|DEBU|FATA|PANI)\[\d+\]\s*/, '');
  if (!m.startsWith('"')) return m;
  const msgEnd = closingQuote(m, 0);
  if (msgEnd < 0) return m;
  const first = unquote(m.slice(0, msgEnd + 1));
  const rest = m.slice(msgEnd + 1);
  if (rest && !/^\s+[\w.-]+=/.test(rest)) return m;
  const err = value(rest, 'err');
  if (err !== null) return `${first}: ${err}`;
  // A logrus line whose `time=` was cut off: its words are the `msg` value, not the quoted time.
  return value(rest, 'msg') ?? first;
}

/** The value of `key="…"` among a line's key=value pairs (to its end when the line was cut inside it). */
function value(pairs: string, key: string): string | null {
  const at = new RegExp(`(?:^|\\s)${key}="`).exec(pairs);
  if (!at) return null;
  const open = at.index + at[0].length - 1;
  const close = closingQuote(pairs, open);
  return close < 0 ? unquote(`${pairs.slice(open)}"`) : unquote(pairs.slice(open, close + 1));
}

/** The index of the quote that closes the one at `open`, or -1 when the text ends first. */
function closingQuote(s: string, open: number): number {
  for (let i = open + 1; i < s.length; i++) {
    if (s[i] === '\\') i++;
    else if (s[i] === '"') return i;
  }
  return -1;
}

/** A Go-quoted string's value (klog quotes with strconv.Quote); escapes JSON does not know are kept as the character. */
function unquote(quoted: string): string {
  try {
    const v: unknown = JSON.parse(quoted);
    if (typeof v === 'string') return v;
  } catch {
    // \x.., \a and the like: not JSON.
  }
  return quoted.slice(1, -1).replace(/\\(.)/g, '$1');
}

/**
 * A structured klog line's message (`"ReconcileState: updating container" pod="ns/name" …`: klog's
 * InfoS/ErrorS text format) when it is exactly `message`: the text after the quoted message, where its
 * key=value pairs are, or null when the line's message is another (or not quoted). klog quotes the
 * message with strconv.Quote, which writes printable ASCII as JSON does.
 */
export function structuredRest(line: string, message: string): string | null {
  const quoted = JSON.stringify(message);
  if (!line.startsWith(quoted)) return null;
  const rest = line.slice(quoted.length);
  return rest === '' || /^\s/.test(rest) ? rest : null;
}

const PAIR_ENDS = new Map<string, RegExp>();

/**
 * The key=value pairs of a structured klog line (the text after its quoted message), by key, values
 * unquoted; the first of a repeated key. They are read in order from the message on, so a value that
 * quotes another line (`err="… containerID=\"…\" …"`) never lends its words to a key. `keys` are the
 * keys the call logs (the message index entry's `keys`; ErrorS puts `err` before them): a quoted value
 * ends at its closing quote; an unquoted one (klog's %+v of a struct, a slice, a number) at the next
 * ` key=` of one of them, or the end of the line. A value cut off inside its quotes (a pager's `>`)
 * ends the reading, so it is never taken for the whole.
 */
export function structuredPairs(rest: string, keys: readonly string[]): Map<string, string> {
  const names = ['err', ...keys];
  const id = names.join('\u0000');
  let next = PAIR_ENDS.get(id);
  if (!next) PAIR_ENDS.set(id, (next = new RegExp(`\\s(?:${names.map((k) => k.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})=`, 'g')));
  const pairs = new Map<string, string>();
  let at = 0;
  while (at < rest.length) {
    const key = /^\s{1,8}([^\s="]{1,128})=/.exec(rest.slice(at, at + 140));
    if (!key) break;
    const from = at + key[0].length;
    let value: string;
    if (rest[from] === '"') {
      const close = closingQuote(rest, from);
      if (close < 0) break;
      value = unquote(rest.slice(from, close + 1));
      at = close + 1;
    } else {
      next.lastIndex = from;
      const end = next.exec(rest)?.index ?? rest.length;
      value = rest.slice(from, end);
      at = end;
    }
    if (!pairs.has(key[1]!)) pairs.set(key[1]!, value);
  }
  return pairs;
}
