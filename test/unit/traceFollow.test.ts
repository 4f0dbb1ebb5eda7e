import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { indexGoSource } from '../../src/core/sources/goIndex';
import { loadGoParser } from '../../src/core/sources/goParser';
import { loadAtlas } from '../../src/core/trace/atlas';
import { Tracer } from '../../src/core/trace/resolve';
import type { Atlas } from '../../src/core/trace/types';
import { testWasm } from '../harness/wasm';

/** Writes a tree of files under a fresh temp dir. */
function tree(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-follow-'));
  for (const [f, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f), text);
  }
  return dir;
}

/** A one-chain atlas over the shipped projects and programs: hops given as (component, project, location, edge). */
function atlasWith(hops: { id: string; component: 'runc' | 'shim' | 'go-runc'; project: string; dir: string; receiver?: string; name: string; call?: string[]; funcLiteral?: number; shim?: 'v1' | 'v2' }[], runtimeFrom?: string): Atlas {
  const base = loadAtlas();
  return {
    ...base,
    chains: {
      t: {
        title: 't',
        description: 't',
        ...(runtimeFrom ? { runtimeFrom } : {}),
        hops: hops.map((h, i) => ({
          id: h.id,
          component: h.component,
          project: h.project,
          symbol: h.name,
          boundary: 'call',
          at: { dir: h.dir, receiver: h.receiver ?? null, name: h.name, ...(h.funcLiteral ? { funcLiteral: h.funcLiteral } : {}), ...(h.shim ? { shim: h.shim } : {}) },
          ...(i > 0 ? { edge: { call: h.call ?? [h.name] } } : {}),
        })),
      },
    },
  };
}

async function traceOver(atlas: Atlas, roots: string[]) {
  const tracer = new Tracer(await loadGoParser(testWasm), atlas);
  tracer.setSourceRoots(roots);
  return (await tracer.trace(['t'])).chains.t!.hops;
}

const RUNC_MARKER = { 'libcontainer/container_linux.go': 'package libcontainer\n' };

test('a call through an import is followed to the renamed function, whatever the atlas names it', async () => {
  const dir = tree({
    ...RUNC_MARKER,
    'go.mod': 'module github.com/opencontainers/runc\n',
    'utils_linux.go': 'package main\n\nimport (\n\t"github.com/opencontainers/runc/libcontainer"\n)\n\nfunc getContainer() {\n\tlibcontainer.Load("/run", "id")\n}\n',
    'libcontainer/factory_linux.go': 'package libcontainer\n\n// Load used to be (*LinuxFactory).Load.\nfunc Load(root, id string) error {\n\treturn loadState(root)\n}\n\nfunc loadState(root string) error { return nil }\n',
  });
  const hops = await traceOver(
    atlasWith([
      { id: 'a', component: 'runc', project: 'runc', dir: '.', name: 'getContainer' },
      { id: 'b', component: 'runc', project: 'runc', dir: 'libcontainer', receiver: 'LinuxFactory', name: 'Load' },
      { id: 'c', component: 'runc', project: 'runc', dir: 'libcontainer', receiver: 'LinuxFactory', name: 'loadState' },
    ]),
    [dir],
  );
  assert.deepEqual(
    hops.map((h) => [h.symbol, path.relative(dir, h.file!), h.line, h.callSite?.line ?? null, h.foundBy]),
    [
      ['getContainer', 'utils_linux.go', 7, null, 'landmark'],
      ['Load', 'libcontainer/factory_linux.go', 4, 8, 'call'],
      ['loadState', 'libcontainer/factory_linux.go', 8, 5, 'call'],
    ],
  );
  fs.rmSync(dir, { recursive: true, force: true });
});

