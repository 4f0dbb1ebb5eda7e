import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { test } from 'node:test';
import * as zlib from 'node:zlib';
import { FACT_NEEDLES } from '../../src/core/logs/facts';
import { InputError } from '../../src/core/logs/input';
import { ScanPool, rangeWorkers } from '../../src/core/logs/parallel';
import { RangeBoard, type RangeJob, rangeCapacity, rangeCount, rangeJob, scanRange, scanRangeAsync } from '../../src/core/logs/ranges';
import { ByteScanner } from '../../src/core/logs/scan';
import { builtInSignatures } from '../../src/core/signatures/catalog';
import { Matcher } from '../../src/core/signatures/matcher';
import { type Recognition, type RecogniseOptions, recogniseFile } from '../../src/core/signatures/recognise';
import { prng } from '../harness/prng';
import { tempFiles } from '../harness/tempFiles';

// The range scan (logs/ranges.ts) on worker threads (logs/parallel.ts) must give exactly what reading
// the file from the start on one thread gives: the same findings on the same lines, the same line
// count, the same notes for overlong lines, whatever falls on a range boundary — CRLF, bytes that are
// not UTF-8, a line of 10 MB, a line split anywhere. Ranges are forced small so that a few MB hold
// hundreds of boundaries.

const matcher = new Matcher(builtInSignatures());
const { write } = tempFiles('runtime-lens-parallel-');

const UID = 'd1aab5f0-ae8f-11eb-a151-080027049c65';
const EOF_LINE = `I0507 03:43:28.310630   57003 prober.go:112] Readiness probe for "api-1_shop(${UID}):api" failed (failure): OCI runtime exec failed: exec failed: EOF: unknown`;
const FIFO = 'time="2021-05-06T16:51:40.009989451+08:00" level=error msg="stream copy error: reading from a closed fifo"';
const HTTP_EOF = `I0507 03:44:02.100000   57003 prober.go:116] Readiness probe for "web-2_shop(${UID}):web" failed (failure): Get "http://10.2.3.4:8080/healthz": EOF`;
const VERSION = 'I0507 03:40:01.417531   57003 server.go:417] Version: v1.14.8';
const ORDINARY = [
  'I0507 03:43:28.310630   57003 kubelet.go:1926] SyncLoop (SYNC): 1 pods; api-1_shop(d1aab5f0)',
  'I0507 03:43:29.000001   57003 kuberuntime_manager.go:667] computePodActions got {KillPod:false}',
  '',
  'caf\xe9 \xff\xfe not UTF-8: OCI runtime exec failed: exec failed: EOF: unknown \xc3',
  'exec failed: EO',
];

/** A log of `bytes` with findings, CRLF lines, invalid UTF-8, empty lines; `long` puts overlong lines in it. */
function randomLog(seed: number, bytes: number, long: number[] = []): Buffer {
  const rand = prng(seed);
  const parts: Buffer[] = [];
  let size = 0;
  let i = 0;
  while (size < bytes) {
    const r = rand();
    let line = r < 0.01 ? EOF_LINE : r < 0.02 ? FIFO : r < 0.03 ? HTTP_EOF : r < 0.031 ? VERSION : ORDINARY[Math.floor(rand() * ORDINARY.length)]!;
    if (long.includes(i)) line = `${EOF_LINE} ${'x'.repeat(Math.floor(1.5 * 1024 * 1024 + rand() * 9 * 1024 * 1024))}`;
    if (rand() < 0.1) line += '\r';
    const b = Buffer.from(`${line}\n`, 'latin1');
    parts.push(b);
    size += b.length;
    i += 1;
  }
  return Buffer.concat(parts);
}

/** Every range of `rangeBytes` over bytes [0, size), as the pool's threads work them out one by one. */
const rangeJobs = (size: number, rangeBytes: number): RangeJob[] => Array.from({ length: rangeCount(0, size, rangeBytes) }, (_, i) => rangeJob(0, size, rangeBytes, i));

/** Everything a recognition says, for comparing two of them. */
function whole(r: Recognition) {
  return { findings: r.findings.map(({ record: _r, ...f }) => ({ ...f, pod: _r.pod, component: _r.component })), lines: r.lines, notes: r.notes, facts: r.facts, hints: r.hints };
}

