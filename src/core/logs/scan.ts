/**
 * Finding the lines that hold a signature literal ("needle") — the one step of recognition that
 * touches every byte of a log, so the one that decides how close to grep the CLI gets.
 *
 * Two implementations with the same results:
 *
 * - `ByteScanner`: a small WebAssembly SIMD routine (built below, no toolchain needed) that looks for
 *   all needles in ONE pass over the bytes, counting newlines and noticing overlong lines in the
 *   same pass. It uses the "Teddy" multi-literal filter (as in Hyperscan and ripgrep): each needle
 *   gets a 3-byte fingerprint, the needles are spread over 8 buckets, and 32 positions per round are
 *   tested against all buckets with nibble lookup tables (i8x16.swizzle). A position that passes is
 *   checked against a hash set of the exact fingerprints, then verified byte by byte. One
 *   String#indexOf pass per needle costs about what one grep costs, so with a dozen needles or more
 *   the single pass is what keeps a 512 MB log within a small factor of grep.
 * - `scanLinesJs`: String#indexOf per needle over the whole text. The reference, and the fallback
 *   where WebAssembly SIMD is missing or a text/needle cannot be handled as bytes.
 */

/** Calls `visit` for every line holding a needle, in line order, once per line. */
export type LineVisitor = (line: number, content: string, offset: number) => void;

/**
 * Calls `visit` for every line of `text` that contains at least one needle, in line order, once per
 * line. Lines without a needle are never split, decoded or parsed. Returns the number of newlines
 * in `text`.
 */
export function scanLines(text: string, needles: readonly string[], firstLine: number, visit: LineVisitor): number {
  if (text.length >= STRING_WASM_MIN) {
    const scanner = stringScanner();
    if (scanner?.setNeedles(needles, () => Buffer.from(text.slice(0, PLAN_SAMPLE), 'latin1'))) return scanner.scanString(text, firstLine, visit);
  }
  return scanLinesJs(text, needles, firstLine, visit);
}

/** `scanLines` with String#indexOf: one pass over `text` per needle. */
export function scanLinesJs(text: string, needles: readonly string[], firstLine: number, visit: LineVisitor): number {
  const starts: number[] = [];
  for (const needle of needles) {
    let at = text.indexOf(needle);
    while (at >= 0) {
      const lineStart = text.lastIndexOf('\n', at) + 1;
      starts.push(lineStart);
      const lineEnd = text.indexOf('\n', at);
      if (lineEnd < 0) break;
      at = text.indexOf(needle, lineEnd + 1);
    }
  }
  starts.sort((a, b) => a - b);
  let line = firstLine;
  let counted = 0;
  let previous = -1;
  for (const start of starts) {
    if (start === previous) continue;
    previous = start;
    line += countNewlines(text, counted, start);
    counted = start;
    const end = text.indexOf('\n', start);
    let content = text.slice(start, end < 0 ? text.length : end);
    if (content.endsWith('\r')) content = content.slice(0, -1);
    visit(line, content, start);
  }
  return line - firstLine + countNewlines(text, counted, text.length);
}

export function countNewlines(text: string, from: number, to: number): number {
  let n = 0;
  let at = text.indexOf('\n', from);
  while (at >= 0 && at < to) {
    n += 1;
    at = text.indexOf('\n', at + 1);
  }
  return n;
}

// ---------------------------------------------------------------------------------------------
// The WebAssembly scanner

/** The few WebAssembly JS-API members used here (the project's TS libs do not declare them). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number; maximum?: number }) => { buffer: ArrayBuffer };
}
const wasmApi = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

// Memory layout (bytes). The text region starts at TEXT; the records the scan writes follow it.
const NEWLINES = 96; // i32: newlines counted by the last scan
const LONG_COUNT = 100; // i32: long lines recorded by the last scan
const SCRATCH = 128; // 32 bytes: the candidate vectors, read lane by lane
const BUCKET_START = 256; // 8 × i32: first index in NEEDLE_INDEX of each bucket's needles
const BUCKET_COUNT = 288; // 8 × i32: how many needles each bucket has
const MASKS = 512; // 8 × 16 bytes: low/high-nibble tables for masked bytes 0, 1, 2, 3
const NEEDLE_INDEX = 1024; // i32 per needle, grouped by bucket
const NEEDLE_TABLE = 2048; // 3 × i32 per needle: fingerprint offset, length, address of its bytes
const LONG_RECORDS = 5120; // up to MAX_LONG × {i32 line start, i32 newlines before it}
const MAX_LONG = 64;
const FINGERPRINT_HASHES = 8192; // 65536 bits: set for the hash of each needle's exact fingerprint
const NEEDLE_BYTES = 16384; // the needles' bytes
const TEXT = 65536;
const MAX_NEEDLES = 256;
/** Zeroed bytes the SIMD loads may read past the end of a text (2 × 16 lanes + 3 masked bytes). */
const PAD = 64;
/** Bytes of a needle whose exact value is looked up (FINGERPRINT_HASHES) for a candidate position. */
const FINGERPRINT = 3;
/**
 * Bytes of a needle tested by nibble masks, 16 positions at once: the fingerprint and the byte after it
 * (any byte, for a needle of 3). With 3, the ~90 needles of the catalog and the facts let a position of
 * a kubelet log through every 40 bytes, each then looked up one by one; the fourth byte halves that for
 * a third more vector work, and the scan of a 512 MiB log takes ~15% less CPU.
 */
