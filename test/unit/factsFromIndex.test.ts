import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../harness/paths';
import { factMessageEntries, knowledgeFromDir, knowledgeProblems } from '../../src/core/knowledge/index';
import { type FactsData, type NodeFact, factsFromLine } from '../../src/core/logs/facts';
import { parseLine } from '../../src/core/logs/formats';
import { readGoValue } from '../../src/core/logs/goValue';
import { structuredPairs, structuredRest } from '../../src/core/messages/split';
import { builtInSignatures } from '../../src/core/signatures/catalog';
import { Matcher } from '../../src/core/signatures/matcher';
import { recogniseText } from '../../src/core/signatures/recognise';

// The fact lines that a program prints with a format string are read through the message index's
// formats (facts.json `messages`), their verbs as wildcards; the lines below are real wording: taken from
// public issue threads (cited) or built from the format strings at the tags named.

const matcher = new Matcher(builtInSignatures());
const dir = path.join(repoRoot, 'src', 'core', 'knowledge');
const factsOf = (text: string, file = 'node.log'): NodeFact[] => recogniseText(file, text, { matcher }).facts;
const only = (facts: NodeFact[], kind: NodeFact['kind']) => facts.filter((f) => f.kind === kind);

test('TaskExit, containerd 1.7 and 2.x prototext: one space, two spaces, zero exit status left out, exec exits not the container\'s', () => {
  // containerd/containerd#9309 (journalctl -u containerd): log.L.Infof("TaskExit event %+v", e).
  const oneSpace = 'Nov 06 06:08:50 myhost containerd[31892]: time="2023-11-06T06:08:50.482402430Z" level=info msg="TaskExit event container_id:\\"a8281e795e3a733d6388092b55855a99f39190019af6ed021c535e9504cabe76\\" id:\\"a8281e795e3a733d6388092b55855a99f39190019af6ed021c535e9504cabe76\\" pid:12930 exit_status:137 exited_at:{seconds:1699250901 nanos:264293162}"';
  // The same thread's next line holds the event and "TaskExit event" in its error, but is another format.
  const backOff = 'Nov 06 06:08:50 myhost containerd[31892]: time="2023-11-06T06:08:50.485143769Z" level=error msg="Failed to handle backOff event container_id:\\"a8281e795e3a733d6388092b55855a99f39190019af6ed021c535e9504cabe76\\" id:\\"a8281e795e3a733d6388092b55855a99f39190019af6ed021c535e9504cabe76\\" pid:12930 exit_status:137 exited_at:{seconds:1699250901 nanos:264293162} for a8281e795e3a733d6388092b55855a99f39190019af6ed021c535e9504cabe76" error="failed to handle container TaskExit event: failed to cleanup container a8281e795e3a733d6388092b55855a99f39190019af6ed021c535e9504cabe76 in task-service: container must be created: failed precondition"';
  // containerd/containerd#10603 (logrus text form): prototext's two spaces; the podsandbox handler and the
  // exit monitor's "received exit event" tell of the same exit; the second line is an exec's (its own id).
  const cid = 'fce217561d9543b1f6b19f4c5415bbcd68e0dea49e72d7f174910ce3deba7eb0';
  const twoSpaces = `INFO[2024-08-23T18:05:29.890473249+08:00] TaskExit event in podsandbox handler container_id:"${cid}"  id:"${cid}"  pid:627351  exit_status:137  exited_at:{seconds:1724407529  nanos:889854119} `;
  const exec = `INFO[2024-08-23T18:05:29.890575716+08:00] TaskExit event in podsandbox handler container_id:"${cid}"  id:"4afc311996784af79ba0f55db6b873beb9ef99e5ecdf4a5dc86bd9be5a01e204"  pid:631628  exit_status:137  exited_at:{seconds:1724407529  nanos:889932660} `;
  const received = `INFO[2024-08-23T18:05:29.890685708+08:00] received exit event container_id:"${cid}"  id:"${cid}"  pid:627351  exit_status:137  exited_at:{seconds:1724407529  nanos:889854119} `;
  // containerd/containerd#11836: a sandbox's task exiting with status 0 (exit_status left out).
  const zero = 'May 12 09:51:40 k8s-192-168-0-19 containerd[25596]: time="2025-05-12T09:51:40.244894676+08:00" level=info msg="TaskExit event in podsandbox handler container_id:\\"7add877f859655f35c5509aa4e2c64d19e8865b361138a8581e6396dfe446d48\\"  id:\\"7add877f859655f35c5509aa4e2c64d19e8865b361138a8581e6396dfe446d48\\"  pid:131544  exited_at:{seconds:1747014700  nanos:244404807}"';
  const exits = only(factsOf([oneSpace, backOff, twoSpaces, exec, received, zero].join('\n'), 'containerd.log'), 'taskExit');
  assert.deepEqual(
    exits.map((f) => [f.line, f.container, f.detail?.exitStatus, f.detail?.pid, f.node ?? null]),
    [
      [1, 'a8281e795e3a733d6388092b55855a99f39190019af6ed021c535e9504cabe76', '137', '12930', null],
      [3, cid, '137', '627351', null],
      [5, cid, '137', '627351', null],
      [6, '7add877f859655f35c5509aa4e2c64d19e8865b361138a8581e6396dfe446d48', '0', '131544', null],
    ],
  );
  assert.deepEqual(exits[0]!.time, { year: 2023, month: 11, day: 6, hour: 6, minute: 8, second: 50, micros: 482402, offsetMinutes: 0 });
});

