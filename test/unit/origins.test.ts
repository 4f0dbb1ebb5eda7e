import assert from 'node:assert/strict';
import * as path from 'node:path';
import { before, test } from 'node:test';
import { type LiteralMatch, formatPieces, literalMatcher, matchLiteral } from '../../src/core/origins/format';
import { HOLE, goStringLiterals } from '../../src/core/origins/literals';
import { fragmentEdges, messageText, needles, splitFragments } from '../../src/core/origins/message';
import { prng } from '../harness/prng';
import { type Candidate, MessageOrigins, type OriginsResult, selectOrigins } from '../../src/core/origins/origins';
import { componentOf, loadPrograms } from '../../src/core/origins/programs';
import { builtInSignatures } from '../../src/core/signatures/catalog';
import { Matcher } from '../../src/core/signatures/matcher';
import { type GoParser, loadGoParser } from '../../src/core/sources/goParser';
import type { ProjectRoot } from '../../src/core/sources/roots';
import { loadAtlas } from '../../src/core/trace/atlas';
import { repoRoot } from '../harness/paths';
import { testWasm } from '../harness/wasm';

const FIXTURES = path.join(repoRoot, 'test', 'unit', 'fixtures', 'origins');
const fixture = (...p: string[]) => path.join(FIXTURES, ...p);
const COMMON = ['containerd-1.6.20', 'moby-20.10.24', 'kubernetes-1.20.2'].map((d) => fixture(d));
const MODERN = [fixture('runc-1.1.5'), ...COMMON];
const RC = [fixture('runc-1.0.0-rc6'), ...COMMON];

/** Where each part of a text should be found: text, component, file under the fixtures, line. */
type Want = [string, string, string, number];

function matchIn(literal: string, message: string): { text: string; covered: string }[] {
  const m = literalMatcher(literal);
  assert.ok(m, `${literal} gives a matcher`);
  const msg = messageText(message);
  return matchLiteral(m, msg, fragmentEdges(splitFragments(msg.text))).map((x: LiteralMatch) => ({
    text: msg.text.slice(x.start, x.end),
    covered: x.covered.map((p) => msg.text[p]).join(''),
  }));
}

test('format strings split into constant text and verbs: %s %v %q %d %w, flags, %%', () => {
  assert.deepEqual(formatPieces('failed to start exec %q: %w'), [{ text: 'failed to start exec ' }, { verb: 'q' }, { text: ': ' }, { verb: 'w' }]);
  assert.deepEqual(formatPieces('%s:%d: %s caused %q'), [{ verb: 's' }, { text: ':' }, { verb: 'd' }, { text: ': ' }, { verb: 's' }, { text: ' caused ' }, { verb: 'q' }]);
  assert.deepEqual(formatPieces('100%% of %-10v (%+v, %[1]d, %.2f)'), [{ text: '100% of ' }, { verb: 'v' }, { text: ' (' }, { verb: 'v' }, { text: ', ' }, { verb: 'd' }, { text: ', ' }, { verb: 'f' }, { text: ')' }]);
  assert.deepEqual(formatPieces(`open ${HOLE}: %w`), [{ text: 'open ' }, { verb: 'expr' }, { text: ': ' }, { verb: 'w' }]);
  assert.deepEqual(formatPieces('at 100%'), [{ text: 'at 100%' }], 'a stray % is text');
});

test('string literals: escaped quotes, raw strings, comments and runes skipped, concatenations joined', () => {
  const src = [
    'package p',
    '// a comment with "quotes" is not a literal',
    'var q = \'"\'',
    'func f() error {',
    '\treturn fmt.Errorf("say \\"hi\\": %w\\n", err) /* "not this" */',
    '}',
    'var raw = `line one',
    'line "two"`',
    'var joined = "unable to start " +',
    '\t// between the operands',
    '\t"container process: %w"',
    'var mixed = "open " + filepath.Join(dir, "x") + ": %w"',
    'var led = err.Error() + " (possibly OOM-killed)"',
  ].join('\n');
  assert.deepEqual(
    goStringLiterals(src).map((l) => [l.value, l.line]),
    [
      ['say "hi": %w\n', 5],
      ['line one\nline "two"', 7],
      ['unable to start container process: %w', 9],
      [`open ${HOLE}: %w`, 12],
      [`${HOLE} (possibly OOM-killed)`, 13],
    ],
  );
});

