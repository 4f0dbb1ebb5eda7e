import * as fs from 'node:fs';
import type { Node as SyntaxNode } from 'web-tree-sitter';
import type { GoParser } from './goParser';

/** Something a function body does that an atlas edge can name. */
export interface BodyEvent {
  kind: 'call' | 'string' | 'ref';
  /** Called name (last selector), string contents, or referenced identifier. */
  text: string;
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
  /** Whether tree-sitter found syntax errors inside it (reported, not fatal). */
  hasError: boolean;
}

export interface GoFileIndex {
  file: string;
  mtimeMs: number;
  size: number;
  /** Top-level functions and methods, and var command-table fields, by key. */
  decls: Map<string, GoDecl>;
  /** Whether the file parsed with errors somewhere. */
  hasError: boolean;
  /** Any addressable declaration, func literals included. */
  find(key: string): GoDecl | null;
}

/** Files larger than this are not parsed (generated code of that size holds no hop). */
export const MAX_GO_FILE = 8 * 1024 * 1024;

function receiverType(node: SyntaxNode | null): { name: string | null; pointer: boolean } {
  if (!node) return { name: null, pointer: false };
  const param = node.namedChildren.find((c) => c?.type === 'parameter_declaration');
  let t = param?.childForFieldName('type') ?? null;
  let pointer = false;
  if (t?.type === 'pointer_type') {
    pointer = true;
    t = t.namedChildren[0] ?? null;
  }
  if (t?.type === 'generic_type') t = t.childForFieldName('type');
  return { name: t?.type === 'type_identifier' ? t.text : null, pointer };
}

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
        if (name) out.push({ kind: 'call', text: name, line: n.startPosition.row + lineOffset });
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
    readonly hasError: boolean,
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
        return new Decl(this.parser, snippet.slice(lit.startIndex, lit.endIndex), `${this.key}.${n}`, this.receiver, false, `${this.name}.${n}`, this.line + lit.startPosition.row - 1, lit.hasError, true);
      });
    });
    return found ?? [];
  }
}

/** Indexes one Go source text. Broken files still index: tree-sitter recovers around errors. */
export function indexGoSource(parser: GoParser, file: string, text: string, mtimeMs = 0): GoFileIndex {
  const tree = parser.parser.parse(text);
  const decls = new Map<string, GoDecl>();
  const literals = new Map<string, GoDecl[]>();
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
  if (!tree) return { file, mtimeMs, size: text.length, decls, hasError: true, find };
  try {
    const root = tree.rootNode;
    for (const node of root.namedChildren) {
      if (!node) continue;
      if (node.type === 'function_declaration' || node.type === 'method_declaration') {
        const name = node.childForFieldName('name')?.text;
        if (!name) continue;
        const recv = node.type === 'method_declaration' ? receiverType(node.childForFieldName('receiver')) : { name: null, pointer: false };
        const key = declKey(recv.name, name);
        decls.set(key, new Decl(parser, text.slice(node.startIndex, node.endIndex), key, recv.name, recv.pointer, name, node.startPosition.row + 1, node.hasError, false));
      } else if (node.type === 'var_declaration') {
        for (const spec of node.descendantsOfType('var_spec')) {
          const varName = spec?.childForFieldName('name')?.text;
          if (!spec || !varName) continue;
          for (const kv of spec.descendantsOfType('keyed_element')) {
            if (!kv) continue;
            const [keyNode, valueNode] = kv.namedChildren;
            const field = keyNode?.text;
            const lit = valueNode?.type === 'func_literal' ? valueNode : valueNode?.namedChildren.find((c) => c?.type === 'func_literal');
            if (!field || !lit) continue;
            const k = `${varName}.${field}`;
            if (!decls.has(k)) decls.set(k, new Decl(parser, text.slice(lit.startIndex, lit.endIndex), k, null, false, k, lit.startPosition.row + 1, lit.hasError, true));
          }
        }
      }
    }
    return { file, mtimeMs, size: text.length, decls, hasError: root.hasError, find };
  } finally {
    tree.delete();
  }
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
