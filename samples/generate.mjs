#!/usr/bin/env node
// Writes samples/eof-incident/: one node's logs from the incident in ../shared/incident.md, the way an
// SRE would collect them (kubelet klog, dockerd logrus, kubelet config, runc --version, kubectl
// describe). Deterministic (seeded PRNG) so tests can rely on the content; rerun after changing it.
//
// The story it tells: the kubelet's cpu-manager (static policy) started its 10 s reconcile loop at
// 03:40:08.050 node time (UTC+8); the tick slides by the reconcile's duration every period, and each of
// three pods' exec probes fails in bursts when the tick sweeps past its own phase (see below). dockerd
// logs "closed fifo" and the exec error a moment before the kubelet reports the probe failure. The node
// runs Docker 18.09 with its bundled runc 1.0.0-rc6, which predates the atomic state.json write.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { prng } from '../bench/prng.mjs';

const out = path.join(path.dirname(fileURLToPath(import.meta.url)), 'eof-incident');
fs.mkdirSync(out, { recursive: true });

const rand = prng(20210507);
const pick = (xs) => xs[Math.floor(rand() * xs.length)];
const hex = (n) => Array.from({ length: n }, () => Math.floor(rand() * 16).toString(16)).join('');

// Node-local (UTC+8) wall-clock instants are kept as "UTC-labelled" milliseconds and only formatted:
// klog prints them without a zone, dockerd with "+08:00".
const local = (h, m, s, ms = 0) => Date.UTC(2021, 4, 7, h, m, s, ms);
const pad = (n, w = 2) => String(n).padStart(w, '0');

