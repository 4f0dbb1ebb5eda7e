import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ByteTable, JSON_STRING, RAW, hashBytes } from '../../src/core/logs/byteTable';

// The table of values looked up by their bytes (byteTable.ts): found only by bytes that spell the key
// exactly, whatever the hash says; full means no more entries, never a wrong one.

/** Bytes of `text`, written inside a larger buffer so offsets other than 0 are exercised. */
function at(text: string | Buffer): { b: Buffer; s: number; e: number; h: number } {
  const inner = typeof text === 'string' ? Buffer.from(text, 'latin1') : text;
  const b = Buffer.concat([Buffer.from('xx"'), inner, Buffer.from('"yy')]);
  return { b, s: 3, e: 3 + inner.length, h: hashBytes(b, 3, 3 + inner.length) };
}

function put<T>(t: ByteTable<T>, spelled: string, key: string, value: T, h?: number): boolean {
  const k = at(spelled);
  assert.equal(t.find(k.b, k.s, k.e, h ?? k.h), -1, `${spelled} is new`);
  return t.add(k.b, k.s, k.e, key, value);
}

function get<T>(t: ByteTable<T>, spelled: string | Buffer, h?: number): T | undefined {
  const k = at(spelled);
  const entry = t.find(k.b, k.s, k.e, h ?? k.h);
  return entry < 0 ? undefined : t.value(entry);
}

test('byte table: a value is found by the bytes that spell it, and only by them', () => {
  const t = new ByteTable<number>(RAW, 100);
  assert.ok(put(t, 'kubelet', 'kubelet', 1));
  assert.ok(put(t, 'kubelet2', 'kubelet2', 2));
  assert.ok(put(t, '', '', 3));
  assert.equal(get(t, 'kubelet'), 1);
  assert.equal(get(t, 'kubelet2'), 2);
  assert.equal(get(t, ''), 3);
  for (const other of ['kubelt', 'Kubelet', 'kubelet ', 'kubele', '"kubelet"']) assert.equal(get(t, other), undefined, other);
  assert.equal(t.size, 3);
});

test('byte table: colliding hashes are told apart by their bytes (the same hash forced for every key)', () => {
  const t = new ByteTable<string>(RAW, 1000);
  const keys = Array.from({ length: 300 }, (_, i) => `pod-${i}`);
  for (const k of keys) assert.ok(put(t, k, k, k.toUpperCase(), 12345));
  for (const k of keys) assert.equal(get(t, k, 12345), k.toUpperCase(), k);
  // Same hash and same length, other bytes: a miss, after probing past every colliding entry.
  assert.equal(get(t, 'pod-999', 12345), undefined);
  assert.equal(get(t, 'pod-99x', 12345), undefined);
  // The right bytes with another hash is another slot: a miss too (hashes are the caller's to get right).
  assert.equal(get(t, 'pod-1', 54321), undefined);
});

test('byte table: grows past its first index, and a full table adds nothing but still finds what it holds', () => {
  const big = new ByteTable<number>(RAW, 100_000);
  for (let i = 0; i < 20_000; i++) assert.ok(put(big, `ip-10-0-${i >> 8}-${i & 255}`, `ip-10-0-${i >> 8}-${i & 255}`, i));
  for (let i = 0; i < 20_000; i += 7) assert.equal(get(big, `ip-10-0-${i >> 8}-${i & 255}`), i);
  const full = new ByteTable<number>(RAW, 3);
  assert.ok(put(full, 'a', 'a', 1));
  assert.ok(put(full, 'b', 'b', 2));
  assert.ok(put(full, 'c', 'c', 3));
  assert.equal(put(full, 'd', 'd', 4), false);
  assert.equal(full.size, 3);
  assert.equal(get(full, 'd'), undefined);
  assert.deepEqual(['a', 'b', 'c'].map((k) => get(full, k)), [1, 2, 3]);
});