test('TaskExit, containerd ≤ 1.6 gogo String(): TaskExit event, Received exit event (vendored cri 1.2–1.4), a line cut short', () => {
  // containerd v1.6.20 pkg/cri/server/events.go:312 logrus.Infof("TaskExit event %+v", e); e's String() is
  // api/events/task.pb.go:1595: `&TaskExit{ContainerID:…,ID:…,Pid:…,ExitStatus:…,ExitedAt:…,XXX_unrecognized:[],}`.
  const cid = 'eed4f6efaa9e9683fd004a4eae4c8e307dd8bf55e268a0d80c72e554e981f9e5';
  const lines = [
    `time="2021-05-07T03:43:28.400000000Z" level=info msg="TaskExit event &TaskExit{ContainerID:${cid},ID:${cid},Pid:4242,ExitStatus:137,ExitedAt:2021-05-07 03:43:28.39 +0000 UTC,XXX_unrecognized:[],}"`,
    // ovn-org/ovn-kubernetes#1306 (containerd 1.3's vendored cri: "Received exit event %+v"), in journald.
    `May 06 17:42:20 ovn-control-plane3 containerd[109873]: time="2020-05-06T17:42:20.536331032Z" level=debug msg="Received exit event &TaskExit{ContainerID:${cid},ID:${cid},Pid:1234,ExitStatus:0,ExitedAt:2020-05-06 17:42:20.5 +0000 UTC,XXX_unrecognized:[],}"`,
    // An exec's exit under the container.
    `time="2021-05-07T03:43:29.000000000Z" level=info msg="TaskExit event &TaskExit{ContainerID:${cid},ID:exec-1,Pid:4250,ExitStatus:126,ExitedAt:2021-05-07 03:43:29 +0000 UTC,XXX_unrecognized:[],}"`,
  ];
  const exits = only(factsOf(lines.join('\n'), 'containerd.log'), 'taskExit');
  assert.deepEqual(
    exits.map((f) => [f.line, f.container, f.detail?.exitStatus, f.detail?.pid]),
    [
      [1, cid, '137', '4242'],
      [2, cid, '0', '1234'],
    ],
  );
  assert.equal(exits[1]!.time?.year, 2020);
  // The Go value reader alone: both forms, fields by their protobuf names; a cut gogo value keeps what came before.
  const type = { gogo: 'TaskExit', fields: { container_id: 'ContainerID', id: 'ID', pid: 'Pid', exit_status: 'ExitStatus' } };
  assert.deepEqual(readGoValue(`&TaskExit{ContainerID:${cid},ID:${cid},Pid:7`, type), { container_id: cid, id: cid });
  assert.deepEqual(readGoValue('container_id:"a\\"b"  pid:7  exited_at:{seconds:1  nanos:2}', type), { container_id: 'a"b', pid: '7' });
  assert.equal(readGoValue('nothing here', type), null);
  assert.equal(readGoValue('', type), null);
});

test('UpdateContainerResources: the request is the update, in both of containerd\'s formats; its outcome lines are not', () => {
  const cid = '4f1d0c6c8a3e2b7f9d5a1c3e5b7d9f1a3c5e7b9d1f3a5c7e9b1d3f5a7c9e1b3d';
  const lines = [
    // containerd v1.6.20 pkg/cri/server/instrumented_service.go: "UpdateContainerResources for %q with Linux: %+v / Windows: %+v".
    `time="2021-05-07T03:43:28.301000000+08:00" level=info msg="UpdateContainerResources for \\"${cid}\\" with Linux: &LinuxContainerResources{CpuPeriod:100000,CpuQuota:0,CpuShares:1024,MemoryLimitInBytes:0,OomScoreAdj:0,CpusetCpus:0-3,CpusetMems:,HugepageLimits:[]*HugepageLimit{},Unified:map[string]string{},MemorySwapLimitInBytes:0,} / Windows: nil"`,
    // "UpdateContainerResources for %q returns successfully" and "… failed": outcomes of the same request.
    `time="2021-05-07T03:43:28.305000000+08:00" level=info msg="UpdateContainerResources for \\"${cid}\\" returns successfully"`,
    `time="2021-05-07T03:43:38.305000000+08:00" level=error msg="UpdateContainerResources for \\"${cid}\\" failed" error="rpc error"`,
    // containerd v1.1–v1.5: "UpdateContainerResources for %q with %+v".
    `time="2020-01-07T03:43:28.301000000Z" level=info msg="UpdateContainerResources for \\"${cid}\\" with &LinuxContainerResources{CpuPeriod:100000,CpusetCpus:0-3,}"`,
  ];
  const updates = only(factsOf(lines.join('\n'), 'containerd.log'), 'containerUpdate');
  assert.deepEqual(
    updates.map((f) => [f.line, f.value, f.detail?.via]),
    [
      [1, cid, 'containerd UpdateContainerResources'],
      [4, cid, 'containerd UpdateContainerResources'],
    ],
  );
  // A quoted name that is not a container id states nothing.
  assert.deepEqual(factsFromLine('time="2021-05-07T03:43:28Z" level=info msg="UpdateContainerResources for \\"web\\" with &LinuxContainerResources{}"', 'x', 1, null), []);
});

