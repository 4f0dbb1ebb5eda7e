import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../harness/paths';
import { parseLine } from '../../src/core/logs/formats';
import { type CompiledSignature, builtInSignatures, catalogErrors, withUserSignatures } from '../../src/core/signatures/catalog';
import { prng } from '../harness/prng';
import { Matcher } from '../../src/core/signatures/matcher';
import { regexHazard } from '../../src/core/signatures/safeRegex';

const builtIn = builtInSignatures();
const matcher = new Matcher(builtIn);
const UID = 'd1aab5f0-ae8f-11eb-a151-080027049c65';

function idOf(line: string): string | null {
  return matcher.match(line)?.signature.id ?? null;
}

// ----------------------------------------------------------------------------------------- catalog

test('the built-in catalog validates and compiles', () => {
  assert.doesNotThrow(() => builtInSignatures());
  assert.ok(builtIn.length >= 8);
  for (const s of builtIn) {
    assert.equal(s.origin, 'built-in');
    assert.equal(s.regexes.length, s.def.patterns.length, s.def.id);
    assert.ok(s.def.literals.length > 0, s.def.id);
    assert.match(s.def.id, /^[a-z0-9]+(-[a-z0-9]+)*$/);
  }
});

test('the built-in catalog has the contract\'s ids, each once', () => {
  const ids = builtIn.map((s) => s.def.id);
  for (const id of ['oci-exec-eof', 'closed-fifo', 'exec-not-found', 'exec-stopped-container', 'probe-timeout', 'http-probe-eof', 'http-probe-connection-reset', 'exec-permission-denied']) {
    assert.ok(ids.includes(id), `missing ${id}`);
  }
  assert.equal(new Set(ids).size, ids.length, 'duplicate ids');
  assert.equal(matcher.byId('oci-exec-eof')?.cause, 'cpu-manager-state-race');
  assert.equal(matcher.byId('oci-exec-eof')?.chain, 'reader');
  assert.equal(matcher.byId('nope'), undefined);
});

test('every built-in pattern passes the backtracking guard', () => {
  for (const s of builtIn) for (const p of s.def.patterns) assert.equal(regexHazard(p), null, `${s.def.id}: /${p}/`);
});

test('the matcher\'s needles are every literal, once', () => {
  const literals = new Set(builtIn.flatMap((s) => s.def.literals));
  assert.deepEqual(new Set(matcher.needles), literals);
  assert.equal(matcher.needles.length, literals.size);
  assert.ok(matcher.needles.includes('exec failed: EOF'));
  assert.ok(matcher.needles.includes('exec failed: unexpected EOF'));
  assert.ok(matcher.needles.includes('reading from a closed fifo'));
});

// ---------------------------------------------------------------------- real lines, every format