test('fragments: the text between `: `, quotes, gRPC `desc = ` and runc rc-era ` caused `', () => {
  const text = messageText('rpc error: code = Unknown desc = failed to start exec \\"0a1b\\": OCI runtime exec failed: exec failed: container_linux.go:345: starting container process caused \\"read init-p: connection reset by peer\\": unknown').text;
  assert.deepEqual(
    splitFragments(text).map((f) => f.text),
    ['rpc error', 'code = Unknown', 'failed to start exec', '0a1b', 'OCI runtime exec failed', 'exec failed', 'container_linux.go:345', 'starting container process', 'read init-p', 'connection reset by peer', 'unknown'],
  );
  assert.ok(text.includes('exec "0a1b"'), 'escaped quotes are read as the quotes they were');
  const n = needles(text);
  for (const want of ['OCI runtime', 'exec failed', 'starting container', 'caused', 'failed to']) assert.ok(n.includes(want), `needle ${want}`);
  assert.ok(!n.some((w) => /\d/.test(w)), 'no needle holds a variable word (ids, line numbers)');
  assert.ok(needles('failed to exec in container: timeout 1s exceeded').includes('exceeded'), 'a word beside a variable one is a needle on its own');
});

// splitFragments looks separators up by their first character: the same fragments as a regular
// expression of the separators in their order (at each place, the first that matches), on texts dense
// with separators, their halves and whitespace.
test('fragments: the same as splitting at a regular expression of the separators', () => {
  const reference = (text: string) => {
    const out: { start: number; end: number; text: string }[] = [];
    let start = 0;
    const piece = (end: number) => {
      const raw = text.slice(start, end);
      const trimmed = raw.trim();
      const from = start + raw.length - raw.trimStart().length;
      if (trimmed) out.push({ start: from, end: from + trimmed.length, text: trimmed });
    };
    for (const m of text.matchAll(/: | caused |desc = |\] |; |"|'|\n|\t/g)) {
      piece(m.index!);
      start = m.index! + m[0].length;
    }
    piece(text.length);
    return out;
  };
  const pieces = [': ', ' caused ', 'desc = ', '] ', '; ', '"', "'", '\n', '\t', ':', ' caused', 'caused ', 'desc =', 'desc', ']', ';', ' ', '  ', 'exec failed', 'EOF', 'x', '\r', '\u00a0', 'é'];
  const rand = prng(23);
  for (let n = 0; n < 3000; n++) {
    let text = '';
    for (let k = Math.floor(rand() * 14); k > 0; k--) text += pieces[Math.floor(rand() * pieces.length)]!;
    assert.deepEqual(splitFragments(text), reference(text), JSON.stringify(text));
  }
});

test('matching: verbs are wildcards, constant edges must meet fragment edges', () => {
  const msg = 'OCI runtime exec failed: exec failed: unable to start container process: read init-p: connection reset by peer (possibly OOM-killed): unknown';
  assert.deepEqual(matchIn('exec failed: %w', msg), [{ text: 'exec failed', covered: 'execfailed' }], 'not the tail of "OCI runtime exec failed"');
  assert.deepEqual(matchIn('%w (possibly OOM-killed)', msg), [{ text: '(possibly OOM-killed)', covered: 'possiblyOOMkilled' }]);
  assert.deepEqual(matchIn('OCI runtime exec failed', msg), [{ text: 'OCI runtime exec failed', covered: 'OCIruntimeexecfailed' }]);
  assert.deepEqual(matchIn('runtime exec', msg), [], 'a literal without verbs is a whole fragment');
  assert.deepEqual(matchIn('failed to start exec %q: %w', 'desc = failed to start exec \\"9f8e\\": OCI runtime exec failed'), [{ text: 'failed to start exec "9f8e"', covered: 'failedtostartexec' }]);
  assert.deepEqual(matchIn('%s:%d: %s caused %q', 'exec failed: container_linux.go:345: starting container process caused "read init-p: EOF"'), [
    { text: 'caused', covered: 'caused' },
  ]);
  assert.deepEqual(matchIn('expected %d, got %d items', 'expected 3, got x items'), [], '%d wants digits');
  assert.deepEqual(matchIn(`unable to start ${HOLE} process: %w`, 'exec failed: unable to start container process: EOF'), [{ text: 'unable to start container process', covered: 'unabletostartprocess' }], 'a concatenated operand is a wildcard');
  for (const vague of ['unknown', 'EOF', '%s: %v', 'error: %v']) assert.equal(literalMatcher(vague), null, `${vague} says nothing about where a text was made`);
});

