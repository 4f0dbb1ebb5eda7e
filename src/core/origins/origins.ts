import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Node as SyntaxNode } from 'web-tree-sitter';
import { byCodeUnit } from '../order';
import { MAX_GO_FILE } from '../sources/goIndex';
import type { GoParser } from '../sources/goParser';
import { type ProjectRoot, type ProjectSpec, discoverProjects } from '../sources/roots';
import { type LiteralMatch, type LiteralMatcher, chooseCovering, literalMatcher, matchLiteral } from './format';
import { goStringLiterals } from './literals';
import { fragmentEdges, messageText, needles, originalSlice, splitFragments } from './message';
import { type Programs, componentOf, loadPrograms } from './programs';

/** Where one part of an error text is made (contract: `trace --message`). */
export interface MessageOrigin {
  /** The part of the given text this literal produced. */
  text: string;
  component: string;
  /** The enclosing declaration: `execProcess`, `(*execProcess).start`, `ErrReadClosed`. */
  symbol: string | null;
  file: string;
  line: number;
  /** Version of the project copy the file belongs to. */
  version: string | null;
}

export interface OriginsResult {
  /** Innermost first: the order in which the text was made and wrapped. */
  origins: MessageOrigin[];
  elapsedMs: number;
  /** Go files read for this message (0 when it came from the cache). */
  filesRead: number;
}

/** A cancellation signal the editor can pass (VS Code's CancellationToken fits). */
export interface Cancellation {
  readonly isCancellationRequested: boolean;
}

export class OriginsCancelled extends Error {
  constructor() {
    super('message origins cancelled');
  }
}

/** Directories that never hold code a program runs. */
const SKIP_DIRS = new Set(['.git', 'testdata', 'node_modules', '_output', 'test', 'tests', 'e2e', 'hack', 'docs', 'integration', 'integration-cli', 'example', 'examples']);
/** Files read between yields to the event loop, so an editor stays responsive during a cold search. */
const FILES_PER_TURN = 64;

export interface Candidate {
  value: string;
  matcher: LiteralMatcher;
  match: LiteralMatch;
  component: string;
  depth: number;
  copy: ProjectRoot;
  copyIndex: number;
  vendored: boolean;
  file: string;
  line: number;
}

/**
 * Finds where each part of a runtime error text is produced in the user's Go sources. Reads only the
 * files of each program's own copy that contain a pair of the text's words (a fixed-string test on
 * the bytes), scans their string literals without parsing, turns each into a matcher (format verbs
 * become wildcards) and keeps the literals that account for the most of the text, innermost program
 * first. tree-sitter parses only the files that hold a chosen literal, for its enclosing declaration.
 */
export class MessageOrigins {
  private copies: ProjectRoot[] = [];
  private rootsKey: string | null = null;
  private readonly fileLists = new Map<string, string[]>();
  private readonly results = new Map<string, Omit<OriginsResult, 'elapsedMs'>>();
  private readonly programs: Programs;

  constructor(
    private readonly parser: GoParser,
    private readonly projects: Record<string, ProjectSpec>,
    programs?: Programs,
  ) {
    this.programs = programs ?? loadPrograms();
  }

  /** The program copies found under the source roots (cheap; repeated only when the roots change). */
  setSourceRoots(sourceRoots: string[]): ProjectRoot[] {
    const key = sourceRoots.join('\u0000');
    if (key !== this.rootsKey) {
      // A vendored copy is read as part of the program that vendors it, never on its own.
      this.copies = discoverProjects(sourceRoots, this.projects).filter((r) => r.kind !== 'vendor' && this.programs.projects[r.project]);
      this.rootsKey = key;
      this.invalidate();
    }
    return this.copies;
  }

  /** Forgets file lists and results (sources changed on disk). */
  invalidate(): void {
    this.fileLists.clear();
    this.results.clear();
  }