const MASKED = 4;
/** Fingerprint bytes b0 b1 b2 (little-endian, as one i32) hash to (bytes × this) >>> 16. */
const HASH_MULTIPLIER = 0x9e3779b1 | 0;
const PAGE = 65536;
/** Below this, a string is searched with indexOf (setting up a copy would cost more than it saves). */
const STRING_WASM_MIN = 256 * 1024;
/** Strings are copied into the scanner in windows of about this size. */
const STRING_WINDOW = 4 * 1024 * 1024;
/**
 * Bytes `warmUp` scans. V8 runs a WebAssembly function first as Liftoff's quick code and compiles the
 * optimised one in the background once the function has run a while (its tiering budget), to be used
 * from its next call on. The first 4 MiB of the bench log took ~12 ms in Liftoff, against ~1.2 ms
 * optimised; 128 KiB is enough to start the compile, which then runs while the first lines are parsed
 * and the needles planned, and the first chunk took ~2 ms.
 */
const WARM_BYTES = 256 * 1024;
let warmed = false;

// -- a tiny WebAssembly assembler: enough opcodes for one function ------------------------------

type Code = (labels: string[]) => number[];
const uleb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
};
const sleb = (n: number): number[] => {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) return [...out, b];
    out.push(b | 0x80);
  }
};
const raw =
  (...bytes: number[]): Code =>
  () =>
    bytes;
const seq =
  (...xs: Code[]): Code =>
  (labels) =>
    xs.flatMap((x) => x(labels));
const structured =
  (opcode: number, name: string, body: Code[]): Code =>
  (labels) => [opcode, 0x40, ...seq(...body)([name, ...labels]), 0x0b];
const block = (name: string, ...body: Code[]) => structured(0x02, name, body);
const loop = (name: string, ...body: Code[]) => structured(0x03, name, body);
const when = (cond: Code, ...body: Code[]) => seq(cond, structured(0x04, '', body));
const depth = (labels: string[], name: string) => {
  const d = labels.indexOf(name);
  if (d < 0) throw new Error(`wasm: no label ${name}`);
  return d;
};
const br =
  (name: string): Code =>
  (labels) => [0x0c, ...uleb(depth(labels, name))];
const brIf =
  (name: string, cond: Code): Code =>
  (labels) => [...cond(labels), 0x0d, ...uleb(depth(labels, name))];
const get = (l: number) => raw(0x20, ...uleb(l));
const set = (l: number, v: Code) => seq(v, raw(0x21, ...uleb(l)));
const i32 = (n: number) => raw(0x41, ...sleb(n));
const bin = (op: number) => (a: Code, b: Code) => seq(a, b, raw(op));
const eq = bin(0x46);
const ne = bin(0x47);
const ltU = bin(0x49);
const gtU = bin(0x4b);
const geU = bin(0x4f);
const add = bin(0x6a);
const sub = bin(0x6b);
const mul = bin(0x6c);
const and = bin(0x71);
const or = bin(0x72);
const shl = bin(0x74);
const shrU = bin(0x76);
const eqz = (a: Code) => seq(a, raw(0x45));
const clz = (a: Code) => seq(a, raw(0x67));
const ctz = (a: Code) => seq(a, raw(0x68));
const popcnt = (a: Code) => seq(a, raw(0x69));
const load = (addr: Code, offset = 0) => seq(addr, raw(0x28, 0, ...uleb(offset)));
const load8 = (addr: Code) => seq(addr, raw(0x2d, 0, 0));
const store = (addr: Code, v: Code, offset = 0) => seq(addr, v, raw(0x36, 0, ...uleb(offset)));
const simd = (op: number, ...imm: number[]) => raw(0xfd, ...uleb(op), ...imm);
const vload = (addr: Code, offset = 0) => seq(addr, simd(0x00, 0, ...uleb(offset)));
const vstore = (addr: Code, v: Code) => seq(addr, v, simd(0x0b, 0, 0));
const splat8 = (v: Code) => seq(v, simd(0x0f));
/**
 * i8x16.swizzle, or relaxed SIMD's i8x16.relaxed_swizzle (0x100). They differ only for indices of 16
 * and more (swizzle gives 0, the relaxed one what the machine's byte shuffle gives), and the scan only
 * ever looks up nibbles (0-15), so both give the same bytes. On x86 V8 makes swizzle a saturating add
 * plus pshufb (to zero those indices) and the relaxed one a pshufb alone: 16 of the ~50 vector
 * instructions per 32 bytes go, and the scan of the 512 MiB bench log takes ~16% less time (180 → 152 ms).
 */
const swizzle = (relaxed: boolean) => (table: Code, idx: Code) => seq(table, idx, relaxed ? simd(0x100) : simd(0x0e));
const vand = (a: Code, b: Code) => seq(a, b, simd(0x4e));
const veq8 = (a: Code, b: Code) => seq(a, b, simd(0x23));
const vne8 = (a: Code, b: Code) => seq(a, b, simd(0x24));
const shrU16 = (a: Code, n: Code) => seq(a, n, simd(0x8d));
const vor = (a: Code, b: Code) => seq(a, b, simd(0x50));
const anyTrue = (a: Code) => seq(a, simd(0x53));
const bitmask8 = (a: Code) => seq(a, simd(0x64));
const vzero = simd(0x0c, ...new Array(16).fill(0));

