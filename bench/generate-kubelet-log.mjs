#!/usr/bin/env node
// Generates a large, realistic kubelet klog log for the benchmark (bench/run.mjs): a node running
// dozens of pods at --v=3, mostly ordinary chatter of varied length, with the incident's probe error
// `OCI runtime exec failed: exec failed: EOF: unknown` (and `unexpected EOF`) about once in 2,000
// lines, and look-alikes that must NOT be counted as that signature (HTTP probe EOF, a missing probe
// executable, connection resets, HTTP probe timeouts, a watch ending with "unexpected EOF").
//
// Deterministic: a seeded PRNG, so the same (size, seed) always gives the same bytes. The file is
// cached outside the repository (~/.cache/runtime-lens/bench/, or $RUNTIME_LENS_CACHE/bench/) with a
// .meta.json beside it that records what was written (line counts per kind); an existing file of the
// right size with a matching .meta.json is reused. Written through a stream in ~1 MB batches.
//
//   node bench/generate-kubelet-log.mjs [MiB]     # default 512
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { prng } from './prng.mjs';

/** Bump when the content changes, so cached files from an older generator are not reused. */
const GENERATOR_VERSION = 3;

export function benchCacheDir() {
  const base = process.env.RUNTIME_LENS_CACHE ?? path.join(process.env.HOME ?? os.homedir(), '.cache', 'runtime-lens');
  return path.join(base, 'bench');
}

const pad = (n, w = 2) => String(n).padStart(w, '0');