/** Real log lines for each signature, in every format they show up in; [line, expected matched text]. */
const cases: Record<string, [string, string][]> = {
  'oci-exec-eof': [
    [
      `I0507 03:43:28.310630   57003 prober.go:112] Readiness probe for "adsfadofadfabdfhaodsfa(${UID}):c0" failed (failure): OCI runtime exec failed: exec failed: EOF: unknown`,
      'OCI runtime exec failed: exec failed: EOF',
    ],
    [
      `I0507 07:08:49.834093   57003 prober.go:112] Readiness probe for "adsfadofadfabdfhaodsfa(a89a158e-ae8f-11eb-a151-080027049c65):c0" failed (failure): OCI runtime exec failed: exec failed: unexpected EOF: unknown`,
      'OCI runtime exec failed: exec failed: unexpected EOF',
    ],
    [
      'time="2021-05-06T16:51:40.170676532+08:00" level=error msg="Error running exec 8e34e8b910694abe95a467b2936b37635fdabd2f7b7c464dfef952fa5732aa4e in container: OCI runtime exec failed: exec failed: EOF: unknown"',
      'OCI runtime exec failed: exec failed: EOF',
    ],
    [
      'time="2021-05-07T03:43:28.310630123Z" level=error msg="ExecSync for \\"4f1d0c6c8a3e\\" failed" error="rpc error: code = Unknown desc = failed to exec in container: failed to start exec \\"8e34e8b9\\": OCI runtime exec failed: exec failed: unexpected EOF: unknown"',
      'OCI runtime exec failed: exec failed: unexpected EOF',
    ],
    [
      `May 07 03:43:28.310630 node-a kubelet[57003]: I0507 03:43:28.310630   57003 prober.go:112] Readiness probe for "payments-api-6d8f7c9b4-kx2lp_shop(${UID}):api" failed (failure): OCI runtime exec failed: exec failed: EOF: unknown`,
      'OCI runtime exec failed: exec failed: EOF',
    ],
    ['  Warning  Unhealthy  4m (x31 over 9m)  kubelet, node-a  Readiness probe failed: OCI runtime exec failed: exec failed: EOF: unknown', 'OCI runtime exec failed: exec failed: EOF'],
    ['shop   4m (x31 over 9m)   Warning   Unhealthy   pod/payments-api-6d8f7c9b4-kx2lp   Readiness probe failed: OCI runtime exec failed: exec failed: EOF: unknown', 'OCI runtime exec failed: exec failed: EOF'],
    ['{"level":"error","msg":"ExecSync for \\"x\\" failed","error":"OCI runtime exec failed: exec failed: unexpected EOF: unknown","time":"2021-05-07T03:43:28Z"}', 'OCI runtime exec failed: exec failed: unexpected EOF'],
    [
      `I0507 03:43:28.400415   57003 prober.go:116] "Probe failed" probeType="Readiness" pod="shop/payments-api-6d8f7c9b4-kx2lp" podUID=${UID} containerName="api" probeResult=failure output="OCI runtime exec failed: exec failed: EOF: unknown"`,
      'OCI runtime exec failed: exec failed: EOF',
    ],
  ],
  'closed-fifo': [
    ['time="2021-05-06T16:51:40.009989451+08:00" level=error msg="stream copy error: reading from a closed fifo"', 'stream copy error: reading from a closed fifo'],
    ['May 07 03:43:27 node-a dockerd[1203]: time="2021-05-07T03:43:27.994653921+08:00" level=error msg="stream copy error: reading from a closed fifo"', 'stream copy error: reading from a closed fifo'],
    ['{"level":"error","msg":"stream copy error: reading from a closed fifo","time":"2021-05-06T08:51:40.009989451Z"}', 'stream copy error: reading from a closed fifo'],
  ],
  'exec-not-found': [
    [
      'I0507 08:30:41.902192   57003 prober.go:112] Liveness probe for "ledger-worker-5f9c8d7b6-m4zt2_shop(3c2f9e1a-ae90-11eb-a151-080027049c65):worker" failed (failure): OCI runtime exec failed: exec failed: container_linux.go:345: starting container process caused "exec: \\"pg_isready\\": executable file not found in $PATH": unknown',
      'executable file not found in $PATH',
    ],
    ['  Warning  Unhealthy  10s (x3 over 30s)  kubelet  Liveness probe failed: OCI runtime exec failed: exec failed: unable to start container process: exec: "curl": executable file not found in $PATH: unknown', 'executable file not found in $PATH'],
    ['time="2021-05-07T03:43:28Z" level=error msg="Error running exec 1234 in container: OCI runtime exec failed: exec failed: container_linux.go:348: starting container process caused \\"exec: \\\\\\"/bin/bash\\\\\\": stat /bin/bash: no such file or directory\\": unknown"', 'exec: \\\\\\"/bin/bash\\\\\\": stat /bin/bash: no such file or directory'],
    ['shop   12s   Warning   Unhealthy   pod/web-1   Readiness probe failed: OCI runtime exec failed: exec failed: unable to start container process: exec: "/healthz.sh": stat /healthz.sh: no such file or directory: unknown', 'exec: "/healthz.sh": stat /healthz.sh: no such file or directory'],
  ],
  'exec-permission-denied': [
    [
      'I0507 03:43:28.310630   57003 prober.go:112] Readiness probe for "web-1_shop(d1aab5f0-ae8f-11eb-a151-080027049c65):web" failed (failure): OCI runtime exec failed: exec failed: container_linux.go:349: starting container process caused "exec: \\"/probe.sh\\": permission denied": unknown',
      'exec failed: exec failed: container_linux.go:349: starting container process caused "exec: \\"/probe.sh\\": permission denied',
    ],
    ['  Warning  Unhealthy  1m (x5 over 2m)  kubelet  Readiness probe failed: OCI runtime exec failed: exec failed: unable to start container process: exec: "/probe.sh": permission denied: unknown', 'exec failed: exec failed: unable to start container process: exec: "/probe.sh": permission denied'],
  ],
  'exec-stopped-container': [
    ['time="2021-05-07T03:43:28Z" level=error msg="Error running exec 1234 in container: OCI runtime exec failed: exec failed: cannot exec a container that has stopped: unknown"', 'cannot exec a container that has stopped'],
    ['  Warning  Unhealthy  5s  kubelet, node-a  Readiness probe failed: OCI runtime exec failed: exec failed: cannot exec in a stopped state: unknown', 'cannot exec in a stopped state'],
    ['E0507 03:43:28.310630   57003 remote_runtime.go:351] ExecSync 4f1d0c6c8a3e2b7f9d5a1c3e5b7d9f1a3c5e7b9d1f3a5c7e9b1d3f5a7c9e1b3d \'/bin/sh -c true\' from runtime service failed: rpc error: code = Unknown desc = container not running (Container 4f1d0c6c8a3e2b7f is not running)', 'Container 4f1d0c6c8a3e2b7f is not running'],
  ],
  // The HTTP client's timeout is not an exec probe timeout: a look-alike of its own.
  'http-probe-timeout': [
    ['I0507 05:12:03.481450   57003 prober.go:112] Readiness probe for "checkout-web-7b9d8c6f5-2jx4n_shop(91e0c7aa-ae90-11eb-a151-080027049c65):web" failed (failure): Get http://10.244.3.17:8080/healthz: net/http: request canceled (Client.Timeout exceeded while awaiting headers)', 'Get http://10.244.3.17:8080/healthz: net/http: request canceled (Client.Timeout exceeded while awaiting headers)'],
    ['  Warning  Unhealthy  12m (x4 over 5h26m)  kubelet  Liveness probe failed: Get "http://10.2.3.4:8080/health": context deadline exceeded (Client.Timeout exceeded while awaiting headers)', 'Get "http://10.2.3.4:8080/health": context deadline exceeded (Client.Timeout exceeded while awaiting headers)'],
  ],
  'probe-timeout': [
    ['W0507 05:12:03.481450   57003 prober.go:108] Liveness probe for "web-1_shop(91e0c7aa-ae90-11eb-a151-080027049c65):web" errored: rpc error: code = DeadlineExceeded desc = context deadline exceeded', 'context deadline exceeded'],
    ['  Warning  Unhealthy  2m (x4 over 3m)  kubelet  Readiness probe failed: command "/bin/sh -c /app/healthcheck --ready" timed out', 'command "/bin/sh -c /app/healthcheck --ready" timed out'],
    ['time="2021-05-07T03:43:28Z" level=error msg="ExecSync for \\"4f1d\\" failed" error="failed to exec in container: timeout 1s exceeded: context deadline exceeded"', 'context deadline exceeded'],
  ],
  'http-probe-eof': [
    ['I0507 05:12:03.481450   57003 prober.go:112] Readiness probe for "checkout-web-7b9d8c6f5-2jx4n_shop(91e0c7aa-ae90-11eb-a151-080027049c65):web" failed (failure): Get http://10.244.3.17:8080/healthz: EOF', 'Get http://10.244.3.17:8080/healthz: EOF'],
    ['  Warning  Unhealthy  3m (x2 over 4m)  kubelet  Readiness probe failed: Get "http://10.0.0.5:8080/healthz": EOF', 'Get "http://10.0.0.5:8080/healthz": EOF'],
    ['default   30s   Warning   Unhealthy   pod/web-1   Liveness probe failed: Get https://10.0.0.5:8443/livez: EOF', 'Get https://10.0.0.5:8443/livez: EOF'],
  ],
  'http-probe-connection-reset': [
    [
      'I0507 05:12:13.479663   57003 prober.go:112] Readiness probe for "checkout-web-7b9d8c6f5-2jx4n_shop(91e0c7aa-ae90-11eb-a151-080027049c65):web" failed (failure): Get http://10.244.3.17:8080/healthz: read tcp 10.244.3.1:51234->10.244.3.17:8080: read: connection reset by peer',
      'connection reset by peer',
    ],
    ['  Warning  Unhealthy  1m  kubelet  Liveness probe failed: Get "http://10.0.0.5:8080/": read tcp 10.0.0.1:5->10.0.0.5:8080: read: connection reset by peer', 'connection reset by peer'],
  ],
};

