import { type ExtractedMessage, informative } from './extractGo';

/**
 * The printf-style calls of conmon, crun and runc's nsenter that make an error or write a log line: which argument is
 * the format, and what it makes. conmon (src/utils.h): p… adds strerror(errno), n… does not, -exit
 * ends the process. crun: crun_make_error/libcrun_make_error build a libcrun_error_t, crun_error_wrap
 * prefixes one, libcrun_warning/libcrun_error/libcrun_debug log.
 */
const C_CALLS: Record<string, { arg: number; kind: 'error' | 'log'; level?: string; levelArg?: number }> = {
  pexit: { arg: 0, kind: 'log', level: 'fatal' },
  pexitf: { arg: 0, kind: 'log', level: 'fatal' },
  nexit: { arg: 0, kind: 'log', level: 'fatal' },
  nexitf: { arg: 0, kind: 'log', level: 'fatal' },
  pwarn: { arg: 0, kind: 'log', level: 'warning' },
  pwarnf: { arg: 0, kind: 'log', level: 'warning' },
  nwarn: { arg: 0, kind: 'log', level: 'warning' },
  nwarnf: { arg: 0, kind: 'log', level: 'warning' },
  ninfo: { arg: 0, kind: 'log', level: 'info' },
  ninfof: { arg: 0, kind: 'log', level: 'info' },
  ndebug: { arg: 0, kind: 'log', level: 'debug' },
  ndebugf: { arg: 0, kind: 'log', level: 'debug' },
  crun_make_error: { arg: 2, kind: 'error' },
  libcrun_make_error: { arg: 2, kind: 'error' },
  crun_error_wrap: { arg: 1, kind: 'error' },
  libcrun_fail_with_error: { arg: 1, kind: 'error' },
  libcrun_warning: { arg: 0, kind: 'log', level: 'warning' },
  libcrun_error: { arg: 1, kind: 'log', level: 'error' },
  libcrun_debug: { arg: 0, kind: 'log', level: 'debug' },
  error: { arg: 2, kind: 'log', level: 'fatal' },
  // runc's nsenter (libcontainer/nsenter): bail/bailx end runc init with the message (and errno for bail),
  // write_log(LEVEL, …) sends a line to runc's log through the log pipe.
  bail: { arg: 0, kind: 'error' },
  bailx: { arg: 0, kind: 'error' },
  // runc 1.0.0-rc1's nsexec.c, before bail.
  pr_perror: { arg: 0, kind: 'error' },
  write_log: { arg: 1, kind: 'log', levelArg: 0 },
};

const C_LEVELS: Record<string, string> = { PANIC: 'panic', FATAL: 'fatal', ERROR: 'error', WARNING: 'warning', INFO: 'info', DEBUG: 'debug', TRACE: 'debug' };

const ESC: Record<string, string> = { n: '\n', t: '\t', r: '\r', a: '\u0007', b: '\b', f: '\f', v: '\v', '\\': '\\', "'": "'", '"': '"', '?': '?' };

/** inttypes.h's PRIu64 and friends expand to a conversion's length and letter. */
const PRI = /^PRI([diouxX])(8|16|32|64|MAX|PTR|LEAST\d+|FAST\d+)$/;

/** Reads a C string expression (adjacent literals and PRI macros); null when it holds anything else. */
function cString(expr: string): string | null {
  let i = 0;
  let out = '';
  let any = false;
  const n = expr.length;
  while (i < n) {
    const c = expr[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '"') {
      any = true;
      i++;
      while (i < n && expr[i] !== '"') {
        if (expr[i] === '\\') {
          const e = expr[i + 1] ?? '';
          if (e in ESC) {
            out += ESC[e];
            i += 2;
          } else if (e === 'x') {
            const m = /^[0-9a-fA-F]+/.exec(expr.slice(i + 2))![0] ?? '';
            out += String.fromCharCode(parseInt(m || '0', 16));
            i += 2 + m.length;
          } else if (/[0-7]/.test(e)) {
            const m = /^[0-7]{1,3}/.exec(expr.slice(i + 1))![0];
            out += String.fromCharCode(parseInt(m, 8));
            i += 1 + m.length;
          } else if (e === '\n') {
            i += 2;
          } else {
            out += e;
            i += 2;
          }
        } else out += expr[i++];
      }
      if (i >= n) return null;
      i++;
      continue;
    }
    const id = /^[A-Za-z_]\w*/.exec(expr.slice(i));
    const pri = id ? PRI.exec(id[0]) : null;
    if (!pri) return null;
    out += pri[2] === '64' || pri[2] === 'MAX' || pri[2] === 'PTR' ? `l${pri[1]}` : pri[1];
    i += id![0].length;
  }
  return any ? out : null;
}

