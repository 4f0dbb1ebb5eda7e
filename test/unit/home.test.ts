import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { diagnose } from '../../src/core/diagnosis/diagnose';
import { LOOKALIKE, findingRows, findingRowsOfSets } from '../../src/core/diagnosis/findingRows';
import { builtInSignatures } from '../../src/core/signatures/catalog';
import { Matcher } from '../../src/core/signatures/matcher';
import { setsOf } from '../../src/core/signatures/occurrences';
import { type Recognition, recogniseText } from '../../src/core/signatures/recognise';
import { knowledgeTexts, l10nMessages, readBundle } from '../harness/l10n';
import { repoRoot } from '../harness/paths';

// What package.json contributes for Runtime Lens's home in VS Code, and the Simplified Chinese that
// goes with it: every text contributed or shown has its translation, with the same placeholders.
const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
const nls = (locale?: string) => JSON.parse(fs.readFileSync(path.join(repoRoot, locale ? `package.nls.${locale}.json` : 'package.nls.json'), 'utf8')) as Record<string, string>;
const placeholders = (s: string) => [...s.matchAll(/\{(\d+)\}/g)].map((m) => m[1]).sort().join(',');
const links = (s: string) => [...s.matchAll(/\]\((command:[^)\s]+)\)/g)].map((m) => m[1]).join(' ');

test('every %key% of package.json is in package.nls.json, and every key has its zh-cn translation with the same command links', () => {
  const keys = [...JSON.stringify(pkg).matchAll(/"%([^%"]+)%"/g)].map((m) => m[1]!);
  const en = nls();
  const zh = nls('zh-cn');
  for (const k of keys) assert.ok(k in en, `package.json uses %${k}% that package.nls.json lacks`);
  assert.deepEqual(Object.keys(zh).sort(), Object.keys(en).sort());
  for (const [k, v] of Object.entries(en)) {
    assert.notEqual(zh[k]!.trim(), '', k);
    assert.equal(links(zh[k]!), links(v), `${k}: the translation must keep the command links`);
  }
  for (const k of Object.keys(en)) assert.ok(keys.includes(k), `package.nls.json holds ${k}, which package.json does not use`);
});

test('the l10n bundle holds exactly the messages the extension and the panel look up and the catalog texts the panel shows, each translated with its placeholders', () => {
  const { messages, dynamic } = l10nMessages();
  assert.deepEqual(dynamic, [], 'a message looked up by a computed key cannot be in the bundle');
  const en = readBundle();
  // The panel's own words, and the catalog's texts it shows (cause titles, questions…), looked up with k().
  assert.deepEqual(Object.keys(en).sort(), [...new Set([...messages, ...knowledgeTexts()])].sort());
  for (const [k, v] of Object.entries(en)) assert.equal(v, k);
  const zh = readBundle('zh-cn');
  assert.deepEqual(Object.keys(zh).sort(), Object.keys(en).sort());
  for (const [k, v] of Object.entries(zh)) {
    assert.equal(placeholders(v), placeholders(k), `"${k}" → "${v}": placeholders differ`);
    assert.notEqual(v.trim(), '', k);
  }
  assert.equal(pkg.l10n, './l10n');
});

test('the Runtime Lens container: each view has a when; the walkthrough has 4–5 steps, each completed by a command its description offers', () => {
  assert.deepEqual(pkg.extensionKind, ['workspace']);
  assert.equal(pkg.contributes.viewsContainers.activitybar[0].id, 'runtimeLens');
  const views = pkg.contributes.views.runtimeLens as { id: string; when?: string }[];
  assert.deepEqual(views.map((v) => v.id), ['runtimeLens.findings', 'runtimeLens.callPath', 'runtimeLens.sources']);
  for (const v of views) assert.ok(v.when, `${v.id} has no when`);
  assert.equal(pkg.contributes.views.explorer, undefined, 'nothing of ours in the Explorer');
  const [walkthrough] = pkg.contributes.walkthroughs;
  assert.ok(walkthrough.steps.length >= 4 && walkthrough.steps.length <= 5);
  const en = nls();
  for (const step of walkthrough.steps as { id: string; description: string; completionEvents: string[]; media: { markdown?: string } }[]) {
    const description = en[step.description.slice(1, -1)]!;
    const offered = [...description.matchAll(/\(command:([\w.]+)\)/g)].map((m) => m[1]);
    assert.ok(step.completionEvents.length > 0, step.id);
    for (const e of step.completionEvents) {
      assert.match(e, /^onCommand:/, step.id);
      assert.ok(offered.includes(e.slice('onCommand:'.length)), `${step.id}: ${e} is not offered by the step`);
    }
    if (step.media.markdown) assert.ok(fs.existsSync(path.join(repoRoot, step.media.markdown)), step.media.markdown);
  }
  assert.ok(walkthrough.steps.some((s: { completionEvents: string[] }) => s.completionEvents.includes('onCommand:runtimeLens.collectFromNode')));
});

test('"Runtime Lens: Diagnose" sorts before "Diagnose File on Disk…" in the palette (VS Code sorts equal matches by localeCompare)', () => {
  const title = (id: string) => nls()[pkg.contributes.commands.find((c: { command: string }) => c.command === id).title.slice(1, -1)]!;
  for (const locale of [undefined, 'zh-cn']) {
    const t = (id: string) => (locale ? nls(locale) : nls())[pkg.contributes.commands.find((c: { command: string }) => c.command === id).title.slice(1, -1)]!;
    assert.ok(t('runtimeLens.diagnose').localeCompare(t('runtimeLens.diagnoseFileOnDisk')) < 0, `${locale}: ${t('runtimeLens.diagnose')}`);
  }
  assert.equal(title('runtimeLens.diagnose'), 'Diagnose');
});

