import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalNode, distinctNodes, nodeFromPath, nodeOf } from '../../src/core/logs/nodes';

test('canonicalNode: an FQDN and its short name are one node; case and a trailing dot do not matter', () => {
  assert.equal(canonicalNode('ip-10-0-1-5.ec2.internal'), 'ip-10-0-1-5');
  assert.equal(canonicalNode('ip-10-0-1-5'), 'ip-10-0-1-5');
  assert.equal(canonicalNode('IP-10-0-1-5.EC2.Internal.'), 'ip-10-0-1-5');
  assert.equal(canonicalNode('gke-prod-pool-1-abcd.c.project.internal'), 'gke-prod-pool-1-abcd');
  assert.equal(canonicalNode(' worker-3 '), 'worker-3');
});

test('canonicalNode: addresses stay whole; nothing is no node', () => {
  assert.equal(canonicalNode('10.0.1.5'), '10.0.1.5');
  assert.equal(canonicalNode('fd00::1'), 'fd00::1');
  assert.equal(canonicalNode(''), null);
  assert.equal(canonicalNode('  '), null);
  assert.equal(canonicalNode(null), null);
  assert.equal(canonicalNode(undefined), null);
});

test('distinctNodes counts each node once, whatever name it goes by', () => {
  assert.deepEqual(distinctNodes(['ip-10-0-1-5.ec2.internal', 'ip-10-0-1-5', 'IP-10-0-1-5', 'ip-10-0-1-6', null, '']), ['ip-10-0-1-5', 'ip-10-0-1-6']);
});

test('nodeFromPath: the folder below nodes/ (or node/, hosts/), at any depth', () => {
  assert.equal(nodeFromPath('/incident/nodes/ip-10-0-1-5.ec2.internal/kubelet.log'), 'ip-10-0-1-5');
  assert.equal(nodeFromPath('/incident/nodes/worker-a/logs/journal/kubelet.log'), 'worker-a');
  assert.equal(nodeFromPath('/must-gather/hosts/node-b/dockerd.log'), 'node-b');
  assert.equal(nodeFromPath('/x/Nodes/Node-C/kubelet.log'), 'node-c');
});

test('nodeFromPath: a folder shaped like a node name; otherwise nothing', () => {
  assert.equal(nodeFromPath('/tmp/ip-10-0-1-7/kubelet.log'), 'ip-10-0-1-7');
  assert.equal(nodeFromPath('/tmp/ip-10-0-1-7.ec2.internal/kubelet.log'), 'ip-10-0-1-7');
  assert.equal(nodeFromPath('/tmp/gke-prod-default-pool-1a2b3c4d-x9z8/kubelet.log'), 'gke-prod-default-pool-1a2b3c4d-x9z8');
  assert.equal(nodeFromPath('/tmp/worker-3/kubelet.log'), 'worker-3');
  assert.equal(nodeFromPath('/home/me/incident/kubelet.log'), null);
  assert.equal(nodeFromPath('/home/me/logs/kubelet.log'), null);
  // The file's own name is never taken for a node, nor a nodes/ folder holding files directly.
  assert.equal(nodeFromPath('/incident/nodes/kubelet.log'), null);
});

test('nodeOf: the record\'s node first, else the folder', () => {
  assert.equal(nodeOf({ file: '/i/nodes/a/kubelet.log', record: { node: 'ip-10-0-1-5.ec2.internal' } }), 'ip-10-0-1-5');
  assert.equal(nodeOf({ file: '/i/nodes/a/kubelet.log', record: { node: null } }), 'a');
  assert.equal(nodeOf({ file: '/i/kubelet.log', record: {} }), null);
});