for (const [id, lines] of Object.entries(cases)) {
  test(`real lines → ${id}, with the match span on the matched text`, () => {
    for (const [line, matched] of lines) {
      const m = matcher.match(line);
      assert.ok(m, `no match: ${line}`);
      assert.equal(m.signature.id, id, line);
      assert.equal(line.slice(m.start, m.end), matched, line);
      assert.ok(m.start >= 0 && m.end <= line.length && m.start < m.end);
      // The line parses in one of the known formats (not a plain line).
      assert.notEqual(parseLine(line).format, 'plain', line);
    }
  });
}

test('"EOF" and "unexpected EOF" are both oci-exec-eof', () => {
  assert.equal(idOf('OCI runtime exec failed: exec failed: EOF: unknown'), 'oci-exec-eof');
  assert.equal(idOf('OCI runtime exec failed: exec failed: unexpected EOF: unknown'), 'oci-exec-eof');
  assert.equal(idOf('OCI runtime exec failed: exec failed: EOF'), 'oci-exec-eof');
});

test('look-alikes get their own id and never oci-exec-eof', () => {
  const expectations: [string, string | null][] = [
    ['Readiness probe failed: Get http://10.0.0.5:8080/healthz: EOF', 'http-probe-eof'],
    ['Readiness probe failed: Get "http://10.0.0.5:8080/healthz": EOF', 'http-probe-eof'],
    ['Liveness probe failed: OCI runtime exec failed: exec failed: container_linux.go:345: starting container process caused "exec: \\"curl\\": executable file not found in $PATH": unknown', 'exec-not-found'],
    ['exec: "curl": executable file not found in $PATH', 'exec-not-found'],
    ['OCI runtime exec failed: exec failed: cannot exec in a stopped state: unknown', 'exec-stopped-container'],
    ['OCI runtime exec failed: exec failed: cannot exec a container that has stopped: unknown', 'exec-stopped-container'],
    ['Readiness probe errored: rpc error: code = DeadlineExceeded desc = context deadline exceeded', 'probe-timeout'],
    ['Liveness probe failed: Get http://10.0.0.5:8080/healthz: net/http: request canceled (Client.Timeout exceeded while awaiting headers)', 'http-probe-timeout'],
    ['Readiness probe failed: Get http://10.0.0.5:8080/healthz: read tcp 10.0.0.1:1->10.0.0.5:8080: read: connection reset by peer', 'http-probe-connection-reset'],
    ['Readiness probe failed: OCI runtime exec failed: exec failed: container_linux.go:349: starting container process caused "exec: \\"/probe.sh\\": permission denied": unknown', 'exec-permission-denied'],
    // EOFs of other kinds: no finding at all.
    ['E0507 03:43:28.310630   57003 remote_runtime.go:115] ListPodSandbox with filter nil from runtime service failed: rpc error: code = Unknown desc = read unix @->/var/run/docker.sock: read: EOF', null],
    ['error: error reading from server: EOF', null],
    // An HTTP probe's failure of any other kind: the HTTP look-alike, never a runtime error.
    ['Readiness probe failed: Get "http://10.0.0.5:8080/healthz": unexpected EOF', 'http-probe-failed'],
    ['error: exec failed: EOF', null],
    // runc init died (OOM, pids, namespaces): its own signature, never the state.json race.
    ['OCI runtime create failed: container_linux.go:349: starting container process caused "process_linux.go:319: getting the final child\'s pid from pipe caused \\"EOF\\"": unknown', 'runc-final-child-pid-eof'],
    // Not the EOF, but the shim's wrapper all the same: an unclassified runtime error.
    ['OCI runtime exec failed: exec failed: EOFs are fine: unknown', 'runtime-error'],
    // Probe words without a probe: no finding.
    ['dial tcp 10.0.0.5:443: connect: connection reset by peer', null],
    ['http: Server closed: context deadline exceeded', null],
    ['open /var/lib/docker/x: permission denied', null],
    ['ls: cannot access x: no such file or directory', null],
    ['', null],
    ['nothing to see here', null],
  ];
  for (const [line, id] of expectations) {
    assert.equal(idOf(line), id, line);
    assert.notEqual(idOf(line) === 'oci-exec-eof' ? 'oci-exec-eof' : null, 'oci-exec-eof');
  }
});