/**
 * scan(start, end, out, maxLine) → records. Scans memory [start, end) (PAD zero bytes must follow
 * `end`); for every line holding a needle writes one record {i32 position of the needle, i32
 * newlines before it in [start, end)} at `out`; stores the newline count of [start, end) at
 * NEWLINES; records each line longer than `maxLine` bytes (newline excluded) at LONG_RECORDS.
 * `relaxed`: nibble lookups by relaxed SIMD's swizzle (same results; see `swizzle`).
 */
export function scanModule(relaxed: boolean): Uint8Array {
  const lookUp = swizzle(relaxed);
  // locals: params 0 start, 1 end, 2 out, 3 maxLine; then i32s, then v128s
  const [start, end, out, maxLine] = [0, 1, 2, 3];
  const [i, nl, rec, lastNl, bits, nlbits, j, lane, s, b, k, cnt, idx, n, p, len, q, ptr, lineNl, lineStart, long] = Array.from({ length: 21 }, (_, x) => 4 + x);
  const [m, a, low, newline, m2, lo, hi] = Array.from({ length: 7 }, (_, x) => 25 + x);
  // v128 locals per masked byte f: its low- and high-nibble tables, its lookup r, the previous 16 bytes' p.
  const vectors = (first: number) => Array.from({ length: MASKED }, (_, f) => first + f);
  const [lowTable, highTable, r, prev] = [vectors(32), vectors(32 + MASKED), vectors(32 + 2 * MASKED), vectors(32 + 3 * MASKED)];
  const v128Locals = 7 + 4 * MASKED;
  const recordLong = seq(
    when(
      ltU(get(long), i32(MAX_LONG)),
      store(add(i32(LONG_RECORDS), shl(get(long), i32(3))), get(lineStart)),
      store(add(i32(LONG_RECORDS), shl(get(long), i32(3))), get(nl), 4),
      set(long, add(get(long), i32(1))),
    ),
  );
  // Each byte is looked up once (Teddy's way): lane x of r_f holds the buckets having a needle whose
  // masked byte f is the byte at x. A needle's masked bytes end at x when r3 at x, r2 at x - 1, r1 at
  // x - 2 and r0 at x - 3 agree: those come from the previous 16 bytes' r_f (p_f) for the first lanes,
  // shifted in by a concatenating shuffle (palignr). Loading the 16 bytes at x + 1, x + 2, x + 3 and
  // looking each up again, as the first version did, cost 3 more loads and 9 more vector operations
  // per 16 bytes, and spilled the tables to the stack.
  const lookup = (f: number) => vand(lookUp(get(lowTable[f]!), get(lo)), lookUp(get(highTable[f]!), get(hi)));
  const shifted = (previous: number, current: number, by: number) => seq(get(previous), get(current), simd(0x0d, ...Array.from({ length: 16 }, (_, x) => 16 - by + x)));
  // Lanes x of the 16 positions from i + at: bucket bits of the needles whose masked bytes end there.
  const candidates = (at: number) =>
    seq(
      set(a, vload(get(i), at)),
      set(lo, vand(get(a), get(low))),
      set(hi, vand(shrU16(get(a), i32(4)), get(low))),
      ...r.slice(0, -1).map((x, f) => set(x, lookup(f))),
      r.slice(0, -1).reduce<Code>((all, x, f) => vand(all, shifted(prev[f]!, x, MASKED - 1 - f)), lookup(MASKED - 1)),
    );
  const carry = seq(...r.slice(0, -1).map((x, f) => set(prev[f]!, get(x))));
  const fingerprintHash = (bytes: Code) => shrU(mul(bytes, i32(HASH_MULTIPLIER)), i32(16));
  const body = seq(
    ...lowTable.map((t, f) => set(t, vload(i32(MASKS + 32 * f)))),
    ...highTable.map((t, f) => set(t, vload(i32(MASKS + 32 * f + 16)))),
    set(low, splat8(i32(0x0f))),
    set(newline, splat8(i32(0x0a))),
    set(i, get(start)),
    set(lineStart, get(start)),
    set(lastNl, i32(-1)),
    block(
      'done',
      loop(
        'blocks',
        // Past `end` by up to MASKED - 1 bytes (zeros there): the masked bytes of a needle of 3 end there.
        brIf('done', geU(get(i), add(get(end), i32(MASKED - 1)))),
        // 32 positions per round: newlines as a 32-bit mask, candidates in m (i..i+15) and m2.
        set(nlbits, bitmask8(veq8(vload(get(i)), get(newline)))),
        set(nlbits, or(get(nlbits), shl(bitmask8(veq8(vload(get(i), 16), get(newline))), i32(16)))),
        set(m, candidates(0)),
        carry,
        set(m2, candidates(16)),
        carry,
        when(
          anyTrue(vor(get(m), get(m2))),
          vstore(i32(SCRATCH), get(m)),
          vstore(i32(SCRATCH + 16), get(m2)),
          set(bits, or(bitmask8(vne8(get(m), vzero)), shl(bitmask8(vne8(get(m2), vzero)), i32(16)))),
          block(
            'lanesDone',
            loop(
              'lanes',
              brIf('lanesDone', eqz(get(bits))),
              set(j, ctz(get(bits))),
              set(bits, and(get(bits), sub(get(bits), i32(1)))),
              set(s, sub(add(get(i), get(j)), i32(MASKED - 1))),
              // Most candidates only match nibbles: drop those whose 3 bytes hash to no fingerprint.
              set(q, fingerprintHash(and(load(get(s)), i32(0xffffff)))),
              brIf('lanes', eqz(and(load8(add(i32(FINGERPRINT_HASHES), shrU(get(q), i32(3)))), shl(i32(1), and(get(q), i32(7)))))),
              // Newlines before lane j: the same as before the needle's start s for a needle that verifies,
              // since its bytes from s to j are its own and hold no newline (only those are recorded).
              set(lineNl, add(get(nl), popcnt(and(get(nlbits), sub(shl(i32(1), get(j)), i32(1)))))),
              // One record per line: a line already recorded needs no more verifying.
              brIf('lanes', eq(get(lineNl), get(lastNl))),
              set(lane, load8(add(i32(SCRATCH), get(j)))),
              loop(
                'buckets',
                brIf('lanes', eqz(get(lane))),
                set(b, ctz(get(lane))),
                set(lane, and(get(lane), sub(get(lane), i32(1)))),
                set(idx, load(add(i32(BUCKET_START), shl(get(b), i32(2))))),
                set(cnt, load(add(i32(BUCKET_COUNT), shl(get(b), i32(2))))),
                set(k, i32(0)),
                loop(
                  'needles',
                  brIf('buckets', geU(get(k), get(cnt))),
                  set(n, load(add(i32(NEEDLE_INDEX), shl(add(get(idx), get(k)), i32(2))))),
                  set(k, add(get(k), i32(1))),
                  set(q, add(i32(NEEDLE_TABLE), mul(get(n), i32(12)))),
                  set(p, sub(get(s), load(get(q)))),
                  set(len, load(get(q), 4)),
                  set(ptr, load(get(q), 8)),
                  brIf('needles', ltU(get(p), get(start))),
                  brIf('needles', gtU(add(get(p), get(len)), get(end))),
                  set(q, i32(0)),
                  loop('compare', brIf('needles', ne(load8(add(get(p), get(q))), load8(add(get(ptr), get(q))))), set(q, add(get(q), i32(1))), brIf('compare', ltU(get(q), get(len)))),
                  // A match: record it, and go on with the next candidate lane.
                  store(add(get(out), shl(get(rec), i32(3))), get(p)),
                  store(add(get(out), shl(get(rec), i32(3))), get(lineNl), 4),
                  set(rec, add(get(rec), i32(1))),
                  set(lastNl, get(lineNl)),
                  br('lanes'),
                ),
              ),
            ),
          ),
        ),
        // Line lengths: only the first newline of a block can end a long line.
        when(
          get(nlbits),
          when(gtU(sub(add(get(i), ctz(get(nlbits))), get(lineStart)), get(maxLine)), recordLong),
          set(lineStart, sub(add(get(i), i32(32)), clz(get(nlbits)))),
        ),
        set(nl, add(get(nl), popcnt(get(nlbits)))),
        set(i, add(get(i), i32(32))),
        br('blocks'),
      ),
    ),
    when(gtU(sub(get(end), get(lineStart)), get(maxLine)), recordLong),
    store(i32(NEWLINES), get(nl)),
    store(i32(LONG_COUNT), get(long)),
    get(rec),
  )([]);
  const section = (id: number, content: number[]) => [id, ...uleb(content.length), ...content];
  const name = (s: string) => [...uleb(s.length), ...Buffer.from(s, 'latin1')];
  const locals = [2, ...uleb(21), 0x7f, ...uleb(v128Locals), 0x7b];
  const func = [...locals, ...body, 0x0b];
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, [1, 0x60, 4, 0x7f, 0x7f, 0x7f, 0x7f, 1, 0x7f]),
    ...section(2, [1, ...name('e'), ...name('m'), 0x02, 0x00, 1]),
    ...section(3, [1, 0]),
    ...section(7, [1, ...name('scan'), 0x00, 0]),
    ...section(10, [1, ...uleb(func.length), ...func]),
  ]);
}

