import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { before, test } from 'node:test';
import { type GoParser, loadGoParser } from '../../src/core/sources/goParser';
import { compareTags, projectTags, ranges, serialise } from '../../src/knowledge/build';
import { extractC } from '../../src/knowledge/extractC';
import { type MessageWrapper, extractGo, informative, wrappedMessages } from '../../src/knowledge/extractGo';
import { PROJECTS, fileFilter, programOf, readsFile } from '../../src/knowledge/projects';
import { vendoredMirror, vendoredVersion } from '../../src/knowledge/sources';
import { repoRoot } from '../harness/paths';
import { testWasm } from '../harness/wasm';

/** The message index generator's extractors on small excerpts of the upstream sources (the lines as released). */
let parser: GoParser;
before(async () => {
  parser = await loadGoParser(testWasm);
});

const project = (name: string) => PROJECTS.find((p) => p.name === name)!;

test('runc rc-era newSystemErrorWithCause texts are errors, named by their method', () => {
  // runc v1.0.0-rc6, libcontainer/process_linux.go:78–84.
  const src = `package libcontainer

func (p *setnsProcess) start() (err error) {
	defer p.parentPipe.Close()
	err = p.cmd.Start()
	p.childPipe.Close()
	if err != nil {
		return newSystemErrorWithCause(err, "starting setns process")
	}
	return nil
}
`;
  const { messages } = extractGo(parser, src);
  assert.deepEqual(messages, [{ format: 'starting setns process', kind: 'error', line: 8, function: '(*setnsProcess).start' }]);
});

test("containerd's runtimeError is a wrapper: the literal its callers pass is the shim's message", () => {
  // containerd v1.6, pkg/process/utils.go (runtimeError) and pkg/process/exec.go (its caller).
  const utils = `package process

func (p *Init) runtimeError(rErr error, msg string) error {
	if rErr == nil {
		return nil
	}
	rMsg, err := getLastRuntimeError(p.runtime)
	switch {
	case err != nil:
		return errors.Wrapf(rErr, "%s: %s (%s)", msg, "unable to retrieve OCI runtime error", err.Error())
	case rMsg == "":
		return errors.Wrap(rErr, msg)
	default:
		return errors.Errorf("%s: %s", msg, rMsg)
	}
}
`;
  const exec = `package process

func (e *execProcess) start(ctx context.Context) (err error) {
	if err := e.parent.runtime.Exec(ctx, e.parent.id, e.spec, opts); err != nil {
		close(e.waitBlock)
		return e.parent.runtimeError(err, "OCI runtime exec failed")
	}
	return nil
}
`;
  const u = extractGo(parser, utils);
  assert.deepEqual(u.wrappers.map((w) => [w.name, w.shape.arg, w.shape.printf, w.shape.kind]), [['runtimeError', 1, false, 'error']]);
  const e = extractGo(parser, exec);
  assert.deepEqual(e.messages, []);
  const wrappers = new Map<string, MessageWrapper[]>([['runtimeError', u.wrappers]]);
  assert.deepEqual(wrappedMessages(e.calls, wrappers), [{ format: 'OCI runtime exec failed', kind: 'error', line: 6, function: '(*execProcess).start' }]);
  // Without the wrapper the same call is no message.
  assert.deepEqual(wrappedMessages(e.calls, new Map()), []);
});

