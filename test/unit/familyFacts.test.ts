import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../harness/paths';
import { FACT_NEEDLES, type FactsData, type NodeFact, cgroupOwner, compileFactPattern, compileFormat, factsFromLine } from '../../src/core/logs/facts';
import { builtInSignatures } from '../../src/core/signatures/catalog';
import { Matcher } from '../../src/core/signatures/matcher';
import { recogniseFile, recogniseText } from '../../src/core/signatures/recognise';
import { diagnose } from '../../src/core/diagnosis/diagnose';
import { regexHazard } from '../../src/core/signatures/safeRegex';

// The node facts read from the new inputs: kernel logs, cgroup files, runc --version, kubelet/containerd
// configuration, per-container updates and exits, df. The value per kind is documented in facts.ts.

const matcher = new Matcher(builtInSignatures());
const fixtures = path.join(repoRoot, 'test', 'unit', 'fixtures', 'runc-1.1.5');
const CID = '4f1d0c6c8a3e2b7f9d5a1c3e5b7d9f1a3c5e7b9d1f3a5c7e9b1d3f5a7c9e1b3d';
const POD_UID = 'd1aab5f0-ae8f-11eb-a151-080027049c65';

const factsOf = (text: string, file = 'node.log'): NodeFact[] => recogniseText(file, text, { matcher }).facts;
const only = (facts: NodeFact[], kind: NodeFact['kind']) => facts.filter((f) => f.kind === kind);

test('kernel OOM kills of runc init: dmesg (uptime), dmesg -T (date), journalctl -k (journald time)', () => {
  const dmesg = only(factsOf(fs.readFileSync(path.join(fixtures, 'dmesg-oom.txt'), 'utf8')), 'oomKill');
  assert.equal(dmesg.length, 1, 'one kill, however many lines tell of it');
  assert.equal(dmesg[0]!.value, 'runc:[2:INIT]');
  assert.equal(dmesg[0]!.detail?.pid, '26655');
  assert.equal(dmesg[0]!.detail?.uptime, '760.958761');
  assert.equal(dmesg[0]!.detail?.scope, 'memory cgroup');
  assert.equal(dmesg[0]!.time, null);
  assert.equal(dmesg[0]!.line, 4);

  const dmesgT = only(factsOf(fs.readFileSync(path.join(fixtures, 'dmesg-T-oom.txt'), 'utf8')), 'oomKill');
  assert.deepEqual(dmesgT[0]!.time, { year: 2026, month: 12, day: 2, hour: 11, minute: 54, second: 43, micros: 0, offsetMinutes: null });
  assert.equal(dmesgT[0]!.detail?.uptime, undefined);

  const journal = only(factsOf('Dec 02 11:54:43.123456 node-a kernel: Memory cgroup out of memory: Killed process 26655 (runc:[2:INIT]) total-vm:1015728kB, anon-rss:896kB\n'), 'oomKill');
  assert.equal(journal[0]!.value, 'runc:[2:INIT]');
  assert.equal(journal[0]!.time?.hour, 11);
  assert.equal(journal[0]!.time?.micros, 123456);
  // Other processes' kills are stated too (the container at its limit), named as they are.
  assert.equal(only(factsOf('[ 5.1] Out of memory: Killed process 42 (java) total-vm:1kB\n'), 'oomKill')[0]!.detail?.scope, 'host');
});

test('cgroup files dropped in, known by their name (real runc 1.1.5 cgroup v1 files)', async () => {
  const expect: [string, NodeFact['kind'], string][] = [
    ['pids.max', 'pidsMax', '1'],
    ['pids.current', 'pidsCurrent', '1'],
    ['pids.events', 'pidsEvents', '20'],
    ['freezer.state', 'freezerState', 'FROZEN'],
    ['memory.oom_control', 'memoryEvents', '1'],
  ];
  for (const [file, kind, value] of expect) {
    const r = await recogniseFile(path.join(fixtures, file), { matcher });
    assert.deepEqual(
      r.facts.map((f) => [f.kind, f.value]),
      [[kind, value]],
      file,
    );
    assert.equal(r.facts[0]!.how, file);
  }
  const oom = (await recogniseFile(path.join(fixtures, 'memory.oom_control'), { matcher })).facts[0]!;
  assert.equal(oom.line, 3);
  assert.deepEqual(oom.detail, { oom_kill_disable: '0', under_oom: '0', oom_kill: '1', cgroup: path.dirname(path.join(fixtures, 'memory.oom_control')) });
});

