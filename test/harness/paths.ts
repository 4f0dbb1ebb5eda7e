import * as path from 'node:path';

/** The checkout's root, from the compiled location out/test/harness/. */
export const repoRoot = path.resolve(__dirname, '..', '..', '..');

/** Git-ignored folder for everything tests write: screenshots, temporary workspaces, logs. */
export const testOutput = path.join(repoRoot, 'test-output');

export const cacheDir = process.env.RUNTIME_LENS_CACHE ?? path.join(process.env.HOME ?? '/root', '.cache', 'runtime-lens');
