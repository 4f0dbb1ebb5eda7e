import * as path from 'node:path';
import type { SaveStateFact } from '../trace/facts';
import type { PlacedFinding } from './clock';
import type { NodeFact } from '../logs/facts';
import { circularDistance, hasWithin, histogram, phaseOf, rayleigh } from './stats';
import type { Evidence, FactSource, Timeline, TimelineEvent, UserFacts } from './types';
import { dockerImpliesOldRunc, parseGoDuration, parseRuncVersion, runcBeforeFix } from './versions';

/** Events needed before the phase test says anything. */
export const MIN_EVENTS = 8;
/** Failures of one container this close together are one failure logged twice (prober I and W lines). */
const SAME_EVENT_MS = 1000;
const P_ALIGNED = 0.001;
const P_RANDOM = 0.05;
const NEARBY_MS = 2000;

const CHECKS: Record<Evidence['id'], { title: string; check?: string }> = {
  'eof-errors-present': { title: 'OCI exec EOF errors present', check: 'kubectl get events -A --field-selector reason=Unhealthy | grep "exec failed: EOF"' },
  'reconcile-aligned': { title: 'EOFs fall on the cpu-manager reconcile ticks', check: 'journalctl -u kubelet --since "-1h" | grep "exec failed: EOF"' },
  'cpu-manager-static': { title: 'cpu-manager policy is static', check: "grep -i cpuManager /var/lib/kubelet/config.yaml; ps -o args= -C kubelet | tr ' ' '\\n' | grep cpu-manager" },
  'runc-before-fix': { title: 'runc is older than v1.0.0-rc91 (no atomic state.json write)', check: 'runc --version || docker-runc --version; docker version --format "{{.Server.Version}}"' },
  'runc-savestate-atomic': { title: "runc's saveState writes state.json atomically (in the Go sources)" },
  'fifo-closed-nearby': { title: 'dockerd "closed fifo" errors next to the EOFs', check: 'journalctl -u docker --since "-1h" | grep -E "closed fifo|Error running exec"' },
};

function evidence(id: Evidence['id'], holds: boolean | null, detail: string, source: FactSource, extra: Partial<Evidence> = {}): Evidence {
  return { id, holds, detail, title: CHECKS[id].title, source, ...(CHECKS[id].check ? { check: CHECKS[id].check } : {}), ...extra };
}

const at = (f: { file: string; line: number }) => `${path.basename(f.file)}:${f.line}`;

export function eofPresent(placed: PlacedFinding[]): Evidence {
  const eof = placed.filter((p) => p.finding.signature === 'oci-exec-eof');
  // Each file sees the same failures from its own side (dockerd, kubelet, events): count per file.
  const perFile = new Map<string, number>();
  for (const p of eof) perFile.set(path.basename(p.finding.file), (perFile.get(path.basename(p.finding.file)) ?? 0) + p.finding.record.count);
  const breakdown = [...perFile].map(([f, n]) => `${n} in ${f}`).join(', ');
  return eof.length > 0
    ? evidence('eof-errors-present', true, `"OCI runtime exec failed: exec failed: (unexpected) EOF" errors: ${breakdown}`, 'logs', { where: { file: eof[0]!.finding.file, line: eof[0]!.finding.line } })
    : evidence('eof-errors-present', false, 'no "OCI runtime exec failed: exec failed: EOF" errors in the input', 'logs');
}

/** The last statement of a fact wins (a restarted kubelet logs its new flags); the user's answer wins over all. */
export function latest(facts: NodeFact[], kind: NodeFact['kind']): NodeFact | undefined {
  const of = facts.filter((f) => f.kind === kind);
  return of[of.length - 1];
}

export function reconcilePeriod(facts: NodeFact[], user: UserFacts): { seconds: number; from: string; source: FactSource } {
  if (user.reconcilePeriodSeconds && user.reconcilePeriodSeconds > 0) return { seconds: user.reconcilePeriodSeconds, from: 'your answer', source: 'user' };
  const f = latest(facts, 'reconcilePeriod');
  const s = f ? parseGoDuration(f.value) : null;
  if (f && s) return { seconds: s, from: `${f.how} at ${at(f)}`, source: 'logs' };
  return { seconds: 10, from: 'the kubelet default (no --cpu-manager-reconcile-period in the input)', source: 'default' };
}

