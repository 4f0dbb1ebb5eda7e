import type { ProgramId } from '../core/signatures/types';

/**
 * What the message index reads of each upstream project: which tags are releases, which directories
 * hold the code that prints what a node's logs show, and which program each part is compiled into.
 * Directories are limited to the runtime path (create/start/exec/kill/update of a container and the
 * probes that call it) so the generator stays fast and the index small; the rest of each project
 * (image pulls, networking, volumes, CLIs, API types) prints nothing a runtime error is made of.
 */
export interface ProjectSpec {
  /** The name used by `--mirror NAME=…` and `--tree NAME@TAG=…`. */
  name: string;
  /** owner/name on GitHub: the index names it as each program's origin. */
  repo: string;
  language: 'go' | 'c';
  /** The program most of the project's code is compiled into. */
  program: ProgramId;
  /** Path prefixes whose code goes into another program than `program` (longest prefix wins). */
  parts?: Record<string, ProgramId>;
  /**
   * Path prefixes read (a trailing `/` reads the folder recursively; a name without one is a folder
   * whose own files only are read, `''` the repository's root files).
   */
  dirs: string[];
  /** Folders of a Go project whose C files are read too (runc's nsenter runs before the Go runtime). */
  cDirs?: string[];
  /** Path segments never read below an included folder (tests, vendored copies, examples). */
  skipSegments?: string[];
  /** Whether a tag names a release of the project that belongs in the index. */
  release(tag: string): boolean;
  /** The Go module path other projects vendor it under (`--vendored` reads those copies). */
  module?: string;
  /** Refs that are not tags but are versions someone runs (a vendored commit), placed before all tags. */
  earlyRefs?: string[];
}

const STABLE = /^v\d+\.\d+\.\d+$/;

/** Folders below any included one that never hold code a release runs. */
export const SKIP_ALWAYS = ['vendor', 'testdata', 'test', 'tests', 'integration', 'integration-cli', 'e2e', 'hack', 'docs', 'example', 'examples', 'contrib', 'testutil', 'fake', 'fakes', 'testing'];

