import assert from 'node:assert/strict';
import { test } from 'node:test';
import { componentFromName, parseLine, parseRfc3339, severityFromLevel } from '../../src/core/logs/formats';
import type { LogTime } from '../../src/core/logs/types';

// parseLine: one line in, one record out, for every format Runtime Lens reads.

const UID = 'd1aab5f0-ae8f-11eb-a151-080027049c65';
const INCIDENT_KLOG = `I0507 03:43:28.310630   57003 prober.go:112] Readiness probe for "adsfadofadfabdfhaodsfa(${UID}):c0" failed (failure): OCI runtime exec failed: exec failed: EOF: unknown`;
const EOF_MSG = 'OCI runtime exec failed: exec failed: EOF: unknown';

function time(year: number | null, month: number, day: number, hour: number, minute: number, second: number, micros: number, offsetMinutes: number | null): LogTime {
  return { year, month, day, hour, minute, second, micros, offsetMinutes };
}

/** A time that is either null or made of finite numbers: never NaN, never an Invalid Date downstream. */
function assertSaneTime(t: LogTime | null): void {
  if (t === null) return;
  for (const [k, v] of Object.entries(t)) if (v !== null) assert.ok(Number.isFinite(v), `${k} = ${String(v)}`);
}

// ---------------------------------------------------------------------------------------------- klog

test('klog: the incident line (redacted pod without namespace) gives time, severity, pod and container', () => {
  const r = parseLine(INCIDENT_KLOG);
  assert.equal(r.format, 'klog');
  assert.equal(r.payloadFormat, 'klog');
  assert.deepEqual(r.time, time(null, 5, 7, 3, 43, 28, 310630, null));
  assert.equal(r.severity, 'info');
  assert.equal(r.pod, 'adsfadofadfabdfhaodsfa');
  assert.equal(r.namespace, null);
  assert.equal(r.container, 'c0');
  assert.equal(r.count, 1);
  assert.equal(r.component, 'unknown');
  assert.equal(r.message, `Readiness probe for "adsfadofadfabdfhaodsfa(${UID}):c0" failed (failure): ${EOF_MSG}`);
});

test('klog: severities I, W, E, F', () => {
  const line = (s: string) => `${s}0507 03:43:28.310630   57003 prober.go:112] hello`;
  assert.equal(parseLine(line('I')).severity, 'info');
  assert.equal(parseLine(line('W')).severity, 'warning');
  assert.equal(parseLine(line('E')).severity, 'error');
  assert.equal(parseLine(line('F')).severity, 'fatal');
  for (const s of 'IWEF') assert.equal(parseLine(line(s)).message, 'hello');
});

test('klog: pod_namespace(uid):container prober form gives pod, namespace and container', () => {
  const r = parseLine(
    `W1231 23:59:59.000001 1 prober.go:112] Liveness probe for "payments-api-6d8f7c9b4-kx2lp_shop(${UID}):api" failed (failure): ${EOF_MSG}`,
  );
  assert.equal(r.format, 'klog');
  assert.deepEqual(r.time, time(null, 12, 31, 23, 59, 59, 1, null));
  assert.equal(r.severity, 'warning');
  assert.equal(r.pod, 'payments-api-6d8f7c9b4-kx2lp');
  assert.equal(r.namespace, 'shop');
  assert.equal(r.container, 'api');
});

test('klog: structured form pod="ns/name" containerName="c"', () => {
  const r = parseLine(
    `I0507 03:43:28.400415   57003 prober.go:116] "Probe failed" probeType="Readiness" pod="shop/payments-api-6d8f7c9b4-kx2lp" podUID=${UID} containerName="api" probeResult=failure output="${EOF_MSG}"`,
  );
  assert.equal(r.format, 'klog');
  assert.equal(r.pod, 'payments-api-6d8f7c9b4-kx2lp');
  assert.equal(r.namespace, 'shop');
  assert.equal(r.container, 'api');
  assert.ok(r.message.startsWith('"Probe failed" probeType="Readiness"'));
  assert.ok(r.message.includes(EOF_MSG));
});