function klogTime(t, micros) {
  const d = new Date(t);
  return `${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}${pad(micros, 3)}`;
}
function klog(level, t, src, msg, micros = Math.floor(rand() * 1000)) {
  return `${level}${klogTime(t, micros)}   57003 ${src}] ${msg}`;
}
function rfc3339(t, nanos) {
  const d = new Date(t);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}${pad(nanos, 6)}+08:00`;
}
function logrus(level, t, msg, extra = '') {
  return `time="${rfc3339(t, Math.floor(rand() * 1e6))}" level=${level} msg="${msg}"${extra}`;
}

const pods = [
  { name: 'payments-api-6d8f7c9b4-kx2lp', ns: 'shop', uid: 'd1aab5f0-ae8f-11eb-a151-080027049c65', container: 'api' },
  { name: 'payments-api-6d8f7c9b4-q8v7d', ns: 'shop', uid: 'a89a158e-ae8f-11eb-a151-080027049c65', container: 'api' },
  { name: 'ledger-worker-5f9c8d7b6-m4zt2', ns: 'shop', uid: '3c2f9e1a-ae90-11eb-a151-080027049c65', container: 'worker' },
];
const podRef = (p) => `${p.name}_${p.ns}(${p.uid})`;

const reconcileStart = local(3, 40, 8, 50);
const end = local(10, 12, 0);
const kubelet = [];
const dockerd = [];
const push = (arr, t, line) => arr.push({ t, line });

// Kubelet start-up: the flags and the cpu-manager announcing its policy and period.
const boot = local(3, 40, 1, 17);
const flags = [
  ['--address', '0.0.0.0'],
  ['--cgroup-driver', 'systemd'],
  ['--config', '/var/lib/kubelet/config.yaml'],
  ['--container-runtime', 'docker'],
  ['--cpu-manager-policy', 'static'],
  ['--cpu-manager-reconcile-period', '10s'],
  ['--kube-reserved', 'cpu=500m,memory=512Mi'],
  ['--network-plugin', 'cni'],
  ['--pod-infra-container-image', 'k8s.gcr.io/pause:3.1'],
  ['--v', '2'],
];
flags.forEach(([k, v], i) => push(kubelet, boot + i, klog('I', boot + i, 'flags.go:33', `FLAG: ${k}="${v}"`)));
push(kubelet, boot + 400, klog('I', boot + 400, 'server.go:417', 'Version: v1.14.8'));
push(kubelet, boot + 900, klog('I', boot + 900, 'docker_service.go:258', 'Docker Info: &{ID:7QXN:K2JD ServerVersion:18.09.9 KernelVersion:3.10.0-1160.el7.x86_64 OperatingSystem:CentOS Linux 7 (Core)}'));
push(kubelet, reconcileStart - 5, klog('I', reconcileStart - 5, 'cpu_manager.go:155', '[cpumanager] starting with static policy'));
push(kubelet, reconcileStart - 4, klog('I', reconcileStart - 4, 'cpu_manager.go:156', '[cpumanager] reconciling every 10s'));

// The reconcile, as the kubelet runs it: wait.Until(reconcileState, 10s) starts each period after the
// reconcile finishes, so the tick slides by the reconcile's own duration every period (about 9.4 ms while
// the node is busy, 7.9 ms after 07:08 when it is quieter; ../shared/causes.md, "Timing"). Each
// container's readiness probe runs on its own fixed 10 s ticker at its own phase. An EOF happens when the
// probe's `runc exec` reads state.json while the reconcile's `runc update` of the same container rewrites
// it: the read lands within ±60 ms of the write, about 6 times in 10. So each container fails in bursts of
// consecutive probe periods, once every ~3 h when the sliding tick sweeps past its phase. The segments are
// chosen so the three EOFs quoted in the post-mortem fall inside such bursts, as they did on the node.
const verbatim = [
  { t: local(3, 43, 28, 310), pod: 0, line: 'I0507 03:43:28.310630   57003 prober.go:112] Readiness probe for "adsfadofadfabdfhaodsfa(d1aab5f0-ae8f-11eb-a151-080027049c65):c0" failed (failure): OCI runtime exec failed: exec failed: EOF: unknown' },
  { t: local(7, 8, 49, 834), pod: 1, line: 'I0507 07:08:49.834093   57003 prober.go:112] Readiness probe for "adsfadofadfabdfhaodsfa(a89a158e-ae8f-11eb-a151-080027049c65):c0" failed (failure): OCI runtime exec failed: exec failed: unexpected EOF: unknown' },
  { t: local(10, 6, 58, 307), pod: 0, line: 'I0507 10:06:58.307881   57003 prober.go:112] Readiness probe for "adsfadofadfabdfhaodsfa(d1aab5f0-ae8f-11eb-a151-080027049c65):c0" failed (failure): OCI runtime exec failed: exec failed: EOF: unknown' },
];
const PERIOD = 10_000;
const READ_AFTER_PROBE = 50; // the probe's runc exec reaches loadState ~50 ms after the prober fires
const REPORT_AFTER_READ = 55; // the failed exec comes back to the kubelet ~55-85 ms after the read
const probePhase = [8210, 9730, 3350]; // ms into the 10 s grid at which each pod's prober fires
const updateOffset = [2, 4, 6]; // the reconcile updates containers one after another, a few ms apart
const WINDOW = 60;
const slideUntil = [
  { until: local(7, 8, 49, 784), drift: 9.377 },
  { until: end, drift: 7.94 },
];
const eofTimes = [];
let firstPodFailures = 2; // two of the verbatim lines are this pod's
for (let tick = reconcileStart; tick < end; ) {
  for (let c = 0; c < 3; c++) {
    const write = tick + updateOffset[c];
    // The probe of this container nearest to the write.
    const m = Math.round((write - READ_AFTER_PROBE - probePhase[c] - local(0, 0, 0)) / PERIOD);
    const read = local(0, 0, 0) + probePhase[c] + m * PERIOD + READ_AFTER_PROBE + Math.floor(rand() * 8);
    if (Math.abs(read - write) > WINDOW || rand() > 0.6) continue;
    const t = read + REPORT_AFTER_READ + Math.floor(rand() * 30);
    if (verbatim.some((v) => v.pod === c && Math.abs(v.t - t) < 30_000)) continue;
    eofTimes.push(t);
    const p = pods[c];
    if (c === 0) firstPodFailures += 1;
    const what = rand() < 0.8 ? 'EOF' : 'unexpected EOF';
    push(kubelet, t, klog('I', t, 'prober.go:112', `Readiness probe for "${podRef(p)}:${p.container}" failed (failure): OCI runtime exec failed: exec failed: ${what}: unknown`));
    if (rand() < 0.3) {
      push(kubelet, t + 2, klog('W', t + 2, 'prober.go:108', `Readiness probe for "${podRef(p)}:${p.container}" failed (failure): OCI runtime exec failed: exec failed: ${what}: unknown`));
    }
  }
  const drift = slideUntil.find((s) => tick < s.until).drift;
  tick += PERIOD + drift + (rand() - 0.5) * 0.8;
}
for (const v of verbatim) {
  eofTimes.push(v.t);
  push(kubelet, v.t, v.line);
}
// dockerd sees each failure first: the exec's FIFOs are closed when p.Start fails, right after the read.
for (const t of eofTimes) {
  const read = t - REPORT_AFTER_READ - Math.floor(rand() * 30);
  push(dockerd, read + 5, logrus('error', read + 5, 'stream copy error: reading from a closed fifo'));
  push(dockerd, read + 6, logrus('error', read + 6, 'stream copy error: reading from a closed fifo'));
  push(dockerd, read + 20, logrus('error', read + 20, `Error running exec ${hex(64)} in container: OCI runtime exec failed: exec failed: EOF: unknown`));
}

// Look-alikes an on-call engineer must not lump in: an HTTP probe hitting a restarting backend, and a
// liveness probe whose command is missing from the image.
push(kubelet, local(5, 12, 3, 481), klog('I', local(5, 12, 3, 481), 'prober.go:112', `Readiness probe for "checkout-web-7b9d8c6f5-2jx4n_shop(91e0c7aa-ae90-11eb-a151-080027049c65):web" failed (failure): Get http://10.244.3.17:8080/healthz: EOF`));
push(kubelet, local(5, 12, 13, 479), klog('I', local(5, 12, 13, 479), 'prober.go:112', `Readiness probe for "checkout-web-7b9d8c6f5-2jx4n_shop(91e0c7aa-ae90-11eb-a151-080027049c65):web" failed (failure): Get http://10.244.3.17:8080/healthz: read tcp 10.244.3.1:51234->10.244.3.17:8080: read: connection reset by peer`));
push(kubelet, local(8, 30, 41, 902), klog('I', local(8, 30, 41, 902), 'prober.go:112', `Liveness probe for "${podRef(pods[2])}:${pods[2].container}" failed (failure): OCI runtime exec failed: exec failed: container_linux.go:345: starting container process caused "exec: \\"pg_isready\\": executable file not found in $PATH": unknown`));

