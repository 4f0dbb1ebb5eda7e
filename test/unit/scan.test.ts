import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countNewlines, scanLines } from '../../src/core/logs/scan';

type Visit = [line: number, content: string, offset: number];

function scan(text: string, needles: string[], firstLine = 1): { visits: Visit[]; newlines: number } {
  const visits: Visit[] = [];
  const newlines = scanLines(text, needles, firstLine, (line, content, offset) => visits.push([line, content, offset]));
  return { visits, newlines };
}

/** What scanLines must do, computed the obvious way. */
function naive(text: string, needles: string[], firstLine = 1): { visits: Visit[]; newlines: number } {
  const visits: Visit[] = [];
  let offset = 0;
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const content = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (needles.some((n) => raw.includes(n))) visits.push([firstLine + i, content, offset]);
    offset += raw.length + 1;
  });
  return { visits, newlines: lines.length - 1 };
}

test('scanLines: 1-based line numbers, line content and offset', () => {
  const text = 'alpha\nbeta EOF\ngamma\ndelta EOF\n';
  const r = scan(text, ['EOF']);
  assert.deepEqual(r.visits, [
    [2, 'beta EOF', 6],
    [4, 'delta EOF', 21],
  ]);
  assert.equal(r.newlines, 4);
});

test('scanLines: several needles on the same line visit it once', () => {
  const text = 'a\nEOF and fifo and EOF again\nb\n';
  const r = scan(text, ['EOF', 'fifo', 'again']);
  assert.deepEqual(r.visits, [[2, 'EOF and fifo and EOF again', 2]]);
  assert.equal(r.newlines, 3);
});

test('scanLines: several needles on different lines come back in line order', () => {
  const text = 'fifo one\nnothing\nEOF two\nfifo three\nEOF four EOF';
  const r = scan(text, ['EOF', 'fifo']);
  assert.deepEqual(
    r.visits.map(([l, c]) => [l, c]),
    [
      [1, 'fifo one'],
      [3, 'EOF two'],
      [4, 'fifo three'],
      [5, 'EOF four EOF'],
    ],
  );
  assert.equal(r.newlines, 4);
});

test('scanLines: duplicate needles do not duplicate visits', () => {
  const r = scan('x EOF\ny EOF\n', ['EOF', 'EOF', 'OF']);
  assert.deepEqual(
    r.visits.map(([l]) => l),
    [1, 2],
  );
});

test('scanLines: CRLF is stripped from the content, line numbers unchanged', () => {
  const text = 'one\r\ntwo EOF\r\nthree\r\nfour EOF\r\n';
  const r = scan(text, ['EOF']);
  assert.deepEqual(r.visits, [
    [2, 'two EOF', 5],
    [4, 'four EOF', 21],
  ]);
  assert.equal(r.newlines, 4);
  // A lone \r inside a line is content.
  assert.deepEqual(scan('a\rEOF\n', ['EOF']).visits, [[1, 'a\rEOF', 0]]);
});

test('scanLines: the last line without a newline is visited', () => {
  const r = scan('a\nb\nlast EOF', ['EOF']);
  assert.deepEqual(r.visits, [[3, 'last EOF', 4]]);
  assert.equal(r.newlines, 2);
  const only = scan('EOF', ['EOF']);
  assert.deepEqual(only.visits, [[1, 'EOF', 0]]);
  assert.equal(only.newlines, 0);
});

test('scanLines: firstLine offsets the numbers (chunks after the first)', () => {
  const r = scan('x\nEOF here\n', ['EOF'], 1001);
  assert.deepEqual(r.visits, [[1002, 'EOF here', 2]]);
  assert.equal(r.newlines, 2);
});

test('scanLines: returns the newline count whether or not anything matched', () => {
  assert.equal(scan('', ['EOF']).newlines, 0);
  assert.equal(scan('\n', ['EOF']).newlines, 1);
  assert.equal(scan('\n\n\n', ['EOF']).newlines, 3);
  assert.equal(scan('a\nb\nc', ['EOF']).newlines, 2);
  assert.equal(scan('a\nb\nc', []).newlines, 2);
  assert.deepEqual(scan('a\nb\nc', []).visits, []);
  assert.equal(scan('EOF\n\n\nEOF\n\n', ['EOF']).newlines, 5);
});

test('scanLines: a needle at the very start and end of the text, empty lines around', () => {
  const text = 'EOF\n\n\nEOF';
  assert.deepEqual(scan(text, ['EOF']).visits, [
    [1, 'EOF', 0],
    [4, 'EOF', 6],
  ]);
});

test('scanLines agrees with a naive split on a larger mixed text', () => {
  const needles = ['exec failed: EOF', 'closed fifo', 'timed out'];
  const pieces = ['plain line', 'OCI runtime exec failed: exec failed: EOF: unknown', 'stream copy error: reading from a closed fifo', 'probe timed out', '', 'x\r', 'exec failed: EOF and closed fifo\r'];
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const lines: string[] = [];
  for (let i = 0; i < 5000; i++) lines.push(pieces[Math.floor(rand() * pieces.length)]!);
  for (const text of [lines.join('\n'), `${lines.join('\n')}\n`]) {
    for (const first of [1, 77]) {
      const got = scan(text, needles, first);
      const want = naive(text, needles, first);
      assert.equal(got.newlines, want.newlines);
      assert.equal(got.visits.length, want.visits.length);
      assert.deepEqual(got.visits, want.visits);
    }
  }
});

test('countNewlines counts within [from, to)', () => {
  assert.equal(countNewlines('a\nb\nc\n', 0, 6), 3);
  assert.equal(countNewlines('a\nb\nc\n', 0, 5), 2);
  assert.equal(countNewlines('a\nb\nc\n', 2, 4), 1);
  assert.equal(countNewlines('a\nb\nc\n', 4, 4), 0);
  assert.equal(countNewlines('', 0, 0), 0);
});