test('klog: structured pod without containerName leaves container null', () => {
  const r = parseLine('E0507 03:43:28.400415   57003 kubelet.go:100] "Sync failed" pod="kube-system/coredns-1"');
  assert.equal(r.pod, 'coredns-1');
  assert.equal(r.namespace, 'kube-system');
  assert.equal(r.container, null);
});

test('klog: a line without a pod reference has pod, namespace, container null', () => {
  const r = parseLine('I0507 03:40:01.417531   57003 server.go:417] Version: v1.14.8');
  assert.equal(r.format, 'klog');
  assert.equal(r.pod, null);
  assert.equal(r.namespace, null);
  assert.equal(r.container, null);
  assert.equal(r.message, 'Version: v1.14.8');
});

test('klog: malformed dates (month 13, day 32, hour 25, minute 61, Apr 31) keep the format but time is null', () => {
  for (const stamp of ['1307 03:43:28.310630', '0532 03:43:28.310630', '0507 25:43:28.310630', '0507 03:61:28.310630', '0431 03:43:28.310630', '0007 03:43:28.310630']) {
    const r = parseLine(`E${stamp}   57003 prober.go:112] ${EOF_MSG}`);
    assert.equal(r.format, 'klog', stamp);
    assert.equal(r.time, null, stamp);
    assert.equal(r.severity, 'error');
    assert.equal(r.message, EOF_MSG);
  }
  // Feb 29 has no year to check against, so it stays (resolveTime decides once a year is known).
  assert.deepEqual(parseLine('I0229 00:00:00.000000 1 a.go:1] x').time, time(null, 2, 29, 0, 0, 0, 0, null));
});

test('klog: a header that is not quite klog is a plain line', () => {
  for (const line of ['I0507 03:43:28.3106   57003 prober.go:112] short micros', 'X0507 03:43:28.310630 1 a.go:1] bad severity', 'I0507 03:43:28.310630 prober.go:112] no pid']) {
    assert.equal(parseLine(line).format, 'plain', line);
    assert.equal(parseLine(line).time, null);
  }
});

// -------------------------------------------------------------------------------------------- logrus

test('logrus: dockerd closed-fifo line with RFC 3339 zone and nanoseconds', () => {
  const r = parseLine('time="2021-05-06T16:51:40.009989451+08:00" level=error msg="stream copy error: reading from a closed fifo"');
  assert.equal(r.format, 'logrus');
  assert.equal(r.payloadFormat, 'logrus');
  assert.deepEqual(r.time, time(2021, 5, 6, 16, 51, 40, 9989, 480));
  assert.equal(r.severity, 'error');
  assert.equal(r.message, 'stream copy error: reading from a closed fifo');
  assert.equal(r.component, 'unknown');
});

test('logrus: escaped quotes in msg are unescaped', () => {
  const r = parseLine('time="2021-05-07T03:43:28.1Z" level=warning msg="exec \\"abc\\" failed\\tnow" foo=bar');
  assert.equal(r.format, 'logrus');
  assert.equal(r.message, 'exec "abc" failed\tnow');
  assert.equal(r.severity, 'warning');
  assert.deepEqual(r.time, time(2021, 5, 7, 3, 43, 28, 100000, 0));
});

test('logrus: containerd CRI ExecSync line keeps the error field in the message, component containerd', () => {
  const line =
    'time="2021-05-07T03:43:28.310630123Z" level=error msg="ExecSync for \\"4f1d0c6c8a3e\\" failed" error="rpc error: code = Unknown desc = failed to exec in container: failed to start exec \\"8e34e8b9\\": OCI runtime exec failed: exec failed: EOF: unknown"';
  const r = parseLine(line);
  assert.equal(r.format, 'logrus');
  assert.equal(r.component, 'containerd');
  assert.equal(
    r.message,
    'ExecSync for "4f1d0c6c8a3e" failed: rpc error: code = Unknown desc = failed to exec in container: failed to start exec "8e34e8b9": OCI runtime exec failed: exec failed: EOF: unknown',
  );
  assert.ok(r.message.includes(EOF_MSG));
  assert.deepEqual(r.time, time(2021, 5, 7, 3, 43, 28, 310630, 0));
});