// Ordinary kubelet and dockerd chatter around the incident.
for (let t = local(3, 40, 12, 0); t < end; t += 20_000 + Math.floor(rand() * 40_000)) {
  const p = pick(pods);
  const r = rand();
  if (r < 0.35) push(kubelet, t, klog('I', t, 'kubelet.go:1926', `SyncLoop (SYNC): 1 pods; ${podRef(p)}`));
  else if (r < 0.55) push(kubelet, t, klog('I', t, 'status_manager.go:520', `Status for pod "${podRef(p)}" is up-to-date; skipping`));
  else if (r < 0.7) push(kubelet, t, klog('I', t, 'kuberuntime_manager.go:585', `computePodActions got {KillPod:false CreateSandbox:false SandboxID:${hex(12)} Attempt:0 NextInitContainerToStart:nil ContainersToStart:[] ContainersToKill:map[]} for pod "${podRef(p)}"`));
  else if (r < 0.8) push(kubelet, t, klog('W', t, 'container.go:409', `Failed to create summary reader for "/kubepods/burstable/pod${p.uid}/${hex(64)}": none of the resources are being tracked.`));
  else if (r < 0.9) push(kubelet, t, klog('I', t, 'reconciler.go:252', `operationExecutor.MountVolume started for volume "default-token-${hex(5)}" (UniqueName: "kubernetes.io/secret/${p.uid}-default-token") pod "${p.name}" (UID: "${p.uid}")`));
  else push(kubelet, t, klog('E', t, 'summary_sys_containers.go:47', 'Failed to get system container stats for "/system.slice/docker.service": failed to get cgroup stats for "/system.slice/docker.service": failed to get container info for "/system.slice/docker.service": unknown container "/system.slice/docker.service"'));
  if (rand() < 0.5) push(dockerd, t + 37, logrus('info', t + 37, 'ignoring event', ` module=libcontainerd namespace=moby topic=/tasks/exit type="*events.TaskExit"`));
}
push(dockerd, local(3, 39, 40, 5), logrus('info', local(3, 39, 40, 5), 'Docker daemon', ' commit=039a7df graphdriver(s)=overlay2 version=18.09.9'));
push(dockerd, local(3, 39, 40, 9), logrus('info', local(3, 39, 40, 9), 'API listen on /var/run/docker.sock'));

