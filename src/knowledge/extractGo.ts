import type { Node as SyntaxNode } from 'web-tree-sitter';
import { HOLE, goStringLiterals } from '../core/origins/literals';
import { declSpans } from '../core/origins/origins';
import type { GoParser } from '../core/sources/goParser';

/** One error or log format found in a source file. */
export interface ExtractedMessage {
  /** printf semantics: verbs as written; `%%` for a literal percent; `%v` where a non-literal operand was concatenated. */
  format: string;
  kind: 'error' | 'log';
  level?: string;
  /** Keys of a structured log call (klog's InfoS/ErrorS), in order. */
  keys?: string[];
  /** 1-based line of the format's first literal. */
  line: number;
  /** The enclosing top-level declaration, named as the trace names it (`(*linuxContainer).Start`). */
  function: string;
}

/** How a call makes a message: which argument holds the text, and whether it is a printf format. */
interface CallShape {
  arg: number;
  printf: boolean;
  kind: 'error' | 'log';
  level?: string;
  /** Structured logging: key/value pairs follow the message. */
  structured?: boolean;
}

const LOG_LEVELS: Record<string, string> = {
  Error: 'error',
  Warn: 'warning',
  Warning: 'warning',
  Info: 'info',
  Debug: 'debug',
  Trace: 'debug',
  Fatal: 'fatal',
  Panic: 'panic',
  Print: 'info',
};

/** Packages and values whose Print/Printf are output, not logging. */
const NOT_LOGGERS = new Set(['fmt', 'strings', 'bytes', 'w', 'buf', 'b', 'sb']);

function shapeOf(callee: SyntaxNode): CallShape | null {
  if (callee.type === 'identifier') {
    // runc before 1.0.0-rc93 wrapped errors as `<file>:<line>: <cause> caused "<inner>"` (libcontainer/generic_error.go).
    if (callee.text === 'newSystemErrorWithCause') return { arg: 1, printf: false, kind: 'error' };
    if (callee.text === 'newSystemErrorWithCausef') return { arg: 1, printf: true, kind: 'error' };
    return null;
  }
  if (callee.type !== 'selector_expression') return null;
  const op = callee.childForFieldName('operand')?.text ?? '';
  const f = callee.childForFieldName('field')?.text ?? '';
  if (op === 'fmt') return f === 'Errorf' ? { arg: 0, printf: true, kind: 'error' } : null;
  // errors, github.com/pkg/errors (often imported as pkgerrors/perrors), stderrors…
  if (/errors$/i.test(op)) {
    switch (f) {
      case 'New':
        return { arg: 0, printf: false, kind: 'error' };
      case 'Errorf':
        return { arg: 0, printf: true, kind: 'error' };
      case 'Wrap':
      case 'WithMessage':
        return { arg: 1, printf: false, kind: 'error' };
      case 'Wrapf':
      case 'WithMessagef':
        return { arg: 1, printf: true, kind: 'error' };
      default:
        return null;
    }
  }
  // gRPC status errors reach the kubelet as `rpc error: code = … desc = <text>`.
  if (op === 'status' || op === 'grpc') {
    if (f === 'Errorf') return { arg: 1, printf: true, kind: 'error' };
    if (f === 'Error') return { arg: 1, printf: false, kind: 'error' };
    return null;
  }
  if (/^(errdefs|errgrpc)$/.test(op) && f === 'ToGRPCf') return { arg: 1, printf: true, kind: 'error' };
  // Loggers: logrus, log.G(ctx)/log.L (containerd), klog/glog, and any entry built from them (WithError, WithField…).
  const m = /^(Error|Warn|Warning|Info|Debug|Trace|Fatal|Panic|Print)(f|ln|S)?$/.exec(f);
  if (!m || NOT_LOGGERS.has(op)) return null;
  if (m[1] === 'Print' && !/log/i.test(op)) return null;
  const level = LOG_LEVELS[m[1]!]!;
  if (m[2] === 'S') return m[1] === 'Error' ? { arg: 1, printf: false, kind: 'log', level, structured: true } : { arg: 0, printf: false, kind: 'log', level, structured: true };
  return { arg: 0, printf: m[2] === 'f', kind: 'log', level };
}