test('logrus: dockerd module=libcontainerd is component dockerd', () => {
  const r = parseLine('time="2021-05-07T03:40:12.037456115+08:00" level=info msg="ignoring event" module=libcontainerd namespace=moby topic=/tasks/exit type="*events.TaskExit"');
  assert.equal(r.format, 'logrus');
  assert.equal(r.component, 'dockerd');
  assert.equal(r.severity, 'info');
  assert.equal(r.message, 'ignoring event');
});

test('logrus: containerd module= field is component containerd', () => {
  const r = parseLine('time="2021-05-07T03:40:12Z" level=info msg="loading plugin" module=containerd type=io.containerd.grpc.v1');
  assert.equal(r.component, 'containerd');
});

test('logrus: an unquoted single-word msg (logrus quotes only when needed) is still logrus', () => {
  const r = parseLine('time="2021-05-07T03:40:12.000000001+08:00" level=info msg=starting address=/run/containerd/containerd.sock');
  assert.equal(r.format, 'logrus');
  assert.equal(r.message, 'starting');
  assert.deepEqual(r.time, time(2021, 5, 7, 3, 40, 12, 0, 480));
});

test('logrus: levels map to severities', () => {
  const sev = (level: string) => parseLine(`time="2021-05-07T03:43:28Z" level=${level} msg="x"`).severity;
  assert.equal(sev('debug'), 'debug');
  assert.equal(sev('trace'), 'debug');
  assert.equal(sev('info'), 'info');
  assert.equal(sev('warning'), 'warning');
  assert.equal(sev('warn'), 'warning');
  assert.equal(sev('error'), 'error');
  assert.equal(sev('fatal'), 'fatal');
  assert.equal(sev('panic'), 'fatal');
  assert.equal(sev('weird'), 'unknown');
});

test('logrus: malformed times (month 13, hour 25, Feb 30, garbage) give time null, the rest still parsed', () => {
  for (const t of ['2021-13-07T03:43:28Z', '2021-05-07T25:43:28Z', '2021-02-30T03:43:28Z', '2021-02-29T03:43:28Z', 'yesterday', '', '1969-12-31T23:59:59Z']) {
    const r = parseLine(`time="${t}" level=error msg="${EOF_MSG}"`);
    assert.equal(r.format, 'logrus', t);
    assert.equal(r.time, null, t);
    assert.equal(r.message, EOF_MSG);
  }
  // 2020 is a leap year.
  assert.deepEqual(parseLine('time="2020-02-29T03:43:28Z" level=error msg="x"').time, time(2020, 2, 29, 3, 43, 28, 0, 0));
});

test('parseRfc3339: zones, fractions, separators', () => {
  assert.deepEqual(parseRfc3339('2021-05-07T03:43:28Z'), time(2021, 5, 7, 3, 43, 28, 0, 0));
  assert.deepEqual(parseRfc3339('2021-05-07 03:43:28.5-05:30'), time(2021, 5, 7, 3, 43, 28, 500000, -330));
  assert.deepEqual(parseRfc3339('2021-05-07T03:43:28,123456789+0800'), time(2021, 5, 7, 3, 43, 28, 123456, 480));
  assert.deepEqual(parseRfc3339('2021-05-07T03:43:28'), time(2021, 5, 7, 3, 43, 28, 0, null));
  assert.equal(parseRfc3339('2021-05-07T03:43'), null);
  assert.equal(parseRfc3339('2021-05-07T03:43:28Zjunk'), null);
});

// ---------------------------------------------------------------------------------------------- JSON

test('JSON: containerd JSON log with error field', () => {
  const r = parseLine(JSON.stringify({ level: 'error', time: '2021-05-07T03:43:28.310630Z', msg: 'ExecSync for "x" failed', error: EOF_MSG }));
  assert.equal(r.format, 'json');
  assert.equal(r.payloadFormat, 'json');
  assert.equal(r.message, `ExecSync for "x" failed: ${EOF_MSG}`);
  assert.equal(r.component, 'containerd');
  assert.equal(r.severity, 'error');
  assert.deepEqual(r.time, time(2021, 5, 7, 3, 43, 28, 310630, 0));
});

test('JSON: docker json-file line (log, stream, time)', () => {
  const r = parseLine(JSON.stringify({ log: 'hello from the app\n', stream: 'stderr', time: '2021-05-06T19:43:28.310630123Z' }));
  assert.equal(r.format, 'json');
  assert.equal(r.message, 'hello from the app\n');
  assert.deepEqual(r.time, time(2021, 5, 6, 19, 43, 28, 310630, 0));
  assert.equal(r.severity, 'unknown');
});

