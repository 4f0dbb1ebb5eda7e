import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../harness/paths';
import { diagnose } from '../../src/core/diagnosis/diagnose';
import { builtInSignatures } from '../../src/core/signatures/catalog';
import { Matcher } from '../../src/core/signatures/matcher';
import { recogniseText } from '../../src/core/signatures/recognise';

// Look-alikes: errors that read like a runtime exec failure (or a probe timeout) and are not one. Each
// must have its own signature, with no cause of the differential, and never be counted as the real thing.

const matcher = new Matcher(builtInSignatures());
const titles = Object.fromEntries(matcher.signatures.map((s) => [s.def.id, s.def.title]));
const isLookalike = (id: string) => {
  const def = matcher.byId(id)!;
  return (def.causes ?? []).length === 0 && !def.observation;
};

interface Incident {
  source: string;
  text: string;
  label: string;
}
const incidents: Incident[] = fs
  .readFileSync(path.join(repoRoot, '..', 'shared', 'incidents-train.jsonl'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l) as Incident);

test('every lookalike:* thread of incidents-train.jsonl is recognised, and only as look-alikes', () => {
  const lookalikes = incidents.filter((i) => i.label.startsWith('lookalike:'));
  assert.ok(lookalikes.length >= 17, `${lookalikes.length} look-alike threads`);
  for (const i of lookalikes) {
    const ids = i.text.split('\n').map((l) => matcher.match(l)?.signature.id).filter((x): x is string => !!x);
    assert.ok(ids.length > 0, `${i.source} (${i.label}): no line recognised`);
    for (const id of ids) assert.ok(isLookalike(id), `${i.source} (${i.label}): ${id} is not a look-alike`);
  }
});

test('the kubelet HTTP prober\'s errors: each its own look-alike, never an exec probe timeout', () => {
  const at = (text: string) => matcher.match(text)?.signature.id ?? null;
  const cases: [string, string][] = [
    // Go ≥ 1.14 quotes the URL (net/url Error: `%s %q: %s`); net/http appends the client timeout's reason.
    ['Liveness probe failed: Get "http://10.2.3.4:8080/healthz": context deadline exceeded (Client.Timeout exceeded while awaiting headers)', 'http-probe-timeout'],
    // Structured klog escapes the quotes of the output value.
    ['I0507 03:43:28.310630   57003 prober.go:116] "Probe failed" probeType="Readiness" pod="shop/web-1" podUID=d1aab5f0 containerName="web" probeResult="failure" output="Get \\"http://10.2.3.4:8080/healthz\\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)"', 'http-probe-timeout'],
    // Older Go: unquoted URL, `net/http: request canceled`.
    ['Readiness probe failed: Get http://10.2.3.4:8080/healthz: net/http: request canceled (Client.Timeout exceeded while awaiting headers)', 'http-probe-timeout'],
    ['Readiness probe failed: Get "https://10.2.3.4:8443/ready": net/http: TLS handshake timeout', 'http-probe-timeout'],
    ['Readiness probe failed: Get "http://10.2.3.4:8080/ready": dial tcp 10.2.3.4:8080: i/o timeout', 'http-probe-timeout'],
    ['Liveness probe failed: Get "http://10.2.3.4:8080/healthz": dial tcp 10.2.3.4:8080: connect: connection refused', 'http-probe-refused'],
    ['Liveness probe failed: dial tcp 10.2.3.4:5432: connect: connection refused', 'http-probe-refused'],
    ['Readiness probe failed: Get http://10.112.2.4:80/health_check: read tcp 10.112.2.4:80: use of closed network connection', 'http-probe-transport'],
    // The exec probe's own timeout stays probe-timeout.
    ['Readiness probe errored: rpc error: code = DeadlineExceeded desc = context deadline exceeded', 'probe-timeout'],
    ['Liveness probe failed: command "/bin/check" timed out', 'probe-timeout'],
  ];
  for (const [line, id] of cases) assert.equal(at(line), id, line);
});

test('a node with only HTTP probe timeouts across many pods is not blamed on probe-timeout-load', () => {
  const lines: string[] = [];
  for (let i = 0; i < 60; i++) {
    const pod = `web-${i % 12}`;
    lines.push(`I0507 03:${String(40 + Math.floor(i / 6)).padStart(2, '0')}:${String((i * 7) % 60).padStart(2, '0')}.310630   57003 prober.go:116] "Probe failed" probeType="Liveness" pod="shop/${pod}" podUID=d1aab5f0-ae8f-11eb-a151-0800270${String(i % 12).padStart(5, '0')} containerName="web" probeResult="failure" output="Get \\"http://10.2.3.${i % 12}:8080/healthz\\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)"`);
    lines.push(`  Warning  Unhealthy  ${i}m  kubelet  Liveness probe failed: Get "http://10.2.3.${i % 12}:8080/healthz": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`);
  }
  const rec = recogniseText('/node-a/kubelet.log', lines.join('\n'), { matcher });
  assert.equal(rec.findings.length, 120);
  assert.ok(rec.findings.every((f) => f.signature === 'http-probe-timeout'));
  const d = diagnose({ recognitions: [rec], facts: rec.facts, saveState: null, user: {}, titles });
  assert.equal(d.verdict.cause, 'none');
  assert.notEqual(d.hypotheses[0]?.cause, 'probe-timeout-load');
  assert.notEqual(d.verdict.evidence.find((e) => e.id === 'timeouts-many-pods')?.holds, true);
});
