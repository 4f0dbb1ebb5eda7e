#!/usr/bin/env node
// Writes two samples for the open world (issue 16). Deterministic (seeded PRNG); rerun after changing it.
//
// two-nodes/: one cluster's logs from two nodes, each with its own cause, as a must-gather-like folder
//   (nodes/<name>/…):
//   node-a — the state.json race: kubelet 1.20 with the static cpu-manager and containerd's CRI, runc
//     v1.0.0-rc10 (before the atomic write of rc91). The reconcile runs `wait.Until(reconcileState, 10s)`:
//     each period starts after the reconcile ends, so the tick slides by the reconcile's duration (12 ms
//     ± 2 ms) every period. Each of four pods' exec probes runs on its own fixed 10 s ticker; an exec
//     reads state.json ~50 ms after the probe fires and fails with EOF when that read meets the update of
//     its own container (written 2 + 3·i ms into the reconcile), about 6 times in 10 within ±40 ms. So
//     each pod fails in bursts of a few consecutive periods as the tick sweeps past its phase, every
//     P²/d ≈ 2.3 h (../shared/causes.md, "Timing").
//   node-b — runc's exec helper OOM-killed: kubelet 1.28 and containerd 1.7 with runc 1.1.12; one pod runs
//     at its memory limit two quarters of every three, and then about one probe in eighty finds runc:[2:INIT]
//     killed by the memory cgroup's OOM killer (the kernel log records each kill 40–70 ms before the error).
// outside-catalog/: a cause no documented row explains — runc 1.4.0 on a cgroup v2 node running a
//   privileged buildkitd that moves its own init to another cgroup; the original is removed and 1.4.0's
//   exec (CLONE_INTO_CGROUP) no longer falls back to the init's cgroup: every exec probe fails with
//   `can't open cgroup: openat2 …/cri-containerd-<id>.scope: no such file or directory`
//   (moby/buildkit#6505, opencontainers/runc#5089, fixed by runc PR #5101).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { prng } from '../bench/prng.mjs';

const root = path.dirname(fileURLToPath(import.meta.url));
const rand = prng(20261205);
const hex = (n) => Array.from({ length: n }, () => Math.floor(rand() * 16).toString(16)).join('');
const pad = (n, w = 2) => String(n).padStart(w, '0');
const at = (h, m, s, ms = 0) => Date.UTC(2026, 11, 4, h, m, s, ms);

// The nodes run in UTC; klog prints node-local time without a zone, containerd and journald with one.
function klog(level, t, src, msg) {
  const d = new Date(t);
  return `${level}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}${pad(Math.floor(rand() * 1000), 3)}    2231 ${src}] ${msg}`;
}
const iso = (t) => `${new Date(t).toISOString().slice(0, 23)}${pad(Math.floor(rand() * 1e6), 6)}Z`;
const journal = (t, host, unit, msg) => `${new Date(t).toISOString().slice(0, 19)}+0000 ${host} ${unit}: ${msg}`;

function write(dir, file, entries) {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, file), `${entries.sort((a, b) => a.t - b.t).map((e) => e.line).join('\n')}\n`);
}