const write = (name, entries) =>
  fs.writeFileSync(path.join(out, name), entries.sort((a, b) => a.t - b.t).map((e) => e.line).join('\n') + '\n');
write('kubelet.log', kubelet);
write('dockerd.log', dockerd);

fs.writeFileSync(
  path.join(out, 'kubelet-config.yaml'),
  `# /var/lib/kubelet/config.yaml as found on the node
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
cgroupDriver: systemd
clusterDNS:
  - 10.96.0.10
clusterDomain: cluster.local
cpuManagerPolicy: static
cpuManagerReconcilePeriod: 10s
kubeReserved:
  cpu: 500m
  memory: 512Mi
systemReserved:
  cpu: 500m
  memory: 512Mi
`,
);
fs.writeFileSync(
  path.join(out, 'runc-version.txt'),
  `$ docker-runc --version
runc version 1.0.0-rc6+dev
commit: 96ec2177ae841256168fcf76954f7177af9446eb
spec: 1.0.1-dev
`,
);
fs.writeFileSync(
  path.join(out, 'kubectl-describe-pod.txt'),
  `Name:         payments-api-6d8f7c9b4-kx2lp
Namespace:    shop
Priority:     0
Node:         node-a/192.168.56.11
Start Time:   Fri, 07 May 2021 03:41:02 +0800
Labels:       app=payments-api
              pod-template-hash=6d8f7c9b4
Status:       Running
IP:           10.244.3.21
Controlled By:  ReplicaSet/payments-api-6d8f7c9b4
Containers:
  api:
    Container ID:   docker://4f1d0c6c8a3e2b7f9d5a1c3e5b7d9f1a3c5e7b9d1f3a5c7e9b1d3f5a7c9e1b3d
    Image:          registry.local/shop/payments-api:2.14.1
    State:          Running
      Started:      Fri, 07 May 2021 03:41:05 +0800
    Ready:          True
    Restart Count:  0
    Limits:
      cpu:     2
      memory:  1Gi
    Requests:
      cpu:        2
      memory:     1Gi
    Readiness:    exec [/bin/sh -c /app/healthcheck --ready] delay=5s timeout=1s period=10s #success=1 #failure=3
QoS Class:       Guaranteed
Events:
  Type     Reason     Age                 From             Message
  ----     ------     ----                ----             -------
  Warning  Unhealthy  4m (x${firstPodFailures} over 6h)  kubelet, node-a  Readiness probe failed: OCI runtime exec failed: exec failed: EOF: unknown
`,
);
console.log(`wrote ${out}: ${kubelet.length} kubelet lines, ${dockerd.length} dockerd lines, ${eofTimes.length} EOF events`);
