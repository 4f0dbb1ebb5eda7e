import errnoData from '../knowledge/errno.json';
import innermostData from '../knowledge/innermost.json';
import type { InnermostError } from '../signatures/types';
import type { InnermostRule } from './types';

/** One of Go's errno values (knowledge/errno.json, generated from Go's syscall table). */
export interface ErrnoEntry {
  number: number;
  names: string[];
  text: string;
  line: number;
}

export interface InnermostKnowledge {
  operations: string[];
  rules: InnermostRule[];
}

/** The innermost error found at the end of an error text, and where its words begin. */
export interface InnermostMatch {
  innermost: InnermostError;
  /** Index in the text where the innermost error's own words begin (the kernel's layer). */
  start: number;
  /** Whether it is a system call's failure (an errno or EOF), not just the last words of a wrapper. */
  syscall: boolean;
  /** Where the error's words end: what follows is the outer programs' trailers (`: unknown`, CRI-O's exit code). */
  end: number;
}

/**
 * What outer programs append after the error they wrap, peeled off before the innermost error is
 * looked for: containerd's gRPC class (`…: unknown`), CRI-O's exec result (`, stdout: …, stderr: …, exit
 * code -1`), the quotes and escaped quotes that closed each `%q`, a final full stop, runc's
 * `(possibly OOM-killed)` hint.
 */