async function both(file: string, parallel: NonNullable<RecogniseOptions['parallel']>) {
  const threads: number[] = [];
  const single = await recogniseFile(file, { matcher, parallel: false });
  const multi = await recogniseFile(file, { matcher, parallel: parallel && { ...parallel, onRange: (r) => threads.push(r.thread) } });
  return { single, multi, threads };
}

test('the range scan on worker threads finds what the single pass finds (6 MB, 64 KiB ranges)', { timeout: 60000 }, async () => {
  const file = write('node.log', randomLog(1, 6 * 1024 * 1024));
  const { single, multi, threads } = await both(file, { workers: 2, rangeBytes: 64 * 1024, minBytes: 0 });
  assert.ok(single.findings.length > 300, `${single.findings.length} findings: the input is too thin`);
  assert.ok(threads.length > 20, `${threads.length} ranges: the file was not scanned in ranges`);
  assert.ok(threads.some((t) => t !== 0), 'no range was scanned by a worker thread');
  assert.deepEqual(whole(multi), whole(single));
});

test('hundreds of boundaries: 4093-byte ranges split CRLF pairs, UTF-8 sequences and needles', { timeout: 60000 }, async () => {
  const file = write('node.log', randomLog(2, 5 * 1024 * 1024));
  const { single, multi, threads } = await both(file, { workers: 1, rangeBytes: 4093, minBytes: 0 });
  assert.ok(threads.length > 200, `${threads.length} ranges`);
  assert.deepEqual(whole(multi), whole(single));
});

test('overlong lines (1.5 to 10.5 MB) across ranges: noted once, their heads examined, the lines after them numbered alike', { timeout: 120000 }, async () => {
  // Past the first 4 MB: a first chunk of a few lines would make the file a document, read whole.
  const file = write('long.log', randomLog(3, 30 * 1024 * 1024, [56000, 60000, 60001, 70000]));
  const { single, multi, threads } = await both(file, { workers: 2, rangeBytes: 256 * 1024, minBytes: 0 });
  assert.ok(threads.some((t) => t !== 0), 'no range was scanned by a worker thread');
  assert.ok(single.notes.length >= 3, `${single.notes.length} notes`);
  assert.deepEqual(whole(multi), whole(single));
});

test('a last line without a newline, and a file whose ranges end exactly on newlines', { timeout: 60000 }, async () => {
  // Lines of 64 bytes and 64 KiB ranges: every range ends just after a newline.
  const line = (i: number) => (i % 97 === 0 ? `${FIFO.slice(0, 63 - 8)}` : `${String(i).padStart(8, '0')} ${'y'.repeat(54)}`).padEnd(63, 'z');
  const lines = Array.from({ length: 200_000 }, (_, i) => (i % 501 === 0 ? EOF_LINE.slice(0, 63) : line(i)));
  for (const tail of ['', 'OCI runtime exec failed: exec failed: EOF: unknown']) {
    const file = write('aligned.log', `${lines.join('\n')}\n${tail}`);
    const { single, multi, threads } = await both(file, { workers: 2, rangeBytes: 64 * 1024, minBytes: 0 });
    assert.ok(threads.length > 50);
    assert.deepEqual(whole(multi), whole(single), tail ? 'with a last line without newline' : 'ending on a newline');
  }
});

test('gzip, binary and tiny files never reach the pool, and give what they gave', async () => {
  const content = randomLog(4, 300 * 1024);
  const gz = write('node.log.gz', zlib.gzipSync(content));
  assert.equal(ScanPool.open(gz, { minBytes: 0, rangeBytes: 4096 }), null, 'a pool for a gzip file');
  const { single, multi } = await both(gz, { workers: 2, rangeBytes: 4096, minBytes: 0 });
  assert.deepEqual(whole(multi), whole(single));
  const binary = write('core.bin', Buffer.concat([Buffer.from('\x7fELF\0\0\0'), content]));
  await assert.rejects(recogniseFile(binary, { matcher, parallel: { workers: 2, rangeBytes: 4096, minBytes: 0 } }), (e: unknown) => e instanceof InputError && /binary/.test(e.message));
  assert.equal(ScanPool.open(write('small.log', content), {}), null, 'a pool for a file under the default minimum');
  assert.equal(ScanPool.open(write('small.log', content), false), null);
});