export function cpuManagerStatic(facts: NodeFact[], user: UserFacts): Evidence {
  const ask = {
    fact: 'cpuManagerPolicy' as const,
    prompt: 'What is the kubelet\'s cpu-manager policy on this node?',
    choices: [
      { value: 'static', label: 'static' },
      { value: 'none', label: 'none (the default)' },
    ],
  };
  if (user.cpuManagerPolicy) {
    return evidence('cpu-manager-static', user.cpuManagerPolicy === 'static', `policy "${user.cpuManagerPolicy}", as you answered`, 'user', { ask });
  }
  const f = latest(facts, 'cpuManagerPolicy');
  if (!f) return evidence('cpu-manager-static', null, 'no kubelet flags, cpu-manager start line or KubeletConfiguration in the input says which policy runs', 'logs', { ask });
  const others = facts.filter((x) => x.kind === 'cpuManagerPolicy' && x.value !== f.value);
  const conflict = others.length ? ` (earlier ${others.map((o) => `"${o.value}" in ${at(o)}`).join(', ')})` : '';
  return evidence('cpu-manager-static', f.value === 'static', `policy "${f.value}" from the ${f.how} at ${at(f)}${conflict}`, 'logs', { where: { file: f.file, line: f.line }, ask });
}

export function runcOld(facts: NodeFact[], user: UserFacts): Evidence {
  const ask = { fact: 'runcVersion' as const, prompt: 'Which runc version runs on the node (`runc --version`)?', placeholder: 'e.g. 1.0.0-rc6' };
  const judge = (text: string, how: string, source: FactSource, where?: NodeFact) => {
    const v = parseRuncVersion(text);
    if (!v) return evidence('runc-before-fix', null, `"${text}" (${how}) is not a runc version Runtime Lens can read`, source, { ask });
    const before = runcBeforeFix(v);
    const verdict = before === null ? 'a development build between rc90 and rc91: it may or may not have the fix' : before ? 'older than v1.0.0-rc91, the first release with the atomic state.json write' : 'v1.0.0-rc91 or newer: it writes state.json atomically';
    return evidence('runc-before-fix', before, `runc ${v.text} (${how}) — ${verdict}`, source, { ask, ...(where ? { where: { file: where.file, line: where.line } } : {}) });
  };
  if (user.runcVersion) return judge(user.runcVersion, 'as you answered', 'user');
  const runc = latest(facts, 'runcVersion');
  if (runc) return judge(runc.value, `${runc.how} in ${at(runc)}`, 'logs', runc);
  const docker = latest(facts, 'dockerVersion');
  if (docker && dockerImpliesOldRunc(docker.value)) {
    return evidence('runc-before-fix', true, `Docker ${docker.value} (${docker.how} in ${at(docker)}) ships its own runc (docker-runc), older than v1.0.0-rc91`, 'logs', { where: { file: docker.file, line: docker.line }, ask });
  }
  const hint = docker ? `Docker ${docker.value} (${at(docker)}) takes runc from the containerd.io package, whose version the input does not show` : 'no runc or Docker version in the input';
  return evidence('runc-before-fix', null, hint, 'logs', { ask });
}

export function saveStateAtomic(fact: SaveStateFact | null, runcVersionSeen: string | null): Evidence {
  if (!fact) return evidence('runc-savestate-atomic', null, 'no Go sources given (--sources, or trace the call path in VS Code)', 'sources');
  const where = fact.hop?.file && fact.hop.line ? { where: { file: fact.hop.file, line: fact.hop.line } } : {};
  const sourceVersion = fact.hop?.root?.version ?? null;
  const mismatch = runcVersionSeen && sourceVersion && parseRuncVersion(sourceVersion)?.text !== parseRuncVersion(runcVersionSeen)?.text ? ` Note: these sources are runc ${sourceVersion}, the node runs ${runcVersionSeen}.` : '';
  return evidence('runc-savestate-atomic', fact.atomic, `${fact.detail}.${mismatch}`, 'sources', where);
}