test('kubelet 1.20 cpu-manager lines: start, reconcile period, reconcile updates (klog wording of pkg/kubelet/cm/cpumanager/cpu_manager.go)', () => {
  const cid = '9c0458990c4e0af314a5d59c323a3b2f0e8621b269503709f7c6870c84606f79';
  const lines = [
    'I0507 03:40:08.049312   57003 cpu_manager.go:193] [cpumanager] starting with static policy',
    'I0507 03:40:08.050000   57003 cpu_manager.go:194] [cpumanager] reconciling every 10s',
    `I0507 03:43:28.300412   57003 cpu_manager.go:434] [cpumanager] reconcileState: updating container (pod: payments-api-6d8f7c9b4-kx2lp, container: api, container id: ${cid}, cpuset: "0-3,8")`,
    // Another format of the same function: a failed update is not an update.
    `E0507 03:43:38.300412   57003 cpu_manager.go:437] [cpumanager] reconcileState: failed to update container (pod: payments-api-6d8f7c9b4-kx2lp, container: api, container id: ${cid}, cpuset: "0-3", error: rpc error)`,
    // journalctl -u kubelet: the same line behind a journald prefix.
    `May 07 03:43:48 node-a kubelet[57003]: I0507 03:43:48.300412   57003 cpu_manager.go:434] [cpumanager] reconcileState: updating container (pod: web-1, container: web, container id: ${cid}, cpuset: "4")`,
  ];
  const facts = factsOf(lines.join('\n'), 'kubelet.log');
  assert.deepEqual(
    facts.map((f) => [f.line, f.kind, f.value]),
    [
      [1, 'cpuManagerPolicy', 'static'],
      [2, 'reconcilePeriod', '10s'],
      [2, 'cpuManagerStart', 'reconciling'],
      [3, 'containerUpdate', cid],
      [5, 'containerUpdate', cid],
    ],
  );
  assert.deepEqual([facts[3]!.pod, facts[3]!.detail], ['payments-api-6d8f7c9b4-kx2lp', { via: 'kubelet reconcile', cpuset: '0-3,8', containerName: 'api' }]);
  assert.deepEqual([facts[4]!.pod, facts[4]!.detail?.cpuset], ['web-1', '4']);
  assert.deepEqual(facts[2]!.time, { year: null, month: 5, day: 7, hour: 3, minute: 40, second: 8, micros: 50000, offsetMinutes: null });
});

