import * as fs from 'node:fs';
import type { Node as SyntaxNode } from 'web-tree-sitter';
import type { GoParser } from './goParser';

/** Something a function body does that an atlas edge can name. */
export interface BodyEvent {
  kind: 'call' | 'string' | 'ref';
  /** Called name (last selector), string contents, or referenced identifier. */
  text: string;
  /** For a call `x.y.Name(…)`: the expression before the last selector (`x.y`), e.g. an import's name. */
  qualifier?: string;
  /** 1-based line. */
  line: number;
}

/**
 * A declaration the resolver can address: a function or method, the Nth func literal inside one
 * (Go's `name.funcN`), or the func literal in a field of a package-level var's composite literal
 * (runc's `execCommand.Action`).
 */
export interface GoDecl {
  /** `Name`, `Recv.Name`, `Name.func1`, `Recv.Name.func1` or `varName.Field`. */
  key: string;
  receiver: string | null;
  pointer: boolean;
  name: string;
  /** 1-based line of the `func` keyword. */
  line: number;
  /** Calls, strings and identifiers in its body (computed on first use). */
  readonly events: BodyEvent[];
}

export interface GoFileIndex {
  file: string;
  mtimeMs: number;
  size: number;
  /** The package clause's name. */
  package: string;
  imports: GoImport[];
  /** Top-level functions and methods, and var command-table fields, by key. */
  decls: Map<string, GoDecl>;
  /** Any addressable declaration, func literals included. */
  find(key: string): GoDecl | null;
}

/** Files larger than this are not parsed (generated code of that size holds no hop). */
export const MAX_GO_FILE = 8 * 1024 * 1024;

const STRING_MAX = 300;

/** Collects calls, strings and identifiers below `node`; nested func literals are included (closures run there too). */
function collectEvents(node: SyntaxNode, lineOffset: number, out: BodyEvent[]): void {
  const cursor = node.walk();
  let done = false;
  while (!done) {
    const n = cursor.currentNode;
    switch (n.type) {
      case 'call_expression': {
        const fn = n.childForFieldName('function');
        const name = fn?.type === 'selector_expression' ? fn.childForFieldName('field')?.text : fn?.type === 'identifier' ? fn.text : undefined;
        const operand = fn?.type === 'selector_expression' ? fn.childForFieldName('operand')?.text : undefined;
        if (name) out.push({ kind: 'call', text: name, line: n.startPosition.row + lineOffset, ...(operand ? { qualifier: operand } : {}) });
        break;
      }
      case 'interpreted_string_literal':
      case 'raw_string_literal':
        if (n.text.length <= STRING_MAX) out.push({ kind: 'string', text: n.text.slice(1, -1), line: n.startPosition.row + lineOffset });
        break;
      case 'identifier':
      case 'field_identifier':
        out.push({ kind: 'ref', text: n.text, line: n.startPosition.row + lineOffset });
        break;
    }
    if (cursor.gotoFirstChild()) continue;
    while (!cursor.gotoNextSibling()) {
      if (!cursor.gotoParent() || cursor.currentNode.id === node.id) {
        done = true;
        break;
      }
    }
  }
  cursor.delete();
}

/** The func literals directly inside `node` (not inside another literal), in source order: Go's func1, func2… */
function funcLiterals(node: SyntaxNode): SyntaxNode[] {
  return node.descendantsOfType('func_literal').filter((n): n is SyntaxNode => {
    if (!n) return false;
    for (let p = n.parent; p && p.id !== node.id; p = p.parent) if (p.type === 'func_literal') return false;
    return true;
  });
}

export function declKey(receiver: string | null | undefined, name: string, suffix?: string): string {
  return `${receiver ? `${receiver}.` : ''}${name}${suffix ? `.${suffix}` : ''}`;
}

/**
 * Parses one declaration's own text (wrapped so it is a Go file) and hands its tree to `use`.
 * Body events are needed for the few declarations a trace passes through, not for the thousands a
 * generated file holds: parsing the snippet again costs far less than walking every body up front.
 */
function withSnippet<T>(parser: GoParser, text: string, literal: boolean, use: (root: SyntaxNode, snippet: string) => T): T | null {
  const snippet = `package p\n${literal ? 'var _ = ' : ''}${text}`;
  const tree = parser.parser.parse(snippet);
  if (!tree) return null;
  try {
    return use(tree.rootNode, snippet);
  } finally {
    tree.delete();
  }
}

/** The body to collect events from: the decl's block, or the func literal's. */
function snippetBody(root: SyntaxNode, literal: boolean): SyntaxNode | null {
  if (literal) return root.descendantsOfType('func_literal')[0]?.childForFieldName('body') ?? null;
  const decl = root.namedChildren.find((c) => c?.type === 'function_declaration' || c?.type === 'method_declaration');
  return decl?.childForFieldName('body') ?? null;
}