/** The scanner compiled with relaxed swizzles or plain ones; null where the engine rejects it. */
export function compileScanModule(relaxed: boolean): object | null {
  if (!wasmApi) return null;
  try {
    return new wasmApi.Module(scanModule(relaxed));
  } catch {
    return null;
  }
}

let compiled: object | null | undefined;
let compiledRelaxed = false;
/**
 * The relaxed scanner where the engine has relaxed SIMD (node 22 and later, VS Code's Electron; node 20
 * behind a V8 flag, which the CLI sets: src/cli/engine.ts), else the plain one; null without WebAssembly
 * SIMD, and the indexOf scan does the work.
 */
function wasmModule(): object | null {
  if (compiled === undefined) {
    compiled = compileScanModule(true);
    compiledRelaxed = compiled !== null;
    compiled ??= compileScanModule(false);
  }
  return compiled;
}

/** A rough byte frequency in logs, to give each needle its rarest 3-byte fingerprint. */
function commonness(c: number): number {
  if (c === 0x20 || c === 0x65 /* e */ || c === 0x30 /* 0 */) return 7;
  if (c >= 0x31 && c <= 0x39) return 3;
  if (c >= 0x61 && c <= 0x7a) return 'aotnrsicdl'.includes(String.fromCharCode(c)) ? 4 : 'ugpfmbh'.includes(String.fromCharCode(c)) ? 1.5 : 0.5;
  if (c === 0x3a /* : */ || c === 0x2d /* - */) return 3;
  if (c === 0x2e || c === 0x22 || c === 0x2f || c === 0x5f) return 1.2;
  return 0.2;
}