test('JSON: module libcontainerd → dockerd; pod references in msg are read', () => {
  const r = parseLine(JSON.stringify({ level: 'info', msg: 'ignoring event', module: 'libcontainerd', ts: '2021-05-07T03:43:28+08:00' }));
  assert.equal(r.component, 'dockerd');
  assert.deepEqual(r.time, time(2021, 5, 7, 3, 43, 28, 0, 480));
  const p = parseLine(JSON.stringify({ message: `Readiness probe for "web-1_prod(${UID}):nginx" failed` }));
  assert.equal(p.pod, 'web-1');
  assert.equal(p.namespace, 'prod');
  assert.equal(p.container, 'nginx');
});

test('JSON: not JSON logs (array, no message, broken) are plain lines', () => {
  for (const line of ['[1,2,3]', '{"level":"info"}', '{"msg": "x"', '{"msg": 5}', '{not json}']) {
    const r = parseLine(line);
    assert.equal(r.format, 'plain', line);
    assert.equal(r.message, line);
  }
});

// ------------------------------------------------------------------------------------------ journald

test('journald short prefix with klog payload: component from identifier, payloadFormat klog, micros from klog', () => {
  const r = parseLine(`May  7 03:43:28 node-a kubelet[57003]: ${INCIDENT_KLOG}`);
  assert.equal(r.format, 'journald');
  assert.equal(r.payloadFormat, 'klog');
  assert.equal(r.component, 'kubelet');
  assert.equal(r.pod, 'adsfadofadfabdfhaodsfa');
  assert.equal(r.container, 'c0');
  assert.equal(r.severity, 'info');
  // The short prefix has whole seconds only; the klog payload reads the same second with micros.
  assert.deepEqual(r.time, time(null, 5, 7, 3, 43, 28, 310630, null));
  assert.ok(r.message.endsWith(EOF_MSG));
});

test('journald short-precise prefix with logrus payload: the payload\'s full RFC 3339 time is kept', () => {
  const r = parseLine(
    'May 07 03:43:28.144298 node-a dockerd[1203]: time="2021-05-07T03:43:28.144298778+08:00" level=error msg="Error running exec 8e34 in container: OCI runtime exec failed: exec failed: EOF: unknown"',
  );
  assert.equal(r.format, 'journald');
  assert.equal(r.payloadFormat, 'logrus');
  assert.equal(r.component, 'dockerd');
  assert.equal(r.severity, 'error');
  assert.equal(r.message, 'Error running exec 8e34 in container: OCI runtime exec failed: exec failed: EOF: unknown');
  assert.deepEqual(r.time, time(2021, 5, 7, 3, 43, 28, 144298, 480));
});

test('journald short prefix with logrus payload: year and zone come from the payload', () => {
  const r = parseLine('May 07 03:43:27 node-a dockerd[1203]: time="2021-05-07T03:43:27.994653921+08:00" level=error msg="stream copy error: reading from a closed fifo"');
  assert.equal(r.payloadFormat, 'logrus');
  assert.equal(r.component, 'dockerd');
  assert.deepEqual(r.time, time(2021, 5, 7, 3, 43, 27, 994653, 480));
});

test('journald short-iso prefix with klog payload: time from the prefix (year, zone), micros from klog', () => {
  const r = parseLine(`2021-05-07T03:43:28+0800 node-a kubelet[57003]: ${INCIDENT_KLOG}`);
  assert.equal(r.format, 'journald');
  assert.equal(r.payloadFormat, 'klog');
  assert.equal(r.component, 'kubelet');
  assert.deepEqual(r.time, time(2021, 5, 7, 3, 43, 28, 310630, 480));
});

