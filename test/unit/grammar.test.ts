import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../harness/paths';

// Runs the TextMate grammar tests (test/grammar/*.runtime-log, vscode-tmgrammar-test format) against
// syntaxes/runtime-log.tmLanguage.json with the tool's own CLI, exactly as a developer would.

const grammar = path.join(repoRoot, 'syntaxes', 'runtime-log.tmLanguage.json');
const fixturesDir = path.join(repoRoot, 'test', 'grammar');
const toolDir = path.join(repoRoot, 'node_modules', 'vscode-tmgrammar-test');
const toolBin = path.join(
  toolDir,
  (JSON.parse(fs.readFileSync(path.join(toolDir, 'package.json'), 'utf8')) as { bin: Record<string, string> }).bin[
    'vscode-tmgrammar-test'
  ],
);

/** Every signature id the grammar knows; each must be exercised by some fixture. */
const signatureIds = [
  'oci-exec-eof',
  'closed-fifo',
  'exec-not-found',
  'exec-stopped-container',
  'probe-timeout',
  'http-probe-eof',
  'http-probe-connection-reset',
  'exec-permission-denied',
  'exec-stream-eof',
  'runc-init-pipe-reset',
  'runc-init-oom-killed',
  'runc-final-child-pid-eof',
  'runc-pthread-create',
  'runc-sigabrt',
  'runc-namespace-setup',
  'device-cgroup-denied',
  'runtime-dir-no-space',
  'kernel-oom-kill',
];

// Mirrors the tool's parser (dist/unit/parsing.js): the header's first token is the comment token, and
// an assertion line is that token followed by optional blanks and `^` or `<-` / `<~-`.
const headerRe = /^(\S+)\s+SYNTAX\s+TEST\s+"([^"]+)"(?:\s+"([^"]+)")?\s*$/;

function countAssertions(text: string): { scope: string; assertions: number } {
  const lines = text.split(/\r\n|\n/);
  const header = headerRe.exec(lines[0] ?? '');
  assert.ok(header, `bad header line: ${lines[0]}`);
  const token = header[1]!;
  const assertions = lines.slice(1).filter((l) => l.startsWith(token) && /^\s*(\^|<~*-+)/.test(l.slice(token.length))).length;
  return { scope: header[2]!, assertions };
}

const stripAnsi = (s: string) => s.replace(/\u001b\[[0-9;]*m/g, '');

/** Runs the tool in the repo root on the given test case paths; an empty config keeps package.json out of it. */
function runTool(testcases: string[]): { status: number | null; out: string } {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'runtime-lens-grammar-cfg-'));
  try {
    const config = path.join(tmp, 'empty-config.json');
    fs.writeFileSync(config, '{}\n');
    const r = spawnSync(process.execPath, [toolBin, '-g', grammar, '--config', config, ...testcases], {
      cwd: repoRoot,
      encoding: 'utf8',
      env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
      timeout: 120_000,
    });
    assert.equal(r.error, undefined, `could not run ${toolBin}: ${r.error}`);
    return { status: r.status, out: stripAnsi(`${r.stdout}${r.stderr}`) };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

test('the grammar passes every fixture in test/grammar', (t) => {
  const fixtures = fs
    .readdirSync(fixturesDir)
    .filter((f) => f.endsWith('.runtime-log'))
    .sort();
  assert.ok(fixtures.length > 0, `no fixtures in ${fixturesDir}`);

  let total = 0;
  let allText = '';
  for (const f of fixtures) {
    const text = fs.readFileSync(path.join(fixturesDir, f), 'utf8');
    const { scope, assertions } = countAssertions(text);
    assert.equal(scope, 'source.runtime-log', `${f} tests another scope`);
    assert.ok(assertions > 0, `${f} has no assertions`);
    total += assertions;
    allText += text;
  }
  for (const id of signatureIds) {
    assert.ok(allText.includes(`.signature.${id}.runtime-log`), `no fixture asserts the ${id} signature scope`);
  }

  const rel = fixtures.map((f) => path.posix.join('test', 'grammar', f));
  const { status, out } = runTool(rel);
  assert.equal(status, 0, out);
  // The tool prints one "✓ <file> run successfuly." per passing test case (sic) and nothing else on success.
  const passed = out.split('\n').filter((l) => / run successfuly\.\s*$/.test(l));
  assert.equal(passed.length, fixtures.length, `expected ${fixtures.length} passing test cases, got:\n${out}`);
  for (const f of rel) {
    assert.ok(passed.some((l) => l.includes(f)), `${f} not reported as passing:\n${out}`);
  }
  assert.doesNotMatch(out, /failed|ERROR|aborted/, out);
  t.diagnostic(`${fixtures.length} fixtures, ${total} assertions passed`);
});

test('the grammar tests can fail: a wrong assertion makes the tool exit non-zero', (t) => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'runtime-lens-grammar-'));
  try {
    const sig = 'OCI runtime exec failed: exec failed: EOF: unknown';
    const klogLine = `E0507 03:43:28.310630   57003 prober.go:112] Readiness probe failed: ${sig}`;
    const cases: Record<string, string> = {
      // the EOF signature claimed to be closed-fifo
      'wrong-scope.runtime-log': [
        '# SYNTAX TEST "source.runtime-log" "deliberately wrong scope"',
        sig,
        `#<${'-'.repeat(sig.length)} invalid.illegal.signature.closed-fifo.runtime-log`,
        '',
      ].join('\n'),
      // the EOF signature claimed to be absent
      'wrong-negative.runtime-log': [
        '# SYNTAX TEST "source.runtime-log" "deliberately wrong negative assertion"',
        klogLine,
        `#<${'-'.repeat(klogLine.length)} - invalid.illegal.signature.oci-exec-eof.runtime-log`,
        '',
      ].join('\n'),
    };
    for (const [name, text] of Object.entries(cases)) {
      assert.equal(countAssertions(text).assertions, 1);
      const file = path.join(tmp, name);
      fs.writeFileSync(file, text);
      const { status, out } = runTool([file.split(path.sep).join('/')]);
      assert.notEqual(status, null, `tool did not exit normally:\n${out}`);
      assert.notEqual(status, 0, `${name} should fail:\n${out}`);
      assert.match(out, new RegExp(`${name} failed`), out);
      assert.match(out, /missing required scopes|prohibited scopes/, out);
      t.diagnostic(`${name}: exit ${status}`);
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
