import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { parseLine } from '../../src/core/logs/formats';
import { type JournalEntry, JournalExportReader, looksLikeJournalExport, nodeOffsetMinutes } from '../../src/core/logs/journald';
import { builtInSignatures } from '../../src/core/signatures/catalog';
import { Matcher } from '../../src/core/signatures/matcher';
import { recogniseFile, recogniseText } from '../../src/core/signatures/recognise';
import { pushInPieces } from '../harness/pieces';

const matcher = new Matcher(builtInSignatures());
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runtime-lens-journald-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

// 2021-05-07T03:43:28.310630Z; the node's clock runs at +08:00, so klog wrote 11:43:28.310630.
const REALTIME = '1620359008310630';
const KLOG_EOF = 'I0507 11:43:28.310630   57003 prober.go:112] Readiness probe for "payments-api-6d8f7c9b4-kx2lp_shop(d1aab5f0-ae8f-11eb-a151-080027049c65):api" failed (failure): OCI runtime exec failed: exec failed: EOF: unknown';
const KLOG_HTTP = 'I0507 11:43:29.000001   57003 prober.go:116] Readiness probe for "web-1_shop(d1aab5f0-ae8f-11eb-a151-080027049c65):web" failed (failure): Get "http://10.244.3.17:8080/healthz": EOF';
const INFO = 'I0507 11:43:30.000000   57003 kubelet.go:1900] SyncLoop (PLEG): event for pod';

function entry(message: string | number[], extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    __CURSOR: 's=1;i=2',
    __REALTIME_TIMESTAMP: REALTIME,
    _HOSTNAME: 'ip-10-0-1-5.ec2.internal',
    SYSLOG_IDENTIFIER: 'kubelet',
    _SYSTEMD_UNIT: 'kubelet.service',
    PRIORITY: '6',
    MESSAGE: message,
    ...extra,
  });
}

test('journalctl -o json: MESSAGE parsed as its klog line; exact UTC time, node, component', () => {
  const r = parseLine(entry(KLOG_EOF));
  assert.equal(r.format, 'journald-json');
  assert.equal(r.payloadFormat, 'klog');
  assert.deepEqual(r.time, { year: 2021, month: 5, day: 7, hour: 3, minute: 43, second: 28, micros: 310630, offsetMinutes: 0 });
  assert.equal(r.localTime?.hour, 11);
  assert.equal(r.node, 'ip-10-0-1-5.ec2.internal');
  assert.equal(r.component, 'kubelet');
  assert.equal(r.pod, 'payments-api-6d8f7c9b4-kx2lp');
  assert.equal(r.namespace, 'shop');
  assert.equal(r.container, 'api');
  assert.equal(r.severity, 'info');
  assert.equal(nodeOffsetMinutes(r), 480);
});

test('journalctl -o json: a MESSAGE written as bytes (non-UTF-8 in the journal) is decoded', () => {
  const r = parseLine(entry([...Buffer.from(KLOG_EOF + ' \u00e9')]));
  assert.equal(r.format, 'journald-json');
  assert.equal(r.payloadFormat, 'klog');
  assert.ok(r.message.endsWith('EOF: unknown \u00e9'));
});

test('journalctl -o json file: findings with exact times, nodes, the node zone as a hint; escaped quotes matched unescaped', async () => {
  const text = [entry(INFO), entry(KLOG_EOF), entry(KLOG_HTTP, { _HOSTNAME: 'ip-10-0-1-6' })].join('\n') + '\n';
  const file = path.join(dir, 'kubelet-journal.json');
  fs.writeFileSync(file, text);
  for (const r of [await recogniseFile(file, { matcher }), recogniseText(file, text, { matcher })]) {
    assert.deepEqual(r.notes, []);
    assert.equal(r.lines, 3);
    assert.deepEqual(
      r.findings.map((f) => [f.line, f.signature, f.time?.iso, f.record.node]),
      [
        [2, 'oci-exec-eof', '2021-05-07T03:43:28.310630Z', 'ip-10-0-1-5.ec2.internal'],
        [3, 'http-probe-eof', '2021-05-07T03:43:28.310630Z', 'ip-10-0-1-6'],
      ],
    );
    assert.equal(r.hints.offsetMinutes, 480, 'the node runs at +08:00');
    const http = r.findings[1]!;
    assert.equal(http.text.slice(http.match.start, http.match.end), 'Get \\"http://10.244.3.17:8080/healthz\\": EOF');
    const eof = r.findings[0]!;
    assert.equal(eof.text.slice(eof.match.start, eof.match.end), 'OCI runtime exec failed: exec failed: EOF');
  }
});

/** An export entry; `binary` fields are written length-prefixed as journalctl does for values with newlines. */
function exportEntry(fields: [string, string | Buffer][]): Buffer {
  const parts: Buffer[] = [];
  for (const [k, v] of fields) {
    if (typeof v === 'string') parts.push(Buffer.from(`${k}=${v}\n`));
    else {
      const size = Buffer.alloc(8);
      size.writeBigUInt64LE(BigInt(v.length));
      parts.push(Buffer.from(`${k}\n`), size, v, Buffer.from('\n'));
    }
  }
  parts.push(Buffer.from('\n'));
  return Buffer.concat(parts);
}