test('journald short-iso-precise prefix keeps its own fraction; a payload in another zone does not override it', () => {
  const r = parseLine('2021-05-07T03:43:28.5+08:00 node-a containerd[900]: time="2021-05-06T19:43:28.123Z" level=error msg="x"');
  assert.equal(r.payloadFormat, 'logrus');
  assert.equal(r.component, 'containerd');
  assert.deepEqual(r.time, time(2021, 5, 7, 3, 43, 28, 500000, 480));
  // Whole-second prefix, payload at the same wall second but in UTC: a different instant, no refinement.
  const s = parseLine('2021-05-07T03:43:28+08:00 node-a containerd[900]: time="2021-05-07T03:43:28.123Z" level=error msg="x"');
  assert.deepEqual(s.time, time(2021, 5, 7, 3, 43, 28, 0, 480));
});

test('journald with a plain payload and without pid', () => {
  const r = parseLine('May 07 03:43:28 node-a systemd: Started Kubernetes Kubelet.');
  assert.equal(r.format, 'journald');
  assert.equal(r.payloadFormat, 'plain');
  assert.equal(r.component, 'unknown');
  assert.equal(r.message, 'Started Kubernetes Kubelet.');
  assert.deepEqual(r.time, time(null, 5, 7, 3, 43, 28, 0, null));
  assert.equal(parseLine('May 07 03:43:28 node-a containerd-shim[5]: hi').component, 'containerd-shim');
  assert.equal(parseLine('May 07 03:43:28 node-a docker[5]: hi').component, 'dockerd');
});

test('journald with malformed prefix time: no time, never NaN', () => {
  for (const line of ['Foo 07 03:43:28 node-a kubelet[1]: hi', 'May 07 25:43:28 node-a kubelet[1]: hi', 'Feb 31 03:43:28 node-a kubelet[1]: hi', '2021-13-07T03:43:28+08:00 node-a kubelet[1]: hi']) {
    const r = parseLine(line);
    assert.equal(r.time, null, line);
  }
  assert.equal(parseLine('Foo 07 03:43:28 node-a kubelet[1]: hi').format, 'plain');
  assert.equal(parseLine('May 07 25:43:28 node-a kubelet[1]: hi').format, 'journald');
});

// ----------------------------------------------------------------------------------------- kubectl

test('kubectl describe event row: count from "x31", component kubelet, severity warning', () => {
  const r = parseLine('  Warning  Unhealthy  4m (x31 over 9m)  kubelet, node-a  Readiness probe failed: OCI runtime exec failed: exec failed: EOF: unknown');
  assert.equal(r.format, 'kubectl-describe');
  assert.equal(r.payloadFormat, 'kubectl-describe');
  assert.equal(r.count, 31);
  assert.equal(r.component, 'kubelet');
  assert.equal(r.severity, 'warning');
  assert.equal(r.message, `Readiness probe failed: ${EOF_MSG}`);
  assert.equal(r.time, null);
});

test('kubectl describe event row without aggregation and with a bare "kubelet" source', () => {
  const r = parseLine('  Normal   Pulled     2m                  kubelet            Container image "nginx" already present on machine');
  assert.equal(r.format, 'kubectl-describe');
  assert.equal(r.count, 1);
  assert.equal(r.severity, 'info');
  assert.equal(r.component, 'kubelet');
  assert.equal(r.message, 'Container image "nginx" already present on machine');
});

test('kubectl get events row with NAMESPACE column', () => {
  const r = parseLine(`shop        4m (x31 over 9m)   Warning   Unhealthy   pod/payments-api-6d8f7c9b4-kx2lp   Readiness probe failed: ${EOF_MSG}`);
  assert.equal(r.format, 'kubectl-events');
  assert.equal(r.namespace, 'shop');
  assert.equal(r.pod, 'payments-api-6d8f7c9b4-kx2lp');
  assert.equal(r.count, 31);
  assert.equal(r.severity, 'warning');
  assert.equal(r.component, 'kubelet');
  assert.equal(r.message, `Readiness probe failed: ${EOF_MSG}`);
});

test('kubectl get events row without NAMESPACE column', () => {
  const r = parseLine(`4m (x31 over 9m)   Warning   Unhealthy   pod/payments-api-6d8f7c9b4-kx2lp   Readiness probe failed: ${EOF_MSG}`);
  assert.equal(r.format, 'kubectl-events');
  assert.equal(r.namespace, null);
  assert.equal(r.pod, 'payments-api-6d8f7c9b4-kx2lp');
  assert.equal(r.count, 31);
  const s = parseLine(`73s         Warning   Unhealthy   pod/web-1   Liveness probe failed: ${EOF_MSG}`);
  assert.equal(s.format, 'kubectl-events');
  assert.equal(s.namespace, null);
  assert.equal(s.pod, 'web-1');
  assert.equal(s.count, 1);
  assert.equal(s.component, 'kubelet');
});