/** Collapses the kubelet's duplicate lines for one failure and keeps one timed event per failure. */
export function eofEvents(placed: PlacedFinding[]): PlacedFinding[] {
  const eof = placed.filter((p) => p.finding.signature === 'oci-exec-eof' && p.wall !== null && p.finding.record.format !== 'kubectl-describe');
  // Prefer the kubelet's view (it names pod and container); fall back to the runtime's.
  const kubelet = eof.filter((p) => p.finding.record.pod !== null || p.finding.record.component === 'kubelet');
  const chosen = (kubelet.length >= MIN_EVENTS || kubelet.length >= eof.length / 2 ? kubelet : eof).sort((a, b) => a.wall! - b.wall!);
  const out: PlacedFinding[] = [];
  const lastByKey = new Map<string, number>();
  for (const p of chosen) {
    const key = containerKey(p);
    const last = lastByKey.get(key);
    if (last !== undefined && p.wall! - last < SAME_EVENT_MS) continue;
    lastByKey.set(key, p.wall!);
    out.push(p);
  }
  return out;
}

/** The pod's UID identifies it even when the name is redacted; else namespace/name/container. */
function containerKey(p: PlacedFinding): string {
  const r = p.finding.record;
  const uid = /\(([0-9a-f-]{36})\)/.exec(p.finding.text)?.[1];
  return `${uid ?? `${r.namespace ?? ''}/${r.pod ?? ''}`}:${r.container ?? ''}`;
}

export interface Alignment {
  evidence: Evidence;
  timeline: Timeline | null;
}

/**
 * The phase test. Every event's time modulo the reconcile period is its phase; a shared periodic
 * cause concentrates the phases (Rayleigh test). One caveat decides what the test can claim: an exec
 * probe with periodSeconds equal to the reconcile period (10 s is both defaults) gives one container's
 * failures a fixed phase whatever their cause. Only EOFs of several containers meeting at one phase —
 * or one container's meeting the logged reconcile tick — point at the reconcile.
 */
