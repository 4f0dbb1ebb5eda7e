import * as path from 'node:path';
import type { WasmLocation } from '../../src/core/sources/goParser';
import { repoRoot } from './paths';

/** The .wasm files straight from node_modules, so core tests need no build step. */
export const testWasm: WasmLocation = {
  runtime: path.join(repoRoot, 'node_modules', 'web-tree-sitter', 'tree-sitter.wasm'),
  goGrammar: path.join(repoRoot, 'node_modules', 'tree-sitter-go', 'tree-sitter-go.wasm'),
};