test('kubectl get events row about a non-pod object has no pod', () => {
  const r = parseLine('shop   5m   Normal   ScalingReplicaSet   deployment/payments-api   Scaled up replica set payments-api-6d8f7c9b4 to 2');
  assert.equal(r.format, 'kubectl-events');
  assert.equal(r.pod, null);
  assert.equal(r.namespace, 'shop');
  assert.equal(r.severity, 'info');
  assert.equal(r.component, 'unknown');
});

// ------------------------------------------------------------------------------------ plain and odd

test('plain lines come back whole as plain', () => {
  for (const line of ['hello world', '', '   ', 'runc version 1.0.0-rc6', '\tindented']) {
    const r = parseLine(line);
    assert.equal(r.format, 'plain', JSON.stringify(line));
    assert.equal(r.payloadFormat, 'plain');
    assert.equal(r.message, line);
    assert.equal(r.time, null);
    assert.equal(r.severity, 'unknown');
    assert.equal(r.component, 'unknown');
    assert.equal(r.count, 1);
    assert.equal(r.pod, null);
  }
});

test('a 10 MB line returns, with its message cut', { timeout: 20000 }, () => {
  const line = `E0507 03:43:28.310630   57003 prober.go:112] ${EOF_MSG} ${'x'.repeat(10 * 1024 * 1024)}`;
  const r = parseLine(line);
  assert.equal(r.format, 'klog');
  assert.deepEqual(r.time, time(null, 5, 7, 3, 43, 28, 310630, null));
  assert.ok(r.message.startsWith(EOF_MSG));
  assert.ok(r.message.length < 100 * 1024, `message is ${r.message.length} characters`);
  const plain = parseLine('y'.repeat(10 * 1024 * 1024));
  assert.equal(plain.format, 'plain');
  assert.ok(plain.message.length < 100 * 1024);
});

test('no record ever has a NaN in its time', () => {
  const lines = [
    'I9999 99:99:99.999999 1 a.go:1] x',
    'time="9999-99-99T99:99:99.999999999+99:99" level=error msg="x"',
    '{"msg":"x","time":"2021-00-00T00:00:00Z"}',
    'Jan 00 00:00:00 h k[1]: x',
    '2021-05-07T03:43:28+99:99 h k[1]: x',
  ];
  for (const l of lines) assertSaneTime(parseLine(l).time);
  assert.equal(parseLine(lines[0]!).time, null);
  assert.equal(parseLine(lines[1]!).time, null);
  assert.equal(parseLine(lines[2]!).time, null);
  assert.equal(parseLine(lines[4]!).time, null);
  assert.equal(parseLine('time="2021-05-07T03:43:28+01:99" level=error msg="x"').time, null);
  assert.equal(parseLine('time="2021-05-07T03:43:28+19:00" level=error msg="x"').time, null);
  assert.deepEqual(parseLine('time="2021-05-07T03:43:28-14:00" level=error msg="x"').time, time(2021, 5, 7, 3, 43, 28, 0, -840));
});

test('componentFromName and severityFromLevel', () => {
  assert.equal(componentFromName('kubelet.log'), 'kubelet');
  assert.equal(componentFromName('dockerd.log'), 'dockerd');
  assert.equal(componentFromName('docker.service'), 'dockerd');
  assert.equal(componentFromName('containerd.log'), 'containerd');
  assert.equal(componentFromName('containerd-shim'), 'containerd-shim');
  assert.equal(componentFromName('kube-proxy'), 'kube-proxy');
  assert.equal(componentFromName('runc'), 'runc');
  assert.equal(componentFromName('dockerize.log'), null);
  assert.equal(componentFromName('syslog'), null);
  assert.equal(severityFromLevel('ERROR'), 'error');
  assert.equal(severityFromLevel('Normal'), 'info');
  assert.equal(severityFromLevel('crit'), 'fatal');
});
