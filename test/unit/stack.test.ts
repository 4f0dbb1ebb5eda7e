import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../harness/paths';
import { builtInSignatures } from '../../src/core/signatures/catalog';
import { Matcher } from '../../src/core/signatures/matcher';
import { type Recognition, recogniseText } from '../../src/core/signatures/recognise';
import { loadAtlas } from '../../src/core/trace/atlas';
import { chainFor, chainsToTrace, entryOf, nodeStack, runsOnNode } from '../../src/core/trace/stack';

// The path of this error: the chain shown and traced starts from what the input says the node runs.

const matcher = new Matcher(builtInSignatures());
const atlas = loadAtlas();

function sample(name: string): Recognition[] {
  const dir = path.join(repoRoot, 'samples', name);
  return fs.readdirSync(dir).map((f) => recogniseText(path.join(dir, f), fs.readFileSync(path.join(dir, f), 'utf8'), { matcher }));
}
const stackOf = (recs: Recognition[]) => nodeStack(atlas, recs.flatMap((r) => r.findings), recs.flatMap((r) => r.facts));

test('a Docker node (dockerd wraps the exec error): dockershim, its reader and writer', () => {
  const node = stackOf(sample('eof-incident'));
  assert.equal(node?.stack.id, 'dockershim');
  assert.match(node!.seen, /dockerd\.log:\d+|Docker/);
  // The writer last: the Call Path view ends with its state.json node.
  assert.deepEqual(chainsToTrace(atlas, node), ['reader', 'start', 'writer']);
  assert.equal(chainFor(atlas, node, 'reader'), 'reader');
  assert.equal(chainFor(atlas, node, 'start'), 'start');
  // The incident's errors are the state.json EOF: its path is the reader.
  const recs = sample('eof-incident');
  assert.equal(entryOf(recs.flatMap((r) => r.findings), (id) => matcher.byId(id)), 'reader');
  assert.ok(runsOnNode(node, 'dockerd'));
});

test('a containerd node with an OOM-killed exec helper: containerd CRI, never the dockershim chain, no dockerd hops missing', () => {
  const node = stackOf(sample('oom-case'));
  assert.equal(node?.stack.id, 'containerd-cri');
  assert.equal(chainFor(atlas, node, 'reader'), 'reader-cri');
  // An OOM-killed exec helper is made where runc exec starts runc init, not where it reads state.json.
  const recs = sample('oom-case');
  const entry = entryOf(recs.flatMap((r) => r.findings), (id) => matcher.byId(id));
  assert.equal(entry, 'start');
  const chain = chainFor(atlas, node, entry);
  assert.equal(chain, 'start-cri');
  const hops = atlas.chains[chain!]!.hops;
  assert.equal(hops[hops.length - 1]!.symbol, '(*setnsProcess).start');
  assert.ok(!hops.some((h) => h.component === 'dockerd'));
  // runc's saveState is still traced for its observation, through the writer chain.
  assert.deepEqual(chainsToTrace(atlas, node), ['reader-cri', 'start-cri', 'writer']);
  assert.equal(runsOnNode(node, 'dockerd'), false, 'a node that never ran Docker lacks no dockerd sources');
  for (const c of ['kubelet', 'containerd', 'shim', 'go-runc', 'runc']) assert.ok(runsOnNode(node, c), c);
  // The hops the warning may count on this node: none of dockerd's.
  const counted = atlas.chains.writer!.hops.filter((h) => runsOnNode(node, h.component)).map((h) => h.component);
  assert.ok(!counted.includes('dockerd') && counted.includes('runc'));
});

test('one CRI line from a kubelet is enough; a Docker mark anywhere wins; nothing said: the contract chains, every program', () => {
  const cri = recogniseText('kubelet.log', 'E0507 03:43:28.310630   57003 prober.go:107] "Probe errored" err="rpc error: code = Unknown desc = failed to exec in container: failed to start exec \\"8e34\\": OCI runtime exec failed: exec failed: EOF: unknown" probeType="Readiness" pod="shop/web-1"', { matcher });
  assert.equal(stackOf([cri])?.stack.id, 'containerd-cri');
  const docker = recogniseText('docker-info.txt', ' Server Version: 20.10.24\n', { matcher });
  assert.equal(stackOf([cri, docker])?.stack.id, 'dockershim');
  const bare = recogniseText('x.log', 'OCI runtime exec failed: exec failed: EOF: unknown\n', { matcher });
  const none = stackOf([bare]);
  assert.equal(none, null);
  // Unknown: the first stack's chains stand in (the contract's reader and writer among them).
  assert.deepEqual(chainsToTrace(atlas, none), ['reader', 'start', 'writer']);
  assert.equal(chainFor(atlas, none, 'reader'), 'reader');
  assert.equal(chainFor(atlas, none, null), null);
  assert.ok(runsOnNode(none, 'dockerd'));
});