test('every webview-ui-toolkit element the panel builds is registered (an unregistered one renders as an empty 0×0 element)', () => {
  const media = path.join(repoRoot, 'media');
  const used = new Set<string>();
  for (const f of fs.readdirSync(media).filter((f) => f.endsWith('.ts'))) {
    for (const m of fs.readFileSync(path.join(media, f), 'utf8').matchAll(/h\('vscode-([a-z-]+)'/g)) used.add(m[1]!);
  }
  const panel = fs.readFileSync(path.join(media, 'panel.ts'), 'utf8');
  const camel = (s: string) => `vsCode${s.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase())}()`;
  assert.ok(used.has('text-area'));
  for (const el of used) assert.ok(panel.includes(camel(el)), `vscode-${el} is built but ${camel(el)} is not registered`);
});

// The Findings view's tree (src/core/diagnosis/findingRows.ts), on the samples the e2e tests open.
const matcherForRows = new Matcher(builtInSignatures());
const titlesForRows = Object.fromEntries(matcherForRows.signatures.map((s) => [s.def.id, s.def.title]));
function readSample(sample: string, files: string[], as = sample): Recognition[] {
  return files.map((f) => recogniseText(path.join('/nodes', as, f), fs.readFileSync(path.join(repoRoot, 'samples', sample, f), 'utf8'), { matcher: matcherForRows }));
}
function diagnoseRecognitions(recognitions: Recognition[]) {
  return diagnose({ recognitions, facts: recognitions.flatMap((r) => r.facts), saveState: null, user: {}, titles: titlesForRows });
}

test('Findings: on one node, each exec failure under the diagnosed cause and the kernel\'s OOM kills apart, most frequent first', () => {
  const recognitions = readSample('oom-case', ['containerd.log', 'journalctl-k.log', 'kubelet.log', 'kubelet-config.yaml', 'runc-version.txt']);
  const d = diagnoseRecognitions(recognitions);
  const rows = findingRows(recognitions.flatMap((r) => r.findings), d);
  assert.equal(new Set(rows.map((r) => r.node)).size, 1);
  assert.deepEqual(rows.map((r) => [r.cause, r.signature]), [['runc-init-oom', 'runc-init-pipe-reset'], [LOOKALIKE, 'kernel-oom-kill']]);
  assert.equal(rows.reduce((n, r) => n + r.findings.length, 0), recognitions.reduce((n, r) => n + r.findings.length, 0));
  for (const r of rows) assert.ok(r.findings.every((f) => f.signature === r.signature));
});

test('Findings: on two nodes, each node\'s findings go under its own leading cause', () => {
  const recognitions = [
    ...readSample('oom-case', ['containerd.log', 'journalctl-k.log', 'kubelet.log'], 'ip-10-0-3-17'),
    ...readSample('eof-incident', ['kubelet.log', 'dockerd.log', 'kubelet-config.yaml', 'runc-version.txt'], 'ip-10-0-9-40'),
  ];
  const d = diagnoseRecognitions(recognitions);
  assert.ok(d.fleet.length >= 2, JSON.stringify(d.fleet.map((n) => n.node)));
  const rows = findingRows(recognitions.flatMap((r) => r.findings), d);
  const nodes = [...new Set(rows.map((r) => r.node))];
  assert.deepEqual(nodes, [...nodes].sort());
  for (const r of rows.filter((x) => x.cause !== LOOKALIKE)) assert.equal(r.cause, d.fleet.find((n) => n.node === r.node)!.cause, `${r.node} ${r.signature}`);
  const causes = new Set(rows.filter((x) => x.cause !== LOOKALIKE).map((r) => r.cause));
  assert.ok(causes.has('runc-init-oom') && causes.has('cpu-manager-state-race'), [...causes].join(' '));
});

test('Findings from the OccurrenceSets: the same rows as from the findings, each with its count, bounded to its first findings', () => {
  const recognitions = [
    ...readSample('oom-case', ['containerd.log', 'journalctl-k.log', 'kubelet.log'], 'ip-10-0-3-17'),
    ...readSample('eof-incident', ['kubelet.log', 'dockerd.log', 'kubelet-config.yaml', 'runc-version.txt'], 'ip-10-0-9-40'),
  ];
  const d = diagnoseRecognitions(recognitions);
  const whole = findingRows(recognitions.flatMap((r) => r.findings), d);
  const sets = recognitions.flatMap((r) => setsOf(r));
  const shape = (rows: ReturnType<typeof findingRows>) => rows.map((r) => [r.node, r.cause, r.signature, r.count]);
  assert.deepEqual(shape(findingRowsOfSets(sets, d, Infinity)), shape(whole));
  assert.ok(whole.some((r) => r.count > 2), 'a row to bound');
  const bounded = findingRowsOfSets(sets, d, 2);
  assert.deepEqual(shape(bounded), shape(whole));
  for (const [i, r] of bounded.entries()) {
    assert.equal(whole[i]!.findings.length, whole[i]!.count);
    // The first two findings of the row, in input order, as the findings give them.
    assert.deepEqual(r.findings.map((f) => [f.file, f.line, f.signature]), whole[i]!.findings.slice(0, 2).map((f) => [f.file, f.line, f.signature]));
  }
});