// ── node-a: the state.json race ────────────────────────────────────────────────────────────────
function raceNode(dir) {
  const pods = ['payments-api-7d9c6b5f4-2xkqp', 'payments-api-7d9c6b5f4-9mzt7', 'ledger-worker-6b8f9c7d5-q4vwn', 'fx-rates-5f7d8c6b9-hk2ls'].map((name, i) => ({
    name,
    uid: `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`,
    container: name.startsWith('ledger') ? 'worker' : 'app',
    id: hex(64),
    // Each probe's own fixed phase within its 10 s ticker.
    phase: 700 + i * 2300 + Math.floor(rand() * 400),
  }));
  const lines = [];
  const boot = at(6, 58, 11, 402);
  const push = (t, line) => lines.push({ t, line });
  push(boot, klog('I', boot, 'server.go:416', 'Version: v1.20.15'));
  push(boot + 3, klog('I', boot + 3, 'flags.go:59', 'FLAG: --cpu-manager-policy="static"'));
  push(boot + 4, klog('I', boot + 4, 'flags.go:59', 'FLAG: --cpu-manager-reconcile-period="10s"'));
  push(boot + 5, klog('I', boot + 5, 'flags.go:59', 'FLAG: --container-runtime-endpoint="unix:///run/containerd/containerd.sock"'));
  const start = at(7, 0, 3, 118);
  push(start, klog('I', start, 'cpu_manager.go:193', '[cpumanager] starting with static policy'));
  push(start + 1, klog('I', start + 1, 'cpu_manager.go:194', '[cpumanager] reconciling every 10s'));
  const end = at(13, 0, 0);
  let failures = 0;
  // The tick: each period starts after the reconcile finished (wait.Until), so it slides by its duration.
  for (let tick = start; tick < end; tick += 10_000 + 12 + Math.floor(rand() * 5) - 2) {
    pods.forEach((p, i) => {
      const write = tick + 2 + 3 * i;
      // This pod's probe whose read is nearest to the write.
      const k = Math.round((write - 50 - p.phase - start) / 10_000);
      const fired = start + p.phase + k * 10_000;
      const read = fired + 50;
      if (Math.abs(read - write) > 40 || rand() > 0.6) return;
      failures += 1;
      const exec = hex(64);
      const t = fired + 60 + Math.floor(rand() * 40);
      push(t, klog('I', t, 'prober.go:117', `Readiness probe for "${p.name}_payments(${p.uid}):${p.container}" failed (failure): rpc error: code = Unknown desc = failed to exec in container: failed to start exec "${exec}": OCI runtime exec failed: exec failed: EOF: unknown`));
    });
  }
  for (let t = start + 4000; t < end; t += 45_000 + Math.floor(rand() * 90_000)) {
    const p = pods[Math.floor(rand() * pods.length)];
    push(t, klog('I', t, 'kubelet.go:1926', `SyncLoop (PLEG): "${p.name}_payments(${p.uid})", event: &pleg.PodLifecycleEvent{ID:"${p.uid}", Type:"ContainerStarted", Data:"${p.id}"}`));
  }
  write(dir, 'kubelet.log', lines);
  fs.writeFileSync(path.join(dir, 'runc-version.txt'), '$ runc --version\nrunc version 1.0.0-rc10\ncommit: dc9208a3303feef5b3839f4323d9beb36df0a9dd\nspec: 1.0.1-dev\n');
  return failures;
}

// ── node-b: runc's exec helper OOM-killed ──────────────────────────────────────────────────────
const PIPE = 'OCI runtime exec failed: exec failed: unable to start container process: read init-p: connection reset by peer (possibly OOM-killed): unknown';
function oomNode(dir) {
  const host = 'node-b';
  const pod = { ns: 'shop', name: 'checkout-api-5c7d9f8b6-r2kxq', uid: `${hex(8)}-${hex(4)}-4${hex(3)}-8${hex(3)}-${hex(12)}`, container: 'api', id: hex(64) };
  const kubelet = [];
  const containerd = [];
  const kern = [];
  const boot = at(7, 2, 9, 811);
  kubelet.push({ t: boot, line: klog('I', boot, 'server.go:487', '"Kubelet version" kubeletVersion="v1.28.4"') });
  containerd.push({ t: boot - 4000, line: `time="${iso(boot - 4000)}" level=info msg="starting containerd" revision=${hex(40)} version=1.7.13` });
  let failures = 0;
  for (let t = at(8, 12, 0, 640); t < at(12, 40, 0); t += 10_000) {
    const hot = Math.floor((t - at(8, 0, 0)) / 900_000) % 3 !== 0;
    if (!hot || rand() > 0.012) continue;
    failures += 1;
    const exec = hex(64);
    const killed = t - 40 - Math.floor(rand() * 30);
    const pid = 40000 + Math.floor(rand() * 20000);
    kern.push({ t: killed - 2, line: journal(killed - 2, host, 'kernel', 'runc:[2:INIT] invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=-997') });
    kern.push({ t: killed - 1, line: journal(killed - 1, host, 'kernel', `memory: usage 524288kB, limit 524288kB, failcnt ${880 + failures}`) });
    kern.push({ t: killed, line: journal(killed, host, 'kernel', `Memory cgroup out of memory: Killed process ${pid} (runc:[2:INIT]) total-vm:1083112kB, anon-rss:4032kB, file-rss:1932kB, shmem-rss:0kB, UID:0 pgtables:100kB oom_score_adj:-997`) });
    containerd.push({ t: t + 12, line: `time="${iso(t + 12)}" level=error msg="ExecSync for \\"${pod.id}\\" failed" error="failed to exec in container: failed to start exec \\"${exec}\\": ${PIPE}"` });
    kubelet.push({ t: t + 21, line: klog('I', t + 21, 'prober.go:107', `"Probe errored" err="rpc error: code = Unknown desc = failed to exec in container: failed to start exec \\"${exec}\\": ${PIPE}" probeType="Readiness" pod="${pod.ns}/${pod.name}" podUID="${pod.uid}" containerName="${pod.container}"`) });
  }
  write(dir, 'kubelet.log', kubelet);
  write(dir, 'containerd.log', containerd);
  write(dir, 'journalctl-k.log', kern);
  fs.writeFileSync(path.join(dir, 'runc-version.txt'), '$ runc --version\nrunc version 1.1.12\ncommit: v1.1.12-0-g51d5e946\nspec: 1.0.2-dev\ngo: go1.20.13\nlibseccomp: 2.5.4\n');
  return failures;
}