test('the samples\' kubelet look-alike lines keep their own ids', () => {
  assert.equal(idOf(cases['http-probe-eof']![0]![0]), 'http-probe-eof');
  assert.equal(idOf(cases['http-probe-connection-reset']![0]![0]), 'http-probe-connection-reset');
  assert.equal(idOf(cases['exec-not-found']![0]![0]), 'exec-not-found');
});

test('match span is right in a long line where the signature sits far from the start', () => {
  const prefix = 'x'.repeat(20000);
  const line = `${prefix} OCI runtime exec failed: exec failed: EOF: unknown ${'y'.repeat(20000)}`;
  const m = matcher.match(line)!;
  assert.equal(m.signature.id, 'oci-exec-eof');
  assert.equal(m.start, prefix.length + 1);
  assert.equal(line.slice(m.start, m.end), 'OCI runtime exec failed: exec failed: EOF');
});

// -------------------------------------------------------------------------------------- safeRegex

test('regexHazard rejects patterns that backtrack exponentially, and backreferences', () => {
  for (const p of ['(a+)+b', '(a|a)*', '(x*)*', '(\\w+\\s?)+$', '(?:a+)+b', '(?<n>a+)+', '((a)+)+', '(a*)+$', '(.*a){2,}', '(a|b)+', '(a)\\1', '(?<x>a)\\k<x>', '(a)(b)\\2']) {
    const hazard = regexHazard(p);
    assert.ok(hazard !== null, `accepted /${p}/`);
    assert.equal(typeof hazard, 'string');
  }
  assert.match(regexHazard('(a+)+b')!, /repeated group contains a quantifier/);
  assert.match(regexHazard('(a|a)*')!, /repeated group contains an alternation/);
  assert.match(regexHazard('(a)\\1')!, /backreference/);
});

