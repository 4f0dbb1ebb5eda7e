/**
 * Engine features the CLI turns on for its own process, before the bundle is compiled (start.ts).
 *
 * Relaxed SIMD: the byte scanner looks nibbles up with `i8x16.relaxed_swizzle` where the engine has it
 * (src/core/logs/scan.ts, `swizzle`), ~16% faster than the plain swizzle on x86, with the same results.
 * V8 ships it from 11.4 (node 22, VS Code's Electron); node 20's V8 11.3 has it behind
 * `--experimental-wasm-relaxed-simd`. The CLI owns its process, so it sets the flag there, and only
 * there: the extension runs in VS Code's host and takes the engine as it is.
 *
 * Set before the bundle is compiled, never later: V8's code cache records a hash of the flags, and a
 * flag set after compiling would make every run's cache the next run's mismatch (start.ts).
 */
import * as v8 from 'node:v8';

/** A module of one function, `(a, s) => i8x16.relaxed_swizzle(a, s)`: valid only where relaxed SIMD is on. */
const RELAXED_SWIZZLE = Uint8Array.from([
  ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
  ...[0x01, 0x07, 0x01, 0x60, 0x02, 0x7b, 0x7b, 0x01, 0x7b], // type: (v128, v128) -> v128
  ...[0x03, 0x02, 0x01, 0x00], // one function of that type
  ...[0x0a, 0x0b, 0x01, 0x09, 0x00, 0x20, 0x00, 0x20, 0x01, 0xfd, 0x80, 0x02, 0x0b], // local.get 0, local.get 1, relaxed_swizzle
]);

interface Wasm {
  validate(bytes: Uint8Array): boolean;
}
const wasm = (globalThis as unknown as { WebAssembly?: Wasm }).WebAssembly;

/** Whether this engine compiles relaxed SIMD now. */
export function relaxedSimd(): boolean {
  try {
    return wasm?.validate(RELAXED_SWIZZLE) ?? false;
  } catch {
    return false;
  }
}

/**
 * Turns relaxed SIMD on where the engine has it behind its flag; returns whether it is on. The flag is
 * set only when the engine does not have the feature already: a V8 that no longer knows the flag would
 * print an error for it.
 */
export function enableRelaxedSimd(): boolean {
  if (!wasm) return false;
  if (relaxedSimd()) return true;
  try {
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    return false;
  }
  return relaxedSimd();
}
