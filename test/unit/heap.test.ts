import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { test } from 'node:test';

// In a process of its own: the growth factor, once set, is the whole process's.
const heap = path.join(__dirname, '..', '..', 'src', 'cli', 'heap.js');

/** The largest young generation seen (MB) while a loop makes garbage that survives a while, capped at `cap` MB or not. */
function youngestPeak(cap: number | null): number {
  const script = `
    const { capYoungGeneration, youngSize } = require(${JSON.stringify(heap)});
    const stop = ${cap === null ? '() => {}' : `capYoungGeneration(${cap} * 1048576)`};
    let keep = [], peak = 0, round = 0;
    // Rounds end with a macrotask, as the CLI's reading does between chunks: the collection observer runs there.
    const next = () => {
      for (let i = 0; i < 5000; i++) { keep.push({ i, s: 'x' + i }); if (keep.length > 300000) keep = keep.slice(150000); }
      peak = Math.max(peak, youngSize());
      if (++round < 600) setImmediate(next); else { stop(); process.stdout.write(String(peak / 1048576)); }
    };
    next();`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return Number(r.stdout);
}

test('the young generation stops growing at the cap, where it grows past it uncapped', () => {
  const free = youngestPeak(null);
  const capped = youngestPeak(4);
  // Told of a collection after it, the cap can be passed by one growth (a factor of 2).
  assert.ok(capped <= 8, `capped at 4 MB, the young generation reached ${capped} MB`);
  assert.ok(free > 8, `uncapped, the young generation reached only ${free} MB: the test shows nothing`);
});