export function reconcileAligned(events: PlacedFinding[], period: { seconds: number; from: string }, facts: NodeFact[]): Alignment {
  const periodMs = period.seconds * 1000;
  const start = latest(facts, 'cpuManagerStart');
  const startWall = start?.time ? Date.UTC(start.time.year ?? 2000, start.time.month - 1, start.time.day, start.time.hour, start.time.minute, start.time.second) + start.time.micros / 1000 : null;
  const tickPhase = startWall !== null ? phaseOf(startWall, periodMs) / 1000 : null;
  if (events.length === 0) {
    return { evidence: evidence('reconcile-aligned', null, 'no timestamped EOF errors to test', 'logs'), timeline: null };
  }
  const phases = events.map((e) => phaseOf(e.wall!, periodMs) / 1000);
  const r = rayleigh(phases, period.seconds)!;
  const t0 = events[0]!.wall!;
  const tl: TimelineEvent[] = events.map((e, i) => ({
    offsetMs: e.wall! - t0,
    phaseSeconds: phases[i]!,
    pod: e.finding.record.pod,
    kind: /unexpected EOF/.test(e.finding.text) ? 'unexpected EOF' : 'EOF',
    file: e.finding.file,
    line: e.finding.line,
  }));
  const timeline: Timeline = {
    periodSeconds: period.seconds,
    start: events[0]!.finding.time?.iso ?? null,
    spanMs: events[events.length - 1]!.wall! - t0,
    events: tl,
    tickPhaseSeconds: tickPhase ?? r.meanPhase,
    tickPhaseFrom: tickPhase !== null ? 'kubelet start' : 'events',
    histogram: histogram(phases, period.seconds, 0.5),
    rayleigh: { n: r.n, meanResultant: r.meanResultant, z: r.z, p: r.p },
  };
  const stats = `${r.n} events, phases concentrated to R̄ ${r.meanResultant.toFixed(2)} around ${r.meanPhase.toFixed(1)} s of the ${period.seconds} s period (Rayleigh Z ${r.z.toFixed(1)}, p ${r.p < 1e-6 ? r.p.toExponential(1) : r.p.toFixed(4)}); period from ${period.from}`;
  if (r.n < MIN_EVENTS) {
    return { evidence: evidence('reconcile-aligned', null, `only ${r.n} timestamped EOF event(s): at least ${MIN_EVENTS} are needed to test the phases`, 'logs'), timeline };
  }
  // Per container first: several containers each keeping their own phase is each probe's schedule,
  // whether or not the pooled phases look concentrated.
  const byContainer = new Map<string, number[]>();
  events.forEach((e, i) => {
    const key = containerKey(e);
    const list = byContainer.get(key);
    if (list) list.push(phases[i]!);
    else byContainer.set(key, [phases[i]!]);
  });
  const groups = [...byContainer.values()].filter((g) => g.length >= 3).map((g) => rayleigh(g, period.seconds)!);
  const rhythmic = groups.filter((g) => g.p < 0.01);
  if (rhythmic.length >= 2) {
    const spread = Math.max(...rhythmic.map((g) => circularDistance(g.meanPhase, r.meanPhase, period.seconds)));
    if (spread > 1.5) {
      return {
        evidence: evidence('reconcile-aligned', false, `each container's EOFs keep to their own rhythm (mean phases ${rhythmic.map((g) => `${g.meanPhase.toFixed(1)} s`).join(', ')}): that is each probe's own schedule, not one shared reconcile tick (${stats})`, 'logs'),
        timeline,
      };
    }
  }
  if (r.p >= P_RANDOM) {
    return { evidence: evidence('reconcile-aligned', false, `the EOF times are spread over the period like random times: ${stats}`, 'logs'), timeline };
  }
  if (r.p >= P_ALIGNED) {
    return { evidence: evidence('reconcile-aligned', null, `inconclusive: some concentration but not enough to rule out chance (${stats})`, 'logs'), timeline };
  }
  const tickNote = tickPhase !== null ? `; the kubelet's cpu-manager started its reconcile loop at phase ${tickPhase.toFixed(1)} s (${start!.how}, ${at(start!)})` : '';
  const followsTick = tickPhase !== null && ((r.meanPhase - tickPhase + period.seconds) % period.seconds) <= 1.5;
  if (groups.length >= 2) {
    return {
      evidence: evidence('reconcile-aligned', true, `${groups.length} containers' EOFs all fall at the same phase of the reconcile period: ${stats}${tickNote}${followsTick ? ', just after the tick' : ''}`, 'logs'),
      timeline,
    };
  }
  if (followsTick) {
    return { evidence: evidence('reconcile-aligned', true, `the EOFs fall just after the reconcile tick: ${stats}${tickNote}`, 'logs'), timeline };
  }
  return {
    evidence: evidence('reconcile-aligned', null, `the EOFs come from one container and keep one phase, which its own probe period could explain as well as the reconcile (${stats})`, 'logs'),
    timeline,
  };
}

export function fifoNearby(placed: PlacedFinding[], events: PlacedFinding[], clockKnown: boolean): Evidence {
  const fifo = placed.filter((p) => p.finding.signature === 'closed-fifo');
  if (fifo.length === 0) {
    const dockerd = placed.some((p) => p.finding.record.component === 'dockerd');
    return evidence('fifo-closed-nearby', dockerd ? false : null, dockerd ? 'dockerd\'s log has no "closed fifo" errors' : 'no dockerd log in the input', 'logs');
  }
  const eof = events.filter((p) => p.epoch !== null);
  if (eof.length === 0) {
    return evidence('fifo-closed-nearby', null, clockKnown ? 'no EOF errors with a known time to compare with' : `${fifo.length} "closed fifo" error(s), but the EOF times have no zone to compare them with (give --tz)`, 'logs');
  }
  const times = fifo.map((p) => p.epoch).filter((t): t is number => t !== null).sort((a, b) => a - b);
  const near = eof.filter((e) => hasWithin(times, e.epoch!, NEARBY_MS)).length;
  const share = near / eof.length;
  return evidence(
    'fifo-closed-nearby',
    share >= 0.5,
    `${near} of ${eof.length} EOF failures have a dockerd "reading from a closed fifo" within ${NEARBY_MS / 1000} s${share >= 0.5 ? ': dockerd saw the same exec fail to start' : ''}`,
    'logs',
    { where: { file: fifo[0]!.finding.file, line: fifo[0]!.finding.line } },
  );
}