test('a cgroup v2 memory.events and cgroup.freeze, as files', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runtime-lens-cgroup-'));
  try {
    fs.writeFileSync(path.join(dir, 'memory.events'), 'low 0\nhigh 0\nmax 12\noom 3\noom_kill 2\noom_group_kill 0\n');
    fs.writeFileSync(path.join(dir, 'cgroup.freeze'), '1\n');
    const events = (await recogniseFile(path.join(dir, 'memory.events'), { matcher })).facts;
    assert.equal(events.length, 1);
    assert.equal(events[0]!.kind, 'memoryEvents');
    assert.equal(events[0]!.value, '2');
    assert.equal(events[0]!.line, 5);
    assert.equal(events[0]!.detail?.max, '12');
    assert.equal((await recogniseFile(path.join(dir, 'cgroup.freeze'), { matcher })).facts[0]!.value, 'FROZEN');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a head/tail dump of several cgroup files: each header names its file, container and pod', () => {
  const base = `/sys/fs/cgroup/pids/kubepods/burstable/pod${POD_UID}/${CID}`;
  const sysd = `/sys/fs/cgroup/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${POD_UID.replace(/-/g, '_')}.slice/cri-containerd-${CID}.scope`;
  const text = [
    `==> ${base}/pids.current <==`,
    '100',
    '',
    `==> ${base}/pids.events <==`,
    'max 7',
    '',
    `==> ${base}/pids.max <==`,
    '100',
    '',
    `==> ${base}/cpu.shares <==`,
    '1024',
    '',
    `==> ${sysd}/memory.events <==`,
    'low 0',
    'oom_kill 4',
    '',
  ].join('\n');
  const facts = factsOf(text, 'cgroups.txt');
  assert.deepEqual(
    facts.map((f) => [f.kind, f.value, f.line, f.container, f.pod]),
    [
      ['pidsCurrent', '100', 2, CID, POD_UID],
      ['pidsEvents', '7', 5, CID, POD_UID],
      ['pidsMax', '100', 8, CID, POD_UID],
      ['memoryEvents', '4', 15, CID, POD_UID],
    ],
  );
  assert.equal(facts[0]!.detail?.cgroup, base);
});

test('grep -H style cgroup lines (path:value) are read line by line', () => {
  const text = [`/sys/fs/cgroup/pids/kubepods/pod${POD_UID}/${CID}/pids.max:max`, `/sys/fs/cgroup/pids/kubepods/pod${POD_UID}/${CID}/pids.current:57`, 'pids.events:max 3', `/sys/fs/cgroup/freezer/kubepods/pod${POD_UID}/${CID}/freezer.state:FROZEN`].join('\n');
  const facts = factsOf(text);
  assert.deepEqual(
    facts.map((f) => [f.kind, f.value, f.container ?? null]),
    [
      ['pidsMax', 'max', CID],
      ['pidsCurrent', '57', CID],
      ['pidsEvents', '3', null],
      ['freezerState', 'FROZEN', CID],
    ],
  );
});

