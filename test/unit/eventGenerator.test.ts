import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../harness/paths';

// The bench's and the e2e test's event lists must be shaped as the kubelet's recorder shapes a real one
// (bench/generate-events.mjs, after client-go's tools/record): what the CLI is measured on decides
// which of its costs show.

interface Item {
  count: number;
  firstTimestamp: string;
  lastTimestamp: string;
  message: string;
  involvedObject: { name: string; namespace: string };
  source?: { host: string };
  reportingInstance?: string;
}

test('a generated event list is what the recorder makes: one item per pod and message, pods on one node each', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-eventgen-'));
  try {
    const meta = JSON.parse(execFileSync('node', [path.join(repoRoot, 'bench', 'generate-events.mjs'), dir, '3000'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })) as {
      file: string;
      pods: number;
      nodes: number;
      counts: Record<string, number>;
      occurrences: Record<string, number>;
    };
    const items = (JSON.parse(fs.readFileSync(meta.file, 'utf8')) as { items: Item[] }).items;
    assert.equal(items.length, 3000);
    const keys = new Set<string>();
    const nodeOfPod = new Map<string, string>();
    const podsOfNode = new Map<string, Set<string>>();
    const eventsOfPod = new Map<string, number>();
    const ipOfPod = new Map<string, string>();
    let previous = '';
    for (const e of items) {
      const pod = `${e.involvedObject.namespace}/${e.involvedObject.name}`;
      // The eventLogger counts a repeat of (source, object, reason, message) into the first item.
      const key = `${pod}\0${e.message}`;
      assert.ok(!keys.has(key), `${key}: two items`);
      keys.add(key);
      // Listed in etcd's key order: namespace, then the event's name (pod, then the first time's hex nanoseconds).
      const order = `${e.involvedObject.namespace}\0${e.involvedObject.name}\0${e.firstTimestamp}`;
      assert.ok(order >= previous, `${order} listed after ${previous}`);
      previous = order;
      const node = e.reportingInstance ?? e.source!.host.replace(/\.ec2\.internal$/, '');
      assert.equal(nodeOfPod.get(pod) ?? node, node, `${pod} on two nodes`);
      nodeOfPod.set(pod, node);
      podsOfNode.set(node, (podsOfNode.get(node) ?? new Set()).add(pod));
      eventsOfPod.set(pod, (eventsOfPod.get(pod) ?? 0) + e.count);
      // A probe fails once a period (10 s): an item's count spans its first and last time.
      assert.equal(Date.parse(e.lastTimestamp) - Date.parse(e.firstTimestamp), (e.count - 1) * 10_000, key);
      const ip = /http:\/\/([\d.]+):/.exec(e.message)?.[1];
      if (ip) {
        assert.equal(ipOfPod.get(pod) ?? ip, ip, `${pod}: two IPs`);
        ipOfPod.set(pod, ip);
      }
    }
    const times = items.flatMap((e) => [Date.parse(e.firstTimestamp), Date.parse(e.lastTimestamp)]);
    assert.ok(Math.max(...times) - Math.min(...times) <= 3_600_000, 'the list spans more than the events TTL (1 h)');
    // The spam filter lets 25 events about an object through, then one per 5 minutes: 37 in the hour.
    assert.ok(Math.max(...eventsOfPod.values()) <= 37, `a pod with ${Math.max(...eventsOfPod.values())} events`);
    // At most the kubelet's --max-pods; each pod's IP its own, from its node's /24.
    for (const [node, pods] of podsOfNode) {
      assert.ok(pods.size <= 110, `${node}: ${pods.size} pods`);
      const nets = new Set([...pods].filter((p) => ipOfPod.has(p)).map((p) => ipOfPod.get(p)!.split('.').slice(0, 3).join('.')));
      assert.ok(nets.size <= 1, `${node}: pods in ${[...nets].join(', ')}`);
    }
    assert.equal(new Set(ipOfPod.values()).size, ipOfPod.size, 'two pods with one IP');
    assert.equal(nodeOfPod.size, meta.pods);
    assert.equal(podsOfNode.size, meta.nodes);
    // Both kinds are there, and the meta says what was written.
    const eof = items.filter((e) => e.message.includes('exec failed: EOF'));
    assert.ok(eof.length > 0 && eof.length < items.length / 5, `${eof.length} exec EOF items`);
    assert.equal(meta.counts['oci-exec-eof'], eof.length);
    assert.equal(meta.occurrences['oci-exec-eof'], eof.reduce((n, e) => n + e.count, 0));
    assert.equal(meta.counts['http-probe-eof'], items.length - eof.length);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
