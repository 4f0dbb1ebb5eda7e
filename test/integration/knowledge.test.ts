import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, test } from 'node:test';
import { hasVersion, validateMessageIndex } from '../../src/core/messages/index';
import type { MessageEntry, MessageIndex } from '../../src/core/messages/types';
import { type GoParser, loadGoParser } from '../../src/core/sources/goParser';
import { buildIndex } from '../../src/knowledge/build';
import { PROJECTS, type ProjectSpec } from '../../src/knowledge/projects';
import { plainTrees } from '../../src/knowledge/sources';
import { debianSources } from '../harness/goSources';
import { repoRoot } from '../harness/paths';
import { upstreamSources } from '../harness/upstreamSources';
import { testWasm } from '../harness/wasm';

/**
 * The committed message index is what the generator makes of the upstream sources: re-run here on the
 * versions CI has without a network (../shared/sources tarballs, unpacked by the harness, and Debian's
 * kubernetes 1.20.2), it must give exactly the formats the index says exist at those tags, and the same
 * sites where that tag is the newest version having the format.
 */
const knowledge = path.join(repoRoot, 'src', 'core', 'knowledge');
let committed: MessageIndex;
let parser: GoParser;

before(async () => {
  const schema = JSON.parse(fs.readFileSync(path.join(knowledge, 'messages.schema.json'), 'utf8')) as object;
  committed = validateMessageIndex(JSON.parse(fs.readFileSync(path.join(knowledge, 'messages.json'), 'utf8')), schema);
  parser = await loadGoParser(testWasm);
});

const identity = (e: MessageEntry) => JSON.stringify([e.program, e.kind, e.level ?? '', e.format, e.keys ?? []]);

/** Regenerates one version of a project from a tree and compares it with the committed index. */
async function reproduces(spec: ProjectSpec, tag: string, tree: string): Promise<number> {
  const fresh = await buildIndex(parser, [{ spec, source: plainTrees({ [tag]: tree }), tags: [tag] }]);
  let compared = 0;
  for (const program of Object.keys(fresh.generated.programs) as MessageEntry['program'][]) {
    const tags = committed.generated.programs[program]?.tags ?? [];
    const at = tags.indexOf(tag);
    assert.ok(at >= 0, `${program}: the committed index has no version ${tag}`);
    const want = committed.entries.filter((e) => e.program === program && hasVersion(committed, e, tag));
    const got = fresh.entries.filter((e) => e.program === program);
    const missing = want.map(identity).filter((k) => !got.some((g) => identity(g) === k));
    const extra = got.map(identity).filter((k) => !want.some((w) => identity(w) === k));
    assert.deepEqual({ missing: missing.slice(0, 10), extra: extra.slice(0, 10) }, { missing: [], extra: [] }, `${program} ${tag}: formats differ (${missing.length} missing, ${extra.length} extra)`);
    const byKey = new Map(got.map((g) => [identity(g), g]));
    for (const w of want) {
      if (w.versions[w.versions.length - 1]![1] !== at) continue;
      assert.deepEqual(byKey.get(identity(w))!.site, w.site, `${program} ${tag}: site of ${JSON.stringify(w.format)}`);
    }
    compared += want.length;
  }
  return compared;
}

test('the generator reproduces the committed index on every upstream tarball of ../shared/sources', async () => {
  const { dir } = upstreamSources();
  const trees = fs.readdirSync(dir).filter((n) => !n.startsWith('.') && fs.statSync(path.join(dir, n)).isDirectory());
  assert.ok(trees.length >= 8, `expected the eight shared trees, found ${trees.join(', ')}`);
  let total = 0;
  for (const name of trees.sort()) {
    // runc-v1.3.0 → runc @ v1.3.0; go-runc-5a6d9f3 → go-runc @ 5a6d9f3 (the longest project name wins).
    const spec = PROJECTS.filter((p) => name.startsWith(`${p.name}-`)).sort((a, b) => b.name.length - a.name.length)[0];
    assert.ok(spec, `${name} is no project the index reads`);
    const n = await reproduces(spec, name.slice(spec.name.length + 1), path.join(dir, name));
    assert.ok(n > 5, `${name}: only ${n} entries compared`);
    total += n;
  }
  assert.ok(total > 3000, `only ${total} entries compared`);
});

test("the generator reproduces the kubelet's entries from Debian's kubernetes 1.20.2", async () => {
  const spec = PROJECTS.find((p) => p.name === 'kubernetes')!;
  assert.ok((await reproduces(spec, 'v1.20.2', debianSources().kubernetes)) > 200);
});

test('the index holds the layers of the issue’s real lines, each in the versions that print it', () => {
  const find = (program: string, format: string) => committed.entries.find((e) => e.program === program && e.format === format);
  const cases: [string, string, string, boolean][] = [
    ['shim', 'OCI runtime exec failed', 'v1.6.0', true],
    ['runc', 'exec failed: %w', 'v1.1.0', true],
    ['runc', 'unable to start container process: %w', 'v1.1.0', true],
    ['runc', 'unable to start container process: %w', 'v1.0.0', false],
    ['runc', 'error adding pid %d to cgroups: %w', 'v1.1.12', true],
    ['runc', 'starting container process', 'v1.0.0-rc6', true],
    ['runc', '%s:%d: %s caused %q', 'v1.0.0-rc6', true],
    ['runc', 'cannot exec a container that has run and stopped', 'v1.0.0-rc2', true],
    ['containerd', 'TaskExit event %+v', 'v2.0.0', true],
    ['crio', 'command error: %+v, stdout: %s, stderr: %s, exit code %d', 'v1.28.0', true],
  ];
  for (const [program, format, tag, present] of cases) {
    const e = find(program, format);
    assert.ok(e, `${program}: no entry ${JSON.stringify(format)}`);
    assert.equal(hasVersion(committed, e, tag), present, `${program} ${JSON.stringify(format)} at ${tag}`);
  }
});