test('regexHazard accepts the catalog\'s kind of pattern', () => {
  for (const p of [
    'exec(?: failed)?: .{0,400}?permission denied',
    'OCI runtime exec failed: exec failed: (?:unexpected )?EOF\\b',
    'Get "?https?://[^\\s"]+"?: EOF',
    'command [^\\n]{1,500}? timed out',
    '[Cc]ontainer [0-9a-f]{12,64} is not running',
    '(?:abc)+',
    '(?<name>ab)+',
    '(ab){2,}',
    '\\(a+\\)+',
    '[(+)]+',
    '(?=a)b',
    '(?<=x)a',
    'a{2}',
  ]) {
    assert.equal(regexHazard(p), null, `/${p}/`);
  }
});

test('regexHazard reports unbalanced parentheses', () => {
  assert.match(regexHazard('(a')!, /unbalanced/);
  assert.match(regexHazard('a)')!, /unbalanced/);
});

// ------------------------------------------------------------------------------ user signatures

const userSig = {
  id: 'my-frobnicate',
  title: 'Frobnicator failed',
  severity: 'warning',
  literals: ['frobnicate'],
  patterns: ['frobnicate failed: \\w+'],
  explanation: 'The frobnicator failed.',
};

/** The matcher as it was before its one-pass prefilter: String#indexOf per literal per signature, regexes windowed alike. The reference. */
function referenceMatch(signatures: readonly CompiledSignature[], line: string): { id: string; start: number; end: number } | null {
  const WINDOW = 4096;
  for (const s of signatures) {
    if (!s.def.literals.some((lit) => line.includes(lit))) continue;
    if (s.def.requires && !s.def.requires.some((r) => line.includes(r))) continue;
    if (line.length <= 2 * WINDOW) {
      for (const re of s.regexes) {
        const m = re.exec(line);
        if (m) return { id: s.def.id, start: m.index, end: m.index + m[0].length };
      }
      continue;
    }
    let tries = 0;
    for (const lit of s.def.literals) {
      let next = 0;
      for (let at = line.indexOf(lit); at >= 0 && tries < 8; at = line.indexOf(lit, next)) {
        tries += 1;
        const from = Math.max(0, at - WINDOW);
        for (const re of s.regexes) {
          const m = re.exec(line.slice(from, at + WINDOW));
          if (m) return { id: s.def.id, start: from + m.index, end: from + m.index + m[0].length };
        }
        next = at + WINDOW / 2;
      }
    }
  }
  return null;
}

test('Matcher: the one-pass literal prefilter picks what indexOf per literal picks, on 20,000 lines made of literal pieces', () => {
  // A user's signatures first: a literal of one character, one of two, one shared with a built-in, non-ASCII.
  const user: CompiledSignature[] = [
    { def: { ...builtIn[0]!.def, id: 'one-char', literals: ['§'], patterns: ['§ \\w+ failed'], requires: undefined }, regexes: [/§ \w+ failed/], origin: 'test' },
    { def: { ...builtIn[0]!.def, id: 'two-chars', literals: ['zq', 'EOF'], patterns: ['zq\\d'], requires: undefined }, regexes: [/zq\d/], origin: 'test' },
    { def: { ...builtIn[0]!.def, id: 'wide', literals: ['容器退出'], patterns: ['容器退出: \\S+'], requires: undefined }, regexes: [/容器退出: \S+/], origin: 'test' },
    // A pattern that matches without its literal: only the literal's presence lets it be tried.
    { def: { ...builtIn[0]!.def, id: 'gated', literals: ['LITX', 'x'], patterns: ['y\\d'], requires: undefined }, regexes: [/y\d/], origin: 'test' },
  ];
  const signatures = [...user, ...builtIn];
  const m = new Matcher(signatures);
  const rand = prng(20261205);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const literals = signatures.flatMap((s) => s.def.literals);
  const requires = signatures.flatMap((s) => s.def.requires ?? []);
  const noise = ['', ' ', ': ', 'exec failed', 'OC', 'runtime', 'unknown', '\u00e9', '\ud83d\ude00', 'zq7', '§ x failed', '容器退出: a', '"', 'LITY y1', 'LITX', 'y2', 'LI', 'rpc error: code = Unknown desc = '];
  const piece = () => {
    const r = rand();
    if (r < 0.35) return pick(literals);
    if (r < 0.5) {
      // A literal cut short, or with a character changed: its pair is there, the literal is not.
      const lit = pick(literals);
      const at = 1 + Math.floor(rand() * (lit.length - 1));
      return rand() < 0.5 ? lit.slice(0, at) : `${lit.slice(0, at)}#${lit.slice(at + 1)}`;
    }
    if (r < 0.6) return pick(requires);
    return pick(noise);
  };
  let matched = 0;
  for (let i = 0; i < 20_000; i++) {
    const parts = Array.from({ length: 1 + Math.floor(rand() * 6) }, piece);
    // Some lines past two regex windows, so that the long-line path is compared too.
    const line = rand() < 0.01 ? `${parts.join(' ')}${'x'.repeat(9000)}${parts.join('')}` : parts.join(rand() < 0.5 ? '' : ' ');
    const got = m.match(line);
    const want = referenceMatch(signatures, line);
    assert.deepEqual(got && { id: got.signature.id, start: got.start, end: got.end }, want, JSON.stringify(line.slice(0, 300)));
    if (want) matched += 1;
  }
  // The lines must exercise both answers.
  assert.ok(matched > 5000 && matched < 19_000, `${matched} of 20,000 lines matched`);
  // A line with no character pair at all, and the empty line.
  assert.equal(m.match('§'), null);
  assert.equal(m.match(''), null);
});

