import assert from 'node:assert/strict';
import { test } from 'node:test';
import { run } from '../../src/cli/main';
import { version } from '../../package.json';

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await run(argv, (s) => (out += s), (s) => (err += s));
  return { code, out, err };
}

test('--version prints the package version', async () => {
  const r = await cli('--version');
  assert.equal(r.code, 0);
  assert.equal(r.out, `${version}\n`);
});

test('--help prints usage with both commands and exits 0', async () => {
  const r = await cli('--help');
  assert.equal(r.code, 0);
  assert.match(r.out, /runtime-lens diagnose \[--json\]/);
  assert.match(r.out, /runtime-lens trace \[--json\]/);
});

test('no arguments is bad usage: usage on stdout, exit 2', async () => {
  const r = await cli();
  assert.equal(r.code, 2);
  assert.match(r.out, /Usage:/);
});

test('an unknown command exits 2 and names it on stderr', async () => {
  const r = await cli('frobnicate');
  assert.equal(r.code, 2);
  assert.match(r.err, /unknown command 'frobnicate'/);
  assert.equal(r.out, '');
});
