import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { builtInSignatures } from '../../src/core/signatures/catalog';
import { Matcher } from '../../src/core/signatures/matcher';
import { recogniseFile } from '../../src/core/signatures/recognise';
import { repoRoot } from '../harness/paths';
import { type VsCodeSession, openVsCode } from '../harness/vscode';

// A kubelet log over 50 MB has no document in the extension host: Runtime Lens counts it from disk, and
// a log that large is scanned in ranges on worker threads (src/core/logs/parallel.ts) by the extension
// host as by the CLI — the worker's script found beside the bundle, in the installed .vsix. Workers
// start only on idle cores; RUNTIME_LENS_WORKERS, which code-server's extension host inherits, asks for
// one whatever the load, so the path under test is the worker's on a busy machine too.
const MIB = 80;
let vs: VsCodeSession;
let log: string;
const saved = process.env.RUNTIME_LENS_WORKERS;

before(async () => {
  process.env.RUNTIME_LENS_WORKERS = '1';
  vs = await openVsCode({ name: 'large-log', sample: 'eof-incident' });
  // The bench's generator (cached outside the repository), copied into the test's own workspace.
  const generated = JSON.parse(execFileSync('node', [path.join(repoRoot, 'bench', 'generate-kubelet-log.mjs'), String(MIB)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })) as { file: string; bytes: number };
  log = path.join(vs.workspace, 'kubelet-large.log');
  fs.copyFileSync(generated.file, log);
  assert.ok(fs.statSync(log).size > 50e6);
});

after(async () => {
  await vs?.close();
  if (saved === undefined) delete process.env.RUNTIME_LENS_WORKERS;
  else process.env.RUNTIME_LENS_WORKERS = saved;
});

test('an 80 MiB log opened in the editor is counted from disk on a worker thread, with the count of the single-threaded reading', async () => {
  await vs.openFile('kubelet-large.log');
  const toast = vs.page.locator('.notification-toast', { hasText: 'kubelet-large.log holds' });
  await toast.waitFor({ timeout: 180_000 });
  await vs.screenshot('large-log-counted');
  const shown = /kubelet-large\.log holds ([\d,.\s]+) recognised runtime error\(s\), read from disk/.exec(await toast.innerText());
  assert.ok(shown, await toast.innerText());
  // The same file read here, on this thread only.
  const reference = await recogniseFile(log, { matcher: new Matcher(builtInSignatures()), keepFindings: false, parallel: false });
  const expected = (reference.sets ?? []).reduce((n, s) => n + s.size, 0);
  assert.ok(expected > 300, `${expected} runtime errors in the generated log`);
  assert.equal(Number(shown[1]!.replace(/\D/g, '')), expected);
  const ranges = /kubelet-large\.log scanned in (\d+) ranges, (\d+) of them on worker threads/.exec(vs.extensionLog());
  assert.ok(ranges, 'the extension host did not scan the log in ranges');
  assert.ok(Number(ranges[1]) >= 5, `${ranges[1]} ranges`);
  assert.ok(Number(ranges[2]) >= 1, 'no range was scanned on a worker thread in the extension host');
});