test('withUserSignatures: a valid user signature is added in front', () => {
  const r = withUserSignatures(builtIn, [userSig], 'settings');
  assert.deepEqual(r.problems, []);
  assert.equal(r.signatures.length, builtIn.length + 1);
  assert.equal(r.signatures[0]!.def.id, 'my-frobnicate');
  assert.equal(r.signatures[0]!.origin, 'settings');
  const m = new Matcher(r.signatures).match('E0507 03:43:28.310630 1 x.go:1] frobnicate failed: badly');
  assert.equal(m?.signature.id, 'my-frobnicate');
  assert.equal(m?.start, 32);
  // Built-ins still work behind it.
  assert.equal(new Matcher(r.signatures).match('OCI runtime exec failed: exec failed: EOF: unknown')?.signature.id, 'oci-exec-eof');
});

test('withUserSignatures: a user signature can override a built-in id', () => {
  const override = { ...userSig, id: 'oci-exec-eof', title: 'My EOF', literals: ['exec failed: EOF'], patterns: ['exec failed: EOF'] };
  const r = withUserSignatures(builtIn, [override], 'my-signatures.json');
  assert.deepEqual(r.problems, []);
  assert.equal(r.signatures.length, builtIn.length);
  assert.equal(r.signatures.filter((s) => s.def.id === 'oci-exec-eof').length, 1);
  assert.equal(r.signatures[0]!.def.title, 'My EOF');
  const m = new Matcher(r.signatures).match('kubectl: exec failed: EOF');
  assert.equal(m?.signature.title, 'My EOF');
  assert.equal(m?.start, 9);
});

test('withUserSignatures: flags "i" is honoured', () => {
  const r = withUserSignatures(builtIn, [{ ...userSig, literals: ['FROB'], patterns: ['frob'], flags: 'i' }], 'settings');
  assert.deepEqual(r.problems, []);
  assert.equal(new Matcher(r.signatures).match('FROB it')?.signature.id, 'my-frobnicate');
});

test('withUserSignatures: bad entries are reported with id and message, never thrown', () => {
  const entries: unknown[] = [
    { ...userSig, id: 'bad-regex', patterns: ['[a-'] },
    { ...userSig, id: 'slow-regex', patterns: ['(a+)+b'] },
    { ...userSig, id: 'no-patterns', patterns: undefined },
    { id: 'missing-fields' },
    { ...userSig, id: 'Bad Id' },
    { ...userSig, id: 'extra', extra: true },
    { ...userSig, id: 'short-literal', literals: ['ab'] },
    { ...userSig, id: 'bad-flags', flags: 'g' },
    { ...userSig, id: undefined },
    42,
    null,
    'a string',
    userSig,
  ];
  let r!: ReturnType<typeof withUserSignatures>;
  assert.doesNotThrow(() => {
    r = withUserSignatures(builtIn, entries, 'settings');
  });
  // Only the one valid entry made it.
  assert.equal(r.signatures.length, builtIn.length + 1);
  assert.equal(r.signatures[0]!.def.id, 'my-frobnicate');
  assert.equal(r.problems.length, entries.length - 1);
  for (const p of r.problems) {
    assert.equal(p.origin, 'settings');
    assert.equal(typeof p.message, 'string');
    assert.ok(p.message.length > 0);
  }
  const byId = new Map(r.problems.map((p) => [p.id, p.message]));
  assert.match(byId.get('bad-regex')!, /not a valid regular expression/);
  assert.match(byId.get('slow-regex')!, /rejected: a repeated group contains a quantifier/);
  assert.match(byId.get('no-patterns')!, /patterns/);
  assert.match(byId.get('missing-fields')!, /required property/);
  assert.match(byId.get('Bad Id')!, /\/id must match pattern/);
  assert.match(byId.get('extra')!, /additional properties/);
  assert.match(byId.get('short-literal')!, /\/literals\/0/);
  assert.match(byId.get('bad-flags')!, /\/flags/);
  assert.equal(r.problems.filter((p) => p.id === null).length, 4);
});