test('runc --version: the version, its commit and the Go it was built with (real runc 1.1.5)', () => {
  const facts = factsOf(fs.readFileSync(path.join(fixtures, 'runc-version.txt'), 'utf8'));
  const runc = only(facts, 'runcVersion');
  assert.equal(runc.length, 1);
  assert.equal(runc[0]!.value, '1.1.5+ds1');
  assert.equal(runc[0]!.detail?.commit, '1.1.5+ds1-1+deb12u1');
  assert.deepEqual(only(facts, 'runcGoVersion').map((f) => [f.value, f.line]), [['go1.19.8', 4]]);
  assert.equal(only(factsOf('runc version 1.1.12\ncommit: v1.1.12-0-g51d5e946\nspec: 1.0.2-dev\ngo: go1.22.1\nlibseccomp: 2.5.4\n'), 'runcGoVersion')[0]!.value, 'go1.22.1');
  // A commit line far from any runc version belongs to something else.
  assert.equal(only(factsOf('runc version 1.1.5\n\n\n\n\n\ncommit: deadbeef\n'), 'runcVersion')[0]!.detail, undefined);
  // "go:" inside another line is not runc's.
  assert.equal(only(factsOf('level=info msg="built with go: go1.20"\n'), 'runcGoVersion').length, 0);
});

test('the cgroup driver and version from kubelet flags, KubeletConfiguration, docker info, containerd config', () => {
  const driver = (line: string) => only(factsOf(`${line}\n`), 'cgroupDriver').map((f) => [f.value, f.how]);
  assert.deepEqual(driver('I0507 03:40:00.000000   57003 flags.go:59] FLAG: --cgroup-driver="systemd"'), [['systemd', 'kubelet flag']]);
  assert.deepEqual(driver('/usr/bin/kubelet --cgroup-driver=cgroupfs --cpu-manager-policy=static'), [['cgroupfs', 'kubelet flag']]);
  assert.deepEqual(driver('cgroupDriver: systemd'), [['systemd', 'KubeletConfiguration']]);
  assert.deepEqual(driver('  "cgroupDriver": "cgroupfs",'), [['cgroupfs', 'KubeletConfiguration']]);
  assert.deepEqual(driver(' Cgroup Driver: systemd'), [['systemd', 'docker info']]);
  assert.deepEqual(driver('            SystemdCgroup = true'), [['systemd', 'containerd config']]);
  assert.deepEqual(only(factsOf(' Cgroup Version: 2\n'), 'cgroupVersion').map((f) => f.value), ['2']);
  assert.deepEqual(only(factsOf(' Cgroup Version: 1\n'), 'cgroupVersion').map((f) => f.value), ['1']);
});

test('container updates: kubelet -v=4 reconcile (klog and structured), containerd, dockerd', () => {
  const klog = `I0507 03:43:28.300412   57003 cpu_manager.go:434] [cpumanager] reconcileState: updating container (pod: payments-api-6d8f7c9b4-kx2lp, container: api, container id: ${CID}, cpuset: "0-3")`;
  const structured = `I0507 03:43:28.300412   57003 cpu_manager.go:470] "ReconcileState: updating container" pod="shop/payments-api-6d8f7c9b4-kx2lp" containerName="api" containerID="${CID}" cpuSet="0-3,8"`;
  const containerd = `time="2021-05-07T03:43:28.301000000+08:00" level=info msg="UpdateContainerResources for \\"${CID}\\" with Linux: &LinuxContainerResources{CpuPeriod:100000,CpusetCpus:0-3,} / Windows: nil"`;
  const containerdDone = `time="2021-05-07T03:43:28.305000000+08:00" level=info msg="UpdateContainerResources for \\"${CID}\\" returns successfully"`;
  const containerdJson = `{"level":"info","msg":"UpdateContainerResources for \\"${CID}\\" with \\u0026LinuxContainerResources{}","time":"2021-05-07T03:43:28.301Z"}`;
  const dockerd = `time="2021-05-07T03:43:28.301000000+08:00" level=debug msg="Calling POST /v1.40/containers/${CID}/update"`;
  const facts = only(factsOf([klog, structured, containerd, containerdDone, containerdJson, dockerd].join('\n')), 'containerUpdate');
  assert.deepEqual(
    facts.map((f) => [f.line, f.value, f.detail?.via, f.pod ?? null]),
    [
      [1, CID, 'kubelet reconcile', 'payments-api-6d8f7c9b4-kx2lp'],
      [2, CID, 'kubelet reconcile', 'shop/payments-api-6d8f7c9b4-kx2lp'],
      [3, CID, 'containerd UpdateContainerResources', null],
      [5, CID, 'containerd UpdateContainerResources', null],
      [6, CID, 'dockerd update', null],
    ],
  );
  assert.equal(facts[0]!.detail?.cpuset, '0-3');
  assert.equal(facts[0]!.detail?.containerName, 'api');
  assert.equal(facts[1]!.detail?.cpuset, '0-3,8');
  assert.deepEqual(facts[0]!.time, { year: null, month: 5, day: 7, hour: 3, minute: 43, second: 28, micros: 300412, offsetMinutes: null });
  assert.equal(facts[2]!.time?.offsetMinutes, 480);
});