test('klog structured calls keep the message and its keys; logrus/log.G levels come from the method', () => {
  // kubernetes v1.22 pkg/kubelet/prober/prober.go:107; containerd v1.6 pkg/cri/server/events.go.
  const src = `package prober

func (pb *prober) probe(probeType probeType, pod *v1.Pod, status v1.PodStatus, container v1.Container, containerID kubecontainer.ContainerID) (results.Result, error) {
	if err != nil || (result != probe.Success && result != probe.Warning) {
		if err != nil {
			klog.V(1).ErrorS(err, "Probe errored", "probeType", probeType, "pod", klog.KObj(pod), "podUID", pod.UID, "containerName", container.Name)
		}
	}
	log.G(ctx).Infof("TaskExit event %+v", e)
	log.G(ctx).WithError(err).Errorf("Failed to handle backOff event %+v for %s", e, id)
	logrus.Warn("skipping " + name + ": 100% used")
	log.Warnf(ctx, "Failed to cleanup container directory: %v", err)
}
`;
  const { messages } = extractGo(parser, src);
  assert.deepEqual(messages, [
    { format: 'Probe errored', kind: 'log', level: 'error', keys: ['probeType', 'pod', 'podUID', 'containerName'], line: 6, function: '(*prober).probe' },
    { format: 'TaskExit event %+v', kind: 'log', level: 'info', line: 9, function: '(*prober).probe' },
    { format: 'Failed to handle backOff event %+v for %s', kind: 'log', level: 'error', line: 10, function: '(*prober).probe' },
    // Not a printf call: its % is literal, and the concatenated operand becomes a wildcard.
    { format: 'skipping %v: 100%% used', kind: 'log', level: 'warning', line: 11, function: '(*prober).probe' },
    // CRI-O v1.30.0 server/container_create_linux.go:266: its logger takes the context first.
    { format: 'Failed to cleanup container directory: %v', kind: 'log', level: 'warning', line: 12, function: '(*prober).probe' },
  ]);
});

test("the kubelet's events and probe outputs: recorder.Eventf, the prober's event wrapper, probe results", () => {
  // kubernetes v1.20.2 pkg/kubelet/prober/prober.go:81–87 and :118, pkg/kubelet/kuberuntime/kuberuntime_manager.go:888, pkg/probe/http/http.go:138.
  const prober = `package prober

func (pb *prober) recordContainerEvent(pod *v1.Pod, container *v1.Container, eventType, reason, message string, args ...interface{}) {
	ref, err := kubecontainer.GenerateContainerRef(pod, container)
	if err != nil {
		klog.Errorf("Can't make a ref to pod %q, container %v: %v", format.Pod(pod), container.Name, err)
		return
	}
	pb.recorder.Eventf(ref, eventType, reason, message, args...)
}

func (pb *prober) probe(probeType probeType, pod *v1.Pod) (results.Result, error) {
	pb.recordContainerEvent(pod, &container, v1.EventTypeWarning, events.ContainerUnhealthy, "%s probe failed: %s", probeType, output)
	m.recorder.Eventf(ref, v1.EventTypeWarning, events.BackOffStartContainer, "Back-off restarting failed container")
	return probe.Failure, fmt.Sprintf("HTTP probe failed with statuscode: %d", res.StatusCode), nil
}
`;
  const facts = extractGo(parser, prober);
  assert.deepEqual(facts.wrappers.map((w) => [w.name, w.shape.arg, w.shape.printf]), [['recordContainerEvent', 4, true]]);
  const wrapped = wrappedMessages(facts.calls, new Map([['recordContainerEvent', facts.wrappers]]));
  assert.deepEqual(
    [...facts.messages, ...wrapped].map((m) => [m.format, m.kind, m.level, m.line]),
    [
      ['HTTP probe failed with statuscode: %d', 'error', undefined, 15],
      ["Can't make a ref to pod %q, container %v: %v", 'log', 'error', 6],
      ['Back-off restarting failed container', 'log', 'warning', 14],
      ['%s probe failed: %s', 'log', 'warning', 13],
    ],
  );
});

