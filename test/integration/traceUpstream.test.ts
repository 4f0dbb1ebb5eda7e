import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, test } from 'node:test';
import { loadGoParser } from '../../src/core/sources/goParser';
import { loadAtlas } from '../../src/core/trace/atlas';
import { saveStateFact } from '../../src/core/trace/facts';
import { type TraceResult, Tracer } from '../../src/core/trace/resolve';
import type { Hop } from '../../src/core/trace/types';
import { debianSources } from '../harness/goSources';
import { repoRoot } from '../harness/paths';
import { type UpstreamSources, upstreamSources } from '../harness/upstreamSources';
import { testWasm } from '../harness/wasm';

/**
 * The trace on upstream trees no Debian package holds (../shared/sources), beside Debian's
 * kubernetes 1.20.2. Expected lines were read off those trees (file relative to the upstream cache or
 * to Debian's checkouts folder); unresolved hops are listed with the reason they must give.
 */
type Expected = Record<string, { file: string; line: number; callSite: { file: string; line: number } | null } | { unresolved: string }>;

interface TreeSet {
  name: string;
  trees: string[];
  /** The program each component must resolve in (tree folder names; kubelet is Debian's kubernetes). */
  programs: Record<string, string[]>;
  shim: RegExp;
}

const SETS: TreeSet[] = [
  {
    name: 'modern',
    trees: ['runc-v1.3.0', 'containerd-v2.0.0', 'moby-v27.0.1', 'go-runc-v1.1.0'],
    programs: { dockerd: ['moby-v27.0.1'], containerd: ['containerd-v2.0.0'], shim: ['containerd-v2.0.0'], 'go-runc': ['containerd-v2.0.0/vendor/github.com/containerd/go-runc'], runc: ['runc-v1.3.0'] },
    shim: /plugin\.RuntimeRuncV2 \(daemon\/runtime_unix\.go:61\): io\.containerd\.runc\.v2 → the v2 shim/,
  },
  {
    name: '2018',
    trees: ['runc-v1.0.0-rc6', 'containerd-v1.2.2', 'moby-v18.06.3-ce', 'go-runc-5a6d9f3'],
    programs: { dockerd: ['moby-v18.06.3-ce'], containerd: ['containerd-v1.2.2'], shim: ['containerd-v1.2.2'], 'go-runc': ['containerd-v1.2.2/vendor/github.com/containerd/go-runc'], runc: ['runc-v1.0.0-rc6'] },
    shim: /WithRuntime\("io\.containerd\.runtime\.v1\.<GOOS>"\) \(libcontainerd\/client_daemon\.go:231\): io\.containerd\.runtime\.v1\.linux → the v1 shim/,
  },
];

let up: UpstreamSources;
let checkouts: string;
let kubernetes: string;
const results = new Map<string, { tracer: Tracer; result: TraceResult }>();

function rel(file: string): string {
  for (const base of [up.dir, checkouts]) if (file.startsWith(base + path.sep)) return path.relative(base, file);
  return file;
}

before(async () => {
  up = upstreamSources();
  const deb = debianSources();
  checkouts = deb.checkouts;
  kubernetes = deb.kubernetes;
  for (const set of SETS) {
    const tracer = new Tracer(await loadGoParser(testWasm), loadAtlas());
    tracer.setSourceRoots([...set.trees.map((t) => up.tree(t)), kubernetes]);
    results.set(set.name, { tracer, result: await tracer.trace(['reader', 'writer', 'start']) });
  }
});

for (const set of SETS) {
  for (const chain of ['reader', 'writer', 'start']) {
    test(`${set.name} trees: ${chain} — every hop's declaration and call-site line`, () => {
      const want = JSON.parse(fs.readFileSync(path.join(repoRoot, 'test', 'integration', 'expected', `${chain}-${set.name}.json`), 'utf8')) as Expected;
      const hops = results.get(set.name)!.result.chains[chain]!.hops;
      assert.deepEqual(hops.map((h) => h.id), Object.keys(want));
      const got = Object.fromEntries(
        hops.map((h: Hop) => [
          h.id,
          h.resolved ? { file: rel(h.file!), line: h.line!, callSite: h.callSite ? { file: rel(h.callSite.file), line: h.callSite.line } : null } : { unresolved: h.problem ?? '' },
        ]),
      );
      assert.deepEqual(got, want);
    });

    test(`${set.name} trees: ${chain} — no hop resolves in another program's copy`, () => {
      const hops = results.get(set.name)!.result.chains[chain]!.hops.filter((h) => h.resolved);
      for (const h of hops) {
        const where = rel(h.file!);
        const allowed = h.component === 'kubelet' ? ['kubernetes-1.20.2'] : set.programs[h.component]!;
        assert.ok(allowed.some((p) => where.startsWith(`${p}/`)), `${h.id} (${h.component}) resolved in ${where}, outside ${allowed.join(' or ')}`);
        // The kubelet's vendored runc is never a runc hop.
        if (h.component === 'runc') assert.ok(!where.includes('/vendor/'), `${h.id} resolved in a vendored runc: ${where}`);
      }
    });
  }

  test(`${set.name} trees: the chosen shim is read from dockerd's sources and said`, () => {
    const { result } = results.get(set.name)!;
    assert.match(result.chains.reader!.shim!.why, set.shim);
  });
}

test('modern trees: runc 1.3 is reached by the calls (Load, loadState, (*Container).saveState), and saveState is atomic in runc 1.3.0', () => {
  const { tracer, result } = results.get('modern')!;
  const reader = result.chains.reader!.hops;
  assert.deepEqual(reader.slice(-2).map((h) => [h.symbol, h.foundBy]), [['Load', 'call'], ['loadState', 'call']]);
  const writer = result.chains.writer!.hops;
  assert.equal(writer.find((h) => h.id === 'moby.libcontainerd.remote.client.updateresources')!.symbol, '(*task).UpdateResources');
  const fact = saveStateFact(tracer, result.chains);
  assert.equal(fact.atomic, true);
  assert.match(fact.detail, /container_linux\.go:848 \(runc 1\.3\.0\)/);
});

test('2018 trees: runc rc6 writes state.json in place, read from runc rc6 itself', () => {
  const { tracer, result } = results.get('2018')!;
  const fact = saveStateFact(tracer, result.chains);
  assert.equal(fact.atomic, false);
  assert.match(fact.detail, /container_linux\.go:1614 \(runc 1\.0\.0-rc6\) writes state\.json in place \(line 1615\)/);
});

test('kubernetes alone: runc hops stay unresolved and say the vendored runc is not the one that runs', async () => {
  const tracer = new Tracer(await loadGoParser(testWasm), loadAtlas());
  tracer.setSourceRoots([kubernetes]);
  const result = await tracer.trace(['writer']);
  const save = result.chains.writer!.hops.find((h) => h.id === 'runc.libcontainer.linuxcontainer.savestate')!;
  assert.equal(save.resolved, false);
  assert.equal(save.problem, "no runc sources among the source roots; kubernetes vendors runc's libcontainer, but the kubelet does not run it");
  assert.equal(saveStateFact(tracer, result.chains).atomic, null);
});