test('programs: the shim inside containerd is its own program, vendored libraries belong to the vendoring program', () => {
  const programs = loadPrograms();
  const copy = (project: string, dir: string) => ({ project, dir, kind: 'checkout', module: null, version: null, versionFrom: null, sourceRoot: dir, vendoredIn: null }) as ProjectRoot;
  const containerd = copy('containerd', '/src/containerd');
  assert.equal(componentOf(programs, containerd, '/src/containerd/pkg/process/exec.go'), 'shim');
  assert.equal(componentOf(programs, containerd, '/src/containerd/pkg/cri/server/container_execsync.go'), 'containerd');
  assert.equal(componentOf(programs, containerd, '/src/containerd/vendor/github.com/containerd/go-runc/runc.go'), 'go-runc');
  assert.equal(componentOf(programs, copy('kubernetes', '/k'), '/k/vendor/github.com/opencontainers/runc/libcontainer/container_linux.go'), 'kubelet');
  const atlas = loadAtlas();
  for (const project of Object.keys(programs.projects)) assert.ok(atlas.projects[project], `${project} is an atlas project`);
});

test('ranking: more of the text first, then the innermost program; never two origins for one letter, never inward-out', () => {
  const cand = (value: string, component: string, depth: number, start: number, len: number, vendored = false): Candidate => ({
    value,
    matcher: literalMatcher(value)!,
    match: { start, end: start + len, covered: Array.from({ length: len }, (_, i) => start + i) },
    component,
    depth,
    copy: { version: null } as ProjectRoot,
    copyIndex: 0,
    vendored,
    file: `/${component}/${value.length}.go`,
    line: 1,
  });
  const runc = cand('exec failed: %w', 'runc', 4, 25, 10);
  const vendoredRunc = cand('exec failed: %w', 'kubelet', 0, 25, 10, true);
  const shim = cand('OCI runtime exec failed', 'shim', 3, 0, 20);
  const shortShim = cand('exec failed: %v', 'shim', 3, 25, 10);
  const kubeletInside = cand('runtime exec failed', 'kubelet', 0, 4, 16);
  const chosen = selectOrigins([vendoredRunc, kubeletInside, shortShim, runc, shim]);
  assert.deepEqual(
    chosen.map((c) => c.component),
    ['runc', 'shim'],
    'runc innermost first; the vendored copy and the overlapping kubelet text lose',
  );
  const outOfOrder = cand('exec failed: %w', 'kubelet', 0, 25, 10, true);
  assert.deepEqual(
    selectOrigins([shim, outOfOrder]).map((c) => c.component),
    ['shim'],
    'a kubelet text inside the shim’s would mean the error was wrapped inward: refused',
  );
});