let logCommonness: Float64Array | undefined;
/** log(commonness(c)) for every byte, worked out once: planning sums it over every window of every needle. */
function logCommonnessTable(): Float64Array {
  if (!logCommonness) {
    logCommonness = new Float64Array(256);
    for (let c = 0; c < 256; c++) logCommonness[c] = Math.log(commonness(c));
  }
  return logCommonness;
}

interface Planned {
  needle: string;
  /** Where in the needle its fingerprint starts. */
  offset: number;
  fingerprint: string;
}

/** The mask bit of the low or high nibble of byte `at` of a needle; every nibble past its end. */
function nibbleBits(needle: string, at: number, nibble: 'low' | 'high'): number {
  if (at >= needle.length) return 0xffff;
  const c = needle.charCodeAt(at);
  return 1 << (nibble === 'low' ? c & 15 : c >> 4);
}

/** Bytes of a text a string's scanner is given as its sample. */
const PLAN_SAMPLE = 256 * 1024;
/**
 * Bytes from the middle of the sample that fingerprints are chosen on. Not the sample's head: a log's
 * first lines are its start-up (the kubelet prints its flags and versions), unlike the rest. On the
 * 512 MiB kubelet log, the plan made from the first 256 KiB lets 14.9 positions per KB through the
 * nibble filter, each then checked one by one; plans made from 16 KiB at 16 places spread over the
 * first 4 MiB let 4.0-14.0 through, 6.6 at the median (each measured over 1 MiB of those 4 MiB and
 * within 5% of what they do 150 MiB further on). The greedy planner is chaotic: the middle of the
 * first chunk the CLI reads (4193993 bytes) gives 11.9, of the first 4 MiB 6.0. Choosing the best of
 * three measured plans cost as much CPU before the JIT warms up as it saved in the scan, so one plan is
 * made. A smaller sample also costs less to count in.
 */
const PLAN_PIECE = 16 * 1024;
/** Windows (the rarest in the sample) tried for each needle's fingerprint. */
const PLAN_WINDOWS = 6;

/**
 * Gives each needle a fingerprint and puts the needles in the 8 buckets. A position is a candidate
 * when, for some bucket, each fingerprint byte's low and high nibble occur among that bucket's: so
 * rare fingerprints, and buckets whose fingerprints share nibbles, keep candidates (and verifying)
 * rare. With a sample of the text, needles are placed greedily, each with the fingerprint and in
 * the bucket that add the fewest candidates as the sample's byte frequencies predict them; without
 * one, a rough idea of which bytes are common in logs decides. Candidates whose exact 3 bytes are no
 * needle's fingerprint are then dropped cheaply in the scan (FINGERPRINT_HASHES).
 */