// The reference for ranges: the scanner over the whole text at once.
function scanWhole(scanner: ByteScanner, text: Buffer, maxLine: number) {
  text.copy(scanner.bytes, 0);
  const hits: [number, string][] = [];
  const longLines: number[] = [];
  const newlines = scanner.scan(0, text.length, 1, (line, content) => hits.push([line, content]), { maxLine, onLongLine: (l) => longLines.push(l) });
  return { hits, longLines, lines: newlines + (text.length > 0 && text[text.length - 1] !== 0x0a ? 1 : 0) };
}

test('scanRange: every range size from 1 to 300 bytes puts the lines back together exactly', () => {
  const maxLine = 2048;
  const needles = [...matcher.needles, ...FACT_NEEDLES];
  const rand = prng(5);
  const pieces: string[] = [];
  for (let i = 0; i < 60; i++) {
    const r = rand();
    // Short lines, a line just under and just over maxLine, CRLF and bare CR, lines with several needles.
    const line = r < 0.15 ? EOF_LINE : r < 0.25 ? `${FIFO} ${EOF_LINE}` : r < 0.3 ? `${'w'.repeat(maxLine - 60)}${EOF_LINE.slice(-60)}` : r < 0.35 ? `${EOF_LINE}${'v'.repeat(maxLine)}` : r < 0.4 ? '' : ORDINARY[Math.floor(rand() * ORDINARY.length)]!;
    pieces.push(rand() < 0.2 ? `${line}\r` : line);
  }
  for (const ending of ['\n', '', `\n${EOF_LINE}`]) {
    const text = Buffer.from(pieces.join('\n') + ending, 'latin1');
    const fileName = write('ranges.log', text);
    const fd = fs.openSync(fileName, 'r');
    const scanner = ByteScanner.create(Math.max(64 * 1024, rangeCapacity(300, maxLine)))!;
    assert.ok(scanner.setNeedles(needles));
    const reference = scanWhole(scanner, text, maxLine);
    assert.ok(reference.hits.length > 10 && reference.longLines.length > 0, 'the text has findings and long lines');
    try {
      for (let size = 1; size <= 300; size++) {
        const got: typeof reference = { hits: [], longLines: [], lines: 0 };
        let bytes = 0;
        for (const job of rangeJobs(text.length, size)) {
          const r = scanRange(fd, scanner, job, maxLine);
          for (let i = 0; i < r.hits.length; i += 2) got.hits.push([got.lines + 1 + (r.hits[i] as number), r.hits[i + 1] as string]);
          for (const l of r.longLines) got.longLines.push(got.lines + 1 + l);
          got.lines += r.lines;
          bytes += r.bytes;
        }
        assert.deepEqual(got, reference, `ranges of ${size} bytes, ending ${JSON.stringify(ending.slice(0, 3))}`);
        assert.equal(bytes, text.length, `ranges of ${size} bytes cover the file once`);
      }
    } finally {
      fs.closeSync(fd);
    }
  }
});

