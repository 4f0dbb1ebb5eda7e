import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { repoRoot } from './paths';

/** Every .ts file under a directory, at any depth. */
function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? tsFiles(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

/**
 * The messages the extension, the panel and the core look up, read from the sources the way
 * `@vscode/l10n-dev export` reads them: the first argument of every `vscode.l10n.t(…)` under
 * src/extension, every `t(…)` under media/, and every `say.t(…)` under src/core (src/core/l10n.ts:
 * the verdict, clock note, evidence details and report, which the extension has VS Code look up).
 * A first argument that is not a plain string is reported: its message could not be in the bundle.
 */
export function l10nMessages(): { messages: Set<string>; dynamic: string[] } {
  const messages = new Set<string>();
  const dynamic: string[] = [];
  const files = [
    ...fs.readdirSync(path.join(repoRoot, 'src', 'extension')).map((f) => path.join(repoRoot, 'src', 'extension', f)),
    ...fs.readdirSync(path.join(repoRoot, 'media')).map((f) => path.join(repoRoot, 'media', f)),
    ...tsFiles(path.join(repoRoot, 'src', 'core')),
  ].filter((f) => f.endsWith('.ts'));
  for (const file of files) {
    const inMedia = file.includes(`${path.sep}media${path.sep}`);
    const inCore = file.includes(`${path.sep}src${path.sep}core${path.sep}`);
    const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    // The panel's t, under the name a module imports it as (`import { t as say } from './l10n'` where `t` names a Timeline).
    const panelT = new Set(['t']);
    for (const statement of source.statements) {
      if (!inMedia || !ts.isImportDeclaration(statement) || (statement.moduleSpecifier as ts.StringLiteral).text !== './l10n') continue;
      const bindings = statement.importClause?.namedBindings;
      if (bindings && ts.isNamedImports(bindings)) for (const el of bindings.elements) if ((el.propertyName ?? el.name).text === 't') panelT.add(el.name.text);
    }
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node)) {
        const callee = node.expression.getText(source);
        // The panel's count(n, 'unit'[, 'units']) looks its unit up: both forms are messages.
        if (inMedia && callee === 'count' && node.arguments.length >= 2) {
          const [, one, many] = node.arguments;
          if (one && ts.isStringLiteral(one)) {
            messages.add(one.text);
            messages.add(many && ts.isStringLiteral(many) ? many.text : `${one.text}s`);
          }
        }
        const inCount = ts.findAncestor(node, (a) => ts.isFunctionDeclaration(a) && a.name?.text === 'count') !== undefined;
        const isSay = inCore && /(^|\.)say\.t$/.test(callee);
        if ((callee === 'vscode.l10n.t' || (inMedia && panelT.has(callee)) || isSay) && !inCount) {
          const first = node.arguments[0];
          if (first && (ts.isStringLiteral(first) || ts.isNoSubstitutionTemplateLiteral(first))) messages.add(first.text);
          else dynamic.push(`${path.relative(repoRoot, file)}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`);
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return { messages, dynamic };
}

export function readBundle(locale?: string): Record<string, string> {
  return JSON.parse(fs.readFileSync(path.join(repoRoot, 'l10n', locale ? `bundle.l10n.${locale}.json` : 'bundle.l10n.json'), 'utf8')) as Record<string, string>;
}

/**
 * The catalog's texts the panel looks up with k() (media/l10n.ts): each cause's title, summary and fixes, each
 * observation's title and question, the questions the evidence asks about facts (their prompts
 * and choices, written in src/core/diagnosis and its observations/), and the words of a phase
 * timeline (what it plots, against which period).
 */
export function knowledgeTexts(): Set<string> {
  const catalog = JSON.parse(fs.readFileSync(path.join(repoRoot, 'src', 'core', 'knowledge', 'causes.json'), 'utf8')) as {
    causes: { title: string; summary: string; fixes: { title: string; how: string; tradeoffs: string }[] }[];
    observations: { title: string; question?: { prompt: string; yes: string; no: string } }[];
  };
  const texts = new Set<string>();
  for (const c of catalog.causes) {
    texts.add(c.title).add(c.summary);
    for (const f of c.fixes) texts.add(f.title).add(f.how).add(f.tradeoffs);
  }
  for (const o of catalog.observations) {
    texts.add(o.title);
    if (o.question) texts.add(o.question.prompt).add(o.question.yes).add(o.question.no);
  }
  // The observations' readers ask their own questions (observations/*.ts) and name what a phase timeline plots (events, period).
  const observations = fs.readdirSync(path.join(repoRoot, 'src', 'core', 'diagnosis', 'observations')).filter((f) => f.endsWith('.ts')).map((f) => path.join('observations', f));
  for (const f of ['evidence.ts', 'diagnose.ts', ...observations]) {
    const file = path.join(repoRoot, 'src', 'core', 'diagnosis', f);
    const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node): void => {
      if (ts.isPropertyAssignment(node) && ['prompt', 'label', 'events', 'period'].includes(node.name.getText(source)) && (ts.isStringLiteral(node.initializer) || ts.isNoSubstitutionTemplateLiteral(node.initializer))) {
        texts.add(node.initializer.text);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return texts;
}