/** A sample line for each catalog signature, the sources to search, and the origins expected (innermost first). */
const SIGNATURE_CASES: Record<string, { line: string; roots: string[]; want: Want[] }> = {
  'oci-exec-eof': {
    line: 'Readiness probe for "web-0_default(9b1c):web" failed (failure): OCI runtime exec failed: exec failed: EOF: unknown',
    roots: MODERN,
    want: [
      ['exec failed', 'runc', 'runc-1.1.5/exec.go', 19],
      ['OCI runtime exec failed', 'shim', 'containerd-1.6.20/pkg/process/exec.go', 10],
      ['probe for "web-0_default(9b1c):web" failed (failure)', 'kubelet', 'kubernetes-1.20.2/pkg/kubelet/prober/prober.go', 10],
    ],
  },
  'exec-not-found': {
    line: 'rpc error: code = Unknown desc = failed to exec in container: failed to start exec "5c2d": OCI runtime exec failed: exec failed: unable to start container process: exec: "curl": executable file not found in $PATH: unknown',
    roots: MODERN,
    want: [
      ['unable to start container process', 'runc', 'runc-1.1.5/libcontainer/container_linux.go', 16],
      ['exec failed', 'runc', 'runc-1.1.5/exec.go', 19],
      ['OCI runtime exec failed', 'shim', 'containerd-1.6.20/pkg/process/exec.go', 10],
      ['failed to start exec "5c2d"', 'containerd', 'containerd-1.6.20/pkg/cri/server/container_execsync.go', 15],
      ['failed to exec in container', 'containerd', 'containerd-1.6.20/pkg/cri/server/container_execsync.go', 8],
      ['rpc error: code = Unknown desc', 'kubelet', 'kubernetes-1.20.2/vendor/google.golang.org/grpc/status/status.go', 5],
    ],
  },
  'exec-permission-denied': {
    line: 'OCI runtime exec failed: exec failed: container_linux.go:345: starting container process caused "exec: \\"/healthz.sh\\": permission denied": unknown',
    roots: RC,
    want: [
      ['caused', 'runc', 'runc-1.0.0-rc6/libcontainer/generic_error.go', 10],
      ['starting container process', 'runc', 'runc-1.0.0-rc6/libcontainer/container_linux.go', 10],
      ['exec failed', 'runc', 'runc-1.0.0-rc6/exec.go', 12],
      ['OCI runtime exec failed', 'shim', 'containerd-1.6.20/pkg/process/exec.go', 10],
    ],
  },
  'exec-stopped-container': {
    line: 'Error running exec 8f3e9a0b1c2d in container: Container 8f3e9a0b1c2d is not running: Exited (0) 2 seconds ago',
    roots: MODERN,
    want: [
      ['Container 8f3e9a0b1c2d is not running', 'dockerd', 'moby-20.10.24/daemon/exec.go', 11],
      ['Error running exec 8f3e9a0b1c2d in container', 'dockerd', 'moby-20.10.24/api/server/router/container/exec.go', 6],
    ],
  },
  'closed-fifo': {
    line: 'stream copy error: reading from a closed fifo',
    roots: MODERN,
    want: [
      ['reading from a closed fifo', 'dockerd', 'moby-20.10.24/vendor/github.com/containerd/fifo/fifo.go', 11],
      ['stream copy error', 'dockerd', 'moby-20.10.24/container/stream/streams.go', 7],
    ],
  },
  'probe-timeout': {
    line: 'Liveness probe errored: rpc error: code = DeadlineExceeded desc = failed to exec in container: timeout 1s exceeded: context deadline exceeded',
    roots: MODERN,
    want: [
      ['timeout 1s exceeded', 'containerd', 'containerd-1.6.20/pkg/cri/server/container_execsync.go', 19],
      ['failed to exec in container', 'containerd', 'containerd-1.6.20/pkg/cri/server/container_execsync.go', 8],
      ['rpc error: code = DeadlineExceeded desc', 'kubelet', 'kubernetes-1.20.2/vendor/google.golang.org/grpc/status/status.go', 5],
      ['probe errored', 'kubelet', 'kubernetes-1.20.2/pkg/kubelet/prober/prober.go', 8],
    ],
  },

  'http-probe-eof': {
    line: 'Readiness probe failed: Get "http://10.244.1.7:8080/healthz": EOF',
    roots: MODERN,
    want: [['probe failed', 'kubelet', 'kubernetes-1.20.2/pkg/kubelet/prober/prober.go', 11]],
  },
  'http-probe-connection-reset': {
    line: 'Liveness probe failed: Get "http://10.244.1.7:8080/healthz": read tcp 10.244.1.1:45322->10.244.1.7:8080: read: connection reset by peer',
    roots: MODERN,
    want: [['probe failed', 'kubelet', 'kubernetes-1.20.2/pkg/kubelet/prober/prober.go', 11]],
  },
  'http-probe-timeout': {
    line: 'Readiness probe failed: Get "http://10.244.1.7:8080/healthz": context deadline exceeded (Client.Timeout exceeded while awaiting headers)',
    roots: MODERN,
    want: [['probe failed', 'kubelet', 'kubernetes-1.20.2/pkg/kubelet/prober/prober.go', 11]],
  },
  'http-probe-refused': {
    line: 'Liveness probe failed: Get "http://10.244.1.7:8080/healthz": dial tcp 10.244.1.7:8080: connect: connection refused',
    roots: MODERN,
    want: [['probe failed', 'kubelet', 'kubernetes-1.20.2/pkg/kubelet/prober/prober.go', 11]],
  },
  'http-probe-transport': {
    line: 'Readiness probe failed: Get http://10.112.2.4:80/health_check: read tcp 10.112.2.4:80: use of closed network connection',
    roots: MODERN,
    want: [['probe failed', 'kubelet', 'kubernetes-1.20.2/pkg/kubelet/prober/prober.go', 11]],
  },
  // The application's own Go runtime (runtime/cgo, C): no Go source of the node's programs prints it.
  'app-pthread-create-eperm': {
    line: 'runtime/cgo: pthread_create failed: Operation not permitted',
    roots: MODERN,
    want: [],
  },
  // `exec <path>: exec format error` is an os.PathError (libcontainer/system): no literal of its own.
  'exec-format-error': {
    line: 'OCI runtime exec failed: exec failed: unable to start container process: exec /usr/bin/ovn-kube-util: exec format error: unknown',
    roots: MODERN,
    want: [
      ['unable to start container process', 'runc', 'runc-1.1.5/libcontainer/container_linux.go', 16],
      ['exec failed', 'runc', 'runc-1.1.5/exec.go', 19],
      ['OCI runtime exec failed', 'shim', 'containerd-1.6.20/pkg/process/exec.go', 10],
    ],
  },
  // hcsshim (Windows) and kubectl are not among the node's programs whose sources are traced.
  'windows-createprocess-failed': {
    line: 'container 40c1d24be018 encountered an error during CreateProcess: failure in a Windows system call: The system cannot find the file specified. (0x2)',
    roots: MODERN,
    want: [],
  },
  'exec-stream-upgrade': {
    line: 'error: unable to upgrade connection: pod does not exist',
    roots: MODERN,
    want: [],
  },
  // `read init-p` has no literal: runc names the socket pair name+"-p" (libcontainer/utils), the rest is the os error.
  'runc-init-pipe-reset': {
    line: 'OCI runtime exec failed: exec failed: unable to start container process: read init-p: connection reset by peer: unknown',
    roots: MODERN,
    want: [
      ['unable to start container process', 'runc', 'runc-1.1.5/libcontainer/container_linux.go', 16],
      ['exec failed', 'runc', 'runc-1.1.5/exec.go', 19],
      ['OCI runtime exec failed', 'shim', 'containerd-1.6.20/pkg/process/exec.go', 10],
    ],
  },
  'runc-init-oom-killed': {
    line: 'OCI runtime create failed: runc create failed: unable to start container process: container init was OOM-killed (memory limit too low?): unknown',
    roots: MODERN,
    want: [
      ['container init was OOM-killed (memory limit too low?)', 'runc', 'runc-1.1.5/libcontainer/process_linux.go', 50],
      ['unable to start container process', 'runc', 'runc-1.1.5/libcontainer/container_linux.go', 16],
      ['runc create failed', 'runc', 'runc-1.1.5/create.go', 17],
      ['OCI runtime create failed', 'shim', 'containerd-1.6.20/pkg/process/init.go', 11],
    ],
  },
  'runc-final-child-pid-eof': {
    line: "OCI runtime create failed: runc create failed: unable to start container process: can't get final child's PID from pipe: EOF: unknown",
    roots: MODERN,
    want: [
      ["can't get final child's PID from pipe", 'runc', 'runc-1.1.5/libcontainer/process_linux.go', 64],
      ['unable to start container process', 'runc', 'runc-1.1.5/libcontainer/container_linux.go', 16],
      ['runc create failed', 'runc', 'runc-1.1.5/create.go', 17],
      ['OCI runtime create failed', 'shim', 'containerd-1.6.20/pkg/process/init.go', 11],
    ],
  },
  // Printed by the Go toolchain's cgo runtime in C, not by any Go literal in the sources searched.
  'runc-pthread-create': {
    line: 'runtime/cgo: pthread_create failed: Resource temporarily unavailable',
    roots: MODERN,
    want: [],
  },
  // A crashing runc returns no error of its own: go-runc joins the exit status and runc's output (a bare join, too vague to
  // place), and the Go runtime prints the crash header, so only the shim's wrapper is a literal.
  'runc-sigabrt': {
    line: 'OCI runtime exec failed: exit status 2: SIGABRT: abort',
    roots: MODERN,
    want: [['OCI runtime exec failed', 'shim', 'containerd-1.6.20/pkg/process/exec.go', 10]],
  },
  'runc-namespace-setup': {
    line: 'OCI runtime exec failed: exec failed: unable to start container process: error executing setns process: exit status 1: unknown',
    roots: MODERN,
    want: [
      ['error executing setns process', 'runc', 'runc-1.1.5/libcontainer/process_linux.go', 18],
      ['unable to start container process', 'runc', 'runc-1.1.5/libcontainer/container_linux.go', 16],
      ['exec failed', 'runc', 'runc-1.1.5/exec.go', 19],
      ['OCI runtime exec failed', 'shim', 'containerd-1.6.20/pkg/process/exec.go', 10],
    ],
  },
  // go-runc writes the exec's process spec to a temp file; the `write …: no space left` text is the os error, unwrapped.
  'runtime-dir-no-space': {
    line: 'OCI runtime exec failed: write /tmp/runc-process2958274104: no space left on device: unknown',
    roots: MODERN,
    want: [['OCI runtime exec failed', 'shim', 'containerd-1.6.20/pkg/process/exec.go', 10]],
  },
  // `open /dev/pts/0: …` is an os.PathError from runc's console set-up: no literal of its own.
  'device-cgroup-denied': {
    line: 'OCI runtime exec failed: exec failed: unable to start container process: open /dev/pts/0: operation not permitted: unknown',
    roots: MODERN,
    want: [
      ['unable to start container process', 'runc', 'runc-1.1.5/libcontainer/container_linux.go', 16],
      ['exec failed', 'runc', 'runc-1.1.5/exec.go', 19],
      ['OCI runtime exec failed', 'shim', 'containerd-1.6.20/pkg/process/exec.go', 10],
    ],
  },
  'http-probe-failed': {
    line: 'Liveness probe failed: Get "https://10.233.70.17:5555/liveness": x509: certificate signed by unknown authority',
    roots: MODERN,
    want: [['probe failed', 'kubelet', 'kubernetes-1.20.2/pkg/kubelet/prober/prober.go', 11]],
  },
  'runtime-error': {
    line: 'OCI runtime exec failed: exec failed: unable to start container process: open /dev/ptmx: no space left on device: unknown',
    roots: MODERN,
    want: [
      ['unable to start container process', 'runc', 'runc-1.1.5/libcontainer/container_linux.go', 16],
      ['exec failed', 'runc', 'runc-1.1.5/exec.go', 19],
      ['OCI runtime exec failed', 'shim', 'containerd-1.6.20/pkg/process/exec.go', 10],
    ],
  },
  // A kernel message: no Go source makes it.
  'kernel-oom-kill': {
    line: 'Memory cgroup out of memory: Killed process 48213 (runc:[2:INIT]) total-vm:1236080kB, anon-rss:7728kB, file-rss:4344kB, shmem-rss:0kB, UID:0 pgtables:100kB oom_score_adj:-998',
    roots: MODERN,
    want: [],
  },
  // The causes added from the training threads (issue 16). The fixtures hold runc's and the shim's wrappers, not the files
  // with the innermost literals (libcontainer/apparmor, keys, cgroups; moby's daemon/errors.go): only the wrappers are placed.
  'runc-lsm-denied': {
    line: 'OCI runtime exec failed: exec failed: container_linux.go:349: starting container process caused "apparmor failed to apply profile: write /proc/self/attr/exec: operation not permitted": unknown',
    roots: RC,
    want: [
      ['caused', 'runc', 'runc-1.0.0-rc6/libcontainer/generic_error.go', 10],
      ['starting container process', 'runc', 'runc-1.0.0-rc6/libcontainer/container_linux.go', 10],
      ['exec failed', 'runc', 'runc-1.0.0-rc6/exec.go', 12],
      ['OCI runtime exec failed', 'shim', 'containerd-1.6.20/pkg/process/exec.go', 10],
    ],
  },
  'runc-keyring-quota': {
    line: 'OCI runtime exec failed: exec failed: container_linux.go:265: starting container process caused "could not create session key: disk quota exceeded": unknown',
    roots: RC,
    want: [
      ['caused', 'runc', 'runc-1.0.0-rc6/libcontainer/generic_error.go', 10],
      ['starting container process', 'runc', 'runc-1.0.0-rc6/libcontainer/container_linux.go', 10],
      ['exec failed', 'runc', 'runc-1.0.0-rc6/exec.go', 12],
      ['OCI runtime exec failed', 'shim', 'containerd-1.6.20/pkg/process/exec.go', 10],
    ],
  },
  // go-runc's os.CreateTemp($XDG_RUNTIME_DIR, "runc-process") error, unwrapped, like runtime-dir-no-space.
  'runtime-dir-missing': {
    line: 'OCI runtime exec failed: open /run/user/0/snap.microk8s/runc-process148393587: no such file or directory: unknown',
    roots: MODERN,
    want: [['OCI runtime exec failed', 'shim', 'containerd-1.6.20/pkg/process/exec.go', 10]],
  },
  'runc-cgroup-unified-missing': {
    line: 'OCI runtime exec failed: exec failed: unable to start container process: error adding pid 846 to cgroups: failed to write 846: openat2 /sys/fs/cgroup/unified/kubelet.slice/kubelet-kubepods.slice/cri-containerd-453a4ebc9ef1.scope/cgroup.procs: no such file or directory: unknown',
    roots: MODERN,
    want: [
      ['unable to start container process', 'runc', 'runc-1.1.5/libcontainer/container_linux.go', 16],
      ['exec failed', 'runc', 'runc-1.1.5/exec.go', 19],
      ['OCI runtime exec failed', 'shim', 'containerd-1.6.20/pkg/process/exec.go', 10],
    ],
  },
  // dockerd's errors.go is not among the fixtures: nothing to place.
  'exec-paused-container': {
    line: 'Error response from daemon: Container 388c7f47a06cce0856266ffd56a2ce2901689ca7a6b9cd741b37652418448f2b is paused, unpause the container before exec',
    roots: MODERN,
    want: [],
  },
  'cgroup-procs-einval': {
    line: 'OCI runtime exec failed: exec failed: container_linux.go:348: starting container process caused "process_linux.go:90: adding pid 18580 to cgroups caused \\"failed to write 18580 to cgroup.procs: write /sys/fs/cgroup/cpu,cpuacct/kubepods/burstable/podb72c8c56/1075b19a94bb/cgroup.procs: invalid argument\\"": unknown',
    roots: RC,
    want: [
      ['caused', 'runc', 'runc-1.0.0-rc6/libcontainer/generic_error.go', 10],
      ['caused', 'runc', 'runc-1.0.0-rc6/libcontainer/generic_error.go', 10],
      ['starting container process', 'runc', 'runc-1.0.0-rc6/libcontainer/container_linux.go', 10],
      ['exec failed', 'runc', 'runc-1.0.0-rc6/exec.go', 12],
      ['OCI runtime exec failed', 'shim', 'containerd-1.6.20/pkg/process/exec.go', 10],
    ],
  },
  // The same ServeExec text is in the kubelet's and containerd's streaming servers; the innermost program, containerd, is reported.
  'exec-stream-eof': {
    line: 'E0312 09:14:03.512304    1187 exec.go:71] error executing command in container: EOF',
    roots: MODERN,
    want: [['error executing command in container', 'containerd', 'containerd-1.6.20/pkg/cri/streaming/remotecommand/exec.go', 23]],
  },
};

