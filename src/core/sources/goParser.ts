import * as path from 'node:path';
import type TreeSitter = require('web-tree-sitter');

type Language = TreeSitter.Language;
type Parser = TreeSitter.Parser;

/**
 * The runtime, required on first use: evaluating its Emscripten glue is a fixed cost of every CLI start,
 * and only tracing needs it (lazy.ts says why). `require` makes esbuild take the package's CommonJS
 * build: its ESM build reads import.meta.url, which does not exist in the CommonJS bundles VS Code and
 * the CLI load.
 */
const treeSitter = () => require('web-tree-sitter') as typeof TreeSitter;

/** Where the two WebAssembly modules live: the tree-sitter runtime and the Go grammar. */
export interface WasmLocation {
  runtime: string;
  goGrammar: string;
}

/** The layout the bundles use: both .wasm files copied next to the JavaScript (see `npm run build:wasm`). */
export function wasmBeside(dir: string): WasmLocation {
  return { runtime: path.join(dir, 'tree-sitter.wasm'), goGrammar: path.join(dir, 'tree-sitter-go.wasm') };
}

export interface GoParser {
  parser: Parser;
  language: Language;
}

// web-tree-sitter keeps one Emscripten module per process, so initialising it twice is wasted work;
// the promise is shared so concurrent callers wait for the same load.
let loading: Promise<GoParser> | undefined;

/**
 * Loads tree-sitter-go in WebAssembly. WASM rather than the native addon because a native module
 * would have to match the Electron ABI of whatever VS Code runs the extension.
 */
export function loadGoParser(wasm: WasmLocation): Promise<GoParser> {
  loading ??= (async () => {
    const { Language, Parser } = treeSitter();
    await Parser.init({ locateFile: () => wasm.runtime });
    const language = await Language.load(wasm.goGrammar);
    const parser = new Parser();
    parser.setLanguage(language);
    return { parser, language };
  })();
  loading.catch(() => {
    loading = undefined;
  });
  return loading;
}