// A range is read with 64 KiB past its end at first (ranges.ts OVERFLOW), the rest of maxLine only when
// its last line is longer: lines just under and over 64 KiB and over maxLine across range ends, read
// by the synchronous (workers) and the asynchronous (main thread) reader.
test('scanRange and scanRangeAsync: last lines longer than the first read, and longer than maxLine, cut alike', async () => {
  const maxLine = 256 * 1024;
  const rand = prng(11);
  const pieces: string[] = [];
  for (let i = 0; i < 40; i++) {
    const r = rand();
    const filler = (n: number) => 'y'.repeat(Math.floor(n));
    const line = r < 0.25 ? `${EOF_LINE} ${filler(60 * 1024 + rand() * 8 * 1024)}` : r < 0.4 ? `${filler(100 * 1024 + rand() * 100 * 1024)}${EOF_LINE}` : r < 0.5 ? `${EOF_LINE}${filler(maxLine + rand() * 64 * 1024)}` : r < 0.6 ? `${filler(maxLine - 20 - rand() * 8)}${EOF_LINE.slice(0, 20)}` : ORDINARY[Math.floor(rand() * ORDINARY.length)]!;
    pieces.push(line);
  }
  const text = Buffer.from(`${pieces.join('\n')}\n${EOF_LINE}`, 'latin1');
  const fileName = write('overflow.log', text);
  const fd = fs.openSync(fileName, 'r');
  const needles = [...matcher.needles, ...FACT_NEEDLES];
  const scanner = ByteScanner.create(Math.max(text.length + 1024, rangeCapacity(300 * 1024, maxLine)))!;
  assert.ok(scanner.setNeedles(needles));
  const reference = scanWhole(scanner, text, maxLine);
  assert.ok(reference.hits.length > 10 && reference.longLines.length > 0, 'the text has findings and long lines');
  try {
    for (const size of [1000, 70 * 1024, 123457, 300 * 1024]) {
      const readers = { sync: (job: RangeJob) => scanRange(fd, scanner, job, maxLine), async: (job: RangeJob) => scanRangeAsync(fd, scanner, job, maxLine) };
      for (const [name, read] of Object.entries(readers)) {
        const got: typeof reference = { hits: [], longLines: [], lines: 0 };
        for (const job of rangeJobs(text.length, size)) {
          const r = await read(job);
          for (let i = 0; i < r.hits.length; i += 2) got.hits.push([got.lines + 1 + (r.hits[i] as number), r.hits[i + 1] as string]);
          for (const l of r.longLines) got.longLines.push(got.lines + 1 + l);
          got.lines += r.lines;
        }
        assert.deepEqual(got, reference, `ranges of ${size} bytes, ${name}`);
      }
    }
  } finally {
    fs.closeSync(fd);
  }
});

/**
 * A log's ranges planned, the file then changed by `change`, and each range read by scanRange and by
 * scanRangeAsync: the two must agree. Returns the bytes the ranges read.
 */
async function rangesAfterChange(name: string, text: Buffer, change: (file: string) => void): Promise<number> {
  const fileName = write(name, text);
  const jobs = rangeJobs(text.length, 64 * 1024);
  change(fileName);
  const fd = fs.openSync(fileName, 'r');
  const scanner = ByteScanner.create(rangeCapacity(64 * 1024, 4096))!;
  assert.ok(scanner.setNeedles([...matcher.needles, ...FACT_NEEDLES]));
  try {
    let bytes = 0;
    for (const job of jobs) {
      const sync = scanRange(fd, scanner, job, 4096);
      assert.deepEqual(await scanRangeAsync(fd, scanner, job, 4096), sync, `range ${job.index}`);
      bytes += sync.bytes;
    }
    return bytes;
  } finally {
    fs.closeSync(fd);
  }
}

test('scanRangeAsync: a file cut shorter after its ranges were planned gives what scanRange gives, without error', async () => {
  const text = randomLog(12, 600 * 1024);
  await rangesAfterChange('shrinks.log', text, (file) => fs.truncateSync(file, Math.floor(text.length / 2) + 17));
});

test('scanRangeAsync: a file that grows after its ranges were planned gives what scanRange gives', async () => {
  const text = randomLog(13, 300 * 1024);
  // Appended after planning, the last line of the file unfinished: the ranges stop at the planned size.
  const bytes = await rangesAfterChange('grows.log', text, (file) => fs.appendFileSync(file, `${EOF_LINE}\n${EOF_LINE.slice(0, 50)}`));
  assert.equal(bytes, text.length);
});

test('a worker that cannot be used leaves its ranges to the main thread, with the same result', { timeout: 60000 }, async () => {
  const file = write('node.log', randomLog(6, 5 * 1024 * 1024));
  const single = await recogniseFile(file, { matcher, parallel: false });
  const threads: number[] = [];
  const pool = ScanPool.open(file, { workers: 1, rangeBytes: 64 * 1024, minBytes: 0, onRange: (r) => threads.push(r.thread) });
  assert.ok(pool, 'no pool');
  // Terminated before it is given anything: as if it had crashed on start.
  await (pool as unknown as { slots: { worker: { terminate(): Promise<number> } }[] }).slots[0]!.worker.terminate();
  const original = ScanPool.open;
  ScanPool.open = () => pool;
  try {
    const multi = await recogniseFile(file, { matcher });
    assert.deepEqual(whole(multi), whole(single));
  } finally {
    ScanPool.open = original;
  }
  assert.ok(threads.length > 0 && threads.every((t) => t === 0), 'ranges not all scanned on the main thread');
});

