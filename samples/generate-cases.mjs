#!/usr/bin/env node
// Writes two small nodes for the differential diagnosis (samples/oom-case, samples/ambiguous-case),
// shaped like a containerd node today: kubelet 1.28 with structured klog and the CRI's "Probe errored",
// containerd's ExecSync errors, runc 1.1.12. Deterministic (seeded PRNG); rerun after changing it.
//
// oom-case: a Guaranteed pod runs at its memory limit; runc's exec helper (runc:[2:INIT]) joins its
//   memory cgroup and is OOM-killed, and runc 1.1 says "(possibly OOM-killed)". The kernel log holds the
//   kills. The node also has the static cpu-manager and a fixed runc: the race must not be the answer.
// ambiguous-case: the same init-pipe reset, but only the kubelet's and containerd's logs: an OOM kill
//   or the pids limit would both print it. The panel must ask the question that separates them.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { prng } from '../bench/prng.mjs';

const root = path.dirname(fileURLToPath(import.meta.url));

const rand = prng(20261130);
const hex = (n) => Array.from({ length: n }, () => Math.floor(rand() * 16).toString(16)).join('');
const pad = (n, w = 2) => String(n).padStart(w, '0');

// Times are UTC (the node runs in UTC, as most cloud nodes do); klog prints them without a zone.
const at = (h, m, s, ms = 0) => Date.UTC(2026, 10, 30, h, m, s, ms);
function klog(level, t, src, msg) {
  const d = new Date(t);
  return `${level}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}${pad(Math.floor(rand() * 1000), 3)}    1187 ${src}] ${msg}`;
}
function iso(t) {
  return `${new Date(t).toISOString().slice(0, 23)}${pad(Math.floor(rand() * 1e6), 6)}Z`;
}
function journal(t, host, unit, msg) {
  const d = new Date(t);
  return `${d.toISOString().slice(0, 19)}+0000 ${host} ${unit}: ${msg}`;
}

const pod = { ns: 'shop', name: 'checkout-api-5c7d9f8b6-r2kxq', uid: '6f0c2a1e-9b4d-4e1f-8a3c-2d5e7f9a1b3c', container: 'api', id: hex(64) };
const other = { ns: 'shop', name: 'cart-worker-7f6b5d4c9-h8m2n', uid: '0b7e4c2a-1d3f-4a5b-9c8d-7e6f5a4b3c2d', container: 'worker', id: hex(64) };
const ERROR = 'OCI runtime exec failed: exec failed: unable to start container process: read init-p: connection reset by peer (possibly OOM-killed): unknown';