test("an interface call reaches the implementation in the program's vendor tree, not another project's copy", async () => {
  const shimTree = {
    'go.mod': 'module github.com/containerd/containerd\n',
    'services/tasks/local.go': 'package tasks\n',
    'pkg/process/exec.go': 'package process\n\nimport (\n\trunc "github.com/containerd/go-runc"\n)\n\ntype execProcess struct{ runtime Runtime }\n\nfunc (e *execProcess) start() {\n\tdefer func() {}()\n\te.runtime.Exec("id")\n}\n',
  };
  const goRunc = 'package runc\n\ntype Runc struct{}\n\nfunc (r *Runc) Exec(id string) error {\n\treturn r.startCommand(id)\n}\n\nfunc (r *Runc) startCommand(id string) error {\n\treturn Monitor.Start(id)\n}\n';
  const containerd = tree({ ...shimTree, 'vendor/github.com/containerd/go-runc/runc.go': goRunc, 'vendor/modules.txt': '# github.com/containerd/go-runc v1.1.0\n' });
  // Another program's copy of go-runc (dockerd's vendor/), with the method on another line.
  const moby = tree({ 'go.mod': 'module github.com/docker/docker\n', 'daemon/daemon.go': 'package daemon\n', 'client/client.go': 'package client\n', 'vendor/github.com/containerd/go-runc/runc.go': `// moby's copy\n\n\n${goRunc}` });
  const hops = await traceOver(
    atlasWith([
      { id: 'a', component: 'shim', project: 'containerd', dir: 'pkg/process', receiver: 'execProcess', name: 'start' },
      { id: 'b', component: 'go-runc', project: 'go-runc', dir: '.', receiver: 'Runc', name: 'Exec' },
    ]),
    [moby, containerd],
  );
  assert.equal(hops[1]!.file, path.join(containerd, 'vendor/github.com/containerd/go-runc/runc.go'));
  assert.equal(hops[1]!.line, 5);
  assert.deepEqual(hops[1]!.callSite, { file: path.join(containerd, 'pkg/process/exec.go'), line: 11 });
  assert.equal(hops[1]!.foundBy, 'call');
  fs.rmSync(containerd, { recursive: true, force: true });
  fs.rmSync(moby, { recursive: true, force: true });
});

test('func literals are addressed by their number; a method used as a value (f := p.exec) is found by its landmark', async () => {
  const dir = tree({
    ...RUNC_MARKER,
    'main.go': 'package main\n\ntype prober struct{}\n\nfunc (p *prober) run() {\n\tf := p.exec\n\tgo func() {\n\t\tf()\n\t}()\n\tp.exec()\n}\n\nfunc (p *prober) exec() {}\n',
  });
  const hops = await traceOver(
    atlasWith([
      { id: 'a', component: 'runc', project: 'runc', dir: '.', receiver: 'prober', name: 'run' },
      { id: 'b', component: 'runc', project: 'runc', dir: '.', receiver: 'prober', name: 'run', funcLiteral: 1, call: ['f'] },
      { id: 'c', component: 'runc', project: 'runc', dir: '.', receiver: 'prober', name: 'exec' },
    ]),
    [dir],
  );
  assert.deepEqual(hops.map((h) => [h.symbol, h.line, h.foundBy]), [['(*prober).run', 5, 'landmark'], ['run', 7, 'landmark'], ['(*prober).exec', 13, 'landmark']]);
  assert.equal(hops[1]!.callSite?.line, 8, 'the literal is reached where the method value is called');
  fs.rmSync(dir, { recursive: true, force: true });
});