class Decl implements GoDecl {
  private cached: BodyEvent[] | undefined;

  constructor(
    private readonly parser: GoParser,
    private readonly source: string,
    readonly key: string,
    readonly receiver: string | null,
    readonly pointer: boolean,
    readonly name: string,
    readonly line: number,
    private readonly literal: boolean,
  ) {}

  get events(): BodyEvent[] {
    if (!this.cached) {
      const out: BodyEvent[] = [];
      // Row 0 of the snippet is the package clause; row 1 is this declaration's first line.
      withSnippet(this.parser, this.source, this.literal, (root) => {
        const body = snippetBody(root, this.literal);
        if (body) collectEvents(body, this.line - 1, out);
      });
      this.cached = out;
    }
    return this.cached;
  }

  /** The func literals directly in this declaration's body, as `key.funcN` declarations. */
  literals(): GoDecl[] {
    const found = withSnippet(this.parser, this.source, this.literal, (root, snippet) => {
      const body = snippetBody(root, this.literal);
      return (body ? funcLiterals(body) : []).map((lit, i) => {
        const n = `func${i + 1}`;
        return new Decl(this.parser, snippet.slice(lit.startIndex, lit.endIndex), `${this.key}.${n}`, this.receiver, false, `${this.name}.${n}`, this.line + lit.startPosition.row - 1, true);
      });
    });
    return found ?? [];
  }
}

/** One import of a Go file: `alias "path"`, or `"path"` (alias null: the package's own name). */
export interface GoImport {
  alias: string | null;
  path: string;
}

const FUNC_HEADER = /^func\s*(?:\(\s*(?:[A-Za-z_]\w*\s+)?(\*)?\s*([A-Za-z_]\w*)\s*(?:\[[^\]]*\])?\s*\)\s*)?([A-Za-z_]\w*)/;
const VAR_TABLE = /^var\s+([A-Za-z_]\w*)\s*=.*\{\s*$/;
const IMPORT_SPEC = /^\s*(?:([A-Za-z_]\w*|\.)\s+)?"([^"]+)"/;

/**
 * The offset just past the top-level declaration starting at `from`: its braces balanced, skipping
 * strings, raw strings (a command's usage text may hold a `}` line), runes and comments. A
 * declaration without a body (an assembly function) ends at the first line break outside parentheses.
 */
function declEnd(text: string, from: number): number {
  let braces = 0;
  let parens = 0;
  let opened = false;
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    switch (c) {
      case 0x7b /* { */:
        braces++;
        opened = true;
        break;
      case 0x7d /* } */:
        if (--braces === 0 && opened) return i + 1;
        break;
      case 0x28 /* ( */:
        parens++;
        break;
      case 0x29 /* ) */:
        parens--;
        break;
      case 0x0a /* \n */:
        if (!opened && parens <= 0 && braces === 0) return i;
        break;
      case 0x22 /* " */:
      case 0x27 /* ' */:
        for (i++; i < text.length && text.charCodeAt(i) !== c && text.charCodeAt(i) !== 0x0a; i++) if (text.charCodeAt(i) === 0x5c) i++;
        break;
      case 0x60 /* ` */: {
        const close = text.indexOf('`', i + 1);
        i = close < 0 ? text.length : close;
        break;
      }
      case 0x2f /* / */: {
        const next = text.charCodeAt(i + 1);
        if (next === 0x2f) {
          const nl = text.indexOf('\n', i);
          i = (nl < 0 ? text.length : nl) - 1;
        } else if (next === 0x2a) {
          const close = text.indexOf('*/', i + 2);
          i = close < 0 ? text.length : close + 1;
        }
        break;
      }
    }
  }
  return text.length;
}

/**
 * Indexes one Go source text without parsing it: the package clause, the imports and the span of
 * every top-level function, method and command table are found by their gofmt layout. Only the
 * spans a trace asks about are parsed with tree-sitter (see Decl), so a 7 MB generated .pb.go costs
 * one line scan. Broken files still index: the spans are lines, and tree-sitter recovers inside them.
 */