test('kubelet >= 1.21 structured cpu-manager lines are read through the index: the quoted message whole, the values by key', () => {
  // Kubelet journals quoted in public notes (found with the library's find_string): klog.InfoS("Starting CPU
  // manager", "policy", …) and klog.InfoS("Reconciling", "reconcilePeriod", …), cpu_manager.go at 1.21.4/1.22.6.
  const lines = [
    'Jul 25 15:21:20 n15.dcos kubelet[3452279]: I0725 15:21:20.659400 3452279 cpu_manager.go:199] "Starting CPU manager" policy="none"',
    'Jul 25 15:21:20 n15.dcos kubelet[3452279]: I0725 15:21:20.659415 3452279 cpu_manager.go:200] "Reconciling" reconcilePeriod="10s"',
    'Jan 17 09:43:00 k8s-node01 kubelet[77344]: I0117 09:43:00.988280   77344 cpu_manager.go:214] "Starting CPU manager" policy="static"',
    // journalctl's pager cut these at the terminal's width (`>`): a value cut inside its quotes is no value.
    'Oct 19 16:50:32 wsl2 kubelet[17109]: I1019 16:50:32.702091   17109 cpu_manager.go:214] "Starting CPU manager" policy="n>',
    'Oct 19 16:50:32 wsl2 kubelet[17109]: I1019 16:50:32.702112   17109 cpu_manager.go:215] "Reconciling" reconcilePeriod="1>',
    // The key in another message is not the reconcile period: the message must be "Reconciling" exactly.
    'I0725 15:21:20.659415 3452279 other.go:1] "Reconciling pods" reconcilePeriod="30s"',
    'I0725 15:21:20.659415 3452279 other.go:1] "Not reconciling" err="x" note="reconcilePeriod=\\"30s\\""',
  ];
  const facts = factsOf(lines.join('\n'), 'kubelet.log');
  assert.deepEqual(
    facts.map((f) => [f.line, f.kind, f.value, f.how]),
    [
      [1, 'cpuManagerPolicy', 'none', 'kubelet cpu-manager start'],
      [2, 'reconcilePeriod', '10s', 'kubelet cpu-manager start'],
      [2, 'cpuManagerStart', 'reconciling', 'kubelet cpu-manager start'],
      [3, 'cpuManagerPolicy', 'static', 'kubelet cpu-manager start'],
    ],
  );
  // The reconcile loop's start is the "Reconciling" line's time, as "[cpumanager] reconciling every %v"'s before 1.21.
  assert.deepEqual(facts[2]!.time, { year: null, month: 7, day: 25, hour: 15, minute: 21, second: 20, micros: 659415, offsetMinutes: null });
  // samples/oom-case (generated with the 1.22 wording): the same three facts.
  const sample = ['I1130 06:00:03.110729    1187 cpu_manager.go:214] "Starting CPU manager" policy="static"', 'I1130 06:00:03.111456    1187 cpu_manager.go:215] "Reconciling" reconcilePeriod="10s"'];
  assert.deepEqual(factsOf(sample.join('\n'), 'kubelet.log').map((f) => [f.kind, f.value]), [['cpuManagerPolicy', 'static'], ['reconcilePeriod', '10s'], ['cpuManagerStart', 'reconciling']]);
});

test('kubelet >= 1.21 "ReconcileState: updating container": pod, container, id and cpuset by key; the failed update, another message, is none', () => {
  // kubelet 1.21.4 (kubeedge v1.9.0 vendor/k8s.io/kubernetes/pkg/kubelet/cm/cpumanager/cpu_manager.go:427):
  // klog.V(4).InfoS("ReconcileState: updating container", "pod", klog.KObj(pod), "containerName", container.Name,
  // "containerID", containerID, "cpuSet", cset); line 430 klog.ErrorS(err, "ReconcileState: failed to update
  // container", the same pairs) — ErrorS writes err="…" first.
  const cid = '9c0458990c4e0af314a5d59c323a3b2f0e8621b269503709f7c6870c84606f79';
  const other = 'f3a1c2d4e5b6a7980f1e2d3c4b5a69788796a5b4c3d2e1f00112233445566778';
  const lines = [
    `Nov 30 06:00:13 node-b kubelet[1187]: I1130 06:00:13.114100    1187 cpu_manager.go:427] "ReconcileState: updating container" pod="shop/payments-api-6d8f7c9b4-kx2lp" containerName="api" containerID="containerd://${cid}" cpuSet="0-3,8"`,
    `I1130 06:00:23.114100    1187 cpu_manager.go:457] "ReconcileState: updating container" pod="kube-system/etcd-node-b" containerName="etcd" containerID="docker://${other}" cpuSet="4"`,
    // The update failed: its error quotes an id, but the line is another message and states no update.
    `E1130 06:00:33.114100    1187 cpu_manager.go:430] "ReconcileState: failed to update container" err="rpc error: code = Unknown desc = failed to update container \\"${other}\\": containerID=\\"${other}\\"" pod="shop/payments-api-6d8f7c9b4-kx2lp" containerName="api" containerID="${cid}" cpuSet="0-3,8"`,
  ];
  const facts = only(factsOf(lines.join('\n'), 'kubelet.log'), 'containerUpdate');
  assert.deepEqual(
    facts.map((f) => [f.line, f.value, f.pod, f.detail]),
    [
      [1, cid, 'shop/payments-api-6d8f7c9b4-kx2lp', { via: 'kubelet reconcile', cpuset: '0-3,8', containerName: 'api' }],
      [2, other, 'kube-system/etcd-node-b', { via: 'kubelet reconcile', cpuset: '4', containerName: 'etcd' }],
    ],
  );
});