function planBuckets(needles: string[], sample: Uint8Array | undefined): Planned[][] {
  const buckets: Planned[][] = Array.from({ length: 8 }, () => []);
  // Where a needle's masked bytes may start: all of them within it, or its start for a needle of 3.
  const windows = (x: string) => Array.from({ length: Math.max(1, x.length - MASKED + 1) }, (_, o) => o);
  const logs = logCommonnessTable();
  const rough = (x: string, o: number) => {
    let cost = 0;
    // Needles are latin1 (setNeedles leaves the others out).
    for (let f = 0; f < MASKED && o + f < x.length; f++) cost += logs[x.charCodeAt(o + f) & 0xff]!;
    return cost;
  };
  const tri = (x: string, o: number) => (x.charCodeAt(o) << 16) | (x.charCodeAt(o + 1) << 8) | x.charCodeAt(o + 2);
  if (!sample || sample.length < 4096) {
    const chosen = needles.map((x) => {
      // The first of the roughly rarest windows.
      let offset = 0;
      let least = rough(x, 0);
      for (let o = 1, n = windows(x).length; o < n; o++) {
        const cost = rough(x, o);
        if (cost < least) [offset, least] = [o, cost];
      }
      return { needle: x, offset, fingerprint: x.slice(offset, offset + FINGERPRINT) };
    });
    // Needles with the same fingerprint share a bucket; otherwise neighbours in sorted order do.
    const groups = new Map<string, Planned[]>();
    for (const c of chosen) groups.set(c.fingerprint, [...(groups.get(c.fingerprint) ?? []), c]);
    const sorted = [...groups.keys()].sort();
    sorted.forEach((fp, g) => buckets[Math.floor((g * 8) / sorted.length)]!.push(...groups.get(fp)!));
    return buckets;
  }

  // How often each 3-byte window of each needle occurs in the sample, and how often each byte does.
  // A plain Uint8Array view: indexing a Buffer (a subclass) is slower until the JIT settles.
  const from = Math.max(0, (sample.length - PLAN_PIECE) >> 1);
  const text = new Uint8Array(sample.buffer, sample.byteOffset + from, Math.min(sample.length, PLAN_PIECE));
  // Every needle window's first two bytes get a number; trigram counts live at [number * 256 + third
  // byte]. Typed arrays rather than a Map: this loop runs once per file, mostly before the JIT has
  // optimised it, and a Map lookup per byte made planning cost more than scanning 10 MiB.
  const prefix = new Uint16Array(65536);
  let prefixes = 0;
  for (const x of needles) {
    for (const o of windows(x)) {
      const two = tri(x, o) >>> 8;
      if (!prefix[two]) prefix[two] = ++prefixes;
    }
  }
  const table = new Int32Array((prefixes + 1) * 256);
  const seen = new Int32Array(256);
  for (let i = 0; i + 2 < text.length; i++) {
    const b = text[i]!;
    seen[b]! += 1;
    const id = prefix[(b << 8) | text[i + 1]!]!;
    if (id !== 0) table[(id << 8) | text[i + 2]!]! += 1;
  }
  const share = new Float64Array(256);
  for (let c = 0; c < 256; c++) share[c] = (seen[c]! + 0.01) / text.length;
  const count = (trigram: number) => table[(prefix[trigram >>> 8]! << 8) | (trigram & 255)]!;
  // A window's cost: its occurrences in the sample, then (for ties) how common its bytes look.
  const costs = new Map(needles.map((x) => [x, windows(x).map((o) => count(tri(x, o)) + (rough(x, o) + 20) / 100)]));
  const cost = (x: string, o: number) => costs.get(x)![o]!;

  // A bucket passes a position when each fingerprint byte there has a low nibble in its low mask and a
  // high nibble in its high mask: estimated from the sample's byte frequencies as the product, over
  // the fingerprint bytes, of the share of bytes with both nibbles in the masks.
  // Masks of bucket b, masked byte f at [b * MASKED + f], and that share (`sums`).
  const lows = new Int32Array(8 * MASKED);
  const highs = new Int32Array(8 * MASKED);
  const sums = new Float64Array(8 * MASKED);
  const trial = new Float64Array(MASKED);
  const everyByte = share.reduce((sum, x) => sum + x, 0);
  const ctz = (v: number) => 31 - Math.clz32(v & -v);
  // The share once byte c joins the masks at k: the old share, plus the new low nibble's column and the
  // new high nibble's row. This runs for every needle × window × bucket before the JIT has warmed up,
  // so it visits at most 32 cells rather than recomputing the whole sum.
  const shareWith = (k: number, c: number) => {
    if (Number.isNaN(c)) return everyByte; // past a needle of 3: any byte
    const low = lows[k]!;
    const high = highs[k]!;
    const cl = c & 15;
    const ch = c >> 4;
    let sum = sums[k]!;
    if (!((low >> cl) & 1)) for (let hs = high; hs !== 0; hs &= hs - 1) sum += share[ctz(hs) * 16 + cl]!;
    if (!((high >> ch) & 1)) for (let ls = low | (1 << cl); ls !== 0; ls &= ls - 1) sum += share[ch * 16 + ctz(ls)]!;
    return sum;
  };
  const rates = new Float64Array(8);
  // Needle by needle, the most frequent first: of its PLAN_WINDOWS rarest windows and the 8 buckets,
  // the pair that adds the least to the estimated candidates (a shared fingerprint adds nothing).
  const options = needles.map((x) => ({ x, offsets: windows(x).sort((o1, o2) => cost(x, o1) - cost(x, o2)).slice(0, PLAN_WINDOWS) }));
  options.sort((a, b) => cost(b.x, b.offsets[0]!) - cost(a.x, a.offsets[0]!) || (a.x < b.x ? -1 : 1));
  for (const { x, offsets } of options) {
    let best = { bucket: 0, offset: 0, rate: 0, growth: Infinity };
    for (const offset of offsets) {
      for (let b = 0; b < 8; b++) {
        let rate = 1;
        for (let f = 0; f < MASKED; f++) rate *= shareWith(b * MASKED + f, x.charCodeAt(offset + f));
        // The model treats bytes as independent; a common word is more frequent than that says.
        const r = Math.max(rate, rates[b]! + count(tri(x, offset)) / text.length);
        const growth = r - rates[b]!;
        if (growth < best.growth - 1e-12 || (growth <= best.growth + 1e-12 && buckets[b]!.length < buckets[best.bucket]!.length)) {
          best = { bucket: b, offset, rate: r, growth };
        }
      }
    }
    const { bucket, offset } = best;
    buckets[bucket]!.push({ needle: x, offset, fingerprint: x.slice(offset, offset + FINGERPRINT) });
    rates[bucket] = best.rate;
    for (let f = 0; f < MASKED; f++) trial[f] = shareWith(bucket * MASKED + f, x.charCodeAt(offset + f));
    for (let f = 0; f < MASKED; f++) {
      sums[bucket * MASKED + f] = trial[f]!;
      lows[bucket * MASKED + f]! |= nibbleBits(x, offset + f, 'low');
      highs[bucket * MASKED + f]! |= nibbleBits(x, offset + f, 'high');
    }
  }
  return buckets;
}


/** What `ByteScanner.plan()` gives: the needles and the tables the scan reads (structured-cloneable). */
export interface NeedlePlan {
  key: string;
  needles: string[];
  /** The scanner's memory below the text: masks, buckets, needle table, fingerprint hashes, needle bytes. */
  tables: Uint8Array;
}

