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
export interface CallShape {
  arg: number;
  printf: boolean;
  kind: 'error' | 'log';
  level?: string;
  /** Structured logging: key/value pairs follow the message. */
  structured?: boolean;
  /**
   * A Kubernetes event: this argument is its type (v1.EventTypeWarning → warning, EventTypeNormal → info);
   * -1 for a wrapper of one, whose callers pass the type.
   */
  eventType?: number;
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
  // The kubelet's events (kubectl describe, the events list): recorder.Eventf(obj, type, reason, format, …).
  if (/recorder$/i.test(op)) {
    if (f === 'Eventf') return { arg: 3, printf: true, kind: 'log', eventType: 1 };
    if (f === 'Event') return { arg: 3, printf: false, kind: 'log', eventType: 1 };
    if (f === 'AnnotatedEventf') return { arg: 4, printf: true, kind: 'log', eventType: 2 };
    return null;
  }
  // Loggers: logrus, log.G(ctx)/log.L (containerd), klog/glog, and any entry built from them (WithError, WithField…).
  const m = /^(Error|Warn|Warning|Info|Debug|Trace|Fatal|Panic|Print)(f|ln|S)?$/.exec(f);
  if (!m || NOT_LOGGERS.has(op)) return null;
  if (m[1] === 'Print' && !/log/i.test(op)) return null;
  const level = LOG_LEVELS[m[1]!]!;
  if (m[2] === 'S') return m[1] === 'Error' ? { arg: 1, printf: false, kind: 'log', level, structured: true } : { arg: 0, printf: false, kind: 'log', level, structured: true };
  return { arg: 0, printf: m[2] === 'f', kind: 'log', level };
}

