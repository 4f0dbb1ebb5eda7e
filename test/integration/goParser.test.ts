import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { Query } from 'web-tree-sitter';
import { loadGoParser } from '../../src/core/sources/goParser';
import { debianSources } from '../harness/goSources';
import { testWasm } from '../harness/wasm';

test('tree-sitter-go (WASM, ABI 15) parses runc 1.1.5 and finds saveState where the source has it', async () => {
  const src = debianSources();
  const { parser, language } = await loadGoParser(testWasm);
  assert.equal(language.abiVersion, 15);
  const file = path.join(src.runc, 'libcontainer', 'container_linux.go');
  const text = fs.readFileSync(file, 'utf8');
  const tree = parser.parse(text);
  assert.ok(tree);
  assert.equal(tree.rootNode.hasError, false);
  const query = new Query(language, '(method_declaration name: (field_identifier) @name (#eq? @name "saveState")) @decl');
  const decls = query.captures(tree.rootNode).filter((c) => c.name === 'decl');
  assert.equal(decls.length, 1);
  // runc 1.1.5 as Debian ships it: `func (c *linuxContainer) saveState(s *State) (retErr error) {` is line 1918.
  assert.equal(decls[0]!.node.startPosition.row + 1, 1918);
  assert.match(text.split('\n')[1917]!, /^func \(c \*linuxContainer\) saveState\(/);
  tree.delete();
  query.delete();
});