// ── outside-catalog: runc 1.4.0 and a cgroup removed under a privileged buildkitd ─────────────────
function outsideNode(dir) {
  const pod = { ns: 'ci', name: 'buildkitd-0', uid: `${hex(8)}-${hex(4)}-4${hex(3)}-9${hex(3)}-${hex(12)}`, container: 'buildkitd', id: hex(64) };
  const scope = `/sys/fs/cgroup/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${pod.uid.replace(/-/g, '_')}.slice/cri-containerd-${pod.id}.scope`;
  const error = `OCI runtime exec failed: exec failed: unable to start container process: error starting setns process: can't open cgroup: openat2 ${scope}: no such file or directory: unknown`;
  const lines = [];
  const boot = at(9, 14, 2, 17);
  lines.push({ t: boot, line: klog('I', boot, 'server.go:484', '"Kubelet version" kubeletVersion="v1.33.1"') });
  // buildkitd moves its init at start-up; from then on every probe's exec fails.
  for (let t = at(9, 20, 7, 420); t < at(9, 40, 0); t += 10_000) {
    const exec = hex(64);
    lines.push({ t: t + 18, line: klog('E', t + 18, 'remote_runtime.go:531', `"ExecSync cmd from runtime service failed" err="rpc error: code = Unknown desc = failed to exec in container: failed to start exec \\"${exec}\\": ${error}" containerID="${pod.id}" cmd=["buildctl","debug","workers"]`) });
    lines.push({ t: t + 19, line: klog('I', t + 19, 'prober.go:107', `"Probe errored" err="rpc error: code = Unknown desc = failed to exec in container: failed to start exec \\"${exec}\\": ${error}" probeType="Liveness" pod="${pod.ns}/${pod.name}" podUID="${pod.uid}" containerName="${pod.container}"`) });
  }
  write(dir, 'kubelet.log', lines);
  fs.writeFileSync(path.join(dir, 'runc-version.txt'), '$ runc --version\nrunc version 1.4.0\ncommit: v1.4.0-0-g8bd78a99\nspec: 1.2.1\ngo: go1.24.9\nlibseccomp: 2.5.5\n');
  return lines.length - 1;
}

const two = path.join(root, 'two-nodes', 'nodes');
console.log(`wrote ${two}/node-a: ${raceNode(path.join(two, 'node-a'))} EOFs (the state.json race)`);
console.log(`wrote ${two}/node-b: ${oomNode(path.join(two, 'node-b'))} failed probes (runc init OOM-killed), with the kernel log`);
console.log(`wrote ${root}/outside-catalog: ${outsideNode(path.join(root, 'outside-catalog'))} lines of failed execs (a cause outside the catalog)`);