test('task exits: containerd TaskExit (gogo and prototext), ctr events; exec exits left out', () => {
  const EXEC = 'a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2';
  const lines = [
    `time="2021-05-07T03:43:28.400000000Z" level=info msg="TaskExit event &TaskExit{ContainerID:${CID},ID:${CID},Pid:4242,ExitStatus:137,ExitedAt:2021-05-07 03:43:28.39 +0000 UTC,XXX_unrecognized:[],}"`,
    `time="2021-05-07T03:43:29.000000000Z" level=info msg="received exit event container_id:\\"${CID}\\" id:\\"${CID}\\" pid:4243 exit_status:1 exited_at:{seconds:1620359009 nanos:0}"`,
    `time="2021-05-07T03:43:29.500000000Z" level=debug msg="received exit event container_id:\\"${CID}\\" id:\\"${EXEC}\\" pid:4250 exit_status:0"`,
    `2021-05-07 03:43:30.123456789 +0000 UTC k8s.io /tasks/exit {"container_id":"${CID}","id":"${CID}","pid":4244,"exit_status":143,"exited_at":"2021-05-07T03:43:30.12Z"}`,
  ];
  const exits = only(factsOf(lines.join('\n')), 'taskExit');
  assert.deepEqual(
    exits.map((f) => [f.line, f.value, f.container, f.detail?.exitStatus, f.detail?.pid]),
    [
      [1, CID, CID, '137', '4242'],
      [2, CID, CID, '1', '4243'],
      [4, CID, CID, '143', '4244'],
    ],
  );
  assert.deepEqual(exits[2]!.time, { year: 2021, month: 5, day: 7, hour: 3, minute: 43, second: 30, micros: 123456, offsetMinutes: 0 });
});