test('workers lost in the middle of the scan: the ranges they held are scanned by the main thread, with the same result', { timeout: 120000 }, async () => {
  const file = write('node.log', randomLog(8, 8 * 1024 * 1024));
  const single = await recogniseFile(file, { matcher, parallel: false });
  for (const after of [1, 2, 4, 6, 9, 14, 22, 30]) {
    const threads: number[] = [];
    const indices: number[] = [];
    let pool: ScanPool | null = null;
    let killed = false;
    const onRange = (r: { index: number; thread: number }) => {
      threads.push(r.thread);
      indices.push(r.index);
      // Terminated while it scans and claims on, as a thread that crashes would be: whatever it held is lost.
      if (threads.length === after && pool) {
        killed = true;
        for (const slot of (pool as unknown as { slots: { worker: { terminate(): Promise<number> } }[] }).slots) void slot.worker.terminate();
      }
    };
    pool = ScanPool.open(file, { workers: 2, rangeBytes: 16 * 1024, minBytes: 0, onRange });
    assert.ok(pool, 'no pool');
    const original = ScanPool.open;
    ScanPool.open = () => pool;
    try {
      const multi = await recogniseFile(file, { matcher });
      assert.deepEqual(whole(multi), whole(single), `workers lost after ${after} range(s)`);
    } finally {
      ScanPool.open = original;
    }
    assert.ok(killed);
    assert.deepEqual(indices, Array.from(indices, (_, i) => i), 'a range taken in twice, out of order, or missing');
  }
});

test('RangeBoard: each range claimed once, in order, at most `ahead` beyond those taken in; a range held by a lost thread is abandoned', () => {
  const board = RangeBoard.create(3, 5, 2);
  assert.equal(board.claim(0, false), 0);
  assert.equal(board.claim(2, false), 1);
  // Two ahead of none taken in: no more until one is.
  assert.equal(board.claim(1, false), -1);
  board.takenIn(1);
  assert.equal(board.claim(1, false), 2);
  const all = () => true;
  assert.equal(board.abandoned(0, all), false, 'held by a live thread');
  assert.equal(board.abandoned(0, (t) => t !== 0), true, 'held by a lost thread');
  assert.equal(board.abandoned(3, (t) => t !== 0), false, 'not claimed yet');
  board.release(0);
  assert.equal(board.abandoned(0, all), true, 'claimed and held by nobody');
  board.takenIn(3);
  assert.equal(board.claim(0, true), 3);
  board.stop();
  assert.equal(board.claim(0, true), -1, 'a stopped board hands out nothing, and does not block');
  const done = RangeBoard.create(1, 1, 4);
  assert.equal(done.claim(0, true), 0);
  assert.equal(done.claim(0, true), -1, 'none left: does not block');
});

test('RUNTIME_LENS_WORKERS sets the number of workers whatever the load; 0 turns them off', { timeout: 60000 }, async () => {
  const file = write('node.log', randomLog(7, 1024 * 1024));
  const saved = process.env.RUNTIME_LENS_WORKERS;
  try {
    process.env.RUNTIME_LENS_WORKERS = '0';
    assert.equal(ScanPool.open(file, { rangeBytes: 4096, minBytes: 0 }), null);
    process.env.RUNTIME_LENS_WORKERS = '2';
    const pool = ScanPool.open(file, { rangeBytes: 4096, minBytes: 0 });
    assert.ok(pool);
    assert.equal((pool as unknown as { slots: unknown[] }).slots.length, 2);
    await pool.close();
    // An explicit count (the callers' own) comes first.
    const one = ScanPool.open(file, { workers: 1, rangeBytes: 4096, minBytes: 0 });
    assert.equal((one as unknown as { slots: unknown[] }).slots.length, 1);
    await one!.close();
  } finally {
    if (saved === undefined) delete process.env.RUNTIME_LENS_WORKERS;
    else process.env.RUNTIME_LENS_WORKERS = saved;
  }
});

test('a log\'s scan starts a worker only for an idle core beyond the main thread\'s and one more (none on two cores)', () => {
  // idle cores (beyond the main thread's) → workers
  assert.deepEqual([0, 1, 2, 3, 7].map((idle) => rangeWorkers(idle)), [0, 0, 1, 2, 6]);
});