/** The text of a string expression: a literal, or literals and operands joined by `+`. */
function stringOf(node: SyntaxNode): string | null {
  if (!['interpreted_string_literal', 'raw_string_literal', 'binary_expression', 'parenthesized_expression'].includes(node.type)) return null;
  const lits = goStringLiterals(node.text);
  return lits.length === 1 ? lits[0]!.value : null;
}

/** A format's verbs, as fmt parses them (flags, argument index, width, precision). */
export const VERB = /%[-+# 0]*(?:\[\d+\])?(?:\d+|\*)?(?:\.(?:\d+|\*)?)?(?:\[\d+\])?[a-zA-Z%]/g;

/** A format that is all verbs and punctuation (`%s: %w`) names nothing a line could be matched by. */
export function informative(format: string): boolean {
  return /[A-Za-z]{2}/.test(format.replace(VERB, ' '));
}

function normalise(text: string, printf: boolean): string {
  return (printf ? text : text.replace(/%/g, '%%')).split(HOLE).join('%v');
}

function isSprintf(node: SyntaxNode): boolean {
  return node.type === 'call_expression' && node.childForFieldName('function')?.text === 'fmt.Sprintf';
}

/** The name of the function or method a node is inside (innermost declared one, not a closure). */
function enclosingDeclName(node: SyntaxNode): string | null {
  for (let n: SyntaxNode | null = node.parent; n; n = n.parent) {
    if (n.type === 'function_declaration' || n.type === 'method_declaration') return n.childForFieldName('name')?.text ?? null;
  }
  return null;
}

/**
 * The error and log formats of one Go file: the text argument of each call that makes an error
 * (fmt.Errorf, errors.New/Errorf/Wrap(f)/WithMessage(f), status.Errorf, newSystemErrorWithCause(f)) or
 * writes a log line (logrus, containerd's log.G/log.L, klog incl. InfoS/ErrorS), with `fmt.Sprintf`
 * read through where it feeds one directly, and the formats of `Error() string` methods. Texts built
 * from variables alone are not messages the index can name.
 */
export function extractGo(parser: GoParser, source: string): ExtractedMessage[] {
  const tree = parser.parser.parse(source);
  if (!tree) return [];
  try {
    const spans = tree.rootNode.namedChildren.flatMap((d) => (d ? declSpans(d) : []));
    const functionAt = (line: number) => spans.find((d) => d.start <= line && line <= d.end)?.symbol ?? '';
    const out: ExtractedMessage[] = [];
    for (const call of tree.rootNode.descendantsOfType('call_expression')) {
      if (!call) continue;
      const callee = call.childForFieldName('function');
      const args = call.childForFieldName('arguments')?.namedChildren.filter((a): a is SyntaxNode => !!a && a.type !== 'comment') ?? [];
      let shape = callee ? shapeOf(callee) : null;
      // An error type's own text: `func (e *ExitError) Error() string { return fmt.Sprintf("exit status %d", …) }`.
      if (!shape && callee?.text === 'fmt.Sprintf' && enclosingDeclName(call) === 'Error') shape = { arg: 0, printf: true, kind: 'error' };
      if (!shape) continue;
      let arg: SyntaxNode | null | undefined = args[shape.arg];
      let printf = shape.printf;
      if (arg && isSprintf(arg)) {
        arg = arg.childForFieldName('arguments')?.namedChildren.find((a) => a?.type !== 'comment');
        printf = true;
      }
      if (!arg) continue;
      const text = stringOf(arg);
      if (text === null) continue;
      const format = normalise(text, printf);
      if (!informative(format)) continue;
      const line = arg.startPosition.row + 1;
      const message: ExtractedMessage = { format, kind: shape.kind, line, function: functionAt(line) };
      if (shape.level) message.level = shape.level;
      if (shape.structured) {
        const keys: string[] = [];
        for (let i = shape.arg + 1; i < args.length; i += 2) {
          const k = stringOf(args[i]!);
          if (k !== null && !k.includes(HOLE)) keys.push(k);
        }
        if (keys.length) message.keys = keys;
      }
      out.push(message);
    }
    return out;
  } finally {
    tree.delete();
  }
}