export const PROJECTS: ProjectSpec[] = [
  {
    name: 'runc',
    repo: 'opencontainers/runc',
    language: 'go',
    program: 'runc',
    // The whole of runc is the runtime: its root package is the CLI, libcontainer/ the rest.
    dirs: ['', 'libcontainer/', 'utils/', 'types/'],
    // nsexec.c prints the first failures of `runc init` (namespaces, id mappings) before Go starts.
    cDirs: ['libcontainer/nsenter/'],
    // v1.0.0-rcN were runc's releases for four years (Docker 17–19, Kubernetes 1.10–1.19 ran them);
    // the later -rc.N are ordinary pre-releases.
    release: (t) => STABLE.test(t) && !t.startsWith('v0.') || /^v1\.0\.0-rc\d+$/.test(t),
  },
  {
    name: 'containerd',
    repo: 'containerd/containerd',
    language: 'go',
    program: 'containerd',
    parts: {
      'linux/shim/': 'shim',
      'linux/proc/': 'shim',
      'runtime/v1/shim/': 'shim',
      'runtime/v1/linux/proc/': 'shim',
      'runtime/v2/shim/': 'shim',
      'runtime/v2/runc/': 'shim',
      'pkg/process/': 'shim',
      'pkg/stdio/': 'shim',
      'pkg/shim/': 'shim',
      'cmd/containerd-shim/': 'shim',
      'cmd/containerd-shim-runc-v1/': 'shim',
      'cmd/containerd-shim-runc-v2/': 'shim',
      'containerd-shim/': 'shim',
    },
    // The daemon's task and container services, the runtimes and shims, the CRI plugin (its own repo
    // vendored into 1.1–1.4, pkg/cri in 1.5–1.7, internal/cri and plugins/ in 2.x) and the client
    // library dockerd links (root package in 1.x, client/ in 2.x). Not: ctr, snapshotters, content, images.
    dirs: [
      '',
      'client/',
      'cio/',
      'oci/',
      'linux/',
      'runtime/',
      'services/tasks/',
      'services/containers/',
      'plugins/services/tasks/',
      'plugins/services/containers/',
      'plugins/cri/',
      'core/runtime/',
      'pkg/cri/',
      'internal/cri/',
      'pkg/process/',
      'pkg/stdio/',
      'pkg/shim/',
      'pkg/oom/',
      'cmd/containerd/',
      'cmd/containerd-shim/',
      'cmd/containerd-shim-runc-v1/',
      'cmd/containerd-shim-runc-v2/',
      'vendor/github.com/containerd/cri/',
      // containerd 0.2 (Docker 17.03–17.09 ran it): its daemon, supervisor and shim.
      'containerd/',
      'supervisor/',
      'containerd-shim/',
    ],
    release: (t) => STABLE.test(t) && (!t.startsWith('v0.') || t.startsWith('v0.2.')),
  },
  {
    name: 'go-runc',
    repo: 'containerd/go-runc',
    language: 'go',
    program: 'go-runc',
    dirs: [''],
    release: (t) => STABLE.test(t),
    // go-runc had no tags before v1.0.0 (2021); the commit containerd 1.2 (Docker 18.x) vendored is a version nodes ran.
    earlyRefs: ['5a6d9f3'],
  },
  {
    name: 'moby',
    repo: 'moby/moby',
    language: 'go',
    program: 'dockerd',
    // The daemon, its containerd client (libcontainerd) and the container state it keeps. The moby
    // repository's own v17.03.0-ce… tags hold the engine (the docker/docker-ce assembly was built from
    // them), and from v29 the tags are named docker-vN.
    dirs: ['daemon/', 'libcontainerd/', 'container/', 'cmd/dockerd/', 'oci/'],
    // Storage and log drivers, swarm, images and registries (daemon/containerd is the containerd image
    // store, not the runtime client), networking, volumes, the builder and the API routes print nothing
    // of a runtime error.
    skipSegments: [
      'graphdriver', 'logger', 'cluster', 'images', 'image', 'containerd', 'distribution', 'layer', 'registry', 'config', 'names',
      'libnetwork', 'network', 'builder', 'builder-next', 'snapshotter', 'volume', 'server', 'plugin', 'stats', 'links', 'listeners', 'events', 'metrics',
    ],
    release: (t) => /^v(1[7-9]|2\d)\.\d+\.\d+(-ce)?$/.test(t) || /^docker-v\d+\.\d+\.\d+$/.test(t),
  },
  {
    name: 'kubernetes',
    repo: 'kubernetes/kubernetes',
    module: 'k8s.io/kubernetes',
    language: 'go',
    program: 'kubelet',
    // The CRI client and dockershim are the layer between the kubelet and the runtime it calls.
    // The CRI client moved: pkg/kubelet/remote (1.10–1.19), pkg/kubelet/cri/remote (1.20–1.30), staging cri-client (1.31+).
    parts: { 'pkg/kubelet/remote/': 'cri', 'pkg/kubelet/cri/remote/': 'cri', 'staging/src/k8s.io/cri-client/': 'cri', 'pkg/kubelet/dockershim/': 'cri' },
    // pkg/kubelet's own files and pkg/kubelet/container hold the layers every runtime error is wrapped in
    // by the kubelet: 'Error syncing pod … skipping: failed to "StartContainer" for … with RunContainerError: …'.
    dirs: [
      'pkg/kubelet',
      'pkg/kubelet/container/',
      'pkg/kubelet/prober/',
      'pkg/probe/',
      'pkg/kubelet/kuberuntime/',
      'pkg/kubelet/dockershim/',
      'pkg/kubelet/remote/',
      'pkg/kubelet/cri/remote/',
      'pkg/kubelet/cm/cpumanager/',
      'staging/src/k8s.io/cri-client/',
    ],
    release: (t) => STABLE.test(t) && /^v1\.(1\d|[2-9]\d)\./.test(t),
  },
  {
    name: 'cri-o',
    repo: 'cri-o/cri-o',
    language: 'go',
    program: 'crio',
    // The CRI server and its runtime layer (oci/ and lib/ before 1.16, internal/ after): enough to
    // recognise a CRI-O node, which does not run dockerd or containerd.
    dirs: ['server/', 'oci/', 'lib/', 'internal/oci/', 'internal/lib/'],
    release: (t) => STABLE.test(t) && t !== 'v0.0.0',
  },
  {
    name: 'conmon',
    repo: 'containers/conmon',
    language: 'c',
    program: 'conmon',
    dirs: ['', 'src/'],
    release: (t) => STABLE.test(t),
  },
  {
    name: 'crun',
    repo: 'containers/crun',
    language: 'c',
    program: 'crun',
    dirs: ['src/'],
    skipSegments: ['handlers'],
    // crun tags its releases without a `v` (0.10.1, 1.8); the two v-tags repeat 0.2 and 0.3.
    release: (t) => /^\d+\.\d+(\.\d+)*$/.test(t),
  },
];