test('task exits: containerd 2.x prototext (TaskExit event %+v, internal/cri/server/events.go:278), one or two spaces, zero status left out', () => {
  const EXEC = 'a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2';
  const SANDBOX = '9e8d7c6b5a49382716051f2e3d4c5b6a798877665544332211009f8e7d6c5b4a';
  const lines = [
    // log.L.Infof("TaskExit event %+v", e) on a google.golang.org/protobuf message: prototext, logfmt-quoted.
    `time="2024-11-20T10:00:00.123456789Z" level=info msg="TaskExit event container_id:\\"${CID}\\" id:\\"${CID}\\" pid:4242 exit_status:137 exited_at:{seconds:1732096800 nanos:120000000}"`,
    // prototext's randomised spacing: two spaces between fields.
    `time="2024-11-20T10:00:01.000000000Z" level=info msg="TaskExit event container_id:\\"${CID}\\"  id:\\"${CID}\\"  pid:4243  exit_status:1  exited_at:{seconds:1732096801  nanos:0}"`,
    // A zero exit status is not printed at all.
    `time="2024-11-20T10:00:02.000000000Z" level=info msg="TaskExit event container_id:\\"${CID}\\" id:\\"${CID}\\" pid:4244 exited_at:{seconds:1732096802 nanos:0}"`,
    // An exec's exit under the container: not the container's.
    `time="2024-11-20T10:00:03.000000000Z" level=info msg="TaskExit event container_id:\\"${CID}\\" id:\\"${EXEC}\\" pid:4250 exit_status:126 exited_at:{seconds:1732096803 nanos:0}"`,
    // The sandbox handler (internal/cri/server/podsandbox/events.go:46).
    `time="2024-11-20T10:00:04.000000000Z" level=info msg="TaskExit event in podsandbox handler container_id:\\"${SANDBOX}\\" id:\\"${SANDBOX}\\" pid:4100 exit_status:137 exited_at:{seconds:1732096804 nanos:0}"`,
    // journalctl -u containerd: the same text behind a journald prefix.
    `Nov 20 10:00:05 node-a containerd[812]: time="2024-11-20T10:00:05.000000000Z" level=info msg="TaskExit event container_id:\\"${CID}\\"  id:\\"${CID}\\"  pid:4245  exit_status:143  exited_at:{seconds:1732096805  nanos:0}"`,
  ];
  const exits = only(factsOf(lines.join('\n'), 'containerd.log'), 'taskExit');
  assert.deepEqual(
    exits.map((f) => [f.line, f.container, f.detail?.exitStatus, f.detail?.pid, f.how]),
    [
      [1, CID, '137', '4242', 'containerd TaskExit event'],
      [2, CID, '1', '4243', 'containerd TaskExit event'],
      [3, CID, '0', '4244', 'containerd TaskExit event'],
      [5, SANDBOX, '137', '4100', 'containerd TaskExit event'],
      [6, CID, '143', '4245', 'containerd TaskExit event'],
    ],
  );
  assert.equal(exits[0]!.time?.year, 2024);
});

test('fact rules are data: every rule of facts.json compiles, is safe, cites where its line is printed', () => {
  const data = JSON.parse(fs.readFileSync(path.join(repoRoot, 'src', 'core', 'knowledge', 'facts.json'), 'utf8')) as FactsData;
  assert.ok(data.rules.length >= 30, `${data.rules.length} rules`);
  for (const r of data.rules) {
    // A line a format string prints is cited by the index's entry (loadKnowledge checks it is there).
    const sources = r.messages ? r.messages.map((m) => compileFormat(m.format, r.verbs ?? [], data).regex) : [compileFactPattern(r.pattern!, data.pieces)];
    for (const re of sources) assert.equal(regexHazard(re.source), null, r.id);
    assert.ok(r.messages?.length || r.source?.call || r.source?.note, `${r.id} cites where its line is printed`);
  }
  assert.throws(() => compileFactPattern('{NOPE}', data.pieces), /unknown piece \{NOPE\}/);
  // A line each rule reads, with the value the rule takes from it (one per kind of rule, real forms).
  const one = (line: string) => factsFromLine(line, 'x', 1, null);
  assert.deepEqual(one('May 07 03:43:29 node-a kernel: Memory cgroup out of memory: Killed process 26655 (runc:[2:INIT]) total-vm:1015728kB').map((f) => [f.kind, f.value, f.detail?.scope]), [['oomKill', 'runc:[2:INIT]', 'memory cgroup']]);
  assert.deepEqual(one('SystemdCgroup = true').map((f) => [f.kind, f.value]), [['cgroupDriver', 'systemd']]);
  assert.deepEqual(one(`time="2024-11-20T10:00:00Z" level=info msg="UpdateContainerResources for \\"${CID}\\" with Linux: &LinuxContainerResources{CpuShares:1024,} / Windows: nil"`).map((f) => [f.kind, f.value, f.detail?.via]), [['containerUpdate', CID, 'containerd UpdateContainerResources']]);
});