test('the kubelet\'s "Docker Info" line, printf (≤ 1.20) and structured (1.21+), gives dockerd\'s version from the struct it prints', () => {
  // Kubelet journals quoted in public notes (find_string): dockershim's klog.Infof("Docker Info: %+v", dockerInfo)
  // and, from 1.21, klog.InfoS("Docker Info", "dockerInfo", dockerInfo): docker's types.Info unquoted, `=` inside it.
  const printf = 'I1002 19:36:07.394651    2837 docker_service.go:260] Docker Info: &{ID:RZRX:BCUD:DPGF:M35G:RIU2:TSN7:2T2B:PC5R:D3BC:BO6C:C2C2:CYBT Containers:34 ContainersRunning:1 ContainersPaused:0 ContainersStopped:33 Images:99 Driver:overlay2 DriverStatus:[[Backing Filesystem xfs] [Supports d_type true] [Native Overlay Diff true]] SystemStatus:[] Plugins:{Volume:[local] Network:[bridge host ipvlan macvlan null overlay] Authorization:[] Log:[awslogs fluentd gcplogs gelf journald json-file local logentries splunk syslog]} MemoryLimit:true SwapLimit:true KernelMemory:true KernelMemoryTCP:true CPUCfsPeriod:true CPUCfsQuota:true CPUShares:true CPUSet:true PidsLimit:true IPv4Forwarding:true BridgeNfIptables:true BridgeNfIP6tables:true Debug:false NFd:27 OomKillDisable:true NGoroutines:39 SystemTime:2021-10-02T19:36:07.382809996+08:00 LoggingDriver:json-file CgroupDriver:systemd NEventsListener:0 KernelVersion:3.10.0-1160.24.1.el7.x86_64 OperatingSystem:CentOS Linux 7 (Core) OSType:linux Architecture:x86_64 IndexServerAddress:https://index.docker.io/v1/ RegistryConfig:0xc000511c70 NCPU:4 MemTotal:8181817344 GenericResources:[] DockerRootDir:/var/lib/docker HTTPProxy: HTTPSProxy: NoProxy: Name:k8s-master-01 Labels:[] ExperimentalBuild:false ServerVersion:19.03.5 ClusterStore: ClusterAdvertise: Runtimes:map[runc:{Path:runc Args:[]}] DefaultRuntime:runc Swarm:{NodeID: NodeAddr: LocalNodeState:inactive ControlAvailable:false Error: RemoteManagers:[] Nodes:0 Managers:0 Cluster:<nil> Warnings:[]} LiveRestoreEnabled:false Isolation: InitBinary:docker-init ContainerdCommit:{ID:b34a5c8af56e510852c35414db4c1f4fa6172339 Expected:b34a5c8af56e510852c35414db4c1f4fa6172339} RuncCommit:{ID:22c72eb3976b73573b28fe9d14e3f2e113871345-dirty Expected:22c72eb3976b73573b28fe9d14e3f2e113871345-dirty} InitCommit:{ID:fec3683 Expected:fec3683} SecurityOptions:[name=seccomp,profile=default] ProductLicense: Warnings:[]}';
  const structured = 'Dec 22 11:02:19 iZuf68qk0bio1l786kylamZ kubelet: I1222 11:02:19.540939   31160 docker_service.go:264] "Docker Info" dockerInfo=&{ID:6MLZ:XNCT:HCDC:CVYA:YXGG:HJN6:VCAF:LT6Q:KWHT:4JOJ:O4S6:6VWR Containers:5 ContainersRunning:2 ContainersPaused:0 ContainersStopped:3 Images:17 Driver:overlay2 DriverStatus:[[Backing Filesystem extfs] [Supports d_type true] [Native Overlay Diff true] [userxattr false]] SystemStatus:[] Plugins:{Volume:[local] Network:[bridge host ipvlan macvlan null overlay] Authorization:[] Log:[awslogs fluentd gcplogs gelf journald json-file local logentries splunk syslog]} MemoryLimit:true SwapLimit:true KernelMemory:true KernelMemoryTCP:true CPUCfsPeriod:true CPUCfsQuota:true CPUShares:true CPUSet:true PidsLimit:true IPv4Forwarding:true BridgeNfIptables:true BridgeNfIP6tables:true Debug:false NFd:35 OomKillDisable:true NGoroutines:43 SystemTime:2021-12-22T11:02:19.514458169+08:00 LoggingDriver:json-file CgroupDriver:cgroupfs CgroupVersion:1 NEventsListener:0 KernelVersion:3.10.0-957.21.3.el7.x86_64 OperatingSystem:CentOS Linux 7 (Core) OSVersion:7 OSType:linux Architecture:x86_64 IndexServerAddress:https://index.docker.io/v1/ RegistryConfig:0xc000941880 NCPU:2 MemTotal:3823378432 GenericResources:[] DockerRootDir:/var/lib/docker HTTPProxy: HTTPSProxy: NoProxy: Name:iZuf68qk0bio1l786kylamZ Labels:[] ExperimentalBuild:false ServerVersion:20.10.8 ClusterStore: ClusterAdvertise: Runtimes:map[io.containerd.runc.v2:{Path:runc Args:[] Shim:<nil>} io.containerd.runtime.v1.linux:{Path:runc Args:[] Shim:<nil>} runc:{Path:runc Args:[] Shim:<nil>}] DefaultRuntime:runc Swarm:{NodeID: NodeAddr: LocalNodeState:inactive ControlAvailable:false Error: RemoteManagers:[] Nodes:0 Managers:0 Cluster:<nil> Warnings:[]} LiveRestoreEnabled:false Isolation: InitBinary:docker-init ContainerdCommit:{ID:e25210fe30a0a703442421b0f60afac609f950a3 Expected:e25210fe30a0a703442421b0f60afac609f950a3} RuncCommit:{ID:v1.0.1-0-g4144b63 Expected:v1.0.1-0-g4144b63} InitCommit:{ID:de40ad0 Expected:de40ad0} SecurityOptions:[name=seccomp,profile=default] ProductLicense: DefaultAddressPools:[] Warnings:[]}';
  // A pager cut the struct before its ServerVersion: no version.
  const cut = 'Sep 29 11:39:48 pim edgecore[34795]: I0929 11:39:48.892760 34795 docker_service.go:263] "Docker Info" dockerInfo=&{ID:SGBF:Q2AK:TQEA:DZ6G:M5S7:LEVV:553O:KKRJ:W45Z:3TY4:GI6Q:4LQ3 Containers:0 ContainersRunning:0 Cont>';
  const facts = only(factsOf([printf, structured, cut].join('\n'), 'kubelet.log'), 'dockerVersion');
  assert.deepEqual(facts.map((f) => [f.line, f.value, f.how]), [[1, '19.03.5', 'kubelet Docker Info'], [2, '20.10.8', 'kubelet Docker Info']]);
});