  async find(message: string, cancel?: Cancellation): Promise<OriginsResult> {
    const started = performance.now();
    const cached = this.results.get(message);
    if (cached) return { ...cached, filesRead: 0, elapsedMs: performance.now() - started };
    const msg = messageText(message);
    const edges = fragmentEdges(splitFragments(msg.text));
    const words = needles(msg.text);
    const wordBytes = words.map((w) => Buffer.from(w));
    const matchers = new Map<string, LiteralMatcher | null>();
    const candidates: Candidate[] = [];
    let filesRead = 0;
    for (const [copyIndex, copy] of this.copies.entries()) {
      for (const file of this.files(copy)) {
        if (filesRead % FILES_PER_TURN === 0) {
          await new Promise((r) => setImmediate(r));
          if (cancel?.isCancellationRequested) throw new OriginsCancelled();
        }
        filesRead++;
        let bytes: Buffer;
        try {
          bytes = fs.readFileSync(file);
        } catch {
          continue;
        }
        // Generated files of that size hold no error text worth attributing.
        if (bytes.length > MAX_GO_FILE) continue;
        const present = words.filter((_, i) => bytes.includes(wordBytes[i]!));
        if (present.length === 0) continue;
        const component = componentOf(this.programs, copy, file);
        const vendored = path.relative(copy.dir, file).split(path.sep).includes('vendor');
        for (const lit of goStringLiterals(bytes.toString('utf8'))) {
          if (!present.some((w) => lit.value.includes(w))) continue;
          let matcher = matchers.get(lit.value);
          if (matcher === undefined) {
            matcher = literalMatcher(lit.value);
            matchers.set(lit.value, matcher);
          }
          if (!matcher) continue;
          for (const match of matchLiteral(matcher, msg, edges)) {
            candidates.push({ value: lit.value, matcher, match, component, depth: this.programs.components[component]!.depth, copy, copyIndex, vendored, file, line: lit.line });
          }
        }
      }
    }
    const chosen = selectOrigins(candidates);
    const decls = new Map<string, DeclSpan[]>();
    const origins = chosen.map((c) => {
      let spans = decls.get(c.file);
      if (!spans) {
        spans = this.declarations(c.file);
        decls.set(c.file, spans);
      }
      return {
        text: originalSlice(msg, c.match.start, c.match.end),
        component: c.component,
        symbol: spans.find((d) => d.start <= c.line && c.line <= d.end)?.symbol ?? null,
        file: c.file,
        line: c.line,
        version: c.copy.version,
      };
    });
    const result = { origins, filesRead };
    this.results.set(message, result);
    return { ...result, elapsedMs: performance.now() - started };
  }

  /** The Go files of a copy that its program compiles (tests and nested copies of other projects left out). */
  private files(copy: ProjectRoot): string[] {
    const cached = this.fileLists.get(copy.dir);
    if (cached) return cached;
    const others = new Set(this.copies.filter((c) => c !== copy).map((c) => c.dir));
    const out: string[] = [];
    const walk = (dir: string) => {
      let entries: fs.Dirent[];
      try {
        entries = fs.readdirSync(dir, { withFileTypes: true });
      } catch {
        return;
      }
      entries.sort((a, b) => byCodeUnit(a.name, b.name));
      for (const e of entries) {
        const p = path.join(dir, e.name);
        // Symbolic links are not followed: kubernetes' vendor/k8s.io links back into its own staging/.
        if (e.isDirectory()) {
          if (!SKIP_DIRS.has(e.name) && !e.name.startsWith('.') && !others.has(p)) walk(p);
        } else if (e.isFile() && e.name.endsWith('.go') && !e.name.endsWith('_test.go')) {
          out.push(p);
        }
      }
    };
    const dirs = this.programs.projects[copy.project]!.dirs;
    for (const d of dirs ? dirs.map((d) => path.join(copy.dir, d)) : [copy.dir]) walk(d);
    this.fileLists.set(copy.dir, out);
    return out;
  }

