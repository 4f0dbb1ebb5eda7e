import assert from 'node:assert/strict';
import { test } from 'node:test';
import Ajv from 'ajv';
import data from '../../src/core/knowledge/runc-fingerprints.json';
import schema from '../../src/core/knowledge/runc-fingerprints.schema.json';
import { allTags, beforeRaceFix, oomHintPossible, runcCallSites, runcFingerprint } from '../../src/core/signatures/runcFingerprint';

// runc's version from the call sites in its error text (rc1–rc95), against the upstream tags' data.

const ISSUE_EXAMPLE = 'OCI runtime create failed: container_linux.go:349: starting container process caused "process_linux.go:319: getting the final child\'s pid from pipe caused \\"EOF\\"": unknown';

test('the call-site data validates against its schema and holds rc1..rc95, oldest first', () => {
  const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
  assert.equal(validate(data), true, JSON.stringify(validate.errors));
  const tags = allTags();
  assert.equal(tags[0], 'v1.0.0-rc1');
  assert.equal(tags.at(-1), 'v1.0.0-rc95');
  assert.ok(tags.includes('v1.0.0-rc91'));
  const numbers = tags.map((t) => Number(t.replace('v1.0.0-rc', '')));
  assert.deepEqual(numbers, [...numbers].sort((a, b) => a - b));
});

test('the issue\'s example matches only rc10 and rc90: before the race fix, no OOM hint', () => {
  const fp = runcFingerprint(ISSUE_EXAMPLE)!;
  assert.deepEqual(fp.sites, [
    { file: 'container_linux.go', line: 349, cause: 'starting container process' },
    { file: 'process_linux.go', line: 319, cause: "getting the final child's pid from pipe" },
  ]);
  assert.deepEqual(fp.tags, ['v1.0.0-rc10', 'v1.0.0-rc90']);
  assert.equal(beforeRaceFix(fp.tags), true);
  assert.equal(oomHintPossible(fp.tags), false);
});

test('the same text quoted once more (dockerd / containerd logfmt) gives the same sites and tags', () => {
  const logfmt = `time="2021-05-07T03:43:28Z" level=error msg="Error running exec 8e34 in container: ${ISSUE_EXAMPLE.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  assert.deepEqual(runcFingerprint(logfmt), runcFingerprint(ISSUE_EXAMPLE));
});

test('the real rc8 OOM text: container_linux.go:345 is rc7 and rc8', () => {
  const fp = runcFingerprint('OCI runtime exec failed: exec failed: container_linux.go:345: starting container process caused "read init-p: connection reset by peer": unknown')!;
  assert.deepEqual(fp.tags, ['v1.0.0-rc7', 'v1.0.0-rc8']);
  assert.equal(beforeRaceFix(fp.tags), true);
});

test('rc93+ wording (`caused: `) fingerprints too, and rc94/95 can print the OOM hint', () => {
  const fp = runcFingerprint('container_linux.go:380: starting container process caused: process_linux.go:402: getting the final child\'s pid from pipe caused: EOF: unknown')!;
  assert.deepEqual(fp.tags, ['v1.0.0-rc94', 'v1.0.0-rc95']);
  assert.equal(beforeRaceFix(fp.tags), false);
  assert.equal(oomHintPossible(fp.tags), true);
});

test('a site no tag has, or a known line with another cause, is a patched build: no tags', () => {
  assert.deepEqual(runcFingerprint('container_linux.go:999: starting container process caused "EOF"')!.tags, []);
  assert.deepEqual(runcFingerprint('container_linux.go:349: doing something else caused "EOF"')!.tags, []);
  assert.equal(beforeRaceFix([]), null);
  assert.equal(oomHintPossible([]), null);
});

test('format verbs in causes match their printed values', () => {
  // rc1's process_linux.go:85 is "adding pid %d to cgroups".
  assert.ok(runcFingerprint('process_linux.go:85: adding pid 4242 to cgroups caused "x"')!.tags.includes('v1.0.0-rc1'));
  assert.deepEqual(runcFingerprint('process_linux.go:85: adding pid many to cgroups caused "x"')!.tags, []);
});

test('tags straddling the fix answer null, not a guess', () => {
  assert.equal(beforeRaceFix(['v1.0.0-rc90', 'v1.0.0-rc91']), null);
  assert.equal(beforeRaceFix(['v1.0.0-rc92', 'v1.0.0-rc95']), false);
  assert.equal(oomHintPossible(['v1.0.0-rc93', 'v1.0.0-rc94']), null);
  assert.throws(() => beforeRaceFix(['v1.1.5']), /not a runc release candidate tag/);
});

test('no call site, no fingerprint; klog headers and ≥ 1.1 texts have none', () => {
  assert.equal(runcFingerprint('I0507 03:43:28.310630   57003 prober.go:112] Readiness probe failed: OCI runtime exec failed: exec failed: EOF: unknown'), null);
  assert.equal(runcFingerprint('exec failed: unable to start container process: read init-p: connection reset by peer (possibly OOM-killed)'), null);
  assert.deepEqual(runcCallSites(''), []);
});

test('linear on hostile text: a megabyte of half-sites', { timeout: 20000 }, () => {
  const text = 'container_linux.go:349: '.repeat(50_000);
  assert.equal(runcFingerprint(text), null);
  const many = 'container_linux.go:349: starting container process caused "'.repeat(20_000);
  assert.equal(runcFingerprint(many)!.sites.length, 20_000);
});
