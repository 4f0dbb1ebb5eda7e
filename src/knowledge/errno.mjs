#!/usr/bin/env node
// Writes src/core/knowledge/errno.json from Go's own syscall table, so that an error text such as
// "no such file or directory" is named ENOENT with the words Go prints, never with a list typed by hand.
//
//   node src/knowledge/errno.mjs [GOROOT]     # default: `go env GOROOT`, else /usr/lib/go
//
// Reads GOROOT/src/syscall/zerrors_linux_amd64.go: the `errors = [...]string{N: "text", …}` table (the
// texts Errno.Error() returns) and the `EXXX = Errno(0xN)` constants (the names). Where several names
// share a number (EAGAIN/EWOULDBLOCK, EDEADLK/EDEADLOCK, ENOTSUP/EOPNOTSUPP) all are kept, the name
// listed first being the one shown. The unit test test/unit/errno.test.ts re-reads the same file when
// present and checks the committed data against it.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Parses the Go file's text into errno rows (exported for the unit test). */
export function parseZerrors(source) {
  const names = new Map();
  const constRe = /^\t(E[A-Z0-9]+)\s+=\s+Errno\(0x([0-9a-f]+)\)/gm;
  for (const m of source.matchAll(constRe)) {
    const n = parseInt(m[2], 16);
    if (!names.has(n)) names.set(n, []);
    names.get(n).push(m[1]);
  }
  const start = source.indexOf('var errors = [...]string{');
  if (start < 0) throw new Error('no `var errors = [...]string{` table');
  const end = source.indexOf('\n}', start);
  const before = source.slice(0, start).split('\n').length;
  const rows = [];
  source
    .slice(start, end)
    .split('\n')
    .forEach((line, i) => {
      const m = /^\t(\d+):\s+"((?:[^"\\]|\\.)*)",/.exec(line);
      if (!m) return;
      const number = Number(m[1]);
      const list = names.get(number);
      if (!list) return;
      rows.push({ number, names: preferred(list), text: JSON.parse(`"${m[2]}"`), line: before + i });
    });
  return rows;
}

/** The usual name first: the one `errno -l` and man pages use for the shared numbers. */
function preferred(list) {
  const usual = ['EAGAIN', 'EDEADLK', 'EOPNOTSUPP'];
  return [...list].sort((a, b) => Number(usual.includes(b)) - Number(usual.includes(a)) || a.localeCompare(b));
}

function goroot(arg) {
  if (arg) return arg;
  try {
    return execFileSync('go', ['env', 'GOROOT'], { encoding: 'utf8' }).trim();
  } catch {
    return '/usr/lib/go';
  }
}

function goVersion(dir) {
  try {
    return fs.readFileSync(path.join(dir, 'VERSION'), 'utf8').split('\n')[0].trim();
  } catch {
    return path.basename(fs.realpathSync(dir));
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === fs.realpathSync(process.argv[1])) {
  const dir = goroot(process.argv[2]);
  const file = path.join(dir, 'src', 'syscall', 'zerrors_linux_amd64.go');
  const rows = parseZerrors(fs.readFileSync(file, 'utf8'));
  if (rows.length < 100) throw new Error(`only ${rows.length} errno rows in ${file}`);
  const out = {
    $schema: './errno.schema.json',
    generated: { by: 'node src/knowledge/errno.mjs (npm run knowledge:errno)', from: `${goVersion(dir)} src/syscall/zerrors_linux_amd64.go` },
    errno: rows,
  };
  const target = path.join(root, 'src', 'core', 'knowledge', 'errno.json');
  // One row per line: a regenerated file differs from the committed one line by line.
  const head = JSON.stringify({ $schema: out.$schema, generated: out.generated }, null, 2).slice(0, -2);
  fs.writeFileSync(target, `${head},\n  "errno": [\n${rows.map((r) => `    ${JSON.stringify(r)}`).join(',\n')}\n  ]\n}\n`);
  process.stderr.write(`errno.json: ${rows.length} errno values from ${file}\n`);
}