test('df, df -h, df -T and df -i rows: use%, mount, available', () => {
  const text = [
    'Filesystem     1K-blocks    Used Available Use% Mounted on',
    'tmpfs             817484  817484         0 100% /run',
    '/dev/sda1       61255492 9876544  48230556  17% /',
    'Filesystem      Size  Used Avail Use% Mounted on',
    'tmpfs           799M  799M     0 100% /run',
    'Filesystem     Type  Size  Used Avail Use% Mounted on',
    'tmpfs          tmpfs 3.9G  3.8G  100M  98% /tmp',
    'Filesystem      Inodes  IUsed   IFree IUse% Mounted on',
    'tmpfs           1021855 1021855      0  100% /run',
    'cpu at 95% /proc is fine',
  ].join('\n');
  const disk = only(factsOf(text), 'diskUsage');
  assert.deepEqual(
    disk.map((f) => [f.line, f.value, f.detail?.mount, f.detail?.available, f.detail?.inodes ?? null, f.how]),
    [
      [2, '100', '/run', '0', null, 'df'],
      [3, '17', '/', '48230556', null, 'df'],
      [5, '100', '/run', '0', null, 'df'],
      [7, '98', '/tmp', '100M', null, 'df'],
      [9, '100', '/run', '0', 'true', 'df -i'],
    ],
  );
});

test('runc fingerprint from error text: the issue\'s example matches rc10 and rc90 only, once per file', () => {
  const line = `E0507 03:43:28.310630   57003 remote_runtime.go:392] ExecSync 4f1d from runtime service failed: rpc error: code = Unknown desc = OCI runtime exec failed: exec failed: container_linux.go:349: starting container process caused "process_linux.go:319: getting the final child's pid from pipe caused \\"EOF\\"": unknown`;
  const facts = only(factsOf(`${line}\n${line}\n`), 'runcFingerprint');
  assert.equal(facts.length, 1);
  assert.equal(facts[0]!.value, 'v1.0.0-rc10,v1.0.0-rc90');
  assert.deepEqual(facts[0]!.detail, { sites: 'container_linux.go:349,process_linux.go:319', beforeRaceFix: 'true', oomHintPossible: 'false' });
  assert.equal(facts[0]!.line, 1);
  // A patched build: sites no upstream tag has.
  const patched = only(factsOf('OCI runtime exec failed: exec failed: container_linux.go:999: starting container process caused "read init-p: connection reset by peer": unknown\n'), 'runcFingerprint');
  assert.equal(patched[0]!.value, '');
  assert.equal(patched[0]!.detail?.beforeRaceFix, 'unknown');
});

test('cgroupOwner: cgroupfs and systemd layouts', () => {
  assert.deepEqual(cgroupOwner(`/sys/fs/cgroup/memory/kubepods/besteffort/pod${POD_UID}/${CID}/memory.events`), {
    container: CID,
    pod: POD_UID,
    detail: { cgroup: `/sys/fs/cgroup/memory/kubepods/besteffort/pod${POD_UID}/${CID}` },
  });
  assert.equal(cgroupOwner(`/sys/fs/cgroup/system.slice/docker-${CID}.scope/pids.max`).container, CID);
  assert.deepEqual(cgroupOwner('pids.max'), { detail: {} });
});

test('fact rules are safe regular expressions and their needles selective', () => {
  for (const n of FACT_NEEDLES) assert.ok(n.length >= 3, n);
  // Linear on hostile lines: a megabyte of a rule's own literal.
  for (const n of FACT_NEEDLES) {
    const line = n.repeat(Math.ceil(1_000_000 / n.length));
    assert.doesNotThrow(() => factsFromLine(line, 'x', 1, null));
  }
  assert.equal(regexHazard('([0-9]{1,3})% (/\\S{0,300})\\s{0,8}$'), null);
});