test('withUserSignatures: non-array input is reported; undefined and null mean "none"', () => {
  for (const user of [{ signatures: [userSig] }, 'x', 42, true]) {
    const r = withUserSignatures(builtIn, user, 'settings');
    assert.equal(r.signatures, builtIn);
    assert.deepEqual(r.problems, [{ origin: 'settings', id: null, message: 'expected an array of signatures' }]);
  }
  for (const user of [undefined, null]) {
    const r = withUserSignatures(builtIn, user, 'settings');
    assert.equal(r.signatures, builtIn);
    assert.deepEqual(r.problems, []);
  }
  assert.deepEqual(withUserSignatures(builtIn, [], 'settings').problems, []);
});

// ---------------------------------------------------------------- adversarial lines (hang guard)

const MB = 1024 * 1024;
const GUARD = { timeout: 20000 };

test('adversarial: 100k repetitions of "OCI runtime exec failed: "', GUARD, () => {
  const line = 'OCI runtime exec failed: '.repeat(100_000);
  assert.equal(parseLine(line).format, 'plain');
  // Words of a runtime error, whatever follows: the unclassified family, its span bounded by the window.
  const bare = matcher.match(line)!;
  assert.equal(bare.signature.id, 'runtime-error');
  assert.ok(bare.end - bare.start <= 4096 + 20, `span ${bare.end - bare.start}`);
  const withEof = `${line}exec failed: EOF: unknown`;
  const m = matcher.match(withEof)!;
  assert.equal(m.signature.id, 'oci-exec-eof');
  assert.equal(m.start, 99_999 * 25);
  assert.equal(withEof.slice(m.start, m.end), 'OCI runtime exec failed: exec failed: EOF');
});

test('adversarial: 2 MB of \\" inside a logrus msg with no closing quote', GUARD, () => {
  const line = `time="2021-05-07T03:43:28Z" level=error msg="${'\\"'.repeat(MB)}`;
  const r = parseLine(line);
  assert.equal(r.format, 'plain');
  assert.equal(r.time, null);
  assert.equal(matcher.match(line), null);
  const closed = `${line} OCI runtime exec failed: exec failed: EOF: unknown"`;
  assert.equal(matcher.match(closed)?.signature.id, 'oci-exec-eof');
  assert.ok(parseLine(closed).message.length <= 64 * 1024);
});

test('adversarial: error="…" field of 1 MB backslashes', GUARD, () => {
  const r = parseLine(`time="2021-05-07T03:43:28Z" level=error msg="x" error="${'\\'.repeat(MB)}`);
  assert.equal(r.format, 'logrus');
  assert.equal(r.message, 'x');
});

test('adversarial: 1 MB of spaces in a describe-row-like line', GUARD, () => {
  const line = `  Warning  Unhealthy  4m${' '.repeat(MB)}kubelet, node-a  Readiness probe failed: OCI runtime exec failed: exec failed: EOF: unknown`;
  assert.equal(parseLine(line).format, 'plain');
  const m = matcher.match(line)!;
  assert.equal(m.signature.id, 'oci-exec-eof');
  assert.equal(line.slice(m.start, m.end), 'OCI runtime exec failed: exec failed: EOF');
  assert.equal(parseLine(`${' '.repeat(MB)}Warning  x`).format, 'plain');
  const spaced = parseLine(`  Warning${'  a'.repeat(MB / 3)}`);
  assert.ok(spaced.message.length <= 64 * 1024);
});

test('adversarial: time=" followed by 1 MB of a', GUARD, () => {
  const line = `time="${'a'.repeat(MB)}`;
  const r = parseLine(line);
  assert.equal(r.format, 'plain');
  assert.equal(r.time, null);
  assert.equal(matcher.match(line), null);
});