test('a local variable given a literal or a Sprintf of one in the same function is the message it is passed as', () => {
  // kubernetes v1.20.2 pkg/kubelet/kuberuntime/kuberuntime_sandbox.go:48–71.
  const src = `package kuberuntime

func (m *kubeGenericRuntimeManager) createPodSandbox(pod *v1.Pod, attempt uint32) (string, string, error) {
	if err := m.osInterface.MkdirAll(podSandboxConfig.LogDirectory, 0755); err != nil {
		message := fmt.Sprintf("Create pod log directory for pod %q failed: %v", format.Pod(pod), err)
		return "", message, err
	}
	podSandBoxID, err := m.runtimeService.RunPodSandbox(podSandboxConfig, runtimeHandler)
	if err != nil {
		message := fmt.Sprintf("CreatePodSandbox for pod %q failed: %v", format.Pod(pod), err)
		klog.Error(message)
		return "", message, err
	}
	var reason = "not a message: never passed to one"
	return podSandBoxID, reason, nil
}
`;
  assert.deepEqual(extractGo(parser, src).messages, [
    // The log directory's message (an earlier block, returned, never logged) is not taken for it.
    { format: 'CreatePodSandbox for pod %q failed: %v', kind: 'log', level: 'error', line: 10, function: '(*kubeGenericRuntimeManager).createPodSandbox' },
  ]);
});

test("Error() methods' Sprintf, concatenations and package-level error values are found; bare verbs are not messages", () => {
  // go-runc v1.1.0 runc.go:848; moby v27.0.1 daemon/container_operations_unix.go:78; runc libcontainer/apparmor.
  const src = `package runc

var ErrApparmorNotEnabled = errors.New("apparmor: config provided but apparmor not supported")

func (e *ExitError) Error() string {
	return fmt.Sprintf("exit status %d", e.Status)
}

func (daemon *Daemon) getIPCContainer(id string) (*container.Container, error) {
	if !ctr.HasMountFor("/dev/shm") {
		return nil, errdefs.InvalidParameter(errors.New("container " + id + ": non-shareable IPC (hint: use IpcMode:shareable for the donor container)"))
	}
	return nil, fmt.Errorf("%s: %w", id, err)
}

func describe() string {
	return fmt.Sprintf("not an error text %d", 1)
}
`;
  const { messages } = extractGo(parser, src);
  assert.deepEqual(
    messages.map((m) => [m.format, m.function]),
    [
      ['apparmor: config provided but apparmor not supported', 'ErrApparmorNotEnabled'],
      ['exit status %d', '(*ExitError).Error'],
      ['container %v: non-shareable IPC (hint: use IpcMode:shareable for the donor container)', '(*Daemon).getIPCContainer'],
    ],
  );
  assert.equal(informative('%s: %w'), false);
  assert.equal(informative('exit status %d'), true);
});

test("conmon's and crun's printf-style calls, with the function they are in", () => {
  // conmon v2.1.0 src/conn_sock.c:155–161; crun 1.8 src/libcrun/utils.c:355–382.
  const conmon = `char *setup_attach_socket(void)
{
	char *symlink_dir_path =
		bind_unix_socket("attach", SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0700, &remote_attach_sock, opt_full_attach_path);

	if (listen(remote_attach_sock.fd, 10) == -1)
		pexitf("Failed to listen on attach socket: %s/%s", symlink_dir_path, "attach");
}
`;
  assert.deepEqual(extractC(conmon), [{ format: 'Failed to listen on attach socket: %s/%s', kind: 'log', level: 'fatal', line: 7, function: 'setup_attach_socket' }]);
  const crun = `/* Defined in chroot_realpath.c  */
char *chroot_realpath (const char *chroot, const char *path, char resolved_path[]);

static int
safe_openat_fallback (int dirfd, const char *rootfs, size_t rootfs_len, const char *path,
                      int flags, int mode, libcrun_error_t *err)
{
  path_in_chroot = chroot_realpath (rootfs, path, buffer);
  if (path_in_chroot == NULL)
    return crun_make_error (err, errno, "cannot resolve \`%s\` under rootfs", path);
  ret = openat (dirfd, path_in_chroot, flags, mode);
  if (UNLIKELY (ret < 0))
    return crun_make_error (err, errno, "open \`%s\`", path);
  libcrun_warning ("written %" PRIu64 " bytes, \\"%s\\"", n, "x");
}
`;
  // runc v1.1.0 libcontainer/nsenter/nsexec.c: bail ends runc init; write_log's first argument is the level.
  const nsexec = `void nsexec(void)
{
	if (unshare(config.cloneflags & ~CLONE_NEWCGROUP) < 0)
		bail("failed to unshare remaining namespaces (except cgroupns)");
	write_log(DEBUG, "nsexec-1[%d]: unshare remaining namespace (except cgroupns)", getpid());
}
`;
  assert.deepEqual(
    extractC(nsexec).map((m) => [m.format, m.kind, m.level, m.function]),
    [
      ['failed to unshare remaining namespaces (except cgroupns)', 'error', undefined, 'nsexec'],
      ['nsexec-1[%d]: unshare remaining namespace (except cgroupns)', 'log', 'debug', 'nsexec'],
    ],
  );
  assert.deepEqual(
    extractC(crun).map((m) => [m.format, m.kind, m.line, m.function]),
    [
      ['cannot resolve `%s` under rootfs', 'error', 10, 'safe_openat_fallback'],
      ['open `%s`', 'error', 13, 'safe_openat_fallback'],
      ['written %lu bytes, "%s"', 'log', 14, 'safe_openat_fallback'],
    ],
  );
});