const TRAILERS: RegExp[] = [
  /\s+$/,
  /["'`\\]+$/,
  /(?:\\n)+$/,
  /\.$/,
  /: unknown$/,
  /,\s*stdout: [^]*?,\s*stderr: [^]*?,\s*exit code -?\d+$/,
  /\s*\(possibly OOM-killed\)$/,
  // podman's class of an OCI runtime's error (define.ErrOCIRuntimePermissionDenied…), like containerd's `: unknown`.
  /: OCI (?:runtime )?(?:permission denied|not found|error)$/,
];

/** How much of a text's end the trailers are looked for in (CRI-O's stdout and stderr can be long: then they stay). */
const TRAILER_WINDOW = 2048;

/** Words before an operation that say it failed: `failed to unshare …`, `could not create session key`. */
const FAILURE_PREFIX = /^(?:(?:failed|unable) to|could not|cannot|can't|error(?: while)?|error:)\s+/i;
const FAILURE_SUFFIX = /\s+failed$/i;
/** Where one wrapping ends and the wrapped error begins. */
const BOUNDARY = /: |\bcaused(?: by)?:? |"|\bdesc = |\n/g;

export class Innermost {
  /** Errno texts longest first, lower-cased (glibc's strerror capitalises the same words). */
  private readonly byText: { text: string; entry: ErrnoEntry }[];
  private readonly byNumber = new Map<number, ErrnoEntry>();
  private readonly operations: Set<string>;
  private readonly rules: { rule: InnermostRule; operation: RegExp | null; object: RegExp | null }[];

  constructor(errno: ErrnoEntry[], knowledge: InnermostKnowledge) {
    this.byText = errno.map((entry) => ({ text: entry.text.toLowerCase(), entry })).sort((a, b) => b.text.length - a.text.length);
    for (const e of errno) this.byNumber.set(e.number, e);
    this.operations = new Set(knowledge.operations);
    this.rules = knowledge.rules.map((rule) => ({
      rule,
      operation: rule.operation ? new RegExp(rule.operation) : null,
      object: rule.object ? new RegExp(rule.object) : null,
    }));
  }

  /** The innermost error at the end of `text` (already unescaped), or null for an empty text. */
  parse(text: string): InnermostMatch | null {
    let end = text.length;
    for (let peeled = true; peeled; ) {
      peeled = false;
      // Trailers are short: the expressions see the end of the text only (an anchored `$` scans from the start).
      const from = Math.max(0, end - TRAILER_WINDOW);
      for (const t of TRAILERS) {
        const m = t.exec(text.slice(from, end));
        if (m && from + m.index > 0) {
          end = from + m.index;
          peeled = true;
          break;
        } else if (m && from + m.index === 0 && m[0].length === end) return null;
      }
    }
    const body = text.slice(0, end);
    if (!body.trim()) return null;
    const found = this.errnoAtEnd(body);
    if (!found) {
      const start = lastBoundary(body, body.length);
      return { innermost: { operation: null, object: null, errno: null, text: body.slice(start).trim() }, start, syscall: false, end };
    }
    let fragmentStart = lastBoundary(body, found.start);
    let fragment = body.slice(fragmentStart, found.start).replace(/[:\s]+$/, '');
    if (!fragment.trim() && fragmentStart > 0) {
      // `… cgroup.procs, value 952 caused by: Os { … }`: what failed is said before the hand-over.
      const sep = /(?:: |\bcaused(?: by)?:? |"|\bdesc = |\n)$/.exec(body.slice(0, fragmentStart))?.[0] ?? '';
      const sepStart = fragmentStart - sep.length;
      const before = lastBoundary(body, sepStart);
      fragment = body.slice(before, sepStart).trim();
      fragmentStart = before;
    }
    const op = this.operation(fragment);
    // `exec failed: EOF` is a wrapper and the pipe's end, not an exec that read EOF: an EOF names its operation only with what it read.
    if (op?.known && (found.name !== 'EOF' || op.object)) {
      return {
        innermost: { operation: op.operation, object: op.object, errno: found.name, text: body.slice(fragmentStart).trim() },
        start: fragmentStart,
        syscall: true,
        end,
      };
    }
    // Not `op object: errno`: the words before say what failed (`could not create session key`).
    return {
      innermost: { operation: found.name === 'EOF' ? null : (op?.operation ?? null), object: null, errno: found.name, text: found.text },
      start: found.start,
      syscall: true,
      end,
    };
  }

  /** The first rule of knowledge/innermost.json that the error satisfies. */
  rule(e: InnermostError): InnermostRule | null {
    for (const { rule, operation, object } of this.rules) {
      if (operation && (e.operation === null || !operation.test(e.operation))) continue;
      if (object && (e.object === null || !object.test(e.object))) continue;
      if (rule.errno && (e.errno === null || !rule.errno.includes(e.errno))) continue;
      return rule;
    }
    return null;
  }

  /** Every symbolic name of an errno, or null when Go has no such name. */
  names(name: string): string[] | null {
    for (const { entry } of this.byText) if (entry.names.includes(name)) return entry.names;
    return null;
  }

  /** The innermost error in a line of words: `write …/cgroup.procs: ENOENT (no such file or directory)`. */
  describe(e: InnermostError): string {
    if (!e.errno) return e.text;
    const what = e.operation ? `${e.operation}${e.object ? ` ${shortPath(e.object)}` : ''}: ` : '';
    const words = e.errno === 'EOF' ? null : this.byText.find((t) => t.entry.names[0] === e.errno)?.entry.text;
    return `${what}${e.errno}${words ? ` (${words})` : ''}`;
  }

  private errnoAtEnd(body: string): { name: string; text: string; start: number } | null {
    const lower = body.toLowerCase();
    // Rust's io::Error (kata's agent): `Resource busy (os error 16)`, `Os { code: 16, … message: "…" }`.
    const rust = /(?:^|[\s:])([^:()]*?)\s*\(os error (\d+)\)$/.exec(body) ?? /Os \{ code: (\d+), kind: \w+, message: "([^"]*)" \}$/.exec(body);
    if (rust) {
      const number = Number(rust[0].startsWith('Os {') ? rust[1] : rust[2]);
      const words = rust[0].startsWith('Os {') ? rust[2]! : rust[1]!.trim();
      const entry = this.byNumber.get(number);
      if (entry) {
        const start = body.length - rust[0].length + (rust[0].startsWith('Os {') ? 0 : rust[0].indexOf(words));
        return { name: entry.names[0]!, text: body.slice(start), start };
      }
    }
    for (const eof of ['unexpected EOF', 'EOF']) {
      if (body.endsWith(eof) && boundaryBefore(body, body.length - eof.length)) return { name: 'EOF', text: eof, start: body.length - eof.length };
    }
    for (const { text, entry } of this.byText) {
      if (!lower.endsWith(text)) continue;
      const start = body.length - text.length;
      if (!boundaryBefore(body, start)) continue;
      return { name: entry.names[0]!, text: body.slice(start), start };
    }
    return null;
  }

  /** `open /dev/ptmx`, `read init-p`, `failed to unshare namespaces`, `pthread_create failed`. */
  private operation(fragment: string): { operation: string; object: string | null; known: boolean } | null {
    let words = fragment.trim();
    if (!words) return null;
    for (let m = FAILURE_PREFIX.exec(words); m; m = FAILURE_PREFIX.exec(words)) words = words.slice(m[0].length);
    words = words.replace(FAILURE_SUFFIX, '');
    const space = words.indexOf(' ');
    const first = space < 0 ? words : words.slice(0, space);
    if (this.operations.has(first.toLowerCase())) {
      const rest = space < 0 ? '' : words.slice(space + 1).trim();
      return { operation: first, object: objectOf(rest), known: true };
    }
    // A few words that name what was being done, not a sentence of prose.
    return words.split(/\s+/).length <= 6 ? { operation: words, object: null, known: false } : null;
  }
}

/** A long path as people abbreviate it: `/sys/fs/cgroup/…/cgroup.procs` (the data keeps it whole). */
function shortPath(p: string): string {
  const parts = p.split('/');
  if (p.length <= 60 || parts.length <= 5) return p;
  return [...parts.slice(0, 4), '…', parts[parts.length - 1]].join('/');
}

/** The thing operated on: a single token as it stands (`init-p`), else the first path in the words. */
function objectOf(rest: string): string | null {
  if (!rest) return null;
  const unquoted = rest.replace(/^["']|["']$/g, '');
  if (!/\s/.test(unquoted)) return unquoted;
  const path = /(?:^|\s)["']?(\/[^\s"',]+|[\w-]+\.[a-z_]+)/.exec(unquoted);
  return path ? path[1]! : unquoted;
}

/** An errno's words follow the `: ` of `op path: errno` (or a quote, or start the text): `OCI permission denied` is not EACCES. */
function boundaryBefore(body: string, at: number): boolean {
  if (at === 0) return true;
  return body.startsWith(': ', at - 2) || /["'(\n]/.test(body[at - 1]!);
}

/** Where the last wrapping before `end` hands over to the error it wraps (0 when none). */
function lastBoundary(body: string, end: number): number {
  let start = 0;
  BOUNDARY.lastIndex = 0;
  for (let m = BOUNDARY.exec(body); m && m.index + m[0].length <= end; m = BOUNDARY.exec(body)) {
    // The separator right before `end` is the one that introduced the errno text itself.
    if (m.index + m[0].length === end && m[0] === ': ') break;
    start = m.index + m[0].length;
  }
  return start;
}

/** The rules of knowledge/innermost.json, for what the diagnosis says about a family (its meaning). */
export function innermostRules(): InnermostRule[] {
  return (innermostData as InnermostKnowledge).rules;
}

let shared: Innermost | undefined;

/** The innermost-error reader over the committed knowledge (built once). */
export function innermostReader(): Innermost {
  shared ??= new Innermost((errnoData as { errno: ErrnoEntry[] }).errno, innermostData as InnermostKnowledge);
  return shared;
}