test('adversarial: "I0507 " followed by 1 MB of digits', GUARD, () => {
  const line = `I0507 ${'1'.repeat(MB)}`;
  assert.equal(parseLine(line).format, 'plain');
  assert.equal(parseLine(line).time, null);
  assert.equal(matcher.match(line), null);
});

test('adversarial: journald-like prefixes with 1 MB hosts and identifiers', GUARD, () => {
  const host = 'h'.repeat(MB);
  for (const line of [`May  7 03:43:28 ${host}`, `May  7 03:43:28 ${host} kubelet[1]: x`, `2021-05-07T03:43:28+08:00 ${host}`, `May  7 03:43:28 host ${'k'.repeat(MB)}`]) {
    const r = parseLine(line);
    assert.equal(r.format, 'plain');
    assert.equal(r.time, null);
    assert.equal(matcher.match(line), null);
  }
  const eof = `May  7 03:43:28 ${host} kubelet[1]: I0507 03:43:28.310630   57003 prober.go:112] OCI runtime exec failed: exec failed: EOF: unknown`;
  assert.equal(matcher.match(eof)?.signature.id, 'oci-exec-eof');
});

test('adversarial: 5 MB of "Readiness probe " then "timed out"', GUARD, () => {
  const body = 'Readiness probe '.repeat((5 * MB) / 16);
  const line = `${body}timed out`;
  assert.equal(parseLine(line).format, 'plain');
  assert.equal(matcher.match(line), null);
  const after = `${body}timed out after 1s`;
  const m = matcher.match(after)!;
  assert.equal(m.signature.id, 'probe-timeout');
  assert.equal(m.start, body.length);
  assert.equal(after.slice(m.start, m.end), 'timed out after 1');
});

test('adversarial: other near-misses of every pattern, 1 MB each', GUARD, () => {
  const near: [string, string | null][] = [
    [`${'exec failed: '.repeat(MB / 13)} permission denied`, 'exec-permission-denied'],
    [`${'exec: '.repeat(MB / 6)}${'z'.repeat(500)} permission denied`, null],
    [`Readiness probe failed: command ${'x'.repeat(MB)} timed out`, null],
    [`exec: ${'a'.repeat(MB)}: no such file or directory`, null],
    [`Get http://${'a'.repeat(MB)}: EOF`, null],
    [`${'probe Get "http://'.repeat(MB / 18)}: EOF`, null],
    [`Container ${'0'.repeat(MB)} is not running`, null],
    [`${'probe for "a'.repeat(MB / 12)}`, null],
    [`I0507 03:43:28.310630   57003 prober.go:112] ${'pod="a'.repeat(MB / 6)}`, null],
    [`shop 4m Warning Unhealthy pod/x${' a'.repeat(MB / 2)}`, null],
    [`{"msg":"${'a'.repeat(MB)}"}`, null],
  ];
  for (const [line, id] of near) {
    const r = parseLine(line);
    assert.ok(r.message.length <= 64 * 1024);
    assert.equal(matcher.match(line)?.signature.id ?? null, id, line.slice(0, 40));
  }
});

test('a long line: an unrelated early literal does not hide the real error further on', () => {
  const line = `probe output: exec failed: EOF quoted early ${'x'.repeat(10000)} OCI runtime exec failed: exec failed: EOF: unknown`;
  const m = matcher.match(line)!;
  assert.equal(m?.signature.id, 'oci-exec-eof');
  assert.equal(m.start, line.indexOf('OCI runtime'));
  assert.equal(line.slice(m.start, m.end), 'OCI runtime exec failed: exec failed: EOF');
  // The second literal ("unexpected EOF") is looked for too when the first only occurs unrelated.
  const other = `exec failed: EOF ${'x'.repeat(10000)} OCI runtime exec failed: exec failed: unexpected EOF: unknown`;
  assert.equal(other.slice(matcher.match(other)!.start, matcher.match(other)!.end), 'OCI runtime exec failed: exec failed: unexpected EOF');
});

test('adversarial: a literal repeated a million times without a match costs bounded work', GUARD, () => {
  const line = `${'exec failed: EOF '.repeat(1_000_000)}`;
  assert.equal(matcher.match(line), null);
  const perm = `${'exec permission denied '.repeat(500_000)}`;
  assert.equal(matcher.match(perm), null);
});

test('the built-in catalog document validates against its JSON schema', () => {
  const doc = JSON.parse(fs.readFileSync(path.join(repoRoot, 'src', 'core', 'knowledge', 'catalog.json'), 'utf8'));
  assert.equal(catalogErrors(doc), null);
  assert.match(catalogErrors({ signatures: [{ id: 'Bad Id', title: 'x' }] }) ?? '', /must/);
});