/** Offset just past the string or char literal that starts at `i`. */
function skipQuoted(src: string, i: number): number {
  const q = src[i];
  let j = i + 1;
  while (j < src.length && src[j] !== q && src[j] !== '\n') j += src[j] === '\\' ? 2 : 1;
  return j + 1;
}

/**
 * The error and log formats of one C file (conmon, crun), found by a scanner that knows comments,
 * string and char literals and bracket depth: enough for the calls above, whose format is a literal.
 * The enclosing function is the name before the parameter list of the top-level `{` it is inside.
 */
export function extractC(source: string): ExtractedMessage[] {
  const src = source.replace(/\r/g, '');
  const lineStarts = [0];
  for (let i = 0; i < src.length; i++) if (src.charCodeAt(i) === 10) lineStarts.push(i + 1);
  const lineOf = (pos: number) => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= pos) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
  const out: ExtractedMessage[] = [];
  let depth = 0;
  let fn = '';
  let lastTop = 0;
  let i = 0;
  const n = src.length;
  while (i < n) {
    const c = src[i]!;
    if (c === '/' && src[i + 1] === '/') {
      const e = src.indexOf('\n', i);
      i = e < 0 ? n : e;
      continue;
    }
    if (c === '/' && src[i + 1] === '*') {
      const e = src.indexOf('*/', i + 2);
      i = e < 0 ? n : e + 2;
      continue;
    }
    if (c === '#' && depth === 0) {
      // A preprocessor line (with its continuations) at top level is not part of a declaration.
      let e = i;
      do {
        e = src.indexOf('\n', e + 1);
      } while (e > 0 && src[e - 1] === '\\');
      i = e < 0 ? n : e;
      lastTop = i;
      continue;
    }
    if (c === '"' || c === "'") {
      i = skipQuoted(src, i);
      continue;
    }
    if (c === '{') {
      if (depth === 0) {
        const header = src.slice(lastTop, i);
        const m = /([A-Za-z_]\w*)\s*\([^()]*(?:\([^()]*\)[^()]*)*\)\s*(?:__attribute__\s*\(\(.*\)\))?\s*$/s.exec(header);
        fn = m ? m[1]! : '';
      }
      depth++;
      i++;
      continue;
    }
    if (c === '}') {
      depth = Math.max(0, depth - 1);
      if (depth === 0) {
        fn = '';
        lastTop = i + 1;
      }
      i++;
      continue;
    }
    if (c === ';' && depth === 0) {
      lastTop = i + 1;
      i++;
      continue;
    }
    if (/[A-Za-z_]/.test(c) && (i === 0 || !/\w/.test(src[i - 1]!))) {
      const id = /^[A-Za-z_]\w*/.exec(src.slice(i, i + 64))![0];
      let j = i + id.length;
      const spec = depth > 0 ? C_CALLS[id] : undefined;
      if (!spec) {
        i = j;
        continue;
      }
      while (j < n && /\s/.test(src[j]!)) j++;
      if (src[j] !== '(') {
        i = j;
        continue;
      }
      const args = splitArgs(src, j);
      i = j + 1;
      if (!args) continue;
      const a = args[spec.arg];
      if (!a) continue;
      const text = cString(src.slice(a.start, a.end));
      if (text === null || !informative(text)) continue;
      const firstQuote = src.indexOf('"', a.start);
      const message: ExtractedMessage = { format: text, kind: spec.kind, line: lineOf(firstQuote), function: fn };
      const level = spec.levelArg !== undefined ? C_LEVELS[src.slice(args[spec.levelArg]!.start, args[spec.levelArg]!.end).trim()] : spec.level;
      if (level) message.level = level;
      out.push(message);
      continue;
    }
    i++;
  }
  return out;
}

/** The argument spans of the call whose `(` is at `open`; null when it does not close. */
function splitArgs(src: string, open: number): { start: number; end: number }[] | null {
  const args: { start: number; end: number }[] = [];
  let depth = 0;
  let start = open + 1;
  for (let i = open; i < src.length; i++) {
    const c = src[i]!;
    if (c === '"' || c === "'") {
      i = skipQuoted(src, i) - 1;
      continue;
    }
    if (c === '/' && src[i + 1] === '*') {
      const e = src.indexOf('*/', i + 2);
      if (e < 0) return null;
      i = e + 1;
      continue;
    }
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      depth--;
      if (depth === 0) {
        args.push({ start, end: i });
        return args;
      }
    } else if (c === ',' && depth === 1) {
      args.push({ start, end: i });
      start = i + 1;
    }
  }
  return null;
}