export function indexGoSource(parser: GoParser, file: string, text: string, mtimeMs = 0): GoFileIndex {
  const lines = text.split('\n');
  const offsets: number[] = new Array(lines.length + 1);
  offsets[0] = 0;
  for (let i = 0; i < lines.length; i++) offsets[i + 1] = offsets[i]! + lines[i]!.length + 1;
  // The line holding offset `at`, searching forward from line `from`.
  const lineAt = (at: number, from: number): number => {
    let j = from;
    while (j + 1 < lines.length && offsets[j + 1]! <= at) j++;
    return j;
  };

  let pkg = '';
  const imports: GoImport[] = [];
  const decls = new Map<string, GoDecl>();
  const literals = new Map<string, GoDecl[]>();
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.startsWith('func')) {
      const m = FUNC_HEADER.exec(l);
      const end = declEnd(text, offsets[i]!);
      if (m) {
        const receiver = m[2] ?? null;
        const key = declKey(receiver, m[3]!);
        if (!decls.has(key)) decls.set(key, new Decl(parser, text.slice(offsets[i]!, end), key, receiver, m[1] === '*', m[3]!, i + 1, false));
      }
      i = lineAt(end, i);
    } else if (l.startsWith('package ') && !pkg) {
      pkg = /^package\s+([A-Za-z_]\w*)/.exec(l)?.[1] ?? '';
    } else if (l.startsWith('import')) {
      if (/^import\s*\(/.test(l)) {
        for (i++; i < lines.length && !lines[i]!.trimStart().startsWith(')'); i++) {
          const m = IMPORT_SPEC.exec(lines[i]!);
          if (m) imports.push({ alias: m[1] ?? null, path: m[2]! });
        }
      } else {
        const m = IMPORT_SPEC.exec(l.slice('import'.length));
        if (m) imports.push({ alias: m[1] ?? null, path: m[2]! });
      }
    } else if (l.startsWith('var ')) {
      const m = VAR_TABLE.exec(l);
      if (!m) continue;
      const end = declEnd(text, offsets[i]!);
      const body = text.slice(offsets[i]!, end);
      // Only composite literals holding func literals can be command tables (not a .pb.go's descriptor bytes).
      if (body.includes('func(')) for (const d of tableFields(parser, body, m[1]!, i + 1)) if (!decls.has(d.key)) decls.set(d.key, d);
      i = lineAt(end, i);
    }
  }
  const find = (key: string): GoDecl | null => {
    const direct = decls.get(key);
    if (direct) return direct;
    const m = /^(.*)\.func(\d+)$/.exec(key);
    const parent = m ? decls.get(m[1]!) : undefined;
    if (!m || !(parent instanceof Decl)) return null;
    let lits = literals.get(m[1]!);
    if (!lits) {
      lits = parent.literals();
      literals.set(m[1]!, lits);
    }
    return lits[Number(m[2]) - 1] ?? null;
  };
  return { file, mtimeMs, size: text.length, package: pkg, imports, decls, find };
}

/** The func literals in the fields of a package-level var's composite literal, as `var.Field` declarations. */
function tableFields(parser: GoParser, source: string, varName: string, line: number): GoDecl[] {
  return (
    withSnippet(parser, source, false, (root, snippet) => {
      const out: GoDecl[] = [];
      for (const kv of root.descendantsOfType('keyed_element')) {
        if (!kv) continue;
        const [keyNode, valueNode] = kv.namedChildren;
        const field = keyNode?.text;
        const lit = valueNode?.type === 'func_literal' ? valueNode : valueNode?.namedChildren.find((c) => c?.type === 'func_literal');
        if (!field || !lit) continue;
        const k = `${varName}.${field}`;
        out.push(new Decl(parser, snippet.slice(lit.startIndex, lit.endIndex), k, null, false, k, line + lit.startPosition.row - 1, true));
      }
      return out;
    }) ?? []
  );
}

/**
 * Per-file index cache, valid while the file's mtime and size stay the same: a second trace costs a
 * stat per file. Broken or unreadable files index as empty rather than throwing.
 */
export class GoIndexCache {
  private readonly files = new Map<string, GoFileIndex>();
  parsedBytes = 0;
  parsedFiles = 0;

  constructor(private readonly parser: GoParser) {}

  get(file: string, text?: string): GoFileIndex | null {
    let st: fs.Stats;
    try {
      st = fs.statSync(file);
    } catch {
      return null;
    }
    const cached = this.files.get(file);
    if (cached && cached.mtimeMs === st.mtimeMs && cached.size === st.size) return cached;
    if (st.size > MAX_GO_FILE) return null;
    const source = text ?? fs.readFileSync(file, 'utf8');
    const index = indexGoSource(this.parser, file, source, st.mtimeMs);
    index.size = st.size;
    this.parsedBytes += st.size;
    this.parsedFiles += 1;
    this.files.set(file, index);
    return index;
  }

  /** Whether a file is indexed and unchanged, without reading it. */
  fresh(file: string): GoFileIndex | null {
    const cached = this.files.get(file);
    if (!cached) return null;
    try {
      const st = fs.statSync(file);
      return st.mtimeMs === cached.mtimeMs && st.size === cached.size ? cached : null;
    } catch {
      return null;
    }
  }

  invalidate(file?: string): void {
    if (file) this.files.delete(file);
    else this.files.clear();
  }
}
