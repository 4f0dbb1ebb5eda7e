import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../harness/paths';
import { BUILT_IN, type KnowledgeDocs, KnowledgeError, knowledgeFromDir, knowledgeProblems, loadKnowledge } from '../../src/core/knowledge/index';
import { affected, boundary, boundaryText, parseVersion } from '../../src/core/knowledge/versions';

const dir = path.join(repoRoot, 'src', 'core', 'knowledge');

test('the shipped knowledge base: every file holds its schema and every id points somewhere', () => {
  assert.doesNotThrow(() => loadKnowledge());
  // Read from the folder too: a data file another change adds is checked as soon as it is there.
  const fromDir = knowledgeFromDir(dir);
  assert.deepEqual(knowledgeProblems(fromDir.docs, fromDir.schemas), []);
  for (const name of Object.keys(BUILT_IN.docs)) assert.ok(name in fromDir.docs, `${name}.json is in the folder`);
});

/** A deep copy of the shipped base with one thing broken; the loader must name it. */
function broken(edit: (docs: KnowledgeDocs) => void): string {
  const docs = structuredClone(BUILT_IN.docs);
  edit(docs);
  try {
    loadKnowledge({ docs, schemas: BUILT_IN.schemas });
  } catch (e) {
    assert.ok(e instanceof KnowledgeError, String(e));
    return e.message;
  }
  assert.fail('a broken knowledge base loaded');
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const sig = (docs: KnowledgeDocs, id: string): Json => (docs.catalog as Json).signatures.find((s: Json) => s.id === id);
const cause = (docs: KnowledgeDocs, id: string): Json => (docs.causes as Json).causes.find((c: Json) => c.id === id);

test('a deliberately broken copy fails loudly, naming the id that points nowhere', () => {
  assert.match(broken((d) => sig(d, 'oci-exec-eof').causes.push('no-such-cause')), /signature oci-exec-eof names cause no-such-cause, which causes\.json does not define/);
  assert.match(broken((d) => (cause(d, 'pids-limit').evidence['no-such-observation'] = { holds: 2, fails: 0.5, why: 'a deliberately broken reference' })), /cause pids-limit weighs observation no-such-observation/);
  assert.match(broken((d) => (cause(d, 'pids-limit').signatures['no-such-signature'] = { lr: 1, why: 'a deliberately broken reference' })), /cause pids-limit weighs signature no-such-signature, which catalog\.json does not define/);
  // The two ends must agree: the disagreement this loader was written for (kernel-oom-kill ↔ runc-init-oom).
  assert.match(broken((d) => sig(d, 'kernel-oom-kill').causes.push('runc-init-oom')), /signature kernel-oom-kill lists cause runc-init-oom, but causes\.json's runc-init-oom does not weigh kernel-oom-kill/);
  assert.match(broken((d) => delete cause(d, 'runc-init-oom').signatures['runc-init-oom-killed']), /signature runc-init-oom-killed lists cause runc-init-oom, but/);
  assert.match(broken((d) => (sig(d, 'kernel-oom-kill').observation = 'kernel-oom-anything')), /kernel-oom-kill feeds observation kernel-oom-anything/);
  assert.match(broken((d) => (sig(d, 'oci-exec-eof').chain = 'sideways')), /schema|must be equal to one of the allowed values/);
  assert.match(broken((d) => (d.versions as Json).boundaries[0].observations.push('runc-too-old')), /boundary runc-state-atomic is read by observation runc-too-old/);
  assert.match(broken((d) => ((d.versions as Json).boundaries[0].program = 'podman')), /boundary runc-state-atomic is of program podman/);
  assert.match(broken((d) => ((d.versions as Json).programs.crio = { title: 'CRI-O' })), /program crio is not a component of programs\.json/);
  assert.match(broken((d) => ((d.versions as Json).boundaries.push({ ...(d.versions as Json).boundaries[0] }))), /boundary runc-state-atomic is defined twice/);
  assert.match(broken((d) => ((d.versions as Json).boundaries[0].since = 'rc91')), /versions\.json\/boundaries\/0/);
  assert.match(broken((d) => ((d.facts as Json).rules[0].pattern = '--cpu-manager-policy={POLICY}')), /rule cpu-manager-policy-flag names piece \{POLICY\}/);
  assert.match(broken((d) => ((d.facts as Json).rules[0].pattern = '(a+)+b')), /rule cpu-manager-policy-flag: /);
  assert.match(broken((d) => ((d.atlas as Json).chains.reader.hops[0].project = 'podman')), /chain reader: hop [\w.-]+ names project podman, which atlas\.json does not define/);
  assert.match(broken((d) => ((d.atlas as Json).stacks[1].chains.reader = 'reader-crio')), /stack containerd-cri takes chain reader-crio for reader, which atlas\.json does not define/);
  assert.match(broken((d) => (d.atlas as Json).stacks[0].seenIn.facts.push('dockerMood')), /stack dockershim is seen in facts of kind dockerMood/);
  assert.match(broken((d) => ((d.catalog as Json).keyedEvents[0].key = 'start exec [0-9a-f]+')), /keyed event exec-id: its key has no group for the id/);
  assert.match(broken((d) => ((d.causes as Json).observations.find((o: Json) => o.id === 'eof-errors-present').params.signatures = ['oci-exec-eff'])), /observation eof-errors-present reads signature oci-exec-eff, which catalog\.json does not define/);
  assert.match(broken((d) => delete d.versions), /versions\.json is missing/);
  assert.match(broken((d) => ((d.catalog as Json).signatures.push({ ...sig(d, 'closed-fifo') }))), /catalog\.json signature closed-fifo is defined twice/);
});

test('a broken copy on disk fails the same way (what npm run knowledge:check reads)', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'knowledge-'));
  try {
    for (const f of fs.readdirSync(dir)) if (f.endsWith('.json')) fs.copyFileSync(path.join(dir, f), path.join(tmp, f));
    const causes = JSON.parse(fs.readFileSync(path.join(tmp, 'causes.json'), 'utf8'));
    causes.causes.find((c: Json) => c.id === 'runc-init-oom').signatures['kernel-oom-kill'] = { lr: 1, why: 'a deliberately one-sided reference' };
    fs.writeFileSync(path.join(tmp, 'causes.json'), JSON.stringify(causes));
    // A new file without a schema is a problem too.
    fs.writeFileSync(path.join(tmp, 'unschemed.json'), '{}');
    const base = knowledgeFromDir(tmp);
    const problems = knowledgeProblems(base.docs, base.schemas);
    assert.ok(problems.some((p) => /cause runc-init-oom weighs signature kernel-oom-kill, but catalog\.json's kernel-oom-kill does not list runc-init-oom/.test(p)), problems.join('\n'));
    assert.ok(problems.includes('unschemed.json has no schema (unschemed.schema.json)'), problems.join('\n'));
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test('versions.json: the fix boundaries once, read by id', () => {
  const v = (s: string) => parseVersion(s)!;
  assert.equal(boundaryText('runc-state-atomic'), 'v1.0.0-rc91');
  assert.equal(boundary('runc-state-atomic').change?.number, 2467);
  assert.equal(affected('runc-state-atomic', v('1.0.0-rc90')), true);
  assert.equal(affected('runc-state-atomic', v('1.0.0-rc90+dev')), null);
  assert.equal(affected('runc-state-atomic', v('1.0.0-rc91')), false);
  assert.equal(affected('runc-state-atomic', v('1.1.5')), false);
  assert.equal(affected('runc-oom-killed-hint', v('v1.0.0-rc93')), true);
  assert.equal(affected('runc-oom-killed-hint', v('v1.0.0-rc94')), false);
  // Go's own spellings: a pre-release of the first affected release carries its code.
  for (const go of ['go1.22', 'go1.22.0', 'go1.22.3', 'go1.22rc1']) assert.equal(affected('go-glibc-init-abort', v(go)), true, go);
  for (const go of ['go1.21.9', 'go1.22.4', 'go1.23.0']) assert.equal(affected('go-glibc-init-abort', v(go)), false, go);
  assert.equal(boundaryText('go-glibc-init-abort'), '1.22.0–1.22.3');
  assert.equal(affected('kubelet-cpuset-update-on-change', v('v1.21.14')), true);
  assert.equal(affected('kubelet-exec-probe-timeouts', v('v1.20.0')), false);
  assert.throws(() => boundary('runc-everything-fixed'), /no boundary runc-everything-fixed/);
  // No version in the code: the boundaries' numbers appear in src/ only in versions.json.
  const offenders: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.ts$/.test(e.name) && /\brc9[14]\b|1\.0\.0-rc9[14]|go1\\?\.22/.test(fs.readFileSync(p, 'utf8').replace(/^\s*(\/\/|\*|\/\*\*).*$/gm, ''))) offenders.push(path.relative(repoRoot, p));
    }
  };
  walk(path.join(repoRoot, 'src'));
  assert.deepEqual(offenders, []);
});
