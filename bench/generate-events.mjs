#!/usr/bin/env node
// Generates cluster-scale inputs for the "events" benchmark (bench/run.mjs) and the events e2e test:
//
// - `kubectl get events -A -o json` of a large cluster: EVENTS events (default 400,000) over NODES nodes,
//   compact (one line, as `jq -c` or an API dump writes it, ~130 MB) or indented as kubectl prints it.
//   One event in a hundred is the incident's `Readiness probe failed: OCI runtime exec failed: exec
//   failed: EOF: unknown` with count 3; the others are HTTP probe EOFs (`Get "http://…": EOF`, quotes
//   escaped in JSON), counts 1-5. Nodes appear under their FQDN in `source.host` and under their short
//   name in `reportingInstance` (events.k8s.io style events carry only the latter), so a reader
//   must take both as the same node.
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
const GENERATOR_VERSION = 5;

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
 * `kubectl get events -A -o json` with `events` events over `nodes` nodes. Returns { file, meta };
 * meta.counts: events per signature, meta.occurrences: the sum of their counts, meta.nodes: node names.
 */
export async function ensureEventList({ dir, events = 400_000, nodes = 200, indent = false, log = () => {} }) {
  const file = path.join(dir, `events-${events}${indent ? '-indented' : ''}.json`);
  const meta = { generator: GENERATOR_VERSION, params: { events, nodes, indent } };
  const old = reuse(file, meta);
  if (old) return { file, meta: old };
  log(`generating ${file} (${events} events${indent ? ', indented' : ', compact'})…`);
  const rand = prng(events * 31 + nodes);
  const int = (n) => Math.floor(rand() * n);
  const short = Array.from({ length: nodes }, (_, i) => `ip-10-0-${i >> 8}-${i & 255}`);
  const apps = ['payments-api', 'checkout-web', 'cart-service', 'catalog-search', 'auth-gateway', 'ledger-worker'];
  const counts = { 'oci-exec-eof': 0, 'http-probe-eof': 0 };
  const occurrences = { 'oci-exec-eof': 0, 'http-probe-eof': 0 };
  const perNode = {};
  const base = Date.UTC(2021, 4, 7, 3, 0, 0);
  const iso = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const bytes = await writeAll(file, async (write) => {
    const items = [];
    let written = 0;
    const flush = async () => {
      if (items.length === 0) return;
      const parts = items.map((e) => (indent ? JSON.stringify(e, null, 4).replace(/^/gm, '        ') : JSON.stringify(e)));
      await write((written > 0 ? (indent ? ',\n' : ',') : '') + parts.join(indent ? ',\n' : ','));
      written += items.length;
      items.length = 0;
    };
    await write(indent ? '{\n    "apiVersion": "v1",\n    "items": [\n' : '{"apiVersion":"v1","items":[');
    for (let i = 0; i < events; i++) {
      const eof = i % 100 === 37;
      const node = int(nodes);
      const app = apps[i % apps.length];
      // A few hundred pods, as in a real cluster's event list (the same pods warn again and again).
      const pod = `${app}-${(i % 97).toString(36)}`;
      const count = eof ? 3 : 1 + int(5);
      const last = base + i * 50;
      const kind = eof ? 'oci-exec-eof' : 'http-probe-eof';
      counts[kind] += 1;
      occurrences[kind] += count;
      perNode[short[node]] = (perNode[short[node]] ?? 0) + 1;
      // One event in four is an events.k8s.io-style event: no source.host, the node in reportingInstance.
      const modern = i % 4 === 1;
      // Trimmed to the fields a reader uses (a real event carries more), to keep the list near 130 MB.
      items.push({
        count,
        ...(eof ? { firstTimestamp: iso(last - 60_000) } : {}),
        involvedObject: { fieldPath: `spec.containers{${app.split('-')[0]}}`, kind: 'Pod', name: pod, namespace: 'shop' },
        lastTimestamp: iso(last),
        message: eof ? EOF_MESSAGE : `Readiness probe failed: Get "http://10.244.${node & 255}.${i & 255}:8080/healthz": EOF`,
        ...(modern ? { reportingComponent: 'kubelet', reportingInstance: short[node] } : { source: { component: 'kubelet', host: `${short[node]}.ec2.internal` } }),
        type: 'Warning',
      });
      if (items.length === 1000) await flush();
    }
    await flush();
    await write(indent ? '\n    ],\n    "kind": "List",\n    "metadata": {\n        "resourceVersion": ""\n    }\n}\n' : '],"kind":"List","metadata":{"resourceVersion":""}}');
  });
  const full = { ...meta, bytes, events, counts, occurrences, nodes: Object.keys(perNode).length, perNode };
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