  /** The top-level declarations of a file as row spans: functions, methods (`(*T).m`), package-level vars and consts. */
  private declarations(file: string): DeclSpan[] {
    const tree = this.parser.parser.parse(fs.readFileSync(file, 'utf8'));
    if (!tree) return [];
    try {
      return tree.rootNode.namedChildren.flatMap((d) => (d ? declSpans(d) : []));
    } finally {
      tree.delete();
    }
  }
}

/** A top-level declaration's rows (1-based, inclusive) and its name as the trace shows it. */
export interface DeclSpan {
  start: number;
  end: number;
  symbol: string;
}

/** The row spans a top-level declaration names (shared with the message index generator, which names sites the same way). */
export function declSpans(decl: SyntaxNode): DeclSpan[] {
  const span = (n: SyntaxNode, symbol: string | undefined): DeclSpan[] => (symbol ? [{ start: n.startPosition.row + 1, end: n.endPosition.row + 1, symbol }] : []);
  const name = decl.childForFieldName('name')?.text;
  if (decl.type === 'function_declaration') return span(decl, name);
  if (decl.type === 'method_declaration') {
    const param = decl.childForFieldName('receiver')?.namedChildren.find((c) => c?.type === 'parameter_declaration');
    let type = param?.childForFieldName('type') ?? null;
    const pointer = type?.type === 'pointer_type';
    if (pointer) type = type!.namedChildren[0] ?? null;
    if (type?.type === 'generic_type') type = type.childForFieldName('type');
    const recv = type?.text ?? '?';
    return span(decl, pointer ? `(*${recv}).${name}` : `${recv}.${name}`);
  }
  if (decl.type === 'var_declaration' || decl.type === 'const_declaration') {
    return [...decl.descendantsOfType('var_spec'), ...decl.descendantsOfType('const_spec')].flatMap((s) => (s ? span(s, s.childForFieldName('name')?.text) : []));
  }
  return [];
}

/** Candidates for the same part made by the same literal in the same program: the one to show. */
function better(a: Candidate, b: Candidate, fileScore: Map<string, number>): number {
  return (
    Number(a.vendored) - Number(b.vendored) ||
    a.copyIndex - b.copyIndex ||
    (fileScore.get(b.file) ?? 0) - (fileScore.get(a.file) ?? 0) ||
    byCodeUnit(a.file, b.file) ||
    a.line - b.line
  );
}

/**
 * Chooses which literals made the text. Each position of the text is made once, so chosen literals
 * never cover the same letters; and a wrapped error reads outermost program first, so along the
 * text the programs go no shallower (kubelet → dockerd → containerd → shim → runc). Within those
 * rules a program's own code goes before the libraries it vendors (a vendored runc in kubernetes
 * must not take the place of runc's own), then the literals accounting for more of the text win
 * (letters, then punctuation), then the innermost program (the text started there). Among equal literals, the file
 * that made more parts of this text is taken: that is where the error passed.
 */
export function selectOrigins(candidates: Candidate[]): Candidate[] {
  const fileScore = new Map<string, number>();
  const perFile = new Map<string, Set<string>>();
  for (const c of candidates) {
    const s = perFile.get(c.file) ?? new Set<string>();
    s.add(c.value);
    perFile.set(c.file, s);
  }
  for (const [f, s] of perFile) fileScore.set(f, s.size);
  const groups = new Map<string, Candidate>();
  for (const c of candidates) {
    const key = `${c.value}\u0000${c.component}\u0000${c.match.start}`;
    const held = groups.get(key);
    if (!held || better(c, held, fileScore) < 0) groups.set(key, c);
  }
  const ranked = [...groups.values()].sort(
    (a, b) =>
      Number(a.vendored) - Number(b.vendored) ||
      b.match.covered.length - a.match.covered.length ||
      b.matcher.constantLength - a.matcher.constantLength ||
      b.depth - a.depth ||
      b.match.start - a.match.start,
  );
  return chooseCovering(ranked);
}
