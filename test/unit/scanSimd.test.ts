import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { prng } from '../harness/prng';
import { ByteScanner, type LineVisitor, scanLines, scanLinesJs } from '../../src/core/logs/scan';
import { builtInSignatures } from '../../src/core/signatures/catalog';
import { Matcher } from '../../src/core/signatures/matcher';
import { recogniseFile, recogniseText } from '../../src/core/signatures/recognise';
import { FACT_NEEDLES } from '../../src/core/logs/facts';

// The SIMD scanner must find exactly what the String#indexOf scanner finds, whatever the text. These
// tests fuzz both with seeded random logs: needles at line starts and ends, overlapping and sharing
// prefixes, at the very end without a newline, CRLF lines, bytes above 0x7f, empty lines.

const matcher = new Matcher(builtInSignatures());
const NEEDLES = [...matcher.needles, ...FACT_NEEDLES];
const FILLER = ['I0507 03:43:28.310630   57003 kubelet.go:1926] SyncLoop (SYNC): 1 pods', 'time="2021-05-07T03:43:27+08:00" level=info msg="ignoring event"', '', 'caf\xe9 \xff\xfe bytes', 'exec failed: EO', 'reading from a closed fif', 'OCI runtime exec failed: exec failed: E'];

function randomLog(rand: () => number, bytes: number, needles: readonly string[]): string {
  const parts: string[] = [];
  let size = 0;
  while (size < bytes) {
    let line = FILLER[Math.floor(rand() * FILLER.length)]!;
    const r = rand();
    if (r < 0.08) line = `${needles[Math.floor(rand() * needles.length)]!}${line}`;
    else if (r < 0.16) line = `${line}${needles[Math.floor(rand() * needles.length)]!}`;
    else if (r < 0.2) line = `${line} ${needles[Math.floor(rand() * needles.length)]!} ${needles[Math.floor(rand() * needles.length)]!}`;
    if (rand() < 0.1) line += '\r';
    parts.push(line);
    size += line.length + 1;
  }
  // Sometimes end on a needle with no trailing newline.
  return rand() < 0.5 ? `${parts.join('\n')}\n` : `${parts.join('\n')}\n${needles[0]}`;
}

function collect(scan: (text: string, needles: readonly string[], firstLine: number, visit: LineVisitor) => number, text: string, needles: readonly string[]) {
  const seen: [number, string, number][] = [];
  const newlines = scan(text, needles, 7, (line, content, offset) => seen.push([line, content, offset]));
  return { newlines, seen };
}

test('WebAssembly SIMD is available here, so the fast path is the one under test', () => {
  assert.ok(ByteScanner.create(1024 * 1024), 'ByteScanner.create returned null: the SIMD path would silently fall back');
});

for (const seed of [1, 2, 3, 4, 5]) {
  test(`SIMD and indexOf scanners agree on a random 600 KB log (seed ${seed})`, () => {
    const rand = prng(seed);
    const text = randomLog(rand, 600 * 1024, NEEDLES);
    const fast = collect(scanLines, text, NEEDLES);
    const reference = collect(scanLinesJs, text, NEEDLES);
    assert.ok(reference.seen.length > 500, `only ${reference.seen.length} matching lines: the fuzz input is too thin`);
    assert.equal(fast.newlines, reference.newlines);
    assert.deepEqual(fast.seen, reference.seen);
  });
}

test('SIMD and indexOf agree for needles sharing prefixes and fingerprints, and a single needle', () => {
  const rand = prng(42);
  for (const needles of [['abcdef', 'abcxyz', 'abc123', 'zabcde', 'EOF: unknown'], ['exec failed: EOF'], ['aaa', 'aaaa', 'aaaaa']]) {
    const text = randomLog(rand, 400 * 1024, needles);
    assert.deepEqual(collect(scanLines, text, needles), collect(scanLinesJs, text, needles), needles.join(','));
  }
});

test('a file read through the byte path gives the same findings as the text in an editor', async () => {
  const rand = prng(9);
  // Over 4 MB so the file crosses read regions; realistic lines so findings carry records.
  const eof = 'I0507 03:43:28.310630   57003 prober.go:112] Readiness probe for "api-1_shop(d1aab5f0-ae8f-11eb-a151-080027049c65):api" failed (failure): OCI runtime exec failed: exec failed: EOF: unknown';
  // Each closed fifo a second apart from the others: two within a second are one exec's pair (catalog `event`).
  const fifo = (i: number) => `time="${new Date(Date.UTC(2021, 4, 6, 19, 43, 27) + i * 2000).toISOString()}" level=error msg="stream copy error: reading from a closed fifo"`;
  const lines: string[] = [];
  let size = 0;
  while (size < 5 * 1024 * 1024) {
    const r = rand();
    const line = r < 0.002 ? eof : r < 0.004 ? fifo(lines.length) : FILLER[Math.floor(rand() * 2)]!;
    lines.push(line);
    size += line.length + 1;
  }
  const text = `${lines.join('\n')}\n`;
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rl-simd-')), 'node.log');
  fs.writeFileSync(file, text, 'latin1');
  const fromFile = await recogniseFile(file, { matcher });
  const fromText = recogniseText(file, text, { matcher });
  const key = (r: typeof fromFile) => r.findings.map((f) => `${f.line} ${f.signature} ${f.text}`);
  assert.ok(fromFile.findings.length > 20);
  assert.deepEqual(key(fromFile), key(fromText));
  assert.equal(fromFile.lines, fromText.lines);
  assert.deepEqual(fromFile.findings.map((f) => f.line), lines.flatMap((l, i) => (l === eof || l.endsWith('closed fifo"') ? [i + 1] : [])));
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
});
