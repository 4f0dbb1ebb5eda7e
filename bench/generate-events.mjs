#!/usr/bin/env node
// Generates cluster-scale inputs for the "events" benchmark (bench/run.mjs) and the events e2e test:
//
// - `kubectl get events -A -o json` of a large cluster in an outage: EVENTS items (default 400,000), each
//   a probe failure, as the kubelet's recorder makes them (one item per pod and message, with a count),
//   compact (one line, as `jq -c` or an API dump writes it, ~150 MB) or indented as kubectl prints it.
//   See ensureEventList for what the recorder does to a list and where each rule comes from.
// - `journalctl -o json` of LINES lines (default 200,000) from 20 nodes: kubelet klog lines wrapped in
//   MESSAGE (one in fifty the EOF), with __REALTIME_TIMESTAMP and _HOSTNAME; the nodes' clocks run at
//   +08:00, so the wrapped klog times and the journal's UTC times differ by eight hours.
//
// Deterministic (seeded PRNG). Files are written where the caller says, with a `.meta.json` beside
// each recording what was written: events and occurrences per signature, nodes. An existing file with
// a matching meta is reused.
//
//   node bench/generate-events.mjs DIR [events] [--indent]
//   node bench/generate-events.mjs DIR --journal [lines]
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { prng } from './prng.mjs';

/** Bump when the content changes, so files from an older generator are not reused. */
const GENERATOR_VERSION = 7;

const pad = (n, w = 2) => String(n).padStart(w, '0');
const EOF_MESSAGE = 'Readiness probe failed: OCI runtime exec failed: exec failed: EOF: unknown';

function reuse(file, meta) {
  const metaFile = `${file}.meta.json`;
  if (!fs.existsSync(file) || !fs.existsSync(metaFile)) return null;
  try {
    const old = JSON.parse(fs.readFileSync(metaFile, 'utf8'));
    if (old.generator === meta.generator && JSON.stringify(old.params) === JSON.stringify(meta.params) && fs.statSync(file).size === old.bytes) return old;
  } catch {
    // a broken meta: write the file again
  }
  return null;
}

async function writeAll(file, produce) {
  const tmp = `${file}.partial`;
  const out = fs.createWriteStream(tmp);
  let bytes = 0;
  let batch = [];
  let batchLen = 0;
  const write = async (s) => {
    batch.push(s);
    batchLen += s.length;
    if (batchLen < 1 << 20) return;
    const text = batch.join('');
    batch = [];
    batchLen = 0;
    bytes += Buffer.byteLength(text);
    if (!out.write(text)) await new Promise((r) => out.once('drain', r));
  };
  await produce(write);
  const text = batch.join('');
  bytes += Buffer.byteLength(text);
  out.write(text);
  await new Promise((resolve, reject) => out.end((e) => (e ? reject(e) : resolve())));
  fs.renameSync(tmp, file);
  return bytes;
}

/**
 * The kubelet's recorder, as it shapes a list (client-go tools/record/events_cache.go, pkg/kubelet):
 * - an event repeated with the same source, object, type, reason and message is one item: the
 *   EventCorrelator's eventLogger (getEventKey, eventObserve) patches the first one's count and
 *   lastTimestamp. So each item is a distinct (pod, message); a pod failing its probe for an hour is one
 *   item with a count, not one item per failure.
 * - the spam filter (EventSourceObjectSpamFilter: a burst of 25 events about an object, then one per
 *   5 minutes) lets at most 25 + 12 events about one pod through in an hour, whatever its probes do.
 * - items are named `<pod>.<hex of the first time's UnixNano>` and listed in etcd's key order: by
 *   namespace, then pod, then first time.
 * - events live for the API server's --event-ttl (1 h by default): the list spans the last hour.
 * A pod runs on one node for its life, at most the kubelet's --max-pods (110) of them a node, with one IP
 * from its node's pod CIDR (a /24 each, from the cluster's 10.0.0.0/8 here): its HTTP probe's URL
 * names that IP, so its messages are its own.
 */
const MAX_EVENTS_PER_POD = 25 + 12;
const PODS_PER_NODE = 100;
const HOUR_MS = 3_600_000;
/** A probe's default period (periodSeconds): consecutive failures of one probe are this far apart. */
const PERIOD_MS = 10_000;

/**
 * `kubectl get events -A -o json` of a cluster in an outage in which every pod fails its probes for the
 * hour: `events` items, each a finding (the worst case for recognition and for `--json`), over as many
 * pods as take (two or three items each) and nodes as hold them. One node in twenty runs the static
 * cpu-manager policy, and its pods with exec probes print the incident's `OCI runtime exec failed: exec
 * failed: EOF: unknown`; every other pod's HTTP probes print `Get "http://<its IP>:8080/healthz": EOF`
 * (quotes escaped in JSON). Nodes appear under their FQDN in `source.host` and under their short name
 * in `reportingInstance` (events.k8s.io style events carry only the latter), so a reader must take both
 * as the same node. Returns { file, meta }; meta.counts: items per signature, meta.occurrences: the sum
 * of their counts, meta.nodes: how many nodes, meta.eofNodes: how many of them print the EOF.
 */
