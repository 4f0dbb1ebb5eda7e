import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { entriesOf, hasVersion, loadMessageIndex, messageIndexBeside, validateMessageIndex, versionLabel, versionRange } from '../../src/core/messages/index';
import type { MessageIndex } from '../../src/core/messages/types';
import schema from '../../src/core/knowledge/messages.schema.json';
import { repoRoot, testOutput } from '../harness/paths';

const shipped = messageIndexBeside(path.join(repoRoot, 'src', 'core', 'knowledge'));

const small = (): MessageIndex => ({
  generated: {
    by: 'test',
    programs: {
      runc: { repo: 'opencontainers/runc', tags: ['v1.0.0-rc6', 'v1.0.0', 'v1.1.0', 'v1.1.15', 'v1.2.0'] },
      dockerd: { repo: 'moby/moby', tags: ['v18.06.3-ce', 'v28.5.2', 'docker-v29.0.1'] },
    },
  },
  entries: [
    { program: 'dockerd', format: 'OCI runtime exec failed: %v', kind: 'error', site: { file: 'daemon/exec.go', line: 1, function: 'f' }, versions: [[1, 2]] },
    { program: 'runc', format: 'exec failed: %w', kind: 'error', site: { file: 'exec.go', line: 114, function: 'execCommand' }, versions: [[0, 0], [2, 3]] },
  ],
});

test('versions read as people write them', () => {
  const index = validateMessageIndex(small(), schema);
  assert.equal(versionLabel('v1.1.15'), '1.1.15');
  assert.equal(versionLabel('docker-v29.0.1'), '29.0.1');
  assert.equal(versionLabel('v18.06.3-ce'), '18.06.3-ce');
  assert.equal(versionLabel('5a6d9f3'), '5a6d9f3');
  const [runc] = entriesOf(index, 'runc');
  assert.equal(versionRange(index, runc!), '1.0.0-rc6, 1.1.0–1.1.15');
  assert.equal(versionRange(index, entriesOf(index, 'dockerd')[0]!), '28.5.2–29.0.1');
  assert.equal(hasVersion(index, runc!, 'v1.1.0'), true);
  assert.equal(hasVersion(index, runc!, 'v1.0.0'), false);
  assert.equal(hasVersion(index, runc!, 'v9.9.9'), false);
  assert.deepEqual(entriesOf(index, 'crio'), []);
  // dockerd's newest tag read is its newest release: a range ending there is closed as it stands.
  // A program whose later releases were not read (the kubelet, from vendored copies) says the range may go on.
  const later = small();
  later.generated.programs.dockerd!.laterUnread = true;
  assert.equal(versionRange(validateMessageIndex(later, schema), later.entries[0]!), '28.5.2–29.0.1+');
  later.entries[0]!.versions = [[0, 1]];
  assert.equal(versionRange(validateMessageIndex(later, schema), later.entries[0]!), '18.06.3-ce–28.5.2');
});

test('a broken index is refused: schema, ranges outside the tags, overlapping ranges, programs without tags', () => {
  const broken = (edit: (i: MessageIndex) => void) => {
    const i = small();
    edit(i);
    return () => validateMessageIndex(i, schema);
  };
  assert.throws(broken((i) => (i.entries[1]!.versions = [[2, 5]])), /outside/);
  assert.throws(broken((i) => (i.entries[1]!.versions = [[0, 2], [2, 3]])), /overlapping/);
  assert.throws(broken((i) => (i.entries[1]!.versions = [[0, 1], [2, 3]])), /touching/);
  assert.throws(broken((i) => delete i.generated.programs.dockerd), /no tag list/);
  assert.throws(broken((i) => ((i.entries[0] as { kind: string }).kind = 'warning')), /invalid/);
});

test('the shipped index meets its schema, loads once, and names the programs of the runtime path with their repositories', () => {
  const index = loadMessageIndex(shipped);
  assert.equal(loadMessageIndex(shipped), index);
  validateMessageIndex(JSON.parse(fs.readFileSync(shipped, 'utf8')), schema);
  for (const [program, repo] of [
    ['runc', 'opencontainers/runc'],
    ['containerd', 'containerd/containerd'],
    ['shim', 'containerd/containerd'],
    ['go-runc', 'containerd/go-runc'],
    ['dockerd', 'moby/moby'],
    ['kubelet', 'kubernetes/kubernetes'],
    ['cri', 'kubernetes/kubernetes'],
    ['crio', 'cri-o/cri-o'],
    ['conmon', 'containers/conmon'],
    ['crun', 'containers/crun'],
  ] as const) {
    assert.equal(index.generated.programs[program]?.repo, repo);
    assert.ok(entriesOf(index, program).length > 10, `${program}: ${entriesOf(index, program).length} entries`);
  }
  const e = entriesOf(index, 'runc').find((x) => x.format === 'error adding pid %d to cgroups: %w')!;
  assert.match(versionRange(index, e), /^1\.1\.0–\d+\.\d+\.\d+$/);
});

test('a missing or foreign index file is refused with its name, not a crash further on', () => {
  const dir = path.join(testOutput, 'message-index');
  fs.mkdirSync(dir, { recursive: true });
  assert.throws(() => loadMessageIndex(path.join(dir, 'absent.json')), /absent\.json unreadable/);
  fs.writeFileSync(path.join(dir, 'other.json'), '{"entries": 3}');
  assert.throws(() => loadMessageIndex(path.join(dir, 'other.json')), /is not one/);
  fs.writeFileSync(path.join(dir, 'cut.json'), '{"generated": {"programs": {}}, "entries": [');
  assert.throws(() => loadMessageIndex(path.join(dir, 'cut.json')), /cut\.json unreadable/);
});