function node(name, { kernel }) {
  const host = 'ip-10-0-3-17';
  const kubelet = [];
  const containerd = [];
  const kern = [];
  const push = (arr, t, line) => arr.push({ t, line });
  const boot = at(6, 0, 2, 310);
  push(kubelet, boot, klog('I', boot, 'server.go:487', '"Kubelet version" kubeletVersion="v1.28.4"'));
  push(kubelet, boot + 1, klog('I', boot + 1, 'flags.go:64', 'FLAG: --config="/var/lib/kubelet/config.yaml"'));
  push(kubelet, boot + 2, klog('I', boot + 2, 'flags.go:64', 'FLAG: --container-runtime-endpoint="unix:///run/containerd/containerd.sock"'));
  push(kubelet, boot + 800, klog('I', boot + 800, 'cpu_manager.go:214', '"Starting CPU manager" policy="static"'));
  push(kubelet, boot + 801, klog('I', boot + 801, 'cpu_manager.go:215', '"Reconciling" reconcilePeriod="10s"'));
  push(containerd, boot - 4000, `time="${iso(boot - 4000)}" level=info msg="starting containerd" revision=${hex(40)} version=1.7.13`);
  // The probe runs every 10 s at its own phase; when the pod's working set is at its limit, the helper is killed.
  let failures = 0;
  for (let t = at(9, 12, 0, 640); t < at(11, 40, 0); t += 10_000) {
    const hot = Math.floor((t - at(9, 0, 0)) / 900_000) % 3 !== 0; // two quarters of every three the pod runs at its limit
    if (!hot || rand() > 0.12) continue;
    failures += 1;
    const exec = hex(64);
    const killed = t - 40 - Math.floor(rand() * 30);
    if (kernel) {
      const pid = 40000 + Math.floor(rand() * 20000);
      push(kern, killed - 2, journal(killed - 2, host, 'kernel', `runc:[2:INIT] invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=-997`));
      push(kern, killed - 1, journal(killed - 1, host, 'kernel', `memory: usage 1048576kB, limit 1048576kB, failcnt ${1200 + failures}`));
      push(kern, killed, journal(killed, host, 'kernel', `Memory cgroup out of memory: Killed process ${pid} (runc:[2:INIT]) total-vm:1083112kB, anon-rss:4032kB, file-rss:1932kB, shmem-rss:0kB, UID:0 pgtables:100kB oom_score_adj:-997`));
    }
    push(containerd, t + 12, `time="${iso(t + 12)}" level=error msg="ExecSync for \\"${pod.id}\\" failed" error="failed to exec in container: failed to start exec \\"${exec}\\": ${ERROR.replace(/"/g, '\\\\"')}"`);
    push(kubelet, t + 20, klog('E', t + 20, 'remote_runtime.go:496', `"ExecSync cmd from runtime service failed" err="rpc error: code = Unknown desc = failed to exec in container: failed to start exec \\"${exec}\\": ${ERROR}" containerID="${pod.id}" cmd=["/bin/sh","-c","/app/ready"]`));
    push(kubelet, t + 21, klog('I', t + 21, 'prober.go:107', `"Probe errored" err="rpc error: code = Unknown desc = failed to exec in container: failed to start exec \\"${exec}\\": ${ERROR}" probeType="Readiness" pod="${pod.ns}/${pod.name}" podUID="${pod.uid}" containerName="${pod.container}"`));
  }
  // Ordinary chatter, and a healthy neighbour.
  for (let t = at(9, 10, 4, 0); t < at(11, 40, 0); t += 30_000 + Math.floor(rand() * 60_000)) {
    const p = rand() < 0.5 ? pod : other;
    push(kubelet, t, klog('I', t, 'kubelet.go:2431', `"SyncLoop (PLEG): event for pod" pod="${p.ns}/${p.name}" event={"ID":"${p.uid}","Type":"ContainerStarted","Data":"${p.id}"}`));
    if (rand() < 0.4) push(containerd, t + 7, `time="${iso(t + 7)}" level=info msg="ExecSync for \\"${p.id}\\" returns with exit code 0"`);
  }
  const dir = path.join(root, name);
  fs.mkdirSync(dir, { recursive: true });
  const write = (file, entries) => fs.writeFileSync(path.join(dir, file), `${entries.sort((a, b) => a.t - b.t).map((e) => e.line).join('\n')}\n`);
  write('kubelet.log', kubelet);
  write('containerd.log', containerd);
  if (kernel) write('journalctl-k.log', kern);
  fs.writeFileSync(
    path.join(dir, 'runc-version.txt'),
    `$ runc --version\nrunc version 1.1.12\ncommit: v1.1.12-0-g51d5e946\nspec: 1.0.2-dev\ngo: go1.20.13\nlibseccomp: 2.5.4\n`,
  );
  fs.writeFileSync(
    path.join(dir, 'kubelet-config.yaml'),
    `# /var/lib/kubelet/config.yaml as found on the node\napiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncgroupDriver: systemd\ncpuManagerPolicy: static\ncpuManagerReconcilePeriod: 10s\nreservedSystemCPUs: "0"\n`,
  );
  return failures;
}

console.log(`wrote ${root}/oom-case: ${node('oom-case', { kernel: true })} failed probes, with the kernel log`);
console.log(`wrote ${root}/ambiguous-case: ${node('ambiguous-case', { kernel: false })} failed probes, no kernel log`);