test('a structured klog line\'s pairs are read in order from its message: an error quoting other pairs lends them nothing (runc#5305)', () => {
  // opencontainers/runc#5305 (../shared/incidents-train.jsonl): the kubelet's CRI client, klog.ErrorS(err,
  // "ExecSync cmd from runtime service failed", "containerID", containerID, "cmd", cmd); cmd a []string, unquoted.
  const line = 'May 27 13:58:09 ip-192-168-48-154 kubelet-eks.daemon[9104]: E0527 13:58:09.397282    9104 log.go:32] "ExecSync cmd from runtime service failed" err="rpc error: code = Unknown desc = failed to exec in container: failed to start exec \\"8b1707c038d6a3cc109fc44f120d6cba53fb587c5739e080d14c739bd7f771f7\\": OCI runtime exec failed: exec failed: unable to create new parent process: namespace NEWIPC is not supported" containerID="553371ea83f98b831c8ae46a8925b42c1df0f2e3b39159a4a3e52363de51102d" cmd=["/app/grpc-health-probe","-addr=:50051","-connect-timeout=5s","-rpc-timeout=5s"]';
  const message = parseLine(line).message;
  assert.equal(structuredRest(message, 'ExecSync cmd from runtime service'), null);
  const rest = structuredRest(message, 'ExecSync cmd from runtime service failed');
  assert.ok(rest !== null);
  const pairs = structuredPairs(rest, ['containerID', 'cmd']);
  assert.deepEqual([...pairs.keys()], ['err', 'containerID', 'cmd']);
  assert.equal(pairs.get('containerID'), '553371ea83f98b831c8ae46a8925b42c1df0f2e3b39159a4a3e52363de51102d');
  assert.equal(pairs.get('cmd'), '["/app/grpc-health-probe","-addr=:50051","-connect-timeout=5s","-rpc-timeout=5s"]');
  assert.match(pairs.get('err')!, /^rpc error: .*start exec "8b1707c0.*NEWIPC is not supported$/);
  // Cut inside the err value (journalctl's `>`): nothing after it is read.
  assert.deepEqual([...structuredPairs(rest.slice(0, 80), ['containerID', 'cmd']).keys()], []);
  // Text that is not pairs reads as none, or as the pairs before it, and never throws.
  assert.deepEqual([...structuredPairs(' =" x', ['a'])], []);
  assert.deepEqual([...structuredPairs(' a="\\', ['a'])], []);
  assert.deepEqual([...structuredPairs(' a=1 b="2" garbage', ['a', 'b'])], [['a', '1'], ['b', '2']]);
  assert.deepEqual([...structuredPairs(' a=x a="y"', ['a'])], [['a', 'x']]);
  assert.equal(structuredRest('"Reconciling"reconcilePeriod="10s"', 'Reconciling'), null);
  assert.equal(structuredRest('"Reconciling"', 'Reconciling'), '');
});

test('versions from the start lines\' structured fields: "Docker daemon" and "starting containerd" are formats, the version a field', () => {
  const docker = 'time="2021-05-07T03:39:40.005492825+08:00" level=info msg="Docker daemon" commit=039a7df graphdriver(s)=overlay2 version=18.09.9';
  const containerd = 'time="2023-04-01T10:00:00.000000000Z" level=info msg="starting containerd" revision=1e1ea6e986c6c86565bc33d52e34b81b3e2bc71f version=v1.6.20';
  const json = '{"level":"info","msg":"starting containerd","revision":"abc","time":"2024-11-20T10:00:00Z","version":"v2.0.0"}';
  const facts = factsOf([docker, containerd, json, 'time="2021-05-07T03:39:40Z" level=info msg="Docker daemon" commit=039a7df'].join('\n'));
  assert.deepEqual(
    facts.map((f) => [f.line, f.kind, f.value]),
    [
      [1, 'dockerVersion', '18.09.9'],
      [2, 'containerdVersion', '1.6.20'],
      [3, 'containerdVersion', '2.0.0'],
    ],
  );
});

test('facts.json rows name message index entries: the loader checks each exists as a log line and knows its versions', () => {
  const base = knowledgeFromDir(dir);
  const facts = base.docs.facts as FactsData;
  const index = base.docs.messages as Parameters<typeof factMessageEntries>[1];
  const entries = factMessageEntries(facts as never, index);
  const tags = (program: string) => (index.generated.programs as Record<string, { tags: string[] }>)[program]!.tags;
  const span = (rule: string) =>
    entries
      .get(rule)!
      .flatMap((r) => r.entries.flatMap((e) => e.versions.map(([a, b]) => [tags(r.program)[a]!, tags(r.program)[b]!])))
      .sort();
  // The TaskExit line is one format across containerd 1.2 to today: the value it prints changed, not the format.
  assert.ok(span('task-exit').some(([a, b]) => a === 'v1.2.0' && b === tags('containerd').at(-1)), JSON.stringify(span('task-exit')));
  // klog.Errorf's reconcile line is in every kubelet the index reads up to 1.20; 1.21 logs it structured (klog.ErrorS).
  assert.deepEqual(span('reconcile-update-klog'), [['v1.10.9', 'v1.20.2']]);
  // Its structured successor (klog.V(4).InfoS) and the other structured cpu-manager lines start with 1.21.
  for (const id of ['reconcile-update-structured', 'cpu-manager-start-structured', 'reconcile-period-structured', 'cpu-manager-started-structured', 'docker-version-kubelet-structured']) assert.deepEqual(span(id), [['v1.21.4', 'v1.22.6']], id);
  assert.deepEqual(span('docker-version-kubelet'), [['v1.10.9', 'v1.20.2']]);
  assert.ok(entries.get('containerd-update-resources')!.every((r) => r.entries.length > 0));
  for (const [id, refs] of entries) for (const r of refs) assert.ok(r.entries.some((e) => e.kind === 'log'), `${id}: ${r.format}`);

  // A row naming a format no indexed source prints is a knowledge problem, named.
  const broken = structuredClone(base.docs);
  const rule = (broken.facts as FactsData).rules.find((r) => r.id === 'containerd-update-resources')!;
  rule.messages![0]!.format = 'UpdateContainerResources for %q with %v';
  const errorOnly = (broken.facts as FactsData).rules.find((r) => r.id === 'task-exit')!;
  errorOnly.messages![0]!.format = 'can\'t find container for TaskExit event: %w';
  const valueless = (broken.facts as FactsData).rules.find((r) => r.id === 'task-exit-received')!;
  valueless.verbs![0]!.value = 'containerd.events.TaskExitt';
  // A structured entry is named with its keys as the index holds them, and a rule reads only keys it logs.
  const structured = (broken.facts as FactsData).rules.find((r) => r.id === 'reconcile-update-structured')!;
  structured.messages![0]!.keys = ['pod', 'containerName', 'containerID'];
  const period = (broken.facts as FactsData).rules.find((r) => r.id === 'reconcile-period-structured')!;
  period.keys = { ...period.keys, period: '(?<value>{DURATION})' };
  const problems = knowledgeProblems(broken, base.schemas);
  assert.ok(problems.includes('facts.json: rule reconcile-update-structured reads kubelet\'s format "ReconcileState: updating container" with keys pod, containerName, containerID, which messages.json does not hold'), problems.join('\n'));
  assert.ok(problems.includes('facts.json: rule reconcile-period-structured reads key period, which kubelet\'s "Reconciling" does not log (its keys: reconcilePeriod)'), problems.join('\n'));
  assert.ok(problems.includes('facts.json: rule reconcile-update-structured reads key cpuSet, which kubelet\'s "ReconcileState: updating container" does not log (its keys: pod, containerName, containerID)'), problems.join('\n'));
  assert.ok(problems.includes('facts.json: rule containerd-update-resources reads containerd\'s format "UpdateContainerResources for %q with %v", which messages.json does not hold'), problems.join('\n'));
  assert.ok(problems.some((p) => /rule task-exit reads containerd's format "can't find container for TaskExit event: %w", which messages.json holds only as an error value/.test(p)), problems.join('\n'));
  assert.ok(problems.includes('facts.json: rule task-exit-received reads value containerd.events.TaskExitt, which facts.json values does not define'), problems.join('\n'));
});

test('one failed exec, one count: dockerd\'s two "closed fifo" lines (stdout and stderr copies) are one finding', () => {
  // samples/eof-incident/dockerd.log: each failed exec is two copy errors within a millisecond, then the exec's error.
  const fifo = (t: string) => `time="2021-05-07T${t}+08:00" level=error msg="stream copy error: reading from a closed fifo"`;
  const lines = [
    fifo('03:43:28.256372509'),
    fifo('03:43:28.257077767'),
    'time="2021-05-07T03:43:28.271982562+08:00" level=error msg="Error running exec 876df2ea294fd8081e6081e1b6fd70eef3d786cee4f938496729f754b7ccb4aa in container: OCI runtime exec failed: exec failed: EOF: unknown"',
    'time="2021-05-07T03:43:37.544648031+08:00" level=info msg="ignoring event" module=libcontainerd namespace=moby topic=/tasks/exit type="*events.TaskExit"',
    fifo('03:43:58.271299741'),
    fifo('03:43:58.272829588'),
    // Two execs failing in one second: four lines, two pairs.
    fifo('03:44:18.290180220'),
    fifo('03:44:18.291399498'),
    fifo('03:44:18.590180220'),
    fifo('03:44:18.591399498'),
    // A tty exec copies stdout only: one line, and the next exec's pair (seconds later) is its own.
    fifo('03:44:28.257508587'),
    fifo('03:44:38.255345783'),
    fifo('03:44:38.256036598'),
  ];
  const r = recogniseText('dockerd.log', `${lines.join('\n')}\n`, { matcher });
  const fifos = r.findings.filter((f) => f.signature === 'closed-fifo');
  assert.deepEqual(
    fifos.map((f) => [f.line, f.related ?? []]),
    [
      [1, [2]],
      [5, [6]],
      [7, [8]],
      [9, [10]],
      [11, []],
      [12, [13]],
    ],
  );
  // Kept as sets (the CLI and the diagnosis), the pair is one occurrence too.
  const sets = recogniseText('dockerd.log', `${lines.join('\n')}\n`, { matcher, keepFindings: false }).sets!;
  assert.equal(sets.filter((s) => s.signature === 'closed-fifo').reduce((n, s) => n + s.count, 0), 6);
});

test('what a reader carries from line to line is data too: the df header (states) and runc --version\'s commit: line (follows)', () => {
  const base = knowledgeFromDir(dir);
  const rules = (base.docs.facts as FactsData).rules;
  assert.deepEqual(rules.find((r) => r.id === 'runc-version-commit')!.follows, { rule: 'runc-version', lines: 4 });
  assert.deepEqual(rules.filter((r) => r.when).map((r) => [r.id, r.when]), [['df-row', { df: 'blocks' }], ['df-row-inodes', { df: 'inodes' }]]);
  // One input: the header switches the rows below it; the commit joins the version two lines above.
  const doc = ['runc version 1.1.12', 'spec: 1.0.2-dev', 'commit: v1.1.12-0-g51d5e946', 'Filesystem      Inodes  IUsed   IFree IUse% Mounted on', 'tmpfs           1021855 1021855      0  100% /run', 'Filesystem      Size  Used Avail Use% Mounted on', 'tmpfs           799M  799M     0 100% /run'].join('\n');
  const facts = factsOf(doc, 'node.txt');
  assert.deepEqual(
    facts.map((f) => [f.line, f.kind, f.value, f.how, f.detail?.commit ?? f.detail?.inodes ?? null]),
    [
      [1, 'runcVersion', '1.1.12', 'runc --version', 'v1.1.12-0-g51d5e946'],
      [5, 'diskUsage', '100', 'df -i', 'true'],
      [7, 'diskUsage', '100', 'df', null],
    ],
  );
  // A line read alone starts from the states' initial values, and a follow-up line states nothing by itself.
  assert.deepEqual(factsFromLine('tmpfs 799M 799M 0 100% /run', 'x', 1, null).map((f) => f.how), ['df']);
  assert.deepEqual(factsFromLine('commit: v1.1.12-0-g51d5e946', 'x', 1, null), []);

  const broken = structuredClone(base.docs);
  const facts2 = broken.facts as FactsData;
  facts2.rules.find((r) => r.id === 'runc-version-commit')!.follows = { rule: 'runc-versions', lines: 4 };
  facts2.rules.find((r) => r.id === 'df-row')!.when = { dff: 'blocks' };
  const problems = knowledgeProblems(broken, base.schemas);
  assert.ok(problems.includes('facts.json: rule runc-version-commit follows rule runc-versions, which facts.json does not define'), problems.join('\n'));
  assert.ok(problems.includes('facts.json: rule df-row reads or sets state dff, which facts.json states does not define'), problems.join('\n'));
});
