import assert from 'node:assert/strict';
import * as path from 'node:path';
import { before, test } from 'node:test';
import { run } from '../../src/cli/main';
import { type MessageOrigin, MessageOrigins } from '../../src/core/origins/origins';
import { loadGoParser } from '../../src/core/sources/goParser';
import { loadAtlas } from '../../src/core/trace/atlas';
import { type DebianSources, debianSources } from '../harness/goSources';
import { testWasm } from '../harness/wasm';

/**
 * Origins read off Debian's sources by hand (kubernetes 1.20.2, moby 20.10.24, containerd 1.6.20,
 * runc 1.1.5): the part of the text, the program, the file under the checkouts folder and the line
 * of the literal, innermost first.
 */
type Want = [string, string, string, number];

let src: DebianSources;
let finder: MessageOrigins;

before(async () => {
  src = debianSources();
  finder = new MessageOrigins(await loadGoParser(testWasm), loadAtlas().projects);
  finder.setSourceRoots([src.checkouts, src.gocode]);
});

function rel(o: MessageOrigin): Want {
  return [o.text, o.component, path.relative(src.checkouts, o.file).split(path.sep).join('/'), o.line];
}

const OOM_THROUGH_KUBELET =
  'Readiness probe for "web-0_default(6f1d2c1e-8a0b-4f51-9a3c-1b2c3d4e5f60):web" failed (failure): OCI runtime exec failed: exec failed: unable to start container process: read init-p: connection reset by peer (possibly OOM-killed): unknown';

test("the OOM line through the kubelet: runc's two wrappings and its OOM hint, the shim, the prober", async () => {
  const r = await finder.find(OOM_THROUGH_KUBELET);
  assert.deepEqual(r.origins.map(rel), [
    ['(possibly OOM-killed)', 'runc', 'runc-1.1.5/libcontainer/process_linux.go', 98],
    ['unable to start container process', 'runc', 'runc-1.1.5/libcontainer/container_linux.go', 355],
    ['exec failed', 'runc', 'runc-1.1.5/exec.go', 110],
    ['OCI runtime exec failed', 'shim', 'containerd-1.6.20/pkg/process/exec.go', 210],
    ['probe for "web-0_default(6f1d2c1e-8a0b-4f51-9a3c-1b2c3d4e5f60):web" failed (failure)', 'kubelet', 'kubernetes-1.20.2/pkg/kubelet/prober/prober.go', 117],
  ]);
  assert.deepEqual(
    r.origins.map((o) => [o.symbol, o.version]),
    [
      ['(*setnsProcess).start', '1.1.5'],
      ['(*linuxContainer).start', '1.1.5'],
      ['execCommand', '1.1.5'],
      ['(*execProcess).start', '1.6.20'],
      ['(*prober).probe', '1.20.2'],
    ],
  );
});

test('the CRI path: containerd ExecSync and execInternal, the shim, gRPC status in the kubelet; a structured klog line', async () => {
  const line =
    'E0507 03:43:28.310630    1234 remote_runtime.go:394] "ExecSync cmd from runtime service failed" err="rpc error: code = Unknown desc = failed to exec in container: failed to start exec \\"5c2d0e\\": OCI runtime exec failed: exec failed: cannot exec in a stopped container: unknown"';
  const r = await finder.find(line);
  assert.deepEqual(r.origins.map(rel), [
    ['cannot exec in a stopped container', 'runc', 'runc-1.1.5/exec.go', 152],
    ['exec failed', 'runc', 'runc-1.1.5/exec.go', 110],
    ['OCI runtime exec failed', 'shim', 'containerd-1.6.20/pkg/process/exec.go', 210],
    ['failed to start exec \\"5c2d0e\\"', 'containerd', 'containerd-1.6.20/pkg/cri/server/container_execsync.go', 173],
    ['failed to exec in container', 'containerd', 'containerd-1.6.20/pkg/cri/server/container_execsync.go', 93],
    ['rpc error: code = Unknown desc', 'kubelet', 'kubernetes-1.20.2/vendor/google.golang.org/grpc/status/status.go', 54],
  ]);
});

test("dockerd's texts: Error running exec, and the not-running container of daemon/exec.go", async () => {
  const r = await finder.find('Error running exec 0a1b2c3d4e5f in container: Container 0a1b2c3d4e5f is not running: Exited (0) 2 seconds ago');
  assert.deepEqual(r.origins.map(rel), [
    ['Container 0a1b2c3d4e5f is not running', 'dockerd', 'moby-20.10.24/engine/daemon/exec.go', 59],
    ['Error running exec 0a1b2c3d4e5f in container', 'dockerd', 'moby-20.10.24/engine/api/server/router/container/exec.go', 137],
  ]);
});

test('trace --json --message: the contract shape; bad usage exits 2 with a message', async () => {
  let out = '';
  let err = '';
  const code = await run(['trace', '--json', '--message', 'OCI runtime exec failed: exec failed: EOF: unknown', '--sources', src.checkouts], (s) => (out += s), (s) => (err += s));
  assert.equal(code, 0, err);
  const json = JSON.parse(out) as { origins: MessageOrigin[]; elapsedMs: number };
  assert.deepEqual(Object.keys(json), ['origins', 'elapsedMs']);
  assert.equal(typeof json.elapsedMs, 'number');
  assert.deepEqual(json.origins, [
    { text: 'exec failed', component: 'runc', symbol: 'execCommand', file: path.join(src.runc, 'exec.go'), line: 110, version: '1.1.5' },
    { text: 'OCI runtime exec failed', component: 'shim', symbol: '(*execProcess).start', file: path.join(src.containerd, 'pkg', 'process', 'exec.go'), line: 210, version: '1.6.20' },
  ]);
  out = '';
  assert.equal(await run(['trace', '--message', 'exec failed: EOF', '--sources', src.checkouts], (s) => (out += s), () => {}), 0);
  assert.match(out, /"exec failed"\n\s+printed by runc 1\.1\.5 in execCommand — .*runc-1\.1\.5\/exec\.go:110/);
  for (const [args, reason] of [
    [['trace', '--message', '', '--sources', src.checkouts], /--message wants the error text/],
    [['trace', '--message', 'exec failed: EOF'], /at least one --sources/],
    [['trace', '--message', 'exec failed: EOF', '--sources', '/nonexistent/dir'], /--sources \/nonexistent\/dir: not a directory/],
    [['trace', '--message'], /argument missing|--message/],
  ] as [string[], RegExp][]) {
    err = '';
    assert.equal(await run(args, () => {}, (s) => (err += s)), 2, args.join(' '));
    assert.match(err, reason);
  }
});