test('release tags in version order, ranges compacted, files and programs chosen per project', () => {
  assert.deepEqual(['v1.0.0', 'v1.0.0-rc10', 'v1.0.0-rc9', 'v1.0.0-rc91', 'v0.1.1', 'v1.1.0-rc.1', 'v1.1.15', 'v1.1.2'].filter(project('runc').release).sort(compareTags), [
    'v1.0.0-rc9',
    'v1.0.0-rc10',
    'v1.0.0-rc91',
    'v1.0.0',
    'v1.1.2',
    'v1.1.15',
  ]);
  assert.deepEqual(projectTags(project('moby'), ['docker-v29.0.0', 'v28.5.2', 'v17.03.0-ce', 'v1.13.1', 'v18.09.0', 'v20.10.0-rc1']), ['v17.03.0-ce', 'v18.09.0', 'v28.5.2', 'docker-v29.0.0']);
  assert.deepEqual(projectTags(project('go-runc'), ['v1.1.0', '5a6d9f3', 'v1.0.0']), ['5a6d9f3', 'v1.0.0', 'v1.1.0']);
  assert.deepEqual(ranges([true, true, false, true, undefined as unknown as boolean, true, true], 7), [[0, 1], [3, 3], [5, 6]]);
  const containerd = project('containerd');
  assert.equal(programOf(containerd, 'runtime/v2/runc/service.go'), 'shim');
  assert.equal(programOf(containerd, 'runtime/v2/manager.go'), 'containerd');
  assert.equal(readsFile(containerd, 'vendor/github.com/containerd/cri/pkg/server/container_start.go'), true);
  assert.equal(readsFile(containerd, 'vendor/github.com/containerd/go-runc/runc.go'), false);
  assert.equal(readsFile(containerd, 'runtime/v2/shim/shim_test.go'), false);
  assert.equal(readsFile(containerd, 'runtime/v2/shim/shim_windows.go'), false);
  assert.equal(readsFile(containerd, 'cmd/ctr/main.go'), false);
  assert.equal(readsFile(project('runc'), 'main.go'), true);
  assert.equal(readsFile(project('runc'), 'tests/integration/exec.bats'), false);
  assert.equal(readsFile(project('crun'), 'src/libcrun/container.c'), true);
  assert.equal(readsFile(project('runc'), 'libcontainer/nsenter/nsexec.c'), true);
  assert.equal(readsFile(project('runc'), 'libcontainer/nsenter/test/escape.c'), false);
  assert.equal(readsFile(project('containerd'), 'contrib/seccomp/x.c'), false);
});