test('a large log is read through the needles: log rules only, no command-output rules', () => {
  const filler = 'I0507 03:40:00.000000   57003 kubelet.go:1 ordinary chatter about pods and volumes\n'.repeat(20_000);
  const lines = [
    `I0507 03:43:28.300412   57003 cpu_manager.go:434] [cpumanager] reconcileState: updating container (pod: web-1, container: web, container id: ${CID}, cpuset: "0-3")`,
    'May 07 03:43:29 node-a kernel: Memory cgroup out of memory: Killed process 26655 (runc:[2:INIT]) total-vm:1015728kB',
    ' Cgroup Driver: systemd',
    'go: go1.22.1',
    'tmpfs             817484  817484         0 100% /run',
  ];
  const text = `${filler}${lines.join('\n')}\n${filler}`;
  assert.ok(text.length > 1024 * 1024);
  const facts = factsOf(text, 'kubelet.log');
  assert.deepEqual(
    facts.map((f) => [f.kind, f.line]),
    [
      ['containerUpdate', 20_001],
      ['oomKill', 20_002],
    ],
  );
  // The same lines in a small input (command output pasted or dropped in) state all their facts.
  assert.deepEqual(
    factsOf(`${lines.join('\n')}\n`).map((f) => f.kind),
    ['containerUpdate', 'oomKill', 'cgroupDriver', 'runcGoVersion', 'diskUsage'],
  );
  for (const n of ['Cgroup ', 'go: go', '% /', 'pids.', 'SystemdCgroup']) assert.ok(!FACT_NEEDLES.includes(n), n);
});

test('one event, one count: the 75 kernel OOM kills of samples/oom-case are 75 findings, each linking its other lines', () => {
  const file = path.join(repoRoot, 'samples', 'oom-case', 'journalctl-k.log');
  const text = fs.readFileSync(file, 'utf8');
  const kills = text.split('\n').filter((l) => /Killed process \d+ \(runc:\[2:INIT\]\)/.test(l)).length;
  assert.equal(kills, 75);
  const r = recogniseText(file, text, { matcher });
  const oom = r.findings.filter((f) => f.signature === 'kernel-oom-kill');
  assert.equal(oom.length, kills, 'one finding per kill, not one per line');
  for (const f of oom) {
    assert.match(f.text, /invoked oom-killer/, `line ${f.line} is the event's first line`);
    assert.deepEqual(f.related, [f.line + 2], `line ${f.line}: the Killed process line two lines on`);
  }
  assert.equal(only(r.facts, 'oomKill').length, kills, 'and one fact per kill');
});

test('one event, one count: older kernels (Kill process … or sacrifice child), dmesg, two hosts interleaved, a lone kill', () => {
  const dmesg = recogniseText('dmesg.txt', fs.readFileSync(path.join(fixtures, 'dmesg-oom.txt'), 'utf8'), { matcher });
  assert.equal(dmesg.findings.filter((f) => f.signature === 'kernel-oom-kill').length, 1);
  const old = [
    'Mar  3 10:00:00 node-a kernel: [12.000001] runc:[2:INIT] invoked oom-killer: gfp_mask=0x24000c0, order=0, oom_score_adj=-998',
    'Mar  3 10:00:00 node-a kernel: [12.000002] memory: usage 1048576kB, limit 1048576kB, failcnt 9',
    'Mar  3 10:00:00 node-b kernel: [40.000001] runc:[2:INIT] invoked oom-killer: gfp_mask=0x24000c0, order=0, oom_score_adj=-998',
    'Mar  3 10:00:00 node-a kernel: [12.000003] Memory cgroup out of memory: Kill process 4242 (runc:[2:INIT]) score 2 or sacrifice child',
    'Mar  3 10:00:00 node-a kernel: [12.000004] Killed process 4242 (runc:[2:INIT]) total-vm:1083112kB, anon-rss:4032kB, file-rss:1932kB, shmem-rss:0kB',
    'Mar  3 10:00:00 node-b kernel: [40.000002] Memory cgroup out of memory: Killed process 777 (runc:[2:INIT]) total-vm:1083112kB, anon-rss:4032kB',
    // A kill without its header (the journal lost it): still one event.
    'Mar  3 10:05:00 node-a kernel: [312.000004] Memory cgroup out of memory: Killed process 4300 (runc:[2:INIT]) total-vm:1083112kB',
    'Mar  3 10:06:00 node-a kernel: [372.000001] runc:[2:INIT] invoked oom-killer: gfp_mask=0x24000c0, order=0, oom_score_adj=-998',
    'Mar  3 10:06:00 node-a kernel: [372.000004] Memory cgroup out of memory: Killed process 4301 (runc:[2:INIT]) total-vm:1083112kB',
  ];
  const r = recogniseText('kern.log', old.join('\n'), { matcher });
  assert.deepEqual(
    r.findings.filter((f) => f.signature === 'kernel-oom-kill').map((f) => [f.line, / node-[ab] /.exec(f.text)![0].trim(), f.related ?? []]),
    [
      [1, 'node-a', [4, 5]],
      [3, 'node-b', [6]],
      [7, 'node-a', []],
      [8, 'node-a', [9]],
    ],
  );
  assert.deepEqual(only(r.facts, 'oomKill').map((f) => [f.line, f.detail?.pid]), [[4, '4242'], [6, '777'], [7, '4300'], [9, '4301']]);
});

