import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { before, test } from 'node:test';
import { loadGoParser } from '../../src/core/sources/goParser';
import { loadAtlas } from '../../src/core/trace/atlas';
import { saveStateFact } from '../../src/core/trace/facts';
import { type TraceResult, Tracer } from '../../src/core/trace/resolve';
import type { Hop } from '../../src/core/trace/types';
import { type DebianSources, debianSources } from '../harness/goSources';
import { repoRoot } from '../harness/paths';
import { testWasm } from '../harness/wasm';

/**
 * Expected resolutions, read off Debian's sources by hand (kubernetes 1.20.2, moby 20.10.24,
 * containerd 1.6.20, go-runc 1.0.0, runc 1.1.5): file relative to the checkouts folder (or absolute
 * under /usr/share/gocode) and the 1-based line of the declaration and of the call into it.
 */
type Expected = Record<string, { file: string; line: number; callSite: { file: string; line: number } | null }>;
const expected: Record<string, Expected> = Object.fromEntries(
  ['reader', 'writer', 'reader-cri', 'start', 'start-cri'].map((c) => [c, JSON.parse(fs.readFileSync(path.join(repoRoot, 'test', 'integration', 'expected', `${c}.json`), 'utf8')) as Expected]),
);

let src: DebianSources;
let tracer: Tracer;
let result: TraceResult;

function rel(file: string): string {
  return file.startsWith(src.checkouts + path.sep) ? path.relative(src.checkouts, file) : file;
}

before(async () => {
  src = debianSources();
  tracer = new Tracer(await loadGoParser(testWasm), loadAtlas());
  tracer.setSourceRoots([src.checkouts, src.gocode]);
  result = await tracer.trace(['reader', 'writer', 'reader-cri', 'start', 'start-cri']);
});

for (const chain of ['reader', 'writer', 'reader-cri', 'start', 'start-cri']) {
  test(`${chain}: every hop resolves to its exact declaration and call-site line in Debian's sources`, () => {
    const hops = result.chains[chain]!.hops;
    const want = expected[chain]!;
    assert.deepEqual(hops.map((h) => h.id), Object.keys(want), 'the atlas and the expectations list the same hops in the same order');
    const got = Object.fromEntries(
      hops.map((h: Hop) => [h.id, { file: h.file ? rel(h.file) : '(unresolved)', line: h.line ?? 0, callSite: h.callSite ? { file: rel(h.callSite.file), line: h.callSite.line } : null }]),
    );
    assert.deepEqual(got, want);
    assert.ok(hops.every((h) => h.resolved && !h.problem), hops.filter((h) => h.problem).map((h) => `${h.id}: ${h.problem}`).join('\n'));
  });
}

test('the writer ends at runc 1.1.5 saveState, which writes a temp file and renames it (the fix)', () => {
  const fact = saveStateFact(tracer, result.chains);
  assert.equal(fact.atomic, true);
  assert.match(fact.detail, /container_linux\.go:1918 \(runc 1\.1\.5\)/);
  assert.match(fact.detail, /temp file at line 1919, rename at line 1941/);
});

test('the chains meet at state.json: the reader ends in loadState, the writer in saveState/WriteJSON', () => {
  const reader = result.chains.reader!.hops;
  const writer = result.chains.writer!.hops;
  assert.equal(reader[reader.length - 1]!.symbol, '(*LinuxFactory).loadState');
  assert.ok(writer.some((h) => h.symbol === '(*linuxContainer).saveState'));
});

test('a second trace over unchanged sources parses nothing and returns the same chains', async () => {
  const again = await tracer.trace(['reader', 'writer', 'reader-cri', 'start', 'start-cri']);
  assert.equal(again.parsedFiles, 0);
  assert.deepEqual(again.chains, result.chains);
});

test('the same sources laid out as a Go module cache (module@version) resolve to the same lines', async () => {
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-modcache-'));
  const link = (target: string, modulePath: string) => {
    fs.mkdirSync(path.dirname(path.join(cache, modulePath)), { recursive: true });
    fs.symlinkSync(target, path.join(cache, modulePath));
  };
  link(src.kubernetes, 'k8s.io/kubernetes@v1.20.2');
  link(src.moby, 'github.com/docker/docker@v20.10.24+incompatible');
  link(src.containerd, 'github.com/containerd/containerd@v1.6.20');
  link(src.goRunc, 'github.com/containerd/go-runc@v1.0.0');
  link(src.runc, 'github.com/opencontainers/runc@v1.1.5');
  const t = new Tracer(await loadGoParser(testWasm), loadAtlas());
  const roots = t.setSourceRoots([cache]);
  assert.deepEqual(
    roots.filter((r) => r.kind === 'module-cache').map((r) => `${r.project}@${r.version}`).sort(),
    ['containerd@v1.6.20', 'go-runc@v1.0.0', 'kubernetes@v1.20.2', 'moby@v20.10.24+incompatible', 'runc@v1.1.5'],
  );
  const r = await t.trace(['reader', 'writer']);
  const lines = (res: TraceResult, c: string) => res.chains[c]!.hops.map((h) => `${h.id} ${h.file ? path.basename(h.file) : '-'}:${h.line} ${h.callSite?.line ?? '-'}`);
  for (const c of ['reader', 'writer']) assert.deepEqual(lines(r, c), lines(result, c));
  fs.rmSync(cache, { recursive: true, force: true });
});

test("Debian's GOPATH tree alone resolves what it holds and marks the rest unresolved with an upstream link", async () => {
  const t = new Tracer(await loadGoParser(testWasm), loadAtlas());
  t.setSourceRoots([src.gocode]);
  const r = await t.trace(['reader']);
  const hops = r.chains.reader!.hops;
  // moby's libcontainerd is not packaged in -dev, and the kubelet is not there at all.
  const exec = hops.find((h) => h.id.includes('libcontainerd'))!;
  assert.equal(exec.resolved, false);
  assert.equal(exec.file, undefined);
  assert.match(exec.problem!, /not found in the Moby \(dockerd\) sources dockerd is built from/);
  assert.match(exec.upstream!, /^https:\/\/github\.com\/moby\/moby\/blob\/.+\/libcontainerd\/remote\/client\.go$/);
  // The kubelet's docker client is compiled from kubernetes' vendor/, so without kubernetes it is not
  // in the sources either, although the -dev packages hold a moby client package.
  const kubelet = hops.filter((h) => h.component === 'kubelet');
  assert.equal(kubelet.length, 17);
  assert.ok(kubelet.every((h) => !h.resolved && /no Kubernetes \(kubelet\) sources/.test(h.problem!)));
  const router = hops.find((h) => h.symbol === '(*containerRouter).postContainerExecStart')!;
  assert.equal(router.resolved, true);
  assert.equal(router.callSite, null);
  assert.match(router.problem!, /previous hop is not in your sources/);
  const runc = hops.find((h) => h.symbol === '(*LinuxFactory).loadState')!;
  assert.equal(runc.resolved, true);
  assert.match(runc.file!, /^\/usr\/share\/gocode\/src\/github\.com\/opencontainers\/runc\/libcontainer\/factory_linux\.go$/);
});
