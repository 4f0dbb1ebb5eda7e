import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../harness/paths';

// `npm run bench` runs far from CI (minutes of timed runs), and tsc does not read its .mjs scripts: a slip
// in one (a backtick inside a template literal) went unseen until a bench run failed to start. Each script
// must at least parse.
test('every bench/*.mjs script parses', () => {
  const dir = path.join(repoRoot, 'bench');
  const scripts = fs.readdirSync(dir).filter((f) => f.endsWith('.mjs'));
  assert.ok(scripts.includes('run.mjs'), scripts.join(', '));
  for (const f of scripts) {
    const r = spawnSync(process.execPath, ['--check', path.join(dir, f)], { encoding: 'utf8' });
    assert.equal(r.status, 0, `${f}: ${r.stderr}`);
  }
});