/**
 * Finds needles in bytes held in WebAssembly memory. `bytes` is the text region: put the text at
 * [0, n) and call `scan(0, n, …)`; `capacity` bytes fit. Build one with `ByteScanner.create`, which
 * returns null where WebAssembly SIMD is unavailable.
 */
export class ByteScanner {
  readonly bytes: Buffer;
  private readonly memory: Uint8Array;
  private readonly view: DataView;
  private readonly run: (start: number, end: number, out: number, maxLine: number) => number;
  private needlesKey: string | null = null;
  private needles: readonly string[] = [];
  private readonly recordsAt: number;

  private constructor(
    readonly capacity: number,
    module: object,
  ) {
    // Worst case one record (8 bytes) per FINGERPRINT + 1 bytes (a needle and a newline).
    const records = 8 * (Math.floor((capacity + PAD) / (FINGERPRINT + 1)) + 2);
    this.recordsAt = TEXT + capacity + PAD + 64;
    const pages = Math.ceil((this.recordsAt + records) / PAGE);
    const memory = new wasmApi!.Memory({ initial: pages, maximum: pages });
    const instance = new wasmApi!.Instance(module, { e: { m: memory } });
    this.run = instance.exports.scan as (start: number, end: number, out: number, maxLine: number) => number;
    this.memory = new Uint8Array(memory.buffer);
    this.view = new DataView(memory.buffer);
    this.bytes = Buffer.from(memory.buffer, TEXT, capacity + PAD);
  }

  /**
   * `module`: the compiled scanner (`ByteScanner.module()`), as a worker thread is given it: a
   * WebAssembly.Module passes between threads, so a worker neither assembles nor compiles it again.
   */
  static create(capacity: number, module: object | null = wasmModule()): ByteScanner | null {
    if (!module) return null;
    try {
      return new ByteScanner(capacity, module);
    } catch {
      return null;
    }
  }

  /** The compiled WebAssembly module scanners are made of; null where WebAssembly SIMD is missing. */
  static module(): object | null {
    return wasmModule();
  }

  /** Whether that module looks nibbles up with relaxed SIMD's swizzle (`swizzle`). */
  static relaxed(): boolean {
    return wasmModule() !== null && compiledRelaxed;
  }

  /**
   * The needles as loaded and planned, for another scanner (a worker's) to search exactly the same
   * way without planning them again; null before `setNeedles`.
   */
  plan(): NeedlePlan | null {
    if (this.needlesKey === null) return null;
    return { key: this.needlesKey, needles: [...this.needles], tables: this.memory.slice(0, TEXT) };
  }

  /** Loads the needles of another scanner's `plan()`. */
  adopt(plan: NeedlePlan): void {
    if (plan.tables.length !== TEXT) throw new RangeError(`ByteScanner: a plan holds ${TEXT} bytes, got ${plan.tables.length}`);
    this.memory.set(plan.tables, 0);
    this.needlesKey = plan.key;
    this.needles = [...plan.needles];
  }

  /**
   * Loads the needles (searched for as latin1 bytes). Returns false when this scanner cannot look for
   * them (a needle shorter than 3 characters or holding a newline, too many needles): use scanLinesJs.
   * `sample`, some of the text to come, tunes the fingerprints to it; it changes only the speed.
   */
  setNeedles(needles: readonly string[], sample?: Uint8Array | (() => Uint8Array)): boolean {
    const key = needles.join('\0');
    if (key === this.needlesKey) return true;
    this.needlesKey = null;
    // A needle with a character beyond latin1 can never occur in latin1 text: leave it out.
    const usable = [...new Set(needles)].filter((x) => !/[^\x00-\xff]/.test(x));
    if (usable.length > MAX_NEEDLES || usable.some((x) => x.length < FINGERPRINT || x.includes('\n'))) return false;
    if (usable.reduce((total, x) => total + x.length, 0) > TEXT - NEEDLE_BYTES) return false;
    const buckets = planBuckets(usable, typeof sample === 'function' ? sample() : sample);

    this.memory.fill(0, 0, TEXT);
    let at = NEEDLE_BYTES;
    let index = 0;
    for (const members of buckets) {
      for (const c of members) {
        const fp = c.fingerprint.charCodeAt(0) | (c.fingerprint.charCodeAt(1) << 8) | (c.fingerprint.charCodeAt(2) << 16);
        const h = Math.imul(fp, HASH_MULTIPLIER) >>> 16;
        this.memory[FINGERPRINT_HASHES + (h >> 3)]! |= 1 << (h & 7);
      }
    }
    buckets.forEach((members, bucket) => {
      this.view.setInt32(BUCKET_START + 4 * bucket, index, true);
      this.view.setInt32(BUCKET_COUNT + 4 * bucket, members.length, true);
      for (const c of members) {
        for (let f = 0; f < MASKED; f++) {
          const low = nibbleBits(c.needle, c.offset + f, 'low');
          const high = nibbleBits(c.needle, c.offset + f, 'high');
          for (let v = 0; v < 16; v++) {
            if ((low >> v) & 1) this.memory[MASKS + 32 * f + v]! |= 1 << bucket;
            if ((high >> v) & 1) this.memory[MASKS + 32 * f + 16 + v]! |= 1 << bucket;
          }
        }
        this.view.setInt32(NEEDLE_INDEX + 4 * index, index, true);
        this.view.setInt32(NEEDLE_TABLE + 12 * index, c.offset, true);
        this.view.setInt32(NEEDLE_TABLE + 12 * index + 4, c.needle.length, true);
        this.view.setInt32(NEEDLE_TABLE + 12 * index + 8, at, true);
        this.memory.set(Buffer.from(c.needle, 'latin1'), at);
        at += c.needle.length;
        index += 1;
      }
    });
    this.needlesKey = key;
    this.needles = [...needles];
    return true;
  }