test("the shim is the one dockerd's sources ask for: v1 skips the v2-only step with the reason", async () => {
  const moby = tree({
    'daemon/daemon.go': 'package daemon\n',
    'client/client.go': 'package client\n',
    'libcontainerd/client_daemon.go': 'package libcontainerd\n\nfunc (c *client) Create() {\n\tcontainerd.WithRuntime(fmt.Sprintf("io.containerd.runtime.v1.%s", runtime.GOOS), nil)\n}\n',
  });
  const containerd = tree({
    'services/tasks/local.go': 'package tasks\n',
    'runtime/v1/shim/service.go': 'package shim\n\ntype Service struct{}\n\nfunc (s *Service) Start() {\n\tp.Start()\n}\n',
    'runtime/v2/runc/container.go': 'package runc\n\ntype Container struct{}\n\nfunc (c *Container) Start() {}\n',
    'runtime/v1/linux/proc/exec.go': 'package proc\n\ntype execProcess struct{}\n\nfunc (e *execProcess) Start() {}\n',
  });
  const atlas = atlasWith(
    [
      { id: 'svc', component: 'shim', project: 'containerd', dir: 'runtime/v1/shim', receiver: 'Service', name: 'Start', shim: 'v1' },
      { id: 'container', component: 'shim', project: 'containerd', dir: 'runtime/v2/runc', receiver: 'Container', name: 'Start', shim: 'v2' },
      { id: 'exec', component: 'shim', project: 'containerd', dir: 'runtime/v1/linux/proc', receiver: 'execProcess', name: 'Start' },
    ],
    'dockerd',
  );
  const tracer = new Tracer(await loadGoParser(testWasm), atlas);
  tracer.setSourceRoots([moby, containerd]);
  const chain = (await tracer.trace(['t'])).chains.t!;
  assert.equal(chain.shim!.shim, 'v1');
  assert.equal(chain.shim!.runtime, 'io.containerd.runtime.v1.linux');
  assert.match(chain.shim!.why, /libcontainerd\/client_daemon\.go:4\): io\.containerd\.runtime\.v1\.linux → the v1 shim/);
  const [svc, container, exec] = chain.hops;
  assert.equal(svc!.resolved, true);
  assert.equal(container!.resolved, false);
  assert.match(container!.problem!, /^not on this path: .* the v1 shim has no such step$/);
  // The service calls the process directly: the step after the skipped one is reached from the service.
  assert.deepEqual([exec!.resolved, exec!.line, exec!.callSite?.line], [true, 5, 6]);
  fs.rmSync(moby, { recursive: true, force: true });
  fs.rmSync(containerd, { recursive: true, force: true });
});

test('without the sources that choose, every shim is tried and the view says why', async () => {
  const containerd = tree({ 'services/tasks/local.go': 'package tasks\n', 'runtime/v2/runc/container.go': 'package runc\n\ntype Container struct{}\n\nfunc (c *Container) Start() {}\n' });
  const tracer = new Tracer(await loadGoParser(testWasm), atlasWith([{ id: 'c', component: 'shim', project: 'containerd', dir: 'runtime/v2/runc', receiver: 'Container', name: 'Start', shim: 'v2' }], 'dockerd'));
  tracer.setSourceRoots([containerd]);
  const chain = (await tracer.trace(['t'])).chains.t!;
  assert.equal(chain.shim!.shim, null);
  assert.match(chain.shim!.why, /no Moby \(dockerd\) sources, so which shim dockerd asks for is unknown/);
  assert.equal(chain.hops[0]!.resolved, true);
  fs.rmSync(containerd, { recursive: true, force: true });
});

test('the index finds declarations by their braces, not by a `}` line inside a raw string, and reads the imports', async () => {
  const idx = indexGoSource(
    await loadGoParser(testWasm),
    'update.go',
    'package main\n\nimport (\n\t"fmt"\n\trunc "github.com/containerd/go-runc"\n\t_ "embed"\n)\n\nimport "os"\n\nvar updateCommand = cli.Command{\n\tDescription: `accepted format:\n\n{\n  "memory": {}\n}\n`,\n\tAction: func(context *cli.Context) error {\n\t\treturn container.Set(config)\n\t},\n}\n\nfunc after() { fmt.Println("}") }\n\nfunc (r *Runc) asm(x int)\n\nfunc last() {}\n',
  );
  assert.equal(idx.package, 'main');
  assert.deepEqual(idx.imports, [
    { alias: null, path: 'fmt' },
    { alias: 'runc', path: 'github.com/containerd/go-runc' },
    { alias: '_', path: 'embed' },
    { alias: null, path: 'os' },
  ]);
  assert.equal(idx.decls.get('updateCommand.Action')!.line, 18);
  assert.deepEqual(idx.decls.get('updateCommand.Action')!.events.filter((e) => e.kind === 'call').map((e) => [e.qualifier, e.text]), [['container', 'Set']]);
  assert.deepEqual([...idx.decls.keys()], ['updateCommand.Action', 'after', 'Runc.asm', 'last']);
  assert.deepEqual(['after', 'Runc.asm', 'last'].map((k) => idx.decls.get(k)!.line), [23, 25, 27]);
});