/** Line generator: returns { line, kind } objects, kind naming what a correct recogniser should say. */
function makeSource(seed) {
  const rand = prng(seed);
  const int = (n) => Math.floor(rand() * n);
  const pick = (xs) => xs[int(xs.length)];
  const HEX = '0123456789abcdef';
  const hex = (n) => {
    let s = '';
    for (let i = 0; i < n; i++) s += HEX[int(16)];
    return s;
  };
  const ALNUM = 'bcdfghjklmnpqrstvwxz2456789';
  const suffix = (n) => {
    let s = '';
    for (let i = 0; i < n; i++) s += ALNUM[int(ALNUM.length)];
    return s;
  };
  const uuid = () => `${hex(8)}-${hex(4)}-11eb-${hex(4)}-${hex(12)}`;

  // The node's pods: deployments with replica-set hashes, a few daemonsets and statefulsets.
  const apps = [
    ['payments-api', 'shop', 'api'], ['ledger-worker', 'shop', 'worker'], ['checkout-web', 'shop', 'web'],
    ['cart-service', 'shop', 'cart'], ['catalog-search', 'shop', 'search'], ['inventory-sync', 'shop', 'sync'],
    ['orders-db', 'data', 'postgres'], ['redis-cache', 'data', 'redis'], ['kafka-broker', 'data', 'kafka'],
    ['zookeeper', 'data', 'zookeeper'], ['coredns', 'kube-system', 'coredns'], ['kube-proxy', 'kube-system', 'kube-proxy'],
    ['calico-node', 'kube-system', 'calico-node'], ['node-exporter', 'monitoring', 'node-exporter'],
    ['fluent-bit', 'logging', 'fluent-bit'], ['prometheus-adapter', 'monitoring', 'prometheus-adapter'],
    ['ingress-nginx-controller', 'ingress-nginx', 'controller'], ['auth-gateway', 'platform', 'gateway'],
    ['notification-sender', 'platform', 'sender'], ['report-generator', 'analytics', 'generator'],
  ];
  const pods = [];
  for (const [app, ns, container] of apps) {
    const rs = `${suffix(9)}`;
    const replicas = 1 + int(3);
    for (let i = 0; i < replicas; i++) {
      const name = ns === 'data' ? `${app}-${i}` : `${app}-${rs}-${suffix(5)}`;
      pods.push({ name, ns, uid: uuid(), container, ip: `10.244.3.${10 + pods.length}`, cid: hex(64), sandbox: hex(12) });
    }
  }
  const podRef = (p) => `${p.name}_${p.ns}(${p.uid})`;
  const volumes = ['default-token-', 'config', 'data', 'tls-certs', 'kube-api-access-'];

  // klog time: node-local, no year, strictly increasing; 0-30 ms between lines (~15 h for 512 MB).
  let t = Date.UTC(2021, 4, 7, 3, 40, 1, 17) * 1000; // microseconds
  const klog = (level, src, msg) => {
    const d = new Date(Math.floor(t / 1000));
    const us = t % 1_000_000;
    return `${level}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(us, 6)}   57003 ${src}] ${msg}`;
  };

  const boot = [
    ['--address', '0.0.0.0'], ['--cgroup-driver', 'systemd'], ['--config', '/var/lib/kubelet/config.yaml'],
    ['--container-runtime', 'docker'], ['--cpu-manager-policy', 'static'], ['--cpu-manager-reconcile-period', '10s'],
    ['--kube-reserved', 'cpu=500m,memory=512Mi'], ['--network-plugin', 'cni'],
    ['--pod-infra-container-image', 'k8s.gcr.io/pause:3.1'], ['--v', '3'],
  ].map(([k, v]) => klog('I', 'flags.go:33', `FLAG: ${k}="${v}"`));
  const later = (ms) => ((t += ms * 1000 + int(1000)), t);
  later(400);
  boot.push(klog('I', 'server.go:417', 'Version: v1.14.8'));
  later(7000);
  boot.push(klog('I', 'cpu_manager.go:155', '[cpumanager] starting with static policy'));
  later(1);
  boot.push(klog('I', 'cpu_manager.go:156', '[cpumanager] reconciling every 10s'));

  const ordinary = [
    [14, (p) => klog('I', 'kubelet.go:1926', `SyncLoop (SYNC): ${1 + int(3)} pods; ${podRef(p)}`)],
    [10, (p) => klog('I', 'status_manager.go:520', `Status for pod "${podRef(p)}" is up-to-date; skipping`)],
    [12, (p) => klog('I', 'prober.go:125', `${pick(['Readiness', 'Liveness'])} probe for "${podRef(p)}:${p.container}" succeeded`)],
    [6, (p) => klog('I', 'kuberuntime_manager.go:585', `computePodActions got {KillPod:false CreateSandbox:false SandboxID:${p.sandbox} Attempt:0 NextInitContainerToStart:nil ContainersToStart:[] ContainersToKill:map[]} for pod "${podRef(p)}"`)],
    [5, (p) => klog('W', 'container.go:409', `Failed to create summary reader for "/kubepods/burstable/pod${p.uid}/${hex(64)}": none of the resources are being tracked.`)],
    [4, (p) => { const v = pick(volumes); const n = v.endsWith('-') ? v + suffix(5) : v; return klog('I', 'reconciler.go:252', `operationExecutor.MountVolume started for volume "${n}" (UniqueName: "kubernetes.io/secret/${p.uid}-${n}") pod "${p.name}" (UID: "${p.uid}")`); }],
    [4, (p) => { const v = pick(volumes); const n = v.endsWith('-') ? v + suffix(5) : v; return klog('I', 'operation_generator.go:669', `MountVolume.SetUp succeeded for volume "${n}" (UniqueName: "kubernetes.io/configmap/${p.uid}-${n}") pod "${p.name}" (UID: "${p.uid}")`); }],
    [3, () => klog('E', 'summary_sys_containers.go:47', 'Failed to get system container stats for "/system.slice/docker.service": failed to get cgroup stats for "/system.slice/docker.service": failed to get container info for "/system.slice/docker.service": unknown container "/system.slice/docker.service"')],
    [4, (p) => klog('I', 'generic.go:147', `GenericPLEG: ${p.uid}/${p.cid}: ${pick(['non-existent -> running', 'running -> exited', 'exited -> non-existent'])}`)],
    [3, (p) => klog('I', 'kubelet.go:1953', `SyncLoop (PLEG): "${podRef(p)}", event: &pleg.PodLifecycleEvent{ID:"${p.uid}", Type:"${pick(['ContainerStarted', 'ContainerDied'])}", Data:"${p.cid}"}`)],
    [3, () => klog('I', 'eviction_manager.go:229', 'eviction manager: synchronize housekeeping')],
    [3, () => klog('I', 'eviction_manager.go:243', `eviction manager: observations: signal=memory.available, available: ${3_000_000 + int(4_000_000)}Ki, capacity: 16265860Ki, time: 2021-05-07 ${pad(int(24))}:${pad(int(60))}:${pad(int(60))}.${int(1000)} +0800 CST`)],
    [3, (p) => klog('I', 'cpu_manager.go:221', `[cpumanager] reconcileState: container (pod: ${p.name}, container: ${p.container}, container id: ${p.cid}, cpuset: "${2 + int(6)}-${8 + int(8)}")`)],
    [2, (p) => klog('I', 'kubelet_getters.go:177', `status for pod ${p.name} updated to {Phase:Running Conditions:[{Type:Initialized Status:True LastProbeTime:0001-01-01 00:00:00 +0000 UTC LastTransitionTime:2021-05-07 03:41:02 +0800 CST Reason: Message:} {Type:Ready Status:True LastProbeTime:0001-01-01 00:00:00 +0000 UTC LastTransitionTime:2021-05-07 03:41:12 +0800 CST Reason: Message:} {Type:ContainersReady Status:True LastProbeTime:0001-01-01 00:00:00 +0000 UTC LastTransitionTime:2021-05-07 03:41:12 +0800 CST Reason: Message:} {Type:PodScheduled Status:True LastProbeTime:0001-01-01 00:00:00 +0000 UTC LastTransitionTime:2021-05-07 03:41:01 +0800 CST Reason: Message:}] Message: Reason: NominatedNodeName: HostIP:192.168.56.11 PodIP:${p.ip} StartTime:2021-05-07 03:41:02 +0800 CST}`)],
    [2, (p) => klog('I', 'volume_manager.go:350', `All volumes are attached and mounted for pod "${podRef(p)}"`)],
    [2, (p) => klog('I', 'docker_sandbox.go:326', `Failed to read pod IP from plugin/docker: NetworkPlugin cni failed on the status hook for pod "${p.name}_${p.ns}": CNI failed to retrieve network namespace path: cannot find network namespace for the terminated container "${p.sandbox}${hex(52)}"`)],
    [1, () => klog('W', 'reflector.go:302', `object-"${pick(apps)[1]}"/"${pick(['app-config', 'feature-flags', 'tls-bundle'])}": watch of *v1.ConfigMap ended with: too old resource version: ${1e7 + int(9e7)} (${1e7 + int(9e7)})`)],
    [1, () => klog('I', 'log.go:172', `http: TLS handshake error from 192.168.56.${2 + int(250)}:${30000 + int(30000)}: EOF`)],
    [1, (p) => klog('I', 'kuberuntime_container.go:581', `Killing container "docker://${p.cid}" with ${30 + int(60)} second grace period`)],
    // A rare, long line: the pod spec the config source received (a few KB).
    [0.05, (p) => klog('I', 'config.go:412', `Receiving a new pod "${podRef(p)}": &Pod{ObjectMeta:{${p.name} ${p.ns} /api/v1/namespaces/${p.ns}/pods/${p.name} ${p.uid} ${1e7 + int(9e7)} 0 2021-05-07 03:41:01 +0800 CST <nil> <nil> map[app:${p.container}] map[] [] [] []} Spec:{Volumes:[]Volume{` + Array.from({ length: 4 + int(20) }, (_, i) => `{Name:vol-${i} VolumeSource:{ConfigMap:&ConfigMapVolumeSource{Name:${hex(10)},Items:[],DefaultMode:*420,Optional:nil,}}}`).join(' ') + `} Containers:[{Name:${p.container} Image:registry.local/${p.ns}/${p.container}:2.${int(30)}.${int(10)} Env:[` + Array.from({ length: 5 + int(40) }, () => `{Name:${suffix(8).toUpperCase()} Value:${suffix(4 + int(40))}}`).join(' ') + `]}]}}`)],
  ];
  const totalWeight = ordinary.reduce((n, [w]) => n + w, 0);
  function ordinaryLine() {
    let r = rand() * totalWeight;
    const p = pick(pods);
    for (const [w, f] of ordinary) {
      r -= w;
      if (r < 0) return f(p);
    }
    return ordinary[0][1](p);
  }

  const probeFor = (p, kind) => `${kind} probe for "${podRef(p)}:${p.container}" failed (failure): `;
  const webPods = pods.filter((p) => ['web', 'api', 'gateway', 'controller'].includes(p.container));
  const execPods = pods.filter((p) => !webPods.includes(p));

  const queue = [];
  function next() {
    if (boot.length > 0) return { kind: 'ordinary', line: boot.shift() };
    if (queue.length > 0) return queue.shift();
    t += int(30_000);
    const r = rand();
    // ~1 in 2,000 lines: the incident, sometimes logged twice (klog I then W) by the prober.
    if (r < 1 / 2000) {
      const p = pick(execPods);
      const what = rand() < 0.8 ? 'EOF' : 'unexpected EOF';
      const kind = pick(['Readiness', 'Liveness']);
      const msg = `${probeFor(p, kind)}OCI runtime exec failed: exec failed: ${what}: unknown`;
      if (rand() < 0.3) queue.push({ kind: 'oci-exec-eof', line: klog('W', 'prober.go:108', msg) });
      return { kind: 'oci-exec-eof', line: klog('I', 'prober.go:112', msg) };
    }
    // Look-alikes, each rarer than the incident.
    if (r < 1 / 2000 + 1 / 6000) {
      const p = pick(webPods);
      return { kind: 'http-probe-eof', line: klog('I', 'prober.go:112', `${probeFor(p, 'Readiness')}Get http://${p.ip}:8080/healthz: EOF`) };
    }
    if (r < 1 / 2000 + 2 / 6000) {
      const p = pick(execPods);
      return { kind: 'exec-not-found', line: klog('I', 'prober.go:112', `${probeFor(p, 'Liveness')}OCI runtime exec failed: exec failed: container_linux.go:345: starting container process caused "exec: \\"${pick(['pg_isready', 'redis-cli', 'curl', 'wget'])}\\": executable file not found in $PATH": unknown`) };
    }
    if (r < 1 / 2000 + 3 / 6000) {
      const p = pick(webPods);
      return { kind: 'http-probe-connection-reset', line: klog('I', 'prober.go:112', `${probeFor(p, 'Readiness')}Get http://${p.ip}:8080/healthz: read tcp 10.244.3.1:${30000 + int(30000)}->${p.ip}:8080: read: connection reset by peer`) };
    }
    if (r < 1 / 2000 + 4 / 6000) {
      const p = pick(webPods);
      return { kind: 'http-probe-timeout', line: klog('I', 'prober.go:112', `${probeFor(p, 'Liveness')}Get http://${p.ip}:8080/healthz: net/http: request canceled (Client.Timeout exceeded while awaiting headers)`) };
    }
    if (r < 1 / 2000 + 5 / 6000) {
      // Not a finding at all: "unexpected EOF" outside an exec error.
      return { kind: 'ordinary', line: klog('W', 'reflector.go:302', `object-"${pick(apps)[1]}"/"app-config": watch of *v1.ConfigMap ended with: very short watch: k8s.io/client-go/informers/factory.go:133: Unexpected watch close - watch lasted less than a second and no items received: unexpected EOF`) };
    }
    return { kind: 'ordinary', line: ordinaryLine() };
  }
  return { next, padLine: (n) => klog('I', 'kubelet.go:1926', `SyncLoop (SYNC): 1 pods; ${'x'.repeat(Math.max(0, n))}`) };
}