test('byte table, JSON strings: an escaped spelling matches the string it decodes to; two spellings are two entries', () => {
  const t = new ByteTable<string>(JSON_STRING, 100);
  const spellings: [string, string][] = [
    ['Get \\"http://10.0.0.1/healthz\\": EOF', 'Get "http://10.0.0.1/healthz": EOF'],
    ['tab\\there\\nnl \\\\ \\/ \\b\\f\\r', 'tab\there\nnl \\ / \b\f\r'],
    ['caf\\u00e9 \\u4e2d \\ud83d\\ude00', 'café 中 😀'],
    ['plain', 'plain'],
  ];
  for (const [spelled, key] of spellings) {
    assert.equal(JSON.parse(`"${spelled}"`), key, 'the key is what JSON.parse gives');
    assert.ok(put(t, spelled, key, key));
  }
  for (const [spelled, key] of spellings) assert.equal(get(t, spelled), key, spelled);
  // Another spelling of a key met: its own entry (a miss first), holding the same value.
  assert.equal(get(t, 'pl\\u0061in'), undefined);
  assert.ok(put(t, 'pl\\u0061in', 'plain', 'plain'));
  assert.equal(get(t, 'pl\\u0061in'), 'plain');
  // Decoding must match the key exactly: one character off, or a different escape, is a miss even with the hash forced.
  const h = at('caf\\u00e9 \\u4e2d \\ud83d\\ude00').h;
  assert.equal(get(t, 'caf\\u00e8 \\u4e2d \\ud83d\\ude00', h), undefined);
  assert.equal(get(t, 'tab\\there\\nnl \\\\ \\/ \\b\\f\\n', at('tab\\there\\nnl \\\\ \\/ \\b\\f\\r').h), undefined);
});

test('byte table: bytes above ASCII are never added, and never match a key that holds such a character', () => {
  for (const spelling of [RAW, JSON_STRING] as const) {
    const t = new ByteTable<string>(spelling, 100);
    // A UTF-8 é (two bytes) is not an entry: the caller decodes it and shares it by its string.
    const utf8 = Buffer.from('café', 'utf8');
    const k = at(utf8);
    assert.equal(t.find(k.b, k.s, k.e, k.h), -1);
    assert.equal(t.add(k.b, k.s, k.e, 'café', 'café'), false);
    assert.equal(t.size, 0);
  }
  // The key "éabcde" (spelled \u00e9abcde) against a raw 0xe9 byte then \u0061bcde, as long and of the same
  // hash: not the same string (a lone 0xe9 is not UTF-8 for é; JSON.parse of the text makes it U+FFFD).
  const t = new ByteTable<string>(JSON_STRING, 100);
  assert.ok(put(t, '\\u00e9abcde', 'éabcde', 'éabcde', 99));
  const lone = Buffer.concat([Buffer.from([0xe9]), Buffer.from('\\u0061bcde', 'latin1')]);
  assert.equal(lone.length, '\\u00e9abcde'.length);
  assert.equal(get(t, lone, 99), undefined);
  assert.equal(get(t, '\\u00e9abcde', 99), 'éabcde');
  const raw = new ByteTable<string>(RAW, 100);
  assert.ok(put(raw, 'x', 'x', 'x', 5));
  assert.equal(get(raw, Buffer.from([0xf8]), 5), undefined);
});

test('byte table on probation: a value is taken at its second sight; one seen once costs no entry', () => {
  const t = new ByteTable<string>(JSON_STRING, 100, 16);
  assert.equal(put(t, 'pod-a', 'pod-a', 'pod-a'), false, 'first sight');
  assert.equal(t.firstSight, true);
  assert.equal(t.size, 0);
  assert.equal(put(t, 'pod-b', 'pod-b', 'pod-b'), false);
  assert.equal(put(t, 'pod-a', 'pod-a', 'pod-a'), true, 'second sight');
  assert.equal(t.firstSight, false);
  assert.equal(get(t, 'pod-a'), 'pod-a');
  assert.equal(get(t, 'pod-b'), undefined);
  // A newer value in the same slot of the seen-once hashes overwrites an older one: that one waits for its next sight.
  const slot = (h: number) => h & 15;
  const older = 'pod-0';
  const newer = ['pod-1', 'pod-2', 'pod-3', 'pod-4', 'pod-5', 'pod-6', 'pod-7', 'pod-8', 'pod-9', 'pod-x', 'pod-y', 'pod-z', 'pod-10', 'pod-11', 'pod-12', 'pod-13', 'pod-14', 'pod-15'].find((n) => slot(at(n).h) === slot(at(older).h) && at(n).h !== at(older).h);
  assert.ok(newer, 'a value whose hash falls in the same slot');
  assert.equal(put(t, older, older, older), false);
  assert.equal(put(t, newer, newer, newer), false);
  assert.equal(put(t, older, older, older), false, 'its hash was overwritten: a first sight again');
  assert.equal(put(t, older, older, older), true);
  // Full still means full, whatever the sight.
  const small = new ByteTable<string>(JSON_STRING, 1, 16);
  put(small, 'a', 'a', 'a');
  assert.equal(put(small, 'a', 'a', 'a'), true);
  put(small, 'b', 'b', 'b');
  assert.equal(put(small, 'b', 'b', 'b'), false);
  assert.equal(small.firstSight, false, 'refused because full');
});