let parser: GoParser;
before(async () => {
  parser = await loadGoParser(testWasm);
});

async function originsOf(line: string, roots: string[]): Promise<OriginsResult> {
  const finder = new MessageOrigins(parser, loadAtlas().projects);
  finder.setSourceRoots(roots);
  return finder.find(line);
}

function simplify(r: OriginsResult): Want[] {
  return r.origins.map((o) => [o.text, o.component, path.relative(FIXTURES, o.file).split(path.sep).join('/'), o.line]);
}

test('every catalog signature has a message-origins case, recognised as that signature', () => {
  const matcher = new Matcher(builtInSignatures());
  for (const s of matcher.signatures) assert.ok(SIGNATURE_CASES[s.def.id], `a case for ${s.def.id}`);
  for (const [id, c] of Object.entries(SIGNATURE_CASES)) assert.equal(matcher.match(c.line)?.signature.id, id, `the ${id} sample is recognised as ${id}`);
});

for (const [id, c] of Object.entries(SIGNATURE_CASES)) {
  test(`message origins of ${id}: each part at its literal, innermost program first`, async () => {
    assert.deepEqual(simplify(await originsOf(c.line, c.roots)), c.want);
  });
}

test('the OOM line, both runc wordings: (possibly OOM-killed) and the rc-era "caused" chain, with symbols and versions', async () => {
  const modern = await originsOf('OCI runtime exec failed: exec failed: unable to start container process: read init-p: connection reset by peer (possibly OOM-killed): unknown', MODERN);
  assert.deepEqual(
    modern.origins.map((o) => [o.text, o.symbol, o.version, o.line]),
    [
      ['(possibly OOM-killed)', '(*setnsProcess).start', '1.1.5', 13],
      ['unable to start container process', '(*linuxContainer).start', '1.1.5', 16],
      ['exec failed', 'execCommand', '1.1.5', 19],
      ['OCI runtime exec failed', '(*execProcess).start', '1.6.20', 10],
    ],
  );
  // rc6 makes this text only in initProcess.start (process_linux.go:297), so it comes through `runc create`, which adds no wrapper.
  const rc = await originsOf('OCI runtime create failed: container_linux.go:344: starting container process caused "process_linux.go:297: getting the final child\'s pid from pipe caused \\"EOF\\"": unknown', RC);
  assert.deepEqual(
    rc.origins.map((o) => [o.text, o.component, o.symbol, o.version]),
    [
      ['caused', 'runc', '(*genericError).Error', '1.0.0-rc6'],
      ["getting the final child's pid from pipe", 'runc', '(*initProcess).start', '1.0.0-rc6'],
      ['caused', 'runc', '(*genericError).Error', '1.0.0-rc6'],
      ['starting container process', 'runc', '(*linuxContainer).start', '1.0.0-rc6'],
      ['OCI runtime create failed', 'shim', '(*Init).Create', '1.6.20'],
    ],
  );
});