/**
 * Makes sure the cached log of `bytes` bytes exists and returns { file, meta }. meta.counts holds the
 * number of lines of each kind ('oci-exec-eof', 'http-probe-eof', …, 'ordinary').
 */
export async function ensureKubeletLog({ bytes = 512 * 1024 * 1024, seed = 20210507, log = console.error } = {}) {
  const dir = benchCacheDir();
  fs.mkdirSync(dir, { recursive: true });
  const base = `kubelet-${bytes}-s${seed}-v${GENERATOR_VERSION}.log`;
  const file = path.join(dir, base);
  const metaFile = `${file}.meta.json`;
  try {
    const meta = JSON.parse(fs.readFileSync(metaFile, 'utf8'));
    if (fs.statSync(file).size === bytes && meta.bytes === bytes && meta.version === GENERATOR_VERSION) {
      return { file, meta, generated: false };
    }
  } catch {
    // missing or stale: generate below
  }
  log(`generating ${file} (${(bytes / 1048576).toFixed(0)} MiB)…`);
  const started = Date.now();
  const src = makeSource(seed);
  const counts = {};
  let lines = 0;
  let written = 0;
  const tmp = `${file}.tmp-${process.pid}`;
  const out = fs.createWriteStream(tmp);
  const write = (s) => new Promise((resolve, reject) => {
    const ok = out.write(s, 'latin1', (e) => (e ? reject(e) : undefined));
    if (ok) resolve();
    else out.once('drain', resolve);
  });
  let batch = [];
  let batchBytes = 0;
  const RESERVE = 600; // bytes left for the final line, which pads the file to exactly `bytes`
  for (;;) {
    const { line, kind } = src.next();
    if (written + batchBytes + line.length + 1 > bytes - RESERVE) break;
    batch.push(line);
    batchBytes += line.length + 1;
    counts[kind] = (counts[kind] ?? 0) + 1;
    lines += 1;
    if (batchBytes >= 1 << 20) {
      await write(`${batch.join('\n')}\n`);
      written += batchBytes;
      batch = [];
      batchBytes = 0;
    }
  }
  // Fill up to exactly `bytes` with one last ordinary line (klog header + padding + newline).
  const remaining = bytes - written - batchBytes;
  const probe = src.padLine(0);
  const last = src.padLine(remaining - 1 - probe.length);
  if (last.length + 1 !== remaining) throw new Error(`bench log: cannot pad the last line to ${remaining} bytes`);
  batch.push(last);
  counts.ordinary = (counts.ordinary ?? 0) + 1;
  lines += 1;
  await write(`${batch.join('\n')}\n`);
  await new Promise((resolve, reject) => out.end((e) => (e ? reject(e) : resolve())));
  if (fs.statSync(tmp).size !== bytes) throw new Error(`bench log: wrote ${fs.statSync(tmp).size} bytes, wanted ${bytes}`);
  fs.renameSync(tmp, file);
  const meta = { version: GENERATOR_VERSION, seed, bytes, lines, counts, generatedIn: `${((Date.now() - started) / 1000).toFixed(1)} s` };
  fs.writeFileSync(metaFile, `${JSON.stringify(meta, null, 2)}\n`);
  log(`generated ${lines} lines in ${meta.generatedIn}`);
  return { file, meta, generated: true };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const mib = Number(process.argv[2] ?? 512);
  const r = await ensureKubeletLog({ bytes: Math.round(mib * 1024 * 1024) });
  console.log(JSON.stringify({ file: r.file, ...r.meta }, null, 2));
}