export async function ensureEventList({ dir, events = 400_000, indent = false, log = () => {} }) {
  const file = path.join(dir, `events-${events}${indent ? '-indented' : ''}.json`);
  const meta = { generator: GENERATOR_VERSION, params: { events, indent } };
  const old = reuse(file, meta);
  if (old) return { file, meta: old };
  log(`generating ${file} (${events} events${indent ? ', indented' : ', compact'})…`);
  const rand = prng(events * 31 + 7);
  const int = (n) => Math.floor(rand() * n);
  const apps = ['payments-api', 'checkout-web', 'cart-service', 'catalog-search', 'auth-gateway', 'ledger-worker'];
  const namespaces = ['checkout', 'payments', 'search', 'shop'];
  const alnum = 'bcdfghjklmnpqrstvwxz2456789';
  const suffix = (n) => Array.from({ length: n }, () => alnum[int(alnum.length)]).join('');
  // The pods, each with the messages of its failing probes: the list's items are these, one each.
  const pods = [];
  let items = 0;
  for (let p = 0; items < events; p++) {
    const node = Math.floor(p / PODS_PER_NODE);
    const app = apps[int(apps.length)];
    const staticNode = node % 20 === 1;
    const exec = staticNode && int(2) === 0;
    const ip = `10.${node >> 8}.${node & 255}.${(p % PODS_PER_NODE) + 2}`;
    const http = (probe) => `${probe} probe failed: Get "http://${ip}:8080/healthz": EOF`;
    const execEof = (probe) => `${probe} probe failed: OCI runtime exec failed: exec failed: EOF: unknown`;
    const probes = exec ? ['Readiness', 'Liveness'] : int(3) === 0 ? ['Readiness', 'Liveness', 'Startup'] : ['Readiness', 'Liveness'];
    const messages = probes.slice(0, Math.min(probes.length, events - items)).map((probe) => (exec ? execEof(probe) : http(probe)));
    items += messages.length;
    pods.push({ node, app, namespace: namespaces[int(namespaces.length)], name: `${app}-${suffix(9)}-${suffix(5)}`, kind: exec ? 'oci-exec-eof' : 'http-probe-eof', messages });
  }
  const nodes = Math.floor((pods.length - 1) / PODS_PER_NODE) + 1;
  const short = Array.from({ length: nodes }, (_, i) => `ip-172-20-${i >> 8}-${i & 255}`);
  pods.sort((a, b) => (a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const counts = { 'oci-exec-eof': 0, 'http-probe-eof': 0 };
  const occurrences = { 'oci-exec-eof': 0, 'http-probe-eof': 0 };
  const perNode = {};
  const base = Date.UTC(2021, 4, 7, 3, 0, 0);
  const iso = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const bytes = await writeAll(file, async (write) => {
    const batch = [];
    let written = 0;
    const flush = async () => {
      if (batch.length === 0) return;
      const parts = batch.map((e) => (indent ? JSON.stringify(e, null, 4).replace(/^/gm, '        ') : JSON.stringify(e)));
      await write((written > 0 ? (indent ? ',\n' : ',') : '') + parts.join(indent ? ',\n' : ','));
      written += batch.length;
      batch.length = 0;
    };
    await write(indent ? '{\n    "apiVersion": "v1",\n    "items": [\n' : '{"apiVersion":"v1","items":[');
    let i = 0;
    for (const pod of pods) {
      // The pod's share of what the spam filter lets through, over its items; each item's failures a
      // probe period apart, inside the hour.
      let left = Math.min(MAX_EVENTS_PER_POD, pod.messages.length + int(MAX_EVENTS_PER_POD));
      const made = pod.messages.map((message, k) => {
        const count = k === pod.messages.length - 1 ? left : 1 + int(Math.max(1, left - (pod.messages.length - k) + 1));
        left -= count;
        const first = base + int(HOUR_MS - count * PERIOD_MS);
        return { count, first, last: first + (count - 1) * PERIOD_MS, message };
      });
      made.sort((a, b) => a.first - b.first);
      for (const e of made) {
        counts[pod.kind] += 1;
        occurrences[pod.kind] += e.count;
        perNode[short[pod.node]] = (perNode[short[pod.node]] ?? 0) + 1;
        // One event in four is an events.k8s.io-style event: no source.host, the node in reportingInstance.
        const modern = i++ % 4 === 1;
        // Trimmed to the fields a reader uses (a real event carries more: metadata, reason…).
        batch.push({
          count: e.count,
          firstTimestamp: iso(e.first),
          involvedObject: { fieldPath: `spec.containers{${pod.app.split('-')[0]}}`, kind: 'Pod', name: pod.name, namespace: pod.namespace },
          lastTimestamp: iso(e.last),
          message: e.message,
          ...(modern ? { reportingComponent: 'kubelet', reportingInstance: short[pod.node] } : { source: { component: 'kubelet', host: `${short[pod.node]}.ec2.internal` } }),
          type: 'Warning',
        });
        if (batch.length === 1000) await flush();
      }
    }
    await flush();
    await write(indent ? '\n    ],\n    "kind": "List",\n    "metadata": {\n        "resourceVersion": ""\n    }\n}\n' : '],"kind":"List","metadata":{"resourceVersion":""}}');
  });
  // Nodes with the incident's EOF: those the diagnosis puts its cause on.
  const eofNodes = new Set(pods.filter((p) => p.kind === 'oci-exec-eof').map((p) => p.node)).size;
  const full = { ...meta, bytes, events, pods: pods.length, counts, occurrences, nodes: Object.keys(perNode).length, eofNodes, perNode };
  fs.writeFileSync(`${file}.meta.json`, JSON.stringify(full, null, 2));
  return { file, meta: full };
}

/**
 * `journalctl -u kubelet -o json` from 20 nodes, `lines` lines. meta.counts: lines per signature,
 * meta.nodes, meta.offsetMinutes (the nodes' zone, which a reader can learn from each line).
 */
export async function ensureJournal({ dir, lines = 200_000, log = () => {} }) {
  const file = path.join(dir, `journal-${lines}.json`);
  const nodes = 20;
  const meta = { generator: GENERATOR_VERSION, params: { lines, nodes } };
  const old = reuse(file, meta);
  if (old) return { file, meta: old };
  log(`generating ${file} (${lines} journal lines from ${nodes} nodes)…`);
  const rand = prng(lines + 7);
  const int = (n) => Math.floor(rand() * n);
  const offsetMinutes = 480;
  const counts = { 'oci-exec-eof': 0 };
  const base = Date.UTC(2021, 4, 7, 3, 0, 0) * 1000;
  const bytes = await writeAll(file, async (write) => {
    for (let i = 0; i < lines; i++) {
      // Every node logs the EOF: (i + i/50) runs through all 20 nodes on the EOF lines (i = 50k + 13).
      const node = (i + Math.floor(i / 50)) % nodes;
      const us = base + i * 20_000 + int(1000);
      const local = new Date(Math.floor(us / 1000) + offsetMinutes * 60_000);
      const klogTime = `${pad(local.getUTCMonth() + 1)}${pad(local.getUTCDate())} ${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}.${pad(us % 1_000_000, 6)}`;
      const eof = i % 50 === 13;
      const pod = `payments-api-${(i % 997).toString(36)}`;
      const text = eof
        ? `I${klogTime}   57003 prober.go:112] Readiness probe for "${pod}_shop(d1aab5f0-ae8f-11eb-a151-080027049c65):api" failed (failure): OCI runtime exec failed: exec failed: EOF: unknown`
        : `I${klogTime}   57003 kubelet_getters.go:${170 + int(40)}] "Pod status updated" pod="shop/${pod}" status=Running`;
      if (eof) counts['oci-exec-eof'] += 1;
      const entry = {
        __CURSOR: `s=${(node * 7919).toString(16)};i=${i.toString(16)};b=5a3c;m=${i.toString(16)};t=${us.toString(16)};x=${(i * 31).toString(16)}`,
        __REALTIME_TIMESTAMP: String(us),
        __MONOTONIC_TIMESTAMP: String(1_000_000 + i * 20_000),
        _BOOT_ID: '5a3c2d1e0f9b8a7c6d5e4f3a2b1c0d9e',
        PRIORITY: '6',
        SYSLOG_FACILITY: '3',
        _UID: '0',
        _GID: '0',
        _SYSTEMD_SLICE: 'system.slice',
        _TRANSPORT: 'stdout',
        SYSLOG_IDENTIFIER: 'kubelet',
        _PID: '57003',
        _COMM: 'kubelet',
        _EXE: '/usr/bin/kubelet',
        _SYSTEMD_UNIT: 'kubelet.service',
        _HOSTNAME: `worker-${pad(node)}`,
        MESSAGE: text,
      };
      await write(`${JSON.stringify(entry)}\n`);
    }
  });
  const full = { ...meta, bytes, lines, counts, nodes, offsetMinutes };
  fs.writeFileSync(`${file}.meta.json`, JSON.stringify(full, null, 2));
  return { file, meta: full };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [dir, ...rest] = process.argv.slice(2);
  if (!dir) {
    process.stderr.write('usage: generate-events.mjs DIR [events] [--indent] | DIR --journal [lines]\n');
    process.exit(2);
  }
  fs.mkdirSync(dir, { recursive: true });
  const n = rest.find((a) => /^\d+$/.test(a));
  const log = (s) => process.stderr.write(`${s}\n`);
  const r = rest.includes('--journal')
    ? await ensureJournal({ dir, ...(n ? { lines: Number(n) } : {}), log })
    : await ensureEventList({ dir, ...(n ? { events: Number(n) } : {}), indent: rest.includes('--indent'), log });
  process.stdout.write(`${JSON.stringify({ file: r.file, ...r.meta, perNode: undefined })}\n`);
}