test('a vendored runc is never reported as runc: the own copy wins, and without it the vendored text is not placed inside the shim’s', async () => {
  const line = 'OCI runtime exec failed: exec failed: unable to start container process: read init-p: connection reset by peer: unknown';
  const withRunc = await originsOf(line, MODERN);
  assert.equal(withRunc.origins.find((o) => o.text === 'unable to start container process')?.file, fixture('runc-1.1.5', 'libcontainer', 'container_linux.go'));
  const withoutRunc = await originsOf(line, COMMON);
  assert.deepEqual(simplify(withoutRunc), [['OCI runtime exec failed', 'shim', 'containerd-1.6.20/pkg/process/exec.go', 10]]);
  assert.ok(!withoutRunc.origins.some((o) => o.component === 'runc'));
});

test('results are cached per text; no sources, no origins; unrelated text, no origins', async () => {
  const finder = new MessageOrigins(parser, loadAtlas().projects);
  finder.setSourceRoots(MODERN);
  const first = await finder.find('stream copy error: reading from a closed fifo');
  assert.ok(first.filesRead > 0);
  const again = await finder.find('stream copy error: reading from a closed fifo');
  assert.equal(again.filesRead, 0);
  assert.deepEqual(again.origins, first.origins);
  finder.invalidate();
  assert.ok((await finder.find('stream copy error: reading from a closed fifo')).filesRead > 0, 'invalidate forgets');
  assert.deepEqual((await finder.find('the quick brown fox jumps over the lazy dog')).origins, []);
  assert.deepEqual((await originsOf('stream copy error: reading from a closed fifo', [])).origins, []);
});

test('a cancelled search stops with OriginsCancelled', async () => {
  const finder = new MessageOrigins(parser, loadAtlas().projects);
  finder.setSourceRoots(MODERN);
  await assert.rejects(finder.find('OCI runtime exec failed: exec failed: EOF', { isCancellationRequested: true }), /cancelled/);
});