export function projectNamed(name: string): ProjectSpec | undefined {
  return PROJECTS.find((p) => p.name === name);
}

/** The program a file of the project is compiled into. */
export function programOf(spec: ProjectSpec, file: string): ProgramId {
  let best = '';
  let program = spec.program;
  for (const [prefix, p] of Object.entries(spec.parts ?? {})) {
    if (file.startsWith(prefix) && prefix.length > best.length) {
      best = prefix;
      program = p;
    }
  }
  return program;
}

const OTHER_OS = /_(windows|solaris|freebsd|darwin|openbsd|netbsd|illumos|plan9|js|wasm)(_[a-z0-9]+)?\.go$/;

/** Whether the generator reads a file: inside an included folder, code of the project's language, not a test, not for another OS. */
export function readsFile(spec: ProjectSpec, file: string): boolean {
  if (file.endsWith('.c')) {
    if (spec.language !== 'c' && !(spec.cDirs ?? []).some((d) => file.startsWith(d))) return false;
  } else if (spec.language !== 'go' || !file.endsWith('.go') || file.endsWith('_test.go') || file.endsWith('.pb.go') || OTHER_OS.test(file)) {
    // Generated protobuf code (.pb.go) holds only wire-format errors that never reach a log.
    return false;
  }
  const slash = file.lastIndexOf('/');
  const dir = slash < 0 ? '' : file.slice(0, slash + 1);
  const inside = spec.dirs.some((d) => (d === '' ? dir === '' : d.endsWith('/') ? dir.startsWith(d) : dir === `${d}/`));
  if (!inside) return false;
  const skip = new Set([...SKIP_ALWAYS, ...(spec.skipSegments ?? [])]);
  // The vendored copy a project is told to read (containerd's vendored cri) is read all the same.
  const own = spec.dirs.filter((d) => d.startsWith('vendor/') && dir.startsWith(d)).map((d) => d.split('/').length - 1)[0] ?? 0;
  const segments = dir.split('/').filter(Boolean);
  return !segments.some((s, i) => i >= own && skip.has(s));
}

/** Whether a folder (path without trailing `/`) is, or leads to, one the project reads. */
export function entersDir(spec: ProjectSpec, dir: string): boolean {
  const d = `${dir}/`;
  return spec.dirs.some((inc) => inc !== '' && (inc.startsWith(d) || (inc.endsWith('/') && d.startsWith(inc)) || d === `${inc}/`));
}

export function fileFilter(spec: ProjectSpec): { file(path: string): boolean; dir(path: string): boolean; roots: string[] } {
  return { file: (f) => readsFile(spec, f), dir: (d) => entersDir(spec, d), roots: spec.dirs };
}
