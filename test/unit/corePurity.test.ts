import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../harness/paths';

// The core must run in the CLI and in tests without an editor: nothing under src/core may reach vscode.
const vscodeImport = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)['"]vscode['"]/m;

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? tsFiles(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

test('the import check recognises every way of importing vscode', () => {
  for (const line of [
    "import * as vscode from 'vscode';",
    'import { window } from "vscode";',
    "import type { Uri } from 'vscode';",
    "const v = require('vscode');",
    "const v = await import('vscode');",
    "import 'vscode';",
  ]) {
    assert.match(line, vscodeImport, line);
  }
  assert.doesNotMatch("import * as path from 'node:path'; // vscode-like", vscodeImport);
});

test('no file under src/core imports vscode', () => {
  const files = tsFiles(path.join(repoRoot, 'src', 'core'));
  assert.ok(files.length > 0, 'src/core has TypeScript files');
  const offenders = files.filter((f) => vscodeImport.test(fs.readFileSync(f, 'utf8')));
  assert.deepEqual(offenders.map((f) => path.relative(repoRoot, f)), []);
});