const common: [string, string][] = [
  ['__CURSOR', 's=1;i=2'],
  ['__REALTIME_TIMESTAMP', REALTIME],
  ['_HOSTNAME', 'node-a'],
  ['SYSLOG_IDENTIFIER', 'kubelet'],
];
const EXPORT = Buffer.concat([
  exportEntry([...common, ['MESSAGE', INFO]]),
  // A binary MESSAGE: a newline and a byte that is not UTF-8 inside.
  exportEntry([...common, ['MESSAGE', Buffer.concat([Buffer.from(`${KLOG_EOF}\nsecond line \xff`, 'latin1')])], ['_PID', '57003']]),
  exportEntry([...common, ['MESSAGE', KLOG_HTTP]]),
]);

/** The reader fed in pieces of `size` bytes; with `reuse`, all from one buffer overwritten after each push (as openRaw reuses its). */
function readExport(bytes: Buffer, size: number, reuse = false) {
  const entries: JournalEntry[] = [];
  const notes: { line: number | null; note: string }[] = [];
  const reader = new JournalExportReader({ entry: (e) => entries.push(e), note: (line, note) => notes.push({ line, note }) });
  pushInPieces(bytes, size, (piece) => reader.push(piece), reuse ? '\nX=' : undefined);
  reader.end();
  return { entries, notes };
}

test('journalctl -o export: text and binary MESSAGE fields, at their lines, in pieces of any size', () => {
  assert.ok(looksLikeJournalExport(EXPORT.toString('latin1', 0, 100)));
  assert.ok(!looksLikeJournalExport('I0507 11:43:30.000000   57003 kubelet.go:1900] x'));
  const whole = readExport(EXPORT, EXPORT.length);
  assert.deepEqual(whole.notes, []);
  // Entry 1: lines 1-5 and a blank line 6; entry 2 starts at line 7, its MESSAGE at line 11.
  assert.deepEqual(
    whole.entries.map((e) => [e.line, e.record.format, e.record.payloadFormat, e.record.node, e.record.component]),
    [
      [5, 'journald-export', 'klog', 'node-a', 'kubelet'],
      [11, 'journald-export', 'klog', 'node-a', 'kubelet'],
      // The binary field spans lines 11-13 (its data holds a newline, and the length bytes none).
      [20, 'journald-export', 'klog', 'node-a', 'kubelet'],
    ],
  );
  const binary = whole.entries[1]!;
  assert.equal(binary.record.message.split('\n')[1], 'second line \ufffd');
  assert.equal(binary.record.time?.minute, 43);
  assert.equal(binary.text, KLOG_EOF);
  for (const size of [1, 2, 5, 9, 100]) assert.deepEqual(readExport(EXPORT, size), whole, `pieces of ${size}`);
  for (const size of [1, 9, 100]) assert.deepEqual(readExport(EXPORT, size, true), whole, `pieces of ${size} in one reused buffer`);
});

test('journalctl -o export through recogniseFile: findings at the MESSAGE lines, the node zone learnt', async () => {
  const file = path.join(dir, 'journal.export');
  fs.writeFileSync(file, EXPORT);
  const r = await recogniseFile(file, { matcher });
  assert.deepEqual(r.notes, []);
  assert.deepEqual(
    r.findings.map((f) => [f.line, f.signature, f.time?.iso, f.record.node]),
    [
      [11, 'oci-exec-eof', '2021-05-07T03:43:28.310630Z', 'node-a'],
      [20, 'http-probe-eof', '2021-05-07T03:43:28.310630Z', 'node-a'],
    ],
  );
  assert.equal(r.hints.offsetMinutes, 480);
  assert.equal(r.lines, EXPORT.toString('latin1').split('\n').length - 1);
});

test('journalctl -o export: a binary field cut short, or claiming an absurd length, gets a note, never a crash', () => {
  const cut = readExport(EXPORT.subarray(0, EXPORT.indexOf('second line')), 64);
  assert.equal(cut.entries.length, 1);
  assert.equal(cut.notes.length, 1);
  assert.match(cut.notes[0]!.note, /^the input ends inside a binary field at line 11/);
  const size = Buffer.alloc(8);
  size.writeBigUInt64LE(2n ** 62n);
  const absurd = Buffer.concat([Buffer.from('__REALTIME_TIMESTAMP=1620359008310630\nMESSAGE\n'), size, Buffer.from('abc\n\n')]);
  const r = readExport(absurd, 7);
  assert.equal(r.notes.length, 2);
  assert.match(r.notes[0]!.note, /^binary field MESSAGE of 4611686018427387904 bytes at line 2 is larger than 16 MB: skipped$/);
  assert.match(r.notes[1]!.note, /^the input ends inside a binary field that began at line 2$/);
});
