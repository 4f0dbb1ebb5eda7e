import * as fs from 'node:fs';
import * as path from 'node:path';
import type { MessageIndex } from '../core/messages/types';
import { serialiseWordTable, wordTable } from '../core/messages/anatomy';
import { byCodeUnit } from '../core/order';
import { loadGoParser } from '../core/sources/goParser';
import { type ProjectInput, buildIndex, compareEntries, serialise } from './build';
import { PROJECTS, projectNamed } from './projects';
import { type VersionSource, gitMirror, joinedSources, plainTrees, vendoredMirror } from './sources';

const USAGE = `Usage: npm run knowledge -- [--mirrors DIR] [--mirror NAME=GITDIR]... [--tree NAME@TAG=DIR|TARBALL]... [--vendored NAME=GITDIR]... [--out FILE]

Writes the message index (src/core/knowledge/messages.json) from the programs' upstream sources.
  --mirrors DIR         bare mirrors laid out as DIR/<owner>+<name>/repo (as the fetch tool leaves them)
  --mirror NAME=GITDIR  one project's bare mirror; NAME is one of: ${PROJECTS.map((p) => p.name).join(', ')}
  --tree NAME@TAG=PATH  one version of a project as an unpacked tree or a tarball (repeatable)
  --vendored NAME=GITDIR  the copies of a Go project that another project's bare mirror vendored, one per
                        version it required (kubernetes=…/kubeedge+kubeedge/repo); joins the trees given
  --out FILE            where to write (default src/core/knowledge/messages.json)
Projects not given keep their entries from the existing file, so one project can be refreshed alone.`;

function fail(message: string): never {
  process.stderr.write(`knowledge: ${message}\n`);
  process.exit(2);
}

async function main(argv: string[]): Promise<void> {
  const mirrors = new Map<string, string>();
  const trees = new Map<string, Record<string, string>>();
  const vendored = new Map<string, string[]>();
  let out = path.join('src', 'core', 'knowledge', 'messages.json');
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => argv[++i] ?? fail(`${a} needs a value\n${USAGE}`);
    if (a === '--help' || a === '-h') {
      process.stdout.write(`${USAGE}\n`);
      return;
    } else if (a === '--mirrors') {
      const dir = value();
      for (const p of PROJECTS) {
        const git = path.join(dir, p.repo.replace('/', '+'), 'repo');
        if (fs.existsSync(git)) mirrors.set(p.name, git);
      }
    } else if (a === '--mirror') {
      const m = /^([^=]+)=(.+)$/.exec(value()) ?? fail(`--mirror takes NAME=GITDIR\n${USAGE}`);
      mirrors.set(m[1]!, m[2]!);
    } else if (a === '--tree') {
      const m = /^([^@=]+)@([^=]+)=(.+)$/.exec(value()) ?? fail(`--tree takes NAME@TAG=PATH\n${USAGE}`);
      trees.set(m[1]!, { ...trees.get(m[1]!), [m[2]!]: m[3]! });
    } else if (a === '--vendored') {
      const m = /^([^=]+)=(.+)$/.exec(value()) ?? fail(`--vendored takes NAME=GITDIR\n${USAGE}`);
      vendored.set(m[1]!, [...(vendored.get(m[1]!) ?? []), m[2]!]);
    } else if (a === '--out') {
      out = value();
    } else fail(`unknown argument ${a}\n${USAGE}`);
  }
  const inputs: ProjectInput[] = [];
  for (const name of new Set([...mirrors.keys(), ...trees.keys(), ...vendored.keys()])) {
    const spec = projectNamed(name) ?? fail(`unknown project ${name}; known: ${PROJECTS.map((p) => p.name).join(', ')}`);
    if (mirrors.has(name) && (trees.has(name) || vendored.has(name))) fail(`${name}: give a mirror, or trees and vendored copies, not both`);
    if (vendored.has(name) && !spec.module) fail(`${name} is not a Go module others vendor`);
    // Trees first: a version given as a whole tree is read from it rather than from a vendored part of it.
    const source: VersionSource = mirrors.has(name)
      ? gitMirror(mirrors.get(name)!, spec.earlyRefs)
      : joinedSources([...(trees.has(name) ? [plainTrees(trees.get(name)!)] : []), ...(vendored.get(name) ?? []).map((g) => vendoredMirror(g, spec.module!))]);
    inputs.push({ spec, source });
  }
  if (inputs.length === 0) fail(`no sources given\n${USAGE}`);
  inputs.sort((a, b) => PROJECTS.indexOf(a.spec) - PROJECTS.indexOf(b.spec));
  const started = Date.now();
  const root = process.cwd();
  const parser = await loadGoParser({
    runtime: path.join(root, 'node_modules', 'web-tree-sitter', 'tree-sitter.wasm'),
    goGrammar: path.join(root, 'node_modules', 'tree-sitter-go', 'tree-sitter-go.wasm'),
  });
  const fresh = await buildIndex(parser, inputs, (line) => process.stderr.write(`${line}\n`));
  const index = keepOthers(fresh, out, new Set(Object.keys(fresh.generated.programs)));
  const text = serialise(index);
  fs.writeFileSync(out, text);
  process.stderr.write(`knowledge: wrote ${out}: ${index.entries.length} entries, ${text.length} bytes, ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  // The word table the extension reads is derived here too, from the bytes just written (as
  // `npm run knowledge:words` derives it from the file): npm gives a script's arguments to its last
  // command only, so a chain `main.js && words.js` would hand --mirrors to the wrong one.
  const words = path.join(path.dirname(out), 'messages-words.json');
  fs.writeFileSync(words, serialiseWordTable(wordTable(JSON.parse(text) as MessageIndex)));
  process.stderr.write(`knowledge: wrote ${words}\n`);
}

/** Adds the entries and tag lists of programs this run did not read, from the file being replaced. */
function keepOthers(fresh: MessageIndex, file: string, read: Set<string>): MessageIndex {
  let old: MessageIndex;
  try {
    old = JSON.parse(fs.readFileSync(file, 'utf8')) as MessageIndex;
  } catch {
    return fresh;
  }
  const programs = { ...fresh.generated.programs };
  for (const [p, v] of Object.entries(old.generated?.programs ?? {})) if (!read.has(p)) programs[p as keyof typeof programs] = v;
  const entries = [...fresh.entries, ...(old.entries ?? []).filter((e) => !read.has(e.program))].sort(compareEntries);
  const sorted = Object.fromEntries(Object.entries(programs).sort(([a], [b]) => byCodeUnit(a, b)));
  return { generated: { by: fresh.generated.by, programs: sorted }, entries };
}

main(process.argv.slice(2)).catch((e: unknown) => fail(e instanceof Error ? e.message : String(e)));
