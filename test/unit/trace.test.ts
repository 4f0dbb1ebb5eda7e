import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { indexGoSource } from '../../src/core/sources/goIndex';
import { loadGoParser } from '../../src/core/sources/goParser';
import { expandDirGlob, sourceRoots } from '../../src/core/sources/sourceRoots';
import { loadAtlas } from '../../src/core/trace/atlas';
import { saveStateFact } from '../../src/core/trace/facts';
import { Tracer } from '../../src/core/trace/resolve';
import { testWasm } from '../harness/wasm';

const PRE_FIX = `package libcontainer

import (
	"os"
	"path/filepath"

	"github.com/opencontainers/runc/libcontainer/utils"
)

func (c *linuxContainer) saveState(s *State) error {
	f, err := os.Create(filepath.Join(c.root, stateFilename))
	if err != nil {
		return err
	}
	defer f.Close()
	return utils.WriteJSON(f, s)
}
`;

const POST_FIX = `package libcontainer

func (c *linuxContainer) saveState(s *State) (retErr error) {
	tmpFile, err := ioutil.TempFile(c.root, "state-")
	if err != nil {
		return err
	}
	defer func() {
		if retErr != nil {
			tmpFile.Close()
			os.Remove(tmpFile.Name())
		}
	}()
	err = utils.WriteJSON(tmpFile, s)
	if err != nil {
		return err
	}
	err = tmpFile.Close()
	if err != nil {
		return err
	}
	stateFilePath := filepath.Join(c.root, stateFilename)
	return os.Rename(tmpFile.Name(), stateFilePath)
}
`;

/** A minimal runc checkout (its marker file is libcontainer/container_linux.go) holding `source`. */
function runcTree(source: string, version = '1.0.0-rc10'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-runc-'));
  fs.mkdirSync(path.join(dir, 'libcontainer'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'libcontainer', 'container_linux.go'), source);
  fs.writeFileSync(path.join(dir, 'VERSION'), `${version}\n`);
  return dir;
}

async function writerOver(dir: string) {
  const tracer = new Tracer(await loadGoParser(testWasm), loadAtlas());
  tracer.setSourceRoots([dir]);
  const result = await tracer.trace(['writer']);
  return { tracer, result, fact: saveStateFact(tracer, result.chains) };
}

test('the atlas validates and every chain ends where its errors are made: the race at state.json, runc init at its pipe', () => {
  const atlas = loadAtlas();
  assert.deepEqual(Object.keys(atlas.chains).sort(), ['reader', 'reader-cri', 'start', 'start-cri', 'writer']);
  const last = (c: string) => atlas.chains[c]!.hops[atlas.chains[c]!.hops.length - 1]!.symbol;
  assert.equal(last('reader'), '(*LinuxFactory).loadState');
  assert.equal(last('writer'), 'WriteJSON');
  assert.equal(last('start'), '(*setnsProcess).start');
  assert.equal(last('start-cri'), '(*setnsProcess).start');
  for (const chain of Object.values(atlas.chains)) {
    assert.equal(chain.hops[0]!.edge, undefined, 'the first hop has no edge into it');
    assert.ok(chain.hops.slice(1).every((h) => h.edge), 'every later hop says how it is reached');
  }
});

test('pre-fix runc (os.Create, then WriteJSON) is reported as writing state.json in place', async () => {
  const dir = runcTree(PRE_FIX);
  const { fact } = await writerOver(dir);
  assert.equal(fact.atomic, false);
  assert.match(fact.detail, /container_linux\.go:10 \(runc 1\.0\.0-rc10\) writes state\.json in place \(line 11\)/);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('post-fix runc (temp file + rename) is reported as atomic', async () => {
  const dir = runcTree(POST_FIX, '1.0.0-rc91');
  const { fact } = await writerOver(dir);
  assert.equal(fact.atomic, true);
  assert.match(fact.detail, /temp file at line 4, rename at line 23/);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('without runc sources the fact is unknown, and the unresolved hops say why', async () => {
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-empty-'));
  const { result, fact } = await writerOver(empty);
  assert.equal(fact.atomic, null);
  assert.match(fact.detail, /not in the given sources/);
  const hops = result.chains.writer!.hops;
  assert.ok(hops.every((h) => !h.resolved && h.file === undefined && h.callSite === null));
  assert.match(hops[0]!.problem!, /no Kubernetes \(kubelet\) sources among the source roots/);
  assert.match(hops[0]!.upstream!, /^https:\/\/github\.com\/kubernetes\/kubernetes\/blob\/HEAD\/pkg\/kubelet\/cm\/cpumanager\/cpu_manager\.go$/);
  fs.rmSync(empty, { recursive: true, force: true });
});

test('a broken Go file still yields the declarations tree-sitter can recover', async () => {
  const broken = `${PRE_FIX}\nfunc (c *linuxContainer) oops( {\n  this is not go at all ][\n`;
  const dir = runcTree(broken);
  const { result, fact } = await writerOver(dir);
  const save = result.chains.writer!.hops.find((h) => h.symbol === '(*linuxContainer).saveState')!;
  assert.equal(save.resolved, true);
  assert.equal(save.line, 10);
  assert.equal(fact.atomic, false);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('the index names func literals as Go does and finds command-table fields', async () => {
  const parser = await loadGoParser(testWasm);
  const idx = indexGoSource(
    parser,
    'x.go',
    `package main

var execCommand = cli.Command{
	Name: "exec",
	Action: func(context *cli.Context) error {
		return execProcess(context)
	},
}

func (pb *prober) newExecInContainer() {
	a := func() { inner := func() {}; inner() }
	b := func() { run("/start") }
	_ = a; _ = b
}
`,
  );
  assert.equal(idx.decls.get('execCommand.Action')!.line, 5);
  assert.deepEqual(idx.decls.get('execCommand.Action')!.events.filter((e) => e.kind === 'call').map((e) => e.text), ['execProcess']);
  assert.equal(idx.find('prober.newExecInContainer.func1')!.line, 11);
  assert.equal(idx.find('prober.newExecInContainer.func2')!.line, 12, 'nested literals do not shift the numbering');
  assert.ok(idx.find('prober.newExecInContainer.func2')!.events.some((e) => e.kind === 'string' && e.text === '/start'));
  assert.equal(idx.decls.get('prober.newExecInContainer')!.pointer, true);
});

test('source roots: globs expand below their literal prefix; excludes and duplicates drop out', () => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-roots-'));
  for (const d of ['a/kubernetes', 'a/runc', 'b/containerd', 'a/runc/libcontainer']) fs.mkdirSync(path.join(base, d), { recursive: true });
  assert.deepEqual(expandDirGlob(path.join(base, 'a', '*')), [path.join(base, 'a', 'kubernetes'), path.join(base, 'a', 'runc')]);
  const roots = sourceRoots({
    workspaceFolders: [path.join(base, 'a')],
    settings: [path.join(base, '*'), path.join(base, 'missing')],
    exclude: ['**/b'],
    env: {},
    includeSystem: false,
  });
  assert.deepEqual(
    roots.map((r) => [path.relative(base, r.dir), r.origin]),
    [['a', 'workspace']],
  );
  fs.rmSync(base, { recursive: true, force: true });
});