  /**
   * Runs the scan once, results dropped, over bytes already in `bytes` (any bytes: nothing is written
   * there), so that V8 optimises it while the caller does other work: for a large input, before its
   * needles are planned (`WARM_BYTES`). Once per process: the compiled module is shared. Returns
   * whether it ran.
   */
  warmUp(): boolean {
    if (warmed || this.capacity < WARM_BYTES) return false;
    warmed = true;
    this.runPadded(0, WARM_BYTES, 0x7fffffff);
    return true;
  }

  /** The scan of text [start, end), with the PAD bytes after it zeroed for it (the SIMD loads read them) and put back; returns its records. */
  private runPadded(start: number, end: number, maxLine: number): number {
    const saved = Buffer.from(this.bytes.subarray(end, end + PAD));
    this.bytes.fill(0, end, end + PAD);
    try {
      return this.run(TEXT + start, TEXT + end, this.recordsAt, maxLine);
    } finally {
      this.bytes.set(saved, end);
    }
  }

  /**
   * Scans `bytes[start, end)` (whole lines, the last one possibly without its newline) and calls
   * `visit` with each line holding a needle, decoded as latin1, its number (`firstLine` for the
   * line at `start`) and its offset from `start`. Returns the number of newlines in the range.
   *
   * With `maxLine`, a line longer than that many bytes is examined only up to that length: it is
   * visited only if a needle lies wholly within its first `maxLine` bytes, with those bytes as its
   * content, and `onLongLine` is told its number.
   */
  scan(start: number, end: number, firstLine: number, visit: LineVisitor, limit?: { maxLine: number; onLongLine: (line: number) => void }): number {
    if (this.needlesKey === null) throw new Error('ByteScanner: setNeedles first');
    if (start < 0 || end > this.capacity || start > end) throw new RangeError(`ByteScanner: bad range ${start}..${end}`);
    const maxLine = limit?.maxLine ?? 0x7fffffff;
    if (maxLine < Math.ceil(this.capacity / (MAX_LONG - 1))) throw new RangeError(`ByteScanner: maxLine ${maxLine} too small for ${this.capacity} bytes`);
    const records = this.runPadded(start, end, maxLine);
    const newlines = this.view.getInt32(NEWLINES, true);
    const longLines = this.view.getInt32(LONG_COUNT, true);
    for (let r = 0; r < longLines; r++) limit?.onLongLine(firstLine + this.view.getInt32(LONG_RECORDS + 8 * r + 4, true));
    const text = this.bytes.subarray(0, end);
    for (let r = 0; r < records; r++) {
      const at = this.view.getInt32(this.recordsAt + 8 * r, true) - TEXT;
      const before = this.view.getInt32(this.recordsAt + 8 * r + 4, true);
      const lineStart = Math.max(start, text.lastIndexOf(0x0a, at) + 1);
      let lineEnd = text.indexOf(0x0a, at);
      if (lineEnd < 0) lineEnd = end;
      if (lineEnd - lineStart > maxLine) {
        const head = text.toString('latin1', lineStart, lineStart + maxLine);
        if (this.needles.some((x) => head.includes(x))) visit(firstLine + before, head.endsWith('\r') ? head.slice(0, -1) : head, lineStart - start);
        continue;
      }
      if (lineEnd > lineStart && text[lineEnd - 1] === 0x0d) lineEnd -= 1;
      visit(firstLine + before, text.toString('latin1', lineStart, lineEnd), lineStart - start);
    }
    return newlines;
  }

  /**
   * `scanLines` over a string, copied in windows of whole lines. Only for strings whose characters
   * are all latin1 (one byte each, so offsets carry over); others go to `scanLinesJs`.
   */
  scanString(text: string, firstLine: number, visit: LineVisitor): number {
    if (this.needlesKey === null) throw new Error('ByteScanner: setNeedles first');
    const needles = this.needles;
    let line = firstLine;
    let from = 0;
    while (from < text.length) {
      let to = Math.min(text.length, from + Math.min(STRING_WINDOW, this.capacity));
      if (to < text.length) {
        const nl = text.lastIndexOf('\n', to - 1);
        to = nl >= from ? nl + 1 : text.length;
      }
      const piece = text.slice(from, to);
      const base = from;
      const shifted: LineVisitor = (l, content, offset) => visit(l, content, base + offset);
      if (piece.length > this.capacity || /[^\x00-\xff]/.test(piece)) {
        line += scanLinesJs(piece, needles, line, shifted);
      } else {
        this.bytes.write(piece, 0, piece.length, 'latin1');
        line += this.scan(0, piece.length, line, shifted);
      }
      from = to;
    }
    return line - firstLine;
  }
}

let forStrings: ByteScanner | null | undefined;
function stringScanner(): ByteScanner | null {
  if (forStrings === undefined) forStrings = ByteScanner.create(STRING_WINDOW);
  return forStrings;
}