test('the serialised index is one entry per line after the generated-file notice, the same bytes for the same index', () => {
  const index = {
    generated: { by: 'npm run knowledge (src/knowledge/main.ts)', programs: { runc: { repo: 'opencontainers/runc', tags: ['v1.0.0', 'v1.1.0'] } } },
    entries: [{ program: 'runc' as const, format: 'exec failed: %w', kind: 'error' as const, site: { file: 'exec.go', line: 114, function: 'execCommand' }, versions: [[1, 1]] as [number, number][] }],
  };
  const text = serialise(index);
  assert.match(text, /"\$comment": "GENERATED by `npm run knowledge`.*Never edit by hand/);
  assert.deepEqual(JSON.parse(text).entries, index.entries);
  assert.equal(text.split('\n').filter((l) => l.includes('"format"')).length, 1);
  assert.equal(serialise(JSON.parse(text)), text);
});

test('broken or truncated sources give what they can, never a crash', () => {
  assert.deepEqual(extractGo(parser, '').messages, []);
  assert.deepEqual(extractGo(parser, 'package x\nfunc f() { return fmt.Errorf("unterminated').messages, []);
  // A file cut mid-way still yields the complete calls before the cut.
  assert.deepEqual(
    extractGo(parser, 'package x\nfunc f() error {\n\treturn errors.New("container not running")\n}\nfunc g() { logrus.Errorf("cut').messages.map((m) => m.format),
    ['container not running'],
  );
  assert.deepEqual(extractC(''), []);
  assert.deepEqual(extractC('int main(void) {\n  pexitf("unterminated %s'), []);
  assert.deepEqual(extractC('}}}} int f(void) { nwarn("Failed to close fd"); }').map((m) => [m.format, m.function]), [['Failed to close fd', 'f']]);
});

test('nothing the extension or the CLI bundles imports the generator (src/knowledge is neither bundled nor packaged)', () => {
  const generator = path.join(repoRoot, 'src', 'knowledge') + path.sep;
  const files = (dir: string): string[] =>
    fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
  const shipped = ['src/core', 'src/extension', 'src/cli', 'media'].flatMap((d) => files(path.join(repoRoot, d)));
  assert.ok(shipped.length > 50);
  const offenders = shipped.filter((f) =>
    [...fs.readFileSync(f, 'utf8').matchAll(/(?:\bfrom\s*|\brequire\s*\(\s*|\bimport\s*\(\s*)['"](\.[^'"]*)['"]/g)].some((m) => (path.resolve(path.dirname(f), m[1]!) + path.sep).startsWith(generator)),
  );
  assert.deepEqual(offenders.map((f) => path.relative(repoRoot, f)), []);
  assert.ok(!fs.readFileSync(path.join(repoRoot, '.vscodeignore'), 'utf8').split('\n').some((l) => l.startsWith('!') && l.includes('knowledge')));
});

test('a range runs on across versions that lack the folder (unknown), and never starts or ends on one', () => {
  // seen at 0 and 3; 1 and 2 have no copy of the folder; 4 has it without the entry; 5 has the entry again.
  const seen = [true, false, false, true, false, true];
  const unknown = [false, true, true, false, false, false];
  assert.deepEqual(ranges(seen, 6, unknown), [[0, 3], [5, 5]]);
  assert.deepEqual(ranges(seen, 6), [[0, 0], [3, 3], [5, 5]]);
  // An unknown version before the first sighting or after the last stays outside every range.
  assert.deepEqual(ranges([false, true, false], 3, [true, false, true]), [[1, 1]]);
});

test("the version of a vendored module: go.mod's require, a replace pinning the release, Gopkg.lock; a fork is none", () => {
  const from = (files: Record<string, string>) => (f: string) => files[f] ?? '';
  const k = 'k8s.io/kubernetes';
  // KubeEdge v1.10.0's go.mod (abridged), v1.5.0's pinning replace, v1.15.0's fork, v0.1's Gopkg.lock.
  assert.equal(vendoredVersion(from({ 'go.mod': 'module github.com/kubeedge/kubeedge\n\nrequire (\n\tk8s.io/klog/v2 v2.9.0\n\tk8s.io/kubernetes v1.22.6\n\tk8s.io/kubelet v0.22.6 // indirect\n)\n' }), k), 'v1.22.6');
  assert.equal(vendoredVersion(from({ 'go.mod': 'require k8s.io/kubernetes v1.19.3\n\nreplace (\n\tk8s.io/kubernetes => k8s.io/kubernetes v1.19.3\n)\n' }), k), 'v1.19.3');
  assert.equal(vendoredVersion(from({ 'go.mod': 'require k8s.io/kubernetes v1.26.7\n\nreplace (\n\tk8s.io/kubernetes => github.com/kubeedge/kubernetes v1.26.7-kubeedge1\n)\n' }), k), undefined);
  assert.equal(vendoredVersion(from({ 'Gopkg.lock': '[[projects]]\n  name = "k8s.io/klog"\n  version = "v0.1.0"\n\n[[projects]]\n  digest = "1:33"\n  name = "k8s.io/kubernetes"\n  packages = [\n    "pkg/api/legacyscheme",\n  ]\n  version = "v1.10.9"\n' }), k), 'v1.10.9');
  // A module required by a longer path's prefix only (k8s.io/kubernetes-sigs/…) is not this one.
  assert.equal(vendoredVersion(from({ 'go.mod': 'require k8s.io/kubernetes-extra v1.2.3\n' }), k), undefined);
  assert.equal(vendoredVersion(from({}), k), undefined);
});

test('vendored copies are read from the host mirror, one per module version, each folder there only if vendored', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-vendored-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const work = path.join(dir, 'work');
  const git = (...args: string[]) => execFileSync('git', ['-C', work, '-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { encoding: 'utf8' });
  const write = (file: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(work, file)), { recursive: true });
    fs.writeFileSync(path.join(work, file), text);
  };
  fs.mkdirSync(work);
  git('init', '-q');
  const prober = 'vendor/k8s.io/kubernetes/pkg/kubelet/prober/prober.go';
  write('go.mod', 'module example.com/host\n\nrequire k8s.io/kubernetes v1.19.3\n');
  write(prober, 'package prober\n');
  git('add', '-A');
  git('commit', '-qm', 'one');
  git('tag', 'v1.0.0');
  // The same module version again at a later host tag is one version, read from the first tag.
  git('tag', 'v1.0.1');
  write('go.mod', 'module example.com/host\n\nrequire k8s.io/kubernetes v1.21.4\n');
  write('vendor/k8s.io/kubernetes/pkg/kubelet/cm/cpumanager/policy.go', 'package cpumanager\n');
  git('add', '-A');
  git('commit', '-qm', 'two');
  git('tag', 'v2.0.0');
  write('go.mod', 'module example.com/host\n\nrequire k8s.io/kubernetes v1.26.7\nreplace k8s.io/kubernetes => example.com/fork v1.26.7-f1\n');
  git('add', '-A');
  git('commit', '-qm', 'fork');
  git('tag', 'v3.0.0');
  execFileSync('git', ['clone', '-q', '--bare', work, path.join(dir, 'repo')]);
  const source = vendoredMirror(path.join(dir, 'repo'), 'k8s.io/kubernetes');
  assert.deepEqual(source.refs(), ['v1.19.3', 'v1.21.4']);
  const keep = fileFilter(project('kubernetes'));
  assert.deepEqual(source.files('v1.19.3', keep).map((f) => f.path), ['pkg/kubelet/prober/prober.go']);
  assert.deepEqual(source.files('v1.21.4', keep).map((f) => f.path), ['pkg/kubelet/cm/cpumanager/policy.go', 'pkg/kubelet/prober/prober.go']);
  assert.equal(source.has!('v1.19.3', 'pkg/kubelet/prober'), true);
  assert.equal(source.has!('v1.19.3', 'pkg/kubelet/cm/cpumanager'), false);
  // pkg/kubelet is there only as the parent of vendored packages: its own package was not vendored.
  assert.equal(source.has!('v1.21.4', 'pkg/kubelet'), false);
});