/** The level a Kubernetes event type argument names, if it names one. */
function eventLevel(node: SyntaxNode | undefined): string | undefined {
  const t = node?.text ?? '';
  return t.endsWith('EventTypeWarning') ? 'warning' : t.endsWith('EventTypeNormal') ? 'info' : undefined;
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

/**
 * A function of the project that makes a message from one of its string parameters, as containerd's
 * `(*Init).runtimeError(rErr error, msg string)` does with `errors.Wrap(rErr, msg)`: the literal a
 * caller passes there (`p.runtimeError(err, "OCI runtime exec failed")`) is a message too.
 */
export interface MessageWrapper {
  /** The function's or method's name, as a call names it (`runtimeError`). */
  name: string;
  shape: CallShape;
}

/** A call to a function that is not a known message maker, with a literal argument: a wrapper call, if that function is one. */
export interface LiteralCall {
  name: string;
  arg: number;
  text: string;
  /** The literal came through fmt.Sprintf: it is a format whatever the wrapper does with it. */
  printf: boolean;
  /** The level an event type among the call's arguments gives (`v1.EventTypeWarning`), for event wrappers. */
  eventLevel?: string;
  line: number;
  function: string;
}

/** What one Go file tells the index. */
export interface GoFileFacts {
  messages: ExtractedMessage[];
  wrappers: MessageWrapper[];
  calls: LiteralCall[];
}

/** The function or method declaration a node is inside (not a closure). */
function enclosingDecl(node: SyntaxNode): SyntaxNode | null {
  for (let n: SyntaxNode | null = node.parent; n; n = n.parent) {
    if (n.type === 'function_declaration' || n.type === 'method_declaration') return n;
  }
  return null;
}

/** The position of a string parameter `name` among a declaration's parameters (each name counts), or -1. */
function stringParamIndex(decl: SyntaxNode, name: string): number {
  let at = 0;
  for (const p of decl.childForFieldName('parameters')?.namedChildren ?? []) {
    if (!p || (p.type !== 'parameter_declaration' && p.type !== 'variadic_parameter_declaration')) continue;
    const names = p.childrenForFieldName('name').filter((n): n is SyntaxNode => !!n);
    const isString = p.childForFieldName('type')?.text === 'string';
    for (const n of names.length ? names : [null]) {
      if (n?.text === name) return isString ? at : -1;
      at++;
    }
  }
  return -1;
}

/** The name a call uses for its function: `f(…)`, `pkg.F(…)`, `x.m(…)` → f, F, m. */
function calleeName(callee: SyntaxNode): string | null {
  if (callee.type === 'identifier') return callee.text;
  if (callee.type === 'selector_expression') return callee.childForFieldName('field')?.text ?? null;
  return null;
}

/**
 * The error and log formats of one Go file: the text argument of each call that makes an error
 * (fmt.Errorf, errors.New/Errorf/Wrap(f)/WithMessage(f), status.Errorf, newSystemErrorWithCause(f)) or
 * writes a log line (logrus, containerd's log.G/log.L, klog incl. InfoS/ErrorS), with `fmt.Sprintf`
 * read through where it feeds one directly, and the formats of `Error() string` methods. Texts built
 * from variables alone are not messages the index can name.
 */
export function extractGo(parser: GoParser, source: string): GoFileFacts {
  const facts: GoFileFacts = { messages: [], wrappers: [], calls: [] };
  const tree = parser.parser.parse(source);
  if (!tree) return facts;
  try {
    const spans = tree.rootNode.namedChildren.flatMap((d) => (d ? declSpans(d) : []));
    const functionAt = (line: number) => spans.find((d) => d.start <= line && line <= d.end)?.symbol ?? '';
    const assignments = new Map<number, Map<string, SyntaxNode[]>>();
    for (const ret of tree.rootNode.descendantsOfType('return_statement')) {
      const m = ret ? probeResult(ret, functionAt) : null;
      if (m) facts.messages.push(m);
    }
    for (const call of tree.rootNode.descendantsOfType('call_expression')) {
      if (!call) continue;
      const callee = call.childForFieldName('function');
      const args = call.childForFieldName('arguments')?.namedChildren.filter((a): a is SyntaxNode => !!a && a.type !== 'comment') ?? [];
      let shape = callee ? shapeOf(callee) : null;
      // An error type's own text: `func (e *ExitError) Error() string { return fmt.Sprintf("exit status %d", …) }`.
      if (!shape && callee?.text === 'fmt.Sprintf' && enclosingDecl(call)?.childForFieldName('name')?.text === 'Error') shape = { arg: 0, printf: true, kind: 'error' };
      if (!shape) {
        const name = callee ? calleeName(callee) : null;
        if (!name || name === 'Sprintf') continue;
        args.forEach((a, i) => {
          const viaSprintf = isSprintf(a);
          const node = viaSprintf ? a.childForFieldName('arguments')?.namedChildren.find((x) => x?.type !== 'comment') : a;
          const text = node ? stringOf(node) : null;
          if (text === null || !node) return;
          const line = node.startPosition.row + 1;
          const c: LiteralCall = { name, arg: i, text, printf: viaSprintf, line, function: functionAt(line) };
          const level = args.map(eventLevel).find((l) => l);
          if (level) c.eventLevel = level;
          facts.calls.push(c);
        });
        continue;
      }
      // CRI-O's loggers take the context first: log.Warnf(ctx, "Failed to cleanup container directory: %v", err).
      if (shape.kind === 'log' && !shape.structured && args.length > 1 && /^(ctx|\w*[cC]tx|context\.\w+\(\))$/.test(args[0]!.text)) shape = { ...shape, arg: shape.arg + 1 };
      let arg: SyntaxNode | null | undefined = args[shape.arg];
      let printf = shape.printf;
      if (arg && isSprintf(arg)) {
        arg = arg.childForFieldName('arguments')?.namedChildren.find((a) => a?.type !== 'comment');
        printf = true;
      }
      if (!arg) continue;
      wrapperOf(call, arg, args, shape, facts.wrappers);
      if (arg.type === 'identifier') {
        // `message := fmt.Sprintf("CreatePodSandbox for pod %q failed: %v", …); klog.Error(message)`.
        const level = shape.eventType !== undefined ? eventLevel(args[shape.eventType]) : undefined;
        for (const m of localTexts(call, arg.text, shape, assignments, functionAt)) facts.messages.push(level ? { ...m, level } : m);
        continue;
      }
      const text = stringOf(arg);
      if (text === null) continue;
      const message = messageOf(text, printf, shape, arg.startPosition.row + 1, functionAt);
      if (!message) continue;
      if (shape.eventType !== undefined) {
        const level = eventLevel(args[shape.eventType]);
        if (level) message.level = level;
      }
      if (shape.structured) {
        const keys: string[] = [];
        for (let i = shape.arg + 1; i < args.length; i += 2) {
          const k = stringOf(args[i]!);
          if (k !== null && !k.includes(HOLE)) keys.push(k);
        }
        if (keys.length) message.keys = keys;
      }
      facts.messages.push(message);
    }
    return facts;
  } finally {
    tree.delete();
  }
}

/**
 * The texts a local variable is given before the message call it is passed to: a literal or a
 * `fmt.Sprintf` of one, assigned (`=`, `:=`, `var`) in a statement list that holds the call. One step
 * only; a parameter is the wrapper case instead.
 */
function localTexts(call: SyntaxNode, name: string, shape: CallShape, cache: Map<number, Map<string, SyntaxNode[]>>, functionAt: (line: number) => string): ExtractedMessage[] {
  const decl = enclosingDecl(call);
  if (!decl) return [];
  let vars = cache.get(decl.id);
  if (!vars) {
    vars = new Map();
    const add = (left: (SyntaxNode | null)[], right: (SyntaxNode | null)[]) =>
      left.forEach((l, i) => {
        const r = right[i];
        if (l?.type === 'identifier' && r) vars!.set(l.text, [...(vars!.get(l.text) ?? []), r]);
      });
    const named = (n: SyntaxNode | null) => n?.namedChildren.filter((c) => c?.type !== 'comment') ?? [];
    for (const a of decl.descendantsOfType(['short_var_declaration', 'assignment_statement'])) {
      if (a && (a.type === 'short_var_declaration' || a.childForFieldName('operator')?.text === '=')) add(named(a.childForFieldName('left')), named(a.childForFieldName('right')));
    }
    for (const v of decl.descendantsOfType('var_spec')) if (v) add(v.childrenForFieldName('name'), named(v.childForFieldName('value')));
    cache.set(decl.id, vars);
  }
  const out: ExtractedMessage[] = [];
  // Only assignments before the call whose statement list holds the call: the value the call can see.
  const visible = (value: SyntaxNode) => {
    if (value.startIndex > call.startIndex) return false;
    let stmt: SyntaxNode | null = value;
    while (stmt && !['short_var_declaration', 'assignment_statement', 'var_declaration'].includes(stmt.type)) stmt = stmt.parent;
    const scope = stmt?.parent;
    for (let n: SyntaxNode | null = call.parent; n; n = n.parent) if (scope && n.id === scope.id) return true;
    return false;
  };
  for (let value of (vars.get(name) ?? []).filter(visible)) {
    let printf = shape.printf;
    if (isSprintf(value)) {
      const first = value.childForFieldName('arguments')?.namedChildren.find((a) => a?.type !== 'comment');
      if (!first) continue;
      value = first;
      printf = true;
    }
    const text = stringOf(value);
    const m = text === null ? null : messageOf(text, printf, shape, value.startPosition.row + 1, functionAt);
    if (m) out.push(m);
  }
  return out;
}

/**
 * A kubelet probe's output: `return probe.Failure, fmt.Sprintf("HTTP probe failed with statuscode: %d", …), nil`
 * (pkg/probe) is the text the prober prints after `Liveness probe failed: `.
 */
function probeResult(ret: SyntaxNode, functionAt: (line: number) => string): ExtractedMessage | null {
  const values = ret.namedChildren.find((c) => c?.type === 'expression_list')?.namedChildren.filter((c): c is SyntaxNode => !!c && c.type !== 'comment') ?? [];
  if (values.length < 2 || !/^probe\.(Failure|Warning|Unknown)$/.test(values[0]!.text)) return null;
  let v: SyntaxNode | null | undefined = values[1];
  let printf = false;
  if (v && isSprintf(v)) {
    v = v.childForFieldName('arguments')?.namedChildren.find((a) => a?.type !== 'comment');
    printf = true;
  }
  const text = v ? stringOf(v) : null;
  if (text === null || !v) return null;
  return messageOf(text, printf, { arg: 1, printf, kind: 'error' }, v.startPosition.row + 1, functionAt);
}

function messageOf(text: string, printf: boolean, shape: CallShape, line: number, functionAt: (line: number) => string): ExtractedMessage | null {
  const format = normalise(text, printf);
  if (!informative(format)) return null;
  const message: ExtractedMessage = { format, kind: shape.kind, line, function: functionAt(line) };
  if (shape.level) message.level = shape.level;
  return message;
}

/**
 * Records the enclosing function as a wrapper when the call's text is one of its string parameters:
 * `errors.Wrap(rErr, msg)`, `logrus.Errorf(format, args...)`, or `fmt.Errorf("%s: %w", msg, err)`
 * (the parameter as the whole of a leading verb).
 */
function wrapperOf(call: SyntaxNode, arg: SyntaxNode, args: SyntaxNode[], shape: CallShape, out: MessageWrapper[]): void {
  const decl = enclosingDecl(call);
  const name = decl?.childForFieldName('name')?.text;
  if (!decl || !name) return;
  let param = -1;
  let printf = shape.printf;
  if (arg.type === 'identifier') param = stringParamIndex(decl, arg.text);
  else if (shape.printf) {
    const text = stringOf(arg);
    const next = args[shape.arg + 1];
    if (text !== null && /^%[sv]: /.test(text) && next?.type === 'identifier') {
      param = stringParamIndex(decl, next.text);
      printf = false;
    }
  }
  if (param < 0) return;
  const wrapped: CallShape = { arg: param, printf, kind: shape.kind };
  if (shape.level) wrapped.level = shape.level;
  if (shape.eventType !== undefined) wrapped.eventType = -1;
  if (!out.some((w) => w.name === name && w.shape.arg === param)) out.push({ name, shape: wrapped });
}

/** The messages that calls to a project's wrappers make with their literals. */
export function wrappedMessages(calls: LiteralCall[], wrappers: Map<string, MessageWrapper[]>): ExtractedMessage[] {
  const out: ExtractedMessage[] = [];
  for (const c of calls) {
    const w = wrappers.get(c.name)?.find((x) => x.shape.arg === c.arg);
    if (!w) continue;
    const m = messageOf(c.text, w.shape.printf || c.printf, w.shape, c.line, () => c.function);
    if (!m) continue;
    // An event wrapper (the prober's recordContainerEvent) takes its type from the caller.
    if (w.shape.eventType !== undefined && c.eventLevel) m.level = c.eventLevel;
    out.push(m);
  }
  return out;
}
