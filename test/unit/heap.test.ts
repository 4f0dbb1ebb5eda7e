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

/** The largest heapUsed (MB) while old garbage piles up in pieces, with `check` of a GarbageWatch asked between pieces or not. */
function heapPeak(watched: boolean): number {
  const script = `
    const { GarbageWatch } = require(${JSON.stringify(heap)});
    const watch = new GarbageWatch();
    let peak = 0;
    // Garbage that outlives the young generation: each piece's objects stay alive for 300 pieces (a
    // few scavenges), as the parts of a document's sets do while it is written, then die in the old one.
    const ring = [];
    for (let piece = 0; piece < 8000; piece++) {
      const made = [];
      for (let i = 0; i < 400; i++) made.push({ i, s: 'part ' + piece + ' ' + i });
      ring.push(made);
      if (ring.length > 300) ring.shift();
      ${watched ? 'watch.check();' : ''}
      peak = Math.max(peak, process.memoryUsage().heapUsed);
    }
    process.stdout.write(String(peak / 1048576));`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return Number(r.stdout);
}

test('a GarbageWatch keeps the garbage of a long write from piling up in the old generation', () => {
  const free = heapPeak(false);
  const watched = heapPeak(true);
  // Live: 300 pieces of 400 small objects, ~10 MB; the watch collects once the heap grew by 32 MB (it
  // measured ~50 MB, against ~100 MB left to V8).
  assert.ok(free > 80, `left to V8, the heap reached only ${free.toFixed(0)} MB: the test shows nothing`);
  assert.ok(watched < 70, `watched, the heap reached ${watched.toFixed(0)} MB (left to V8: ${free.toFixed(0)} MB)`);
});