test('one exec, one count: the kubelet\'s CRI client and prober lines naming the same exec id are one finding', () => {
  const file = path.join(repoRoot, 'samples', 'oom-case', 'kubelet.log');
  const r = recogniseText(file, fs.readFileSync(file, 'utf8'), { matcher });
  const resets = r.findings.filter((f) => f.signature === 'runc-init-pipe-reset');
  const execIds = new Set(fs.readFileSync(file, 'utf8').split('\n').map((l) => /start exec \\"([0-9a-f]{64})/.exec(l)?.[1]).filter(Boolean));
  assert.equal(resets.length, execIds.size, 'one finding per exec');
  assert.equal(resets.length, 75);
  for (const f of resets) {
    assert.match(f.text, /ExecSync cmd from runtime service failed/, `line ${f.line} is the first of its exec`);
    assert.deepEqual(f.related, [f.line + 1], `line ${f.line}: the prober's line names the same exec`);
  }
  // Two execs with different ids stay two; the same id far apart (a reused id is not an event) stays two.
  const ID = (c: string) => c.repeat(64);
  const line = (id: string) => `E0507 03:43:28.310630   57003 prober.go:107] "Probe errored" err="rpc error: code = Unknown desc = failed to exec in container: failed to start exec \\"${id}\\": OCI runtime exec failed: exec failed: EOF: unknown"`;
  const far = Array.from({ length: 300 }, () => 'I0507 03:43:29.000000   57003 kubelet.go:1] chatter');
  const text = [line(ID('a')), line(ID('a')), line(ID('b')), ...far, line(ID('a'))].join('\n');
  const got = recogniseText('kubelet.log', text, { matcher }).findings.map((f) => [f.line, f.related ?? []]);
  assert.deepEqual(got, [[1, [2]], [3, []], [304, []]]);
});

test('one exec, one count across files: the kubelet\'s and containerd\'s lines of one exec are one event in the symptom table', () => {
  const dir = path.join(repoRoot, 'samples', 'oom-case');
  const recs = ['kubelet.log', 'containerd.log'].map((f) => recogniseText(path.join(dir, f), fs.readFileSync(path.join(dir, f), 'utf8'), { matcher }));
  const resets = recs.flatMap((r) => r.findings).filter((f) => f.signature === 'runc-init-pipe-reset');
  assert.equal(resets.length, 150, 'each file keeps its own finding of the exec');
  assert.ok(resets.every((f) => /^exec-id:[0-9a-f]{64}$/.test(f.event ?? '')));
  const d = diagnose({ recognitions: recs, facts: recs.flatMap((r) => r.facts), saveState: null, user: {}, titles: {} });
  const row = d.clusters.filter((c) => c.signature === 'runc-init-pipe-reset');
  assert.equal(row.reduce((n, c) => n + c.count, 0), 75, 'the symptom counts 75 execs, not 150 lines');
});
