import * as path from 'node:path';
import type { NodeFact } from '../logs/facts';
import type { ReproduceOutcome } from '../reproduce/types';
import { CAUSES } from './causes';
import { type PlacedFinding, type Clock, placeTime } from './clock';
import { binomialTail, hasWithin, histogram, periodScan, phaseOf, rayleigh } from './stats';
import type { Evidence, FactSource, Question, Timeline, TimelineEvent } from './types';
import { dockerImpliesOldRunc, parseGoDuration, parseRuncVersion, runcBeforeFix } from './versions';
import { affected, boundaryChange, boundaryText, parseVersion } from '../knowledge/versions';
import { ENGLISH, type Say } from '../l10n';

/** Events needed before the phase test says anything. */
export const MIN_EVENTS = 8;
/** Failures of one container this close together are one failure logged twice (prober I and W lines). */
const SAME_EVENT_MS = 1000;
const P_ALIGNED = 0.001;
const P_RANDOM = 0.05;
const NEARBY_MS = 2000;
/** An EOF "follows" an update of its container when it comes at most this long after it (the exec reads state.json within ms of starting; the kubelet logs the failure a few hundred ms later at most). */
const LINK_MS = 1000;
/** The reconcile's own duration, which the sliding tick adds to every period, is searched up to this share of the period (50 ms in 10 s). */
const MAX_DRIFT_SHARE = 0.005;
/** A TaskExit this close to a failed exec means the container was exiting under it. */
const EXIT_NEAR_MS = 5000;

const OBSERVATIONS = new Map(CAUSES.observations.map((o) => [o.id, o]));

/** An observation's evidence entry: title, check and question come from the catalog (causes.json). */
export function evidence(id: string, holds: boolean | null, detail: string, source: FactSource, extra: Partial<Evidence> = {}): Evidence {
  const def = OBSERVATIONS.get(id);
  if (!def) throw new Error(`observation ${id} is not in the cause catalog`);
  const ask: Question | undefined = def.question
    ? { fact: `observation:${id}`, prompt: def.question.prompt, choices: [{ value: 'yes', label: def.question.yes }, { value: 'no', label: def.question.no }] }
    : undefined;
  return { id, holds, detail, title: def.title, source, ...(def.check ? { check: def.check } : {}), ...(def.collected ? { collected: def.collected } : {}), ...(ask ? { ask } : {}), ...extra };
}

const at = (f: { file: string; line: number }) => `${path.basename(f.file)}:${f.line}`;

/** Whether the failures of the given signatures (the catalog's `params.signatures`: the EOFs) are in the input, counted per file. */
export function eofPresent(placed: PlacedFinding[], signatures: Set<string>, say: Say = ENGLISH): Evidence {
  const eof = placed.filter((p) => signatures.has(p.finding.signature));
  // Each file sees the same failures from its own side (dockerd, kubelet, events): count per file.
  const perFile = new Map<string, number>();
  // A file's name worked out once, not twice per failure: path.basename walks the path, and this runs
  // for the whole input and again for each group (1,471 failures of the bench log, 9-13 ms of basename).
  const names = new Map<string, string>();
  for (const p of eof) {
    const file = p.finding.file;
    let name = names.get(file);
    if (name === undefined) names.set(file, (name = path.basename(file)));
    perFile.set(name, (perFile.get(name) ?? 0) + p.finding.record.count);
  }
  const breakdown = [...perFile].map(([f, n]) => say.t('{0} in {1}', n, f)).join(say.t(', '));
  return eof.length > 0
    ? evidence('eof-errors-present', true, say.t('"{0}" errors: {1}', 'OCI runtime exec failed: exec failed: (unexpected) EOF', breakdown), 'logs', { where: { file: eof[0]!.finding.file, line: eof[0]!.finding.line } })
    : evidence('eof-errors-present', false, say.t('no "{0}" errors in the input', 'OCI runtime exec failed: exec failed: EOF'), 'logs');
}

/** The last statement of a fact wins (a restarted kubelet logs its new flags); the user's answer wins over all. */
export function latest(facts: NodeFact[], kind: NodeFact['kind']): NodeFact | undefined {
  const of = facts.filter((f) => f.kind === kind);
  return of[of.length - 1];
}

/** The reconcile period: the user's answer (seconds), else the kubelet's flag or config, else its default. */
export function reconcilePeriod(facts: NodeFact[], answered: number | null, say: Say = ENGLISH): { seconds: number; from: string; source: FactSource } {
  if (answered !== null && answered > 0) return { seconds: answered, from: say.t('your answer'), source: 'user' };
  const f = latest(facts, 'reconcilePeriod');
  const s = f ? parseGoDuration(f.value) : null;
  if (f && s) return { seconds: s, from: say.t('{0} at {1}', f.how, at(f)), source: 'logs' };
  return { seconds: 10, from: say.t('the kubelet default (no --cpu-manager-reconcile-period in the input)'), source: 'default' };
}

export function cpuManagerStatic(facts: NodeFact[], say: Say = ENGLISH): Evidence {
  const f = latest(facts, 'cpuManagerPolicy');
  if (!f) return evidence('cpu-manager-static', null, say.t('no kubelet flags, cpu-manager start line or KubeletConfiguration in the input says which policy runs'), 'logs');
  const others = facts.filter((x) => x.kind === 'cpuManagerPolicy' && x.value !== f.value);
  const conflict = others.length ? say.t(' (earlier {0})', others.map((o) => say.t('"{0}" in {1}', o.value, at(o))).join(say.t(', '))) : '';
  return evidence('cpu-manager-static', f.value === 'static', say.t('policy "{0}" from the {1} at {2}{3}', f.value, f.how, at(f), conflict), 'logs', { where: { file: f.file, line: f.line } });
}

/** The first runc with the atomic state.json write, as the texts name it. */
const FIX = boundaryText('runc-state-atomic');

/** The node's runc against the fix: the version the user typed, else `runc --version`, runc's own call sites, or Docker's bundled runc. */
export function runcOld(facts: NodeFact[], answered: string | null, say: Say = ENGLISH): Evidence {
  const judge = (text: string, how: string, source: FactSource, where?: NodeFact) => {
    const v = parseRuncVersion(text);
    if (!v) return evidence('runc-before-fix', null, say.t('"{0}" ({1}) is not a runc version Runtime Lens can read', text, how), source);
    const before = runcBeforeFix(v);
    const verdict = before === null ? say.t('a development build just before {0}: it may or may not have the fix', FIX) : before ? say.t('older than {0}, the first release with the atomic state.json write ({1})', FIX, boundaryChange('runc-state-atomic')) : say.t('{0} or newer: it writes state.json atomically', FIX);
    return evidence('runc-before-fix', before, say.t('runc {0} ({1}) — {2}', v.text, how, verdict), source, where ? { where: { file: where.file, line: where.line } } : {});
  };
  if (answered) return judge(answered, say.t('as you answered'), 'user');
  const runc = latest(facts, 'runcVersion');
  if (runc) return judge(runc.value, say.t('{0} in {1}', runc.how, at(runc)), 'logs', runc);
  // runc's own error text names its call sites until rc95; the tags they match date the binary.
  const print = latest(facts, 'runcFingerprint');
  if (print) {
    const tags = print.value.split(',').filter(Boolean);
    const sites = print.detail?.sites ?? '';
    if (tags.length === 0) return evidence('runc-before-fix', null, say.t("runc's error call sites ({0}, {1}) match no upstream tag rc1–rc95: a patched build", sites, at(print)), 'logs', { where: { file: print.file, line: print.line } });
    // The fact says whether every matching tag is before the fix (runcFingerprint.ts, beforeRaceFix).
    const before = print.detail?.beforeRaceFix;
    const all = before === 'true' ? true : before === 'false' ? false : null;
    const which = all === true ? say.t(': all older than {0}', FIX) : all === false ? say.t(': all {0} or newer', FIX) : say.t(': some before the fix, some after');
    return evidence('runc-before-fix', all, say.t("runc's error call sites ({0}, {1}) match {2}{3}", sites, at(print), tags.join(', '), which), 'logs', { where: { file: print.file, line: print.line } });
  }
  const docker = latest(facts, 'dockerVersion');
  if (docker && dockerImpliesOldRunc(docker.value)) {
    return evidence('runc-before-fix', true, say.t('Docker {0} ({1} in {2}) ships its own runc (docker-runc), older than {3}', docker.value, docker.how, at(docker), FIX), 'logs', { where: { file: docker.file, line: docker.line } });
  }
  const hint = docker ? say.t('Docker {0} ({1}) takes runc from the containerd.io package, whose version the input does not show', docker.value, at(docker)) : say.t('no runc or Docker version in the input');
  return evidence('runc-before-fix', null, hint, 'logs');
}

/** Collapses the kubelet's duplicate lines for one failure and keeps one timed event per failure. */
export function eofEvents(placed: PlacedFinding[], signatures: Set<string>): PlacedFinding[] {
  return failureEvents(placed, (p) => signatures.has(p.finding.signature));
}

/**
 * The timed failed execs of one family (any signature, not only EOFs), one event per failure: an update
 * that breaks an exec (the device rules it re-applies, the state it rewrites) lines up with its own
 * container's failures whatever they print.
 */
export function failureEvents(placed: PlacedFinding[], ofFamily: (p: PlacedFinding) => boolean): PlacedFinding[] {
  const eof = placed.filter((p) => ofFamily(p) && p.wall !== null && p.finding.record.format !== 'kubectl-describe');
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

/** The pod's UID identifies it even when the name is redacted; else node/namespace/name/container. */
function containerKey(p: PlacedFinding): string {
  const r = p.finding.record;
  const uid = /\(([0-9a-f-]{36})\)/.exec(p.finding.text)?.[1];
  return `${r.node ?? ''}|${uid ?? `${r.namespace ?? ''}/${r.pod ?? ''}`}:${r.container ?? ''}`;
}

export interface Alignment {
  evidence: Evidence;
  timeline: Timeline | null;
}

interface Update {
  wall: number | null;
  epoch: number | null;
  fact: NodeFact;
}

const podName = (pod: string | null | undefined) => (pod ? pod.slice(pod.lastIndexOf('/') + 1) : null);

/** Whether an update fact is about the container of a failure: by container id in the failure's text, else by pod and container name. */
function sameContainer(u: NodeFact, e: PlacedFinding): boolean {
  const r = e.finding.record;
  if (u.value.length >= 12 && e.finding.text.includes(u.value.slice(0, 12))) return true;
  const pod = podName(u.pod);
  const uid = /\(([0-9a-f-]{36})\)/.exec(e.finding.text)?.[1];
  const podMatches = pod !== null && (pod === r.pod || (uid !== undefined && u.pod?.includes(uid) === true));
  return podMatches && (u.container === null || u.container === undefined || r.container === null || u.container === r.container);
}

/** Milliseconds between an update and a failure on the same clock, or null when their clocks cannot be compared. */
function gap(u: Update, e: PlacedFinding): number | null {
  if (u.epoch !== null && e.epoch !== null) return e.epoch - u.epoch;
  // Both node-local (kubelet lines): the same clock, zone or not.
  if (u.fact.time?.offsetMinutes === null && e.finding.wallTime?.offsetMinutes === null && u.wall !== null && e.wall !== null) return e.wall - u.wall;
  return null;
}

/**
 * The strongest alignment evidence: where the kubelet (-v=4), containerd or dockerd logged the updates,
 * does each EOF follow an update of its own container by milliseconds — more often than chance, given
 * how often that container is updated?
 */
function updateLink(events: PlacedFinding[], facts: NodeFact[], clock: Clock, noun: string, say: Say): Evidence | null {
  const updates: Update[] = facts.filter((f) => f.kind === 'containerUpdate' && f.time).map((f) => ({ fact: f, ...placeTime(f.time!, clock) }));
  if (updates.length === 0) return null;
  let n = 0;
  let linked = 0;
  let chance = 0;
  const lags: number[] = [];
  for (const e of events) {
    const mine = updates.filter((u) => sameContainer(u.fact, e));
    const gaps = mine.map((u) => gap(u, e)).filter((g): g is number => g !== null);
    if (gaps.length < 2) continue;
    n += 1;
    const span = Math.max(...gaps) - Math.min(...gaps);
    // By chance, an EOF falls within LINK_MS after one of the container's updates with probability LINK_MS / (mean interval between them).
    chance += Math.min(1, (LINK_MS * (gaps.length - 1)) / Math.max(span, LINK_MS));
    const after = gaps.filter((g) => g >= 0 && g <= LINK_MS);
    if (after.length) {
      linked += 1;
      lags.push(Math.min(...after));
    }
  }
  if (n === 0) return null;
  const rate = chance / n;
  const p = binomialTail(n, linked, rate);
  lags.sort((a, b) => a - b);
  const median = lags.length ? lags[Math.floor(lags.length / 2)]! : null;
  const how = [...new Set(updates.map((u) => u.fact.detail?.via ?? u.fact.how))].join(', ');
  const stats = say.t('{0} of {1} {2}s come ≤ {3} ms after an update of the same container{4}; by chance about {5}% would (binomial p {6}); updates logged by {7}', linked, n, noun, LINK_MS, median !== null ? say.t(' (median {0} ms)', Math.round(median)) : '', (rate * 100).toFixed(1), p < 1e-6 ? p.toExponential(1) : p.toFixed(4), how);
  const first = updates[0]!.fact;
  if (linked >= Math.max(3, n / 2) && p < P_ALIGNED) return evidence('reconcile-aligned', true, say.t("each {0} follows its own container's update: {1}", noun, stats), 'logs', { where: { file: first.file, line: first.line } });
  if (n >= MIN_EVENTS && linked <= Math.max(1, 2 * rate * n)) return evidence('reconcile-aligned', false, say.t("the {0}s do not follow their containers' updates: {1}", noun, stats), 'logs', { where: { file: first.file, line: first.line } });
  return evidence('reconcile-aligned', null, say.t('inconclusive: {0}', stats), 'logs', { where: { file: first.file, line: first.line } });
}

/**
 * The phase test, with the physics of the reconcile (../shared/causes.md, "Timing"). The cpu-manager
 * runs `wait.Until(reconcileState, period)`: each period starts after the reconcile finishes, so the
 * tick slides by the reconcile's own duration every period. Each container's exec probe runs on its own
 * fixed ticker, so one container's failures keep one phase whatever their cause; under the race the
 * sliding tick meets each probe for a few periods every couple of hours, and every EOF sits at the
 * tick's phase in a frame that slides with it. So: search periods from the nominal one up to the
 * longest slide, and ask whether the EOFs of several containers share one phase in the best of them
 * (Rayleigh test, corrected for the number of independent periods searched). One container alone
 * cannot tell its probe's rhythm from the reconcile's.
 */
export function reconcileAligned(events: PlacedFinding[], period: { seconds: number; from: string }, facts: NodeFact[], clock: Clock, noun = 'EOF', say: Say = ENGLISH): Alignment {
  const P = period.seconds * 1000;
  if (events.length === 0) {
    return { evidence: updateLink(events, facts, clock, noun, say) ?? evidence('reconcile-aligned', null, say.t('no timestamped {0} errors to test', noun), 'logs'), timeline: null };
  }
  const t0 = events[0]!.wall!;
  const span = events[events.length - 1]!.wall! - t0;
  // Independent periods over the span are P²/span apart; step at an eighth of that, at most 4000 steps.
  const step = Math.max((P * P) / (8 * Math.max(span, P)), (P * MAX_DRIFT_SHARE) / 4000);
  const offsets = events.map((e) => e.wall! - t0);
  const searched = Math.floor((P * MAX_DRIFT_SHARE) / step) + 1;
  const independent = Math.max(1, Math.ceil(searched / 8));
  const fitted = periodScan(offsets, P, P + (searched - 1) * step, searched).period;
  const phases = offsets.map((o) => phaseOf(o, fitted) / 1000);
  const r = rayleigh(phases, fitted / 1000)!;
  const pCorrected = Math.min(1, r.p * independent);
  const start = latest(facts, 'cpuManagerStart');
  const startPlaced = start?.time ? placeTime(start.time, clock) : null;
  // The logged start of the reconcile loop, carried forward on the fitted (sliding) period.
  const tickPhase = startPlaced?.wall != null ? phaseOf(startPlaced.wall - t0, fitted) / 1000 : null;
  const tl: TimelineEvent[] = events.map((e, i) => ({
    offsetMs: offsets[i]!,
    phaseSeconds: phases[i]!,
    pod: e.finding.record.pod,
    kind: /unexpected EOF/.test(e.finding.text) ? 'unexpected EOF' : 'EOF',
    file: e.finding.file,
    line: e.finding.line,
  }));
  const timeline: Timeline = {
    periodSeconds: period.seconds,
    fittedPeriodSeconds: fitted / 1000,
    start: events[0]!.finding.time?.iso ?? (events[0]!.epoch !== null ? new Date(events[0]!.epoch).toISOString() : null),
    spanMs: span,
    events: tl,
    tickPhaseSeconds: tickPhase ?? r.meanPhase,
    tickPhaseFrom: tickPhase !== null ? 'kubelet start' : 'events',
    histogram: histogram(phases, fitted / 1000, (fitted / 1000) / 20),
    rayleigh: { n: r.n, meanResultant: r.meanResultant, z: r.z, p: pCorrected },
  };
  const linked = updateLink(events, facts, clock, noun, say);
  if (linked) return { evidence: linked, timeline };

  const slide = fitted - P;
  const fit = slide > step / 2 ? say.t("a sliding period of {0} s fitted best (the tick slides {1} ms a period, the reconcile's own duration)", (fitted / 1000).toFixed(4), slide.toFixed(1)) : say.t('the nominal {0} s period fitted best', period.seconds);
  const fmtP = (p: number) => (p < 1e-6 ? p.toExponential(1) : p.toFixed(4));
  const stats = say.t('{0} events, R̄ {1} at {2} s; {3} among {4} searched up to +{5} ms (Rayleigh p {6} after correcting for {7} independent periods); period from {8}', r.n, r.meanResultant.toFixed(2), r.meanPhase.toFixed(1), fit, searched, (P * MAX_DRIFT_SHARE).toFixed(0), fmtP(pCorrected), independent, period.from);
  if (r.n < MIN_EVENTS) {
    return { evidence: evidence('reconcile-aligned', null, say.t('only {0} timestamped {1} event(s): at least {2} are needed to test the phases', r.n, noun, MIN_EVENTS), 'logs'), timeline };
  }
  const containers = new Set(events.map(containerKey));
  if (containers.size < 2) {
    return { evidence: evidence('reconcile-aligned', null, say.t('the {0}s come from one container, whose own probe ticker keeps them at one phase whatever the cause: only logged updates (kubelet -v=4) could tie them to the reconcile ({1})', noun, stats), 'logs'), timeline };
  }
  if (pCorrected >= P_RANDOM) {
    return { evidence: evidence('reconcile-aligned', false, say.t('the {0}s of {1} containers share no phase of the reconcile, fixed or sliding: {2}', noun, containers.size, stats), 'logs'), timeline };
  }
  if (pCorrected >= P_ALIGNED) {
    return { evidence: evidence('reconcile-aligned', null, say.t('inconclusive: some concentration but not enough to rule out chance ({0})', stats), 'logs'), timeline };
  }
  // The EOFs come just after the tick: the update is written and the exec reads it within the reconcile.
  const followsTick = tickPhase !== null && (r.meanPhase - tickPhase + fitted / 1000) % (fitted / 1000) <= 1.5;
  const tickNote = tickPhase !== null ? say.t("; carried on that period, the cpu-manager's logged start ({0}) puts the tick at {1} s{2}", at(start!), tickPhase.toFixed(1), followsTick ? say.t(', just before the {0}s', noun) : '') : '';
  return { evidence: evidence('reconcile-aligned', true, say.t('the {0}s of {1} containers, each on its own probe rhythm, meet at one phase of the sliding reconcile tick: {2}{3}', noun, containers.size, stats, tickNote), 'logs'), timeline };
}

/**
 * Whether dockerd's own errors (the catalog's `params.signatures`: "closed fifo") come within seconds of
 * the failure events. `dockerd`: whether any finding of the input comes from dockerd (the diagnosis knows
 * it from its sets, whose findings are not all placed).
 */
export function fifoNearby(placed: PlacedFinding[], events: PlacedFinding[], clockKnown: boolean, signatures: Set<string>, dockerd = placed.some((p) => p.finding.record.component === 'dockerd'), setZone = '--tz', say: Say = ENGLISH): Evidence {
  const fifo = placed.filter((p) => signatures.has(p.finding.signature));
  if (fifo.length === 0) {
    return evidence('fifo-closed-nearby', dockerd ? false : null, dockerd ? say.t('dockerd\'s log has no "closed fifo" errors') : say.t('no dockerd log in the input'), 'logs');
  }
  const eof = events.filter((p) => p.epoch !== null);
  if (eof.length === 0) {
    return evidence('fifo-closed-nearby', null, clockKnown ? say.t('no EOF errors with a known time to compare with') : say.t('{0} "closed fifo" error(s), but the EOF times have no zone to compare them with (set it with {1})', fifo.length, setZone), 'logs');
  }
  const times = fifo.map((p) => p.epoch).filter((t): t is number => t !== null).sort((a, b) => a - b);
  const near = eof.filter((e) => hasWithin(times, e.epoch!, NEARBY_MS)).length;
  const share = near / eof.length;
  return evidence(
    'fifo-closed-nearby',
    share >= 0.5,
    say.t('{0} of {1} EOF failures have a dockerd "reading from a closed fifo" within {2} s{3}', near, eof.length, NEARBY_MS / 1000, share >= 0.5 ? say.t(': dockerd saw the same exec fail to start') : ''),
    'logs',
    { where: { file: fifo[0]!.finding.file, line: fifo[0]!.finding.line } },
  );
}

// ---------------------------------------------------------------------------------------------
// Observations from the node's own files: kernel log, cgroup files, runc --version, df, containerd events.

const of = (facts: NodeFact[], kind: NodeFact['kind']) => facts.filter((f) => f.kind === kind);
const whereOf = (f: NodeFact) => ({ where: { file: f.file, line: f.line } });

/**
 * A file is a kernel log when it is named like one or states a kernel OOM kill. `kernelOom` is given every
 * file that was read (not only those that produced a finding): a kernel log that was read and shows no
 * OOM kill of runc's helper is evidence against it, not silence.
 */
export function isKernelLog(file: string): boolean {
  return /dmesg|kern(el)?[._-]|journalctl-k|kernel/i.test(path.basename(file));
}

export function kernelOom(facts: NodeFact[], files: string[], say: Say = ENGLISH): Evidence {
  const kills = of(facts, 'oomKill');
  const runc = kills.filter((k) => /^runc/.test(k.value));
  if (runc.length) return evidence('kernel-oom-runc-init', true, say.t('{0} OOM kill(s) of {1} in the kernel log (first at {2})', runc.length, [...new Set(runc.map((k) => k.value))].join(', '), at(runc[0]!)), 'logs', whereOf(runc[0]!));
  const kernelFiles = [...new Set([...files.filter(isKernelLog), ...kills.map((k) => k.file)])];
  if (kernelFiles.length === 0) return evidence('kernel-oom-runc-init', null, say.t('no kernel log in the input (journalctl -k, dmesg)'), 'logs');
  const others = kills.length ? say.t('; it kills {0} instead', [...new Set(kills.map((k) => k.value))].slice(0, 3).join(', ')) : '';
  return evidence('kernel-oom-runc-init', false, say.t("the kernel log ({0}) has no OOM kill of runc's helper{1}", kernelFiles.map((f) => path.basename(f)).join(', '), others), 'logs');
}

export function memoryOomEvents(facts: NodeFact[], say: Say = ENGLISH): Evidence {
  const events = of(facts, 'memoryEvents');
  if (events.length === 0) return evidence('memory-oom-events', null, say.t('no memory.events in the input'), 'logs');
  const killing = events.filter((e) => Number(e.value) > 0);
  return killing.length
    ? evidence('memory-oom-events', true, say.t('memory.events counts oom_kill {0}', killing.map((e) => `${e.value} (${at(e)})`).join(', ')), 'logs', whereOf(killing[0]!))
    : evidence('memory-oom-events', false, say.t('memory.events shows oom_kill 0 ({0})', events.map(at).join(', ')), 'logs', whereOf(events[0]!));
}

export function pidsAtLimit(facts: NodeFact[], say: Say = ENGLISH): Evidence {
  const events = of(facts, 'pidsEvents').filter((e) => Number(e.value) > 0);
  if (events.length) return evidence('pids-at-limit', true, say.t('pids.events counts {0} fork(s) refused at pids.max ({1})', events[0]!.value, at(events[0]!)), 'logs', whereOf(events[0]!));
  const max = latest(facts, 'pidsMax');
  const current = latest(facts, 'pidsCurrent');
  if (max && current && max.value !== 'max') {
    const full = Number(current.value) >= Number(max.value);
    return evidence('pids-at-limit', full, say.t('pids.current {0} of pids.max {1} ({2}, {3})', current.value, max.value, at(current), at(max)), 'logs', whereOf(current));
  }
  const zero = of(facts, 'pidsEvents');
  if (zero.length) return evidence('pids-at-limit', false, say.t('pids.events shows max 0 ({0})', at(zero[0]!)), 'logs', whereOf(zero[0]!));
  return evidence('pids-at-limit', null, say.t('no pids.max, pids.current or pids.events in the input'), 'logs');
}

export function freezerFrozen(facts: NodeFact[], say: Say = ENGLISH): Evidence {
  const states = of(facts, 'freezerState');
  if (states.length === 0) return evidence('freezer-frozen', null, say.t('no freezer.state in the input'), 'logs');
  const frozen = states.filter((s) => s.value !== 'THAWED');
  return frozen.length
    ? evidence('freezer-frozen', true, `freezer.state ${frozen[0]!.value} (${at(frozen[0]!)})`, 'logs', whereOf(frozen[0]!))
    : evidence('freezer-frozen', false, `freezer.state THAWED (${states.map(at).join(', ')})`, 'logs', whereOf(states[0]!));
}

export function cgroupDriverSystemd(facts: NodeFact[], say: Say = ENGLISH): Evidence {
  const f = latest(facts, 'cgroupDriver');
  if (!f) return evidence('cgroup-driver-systemd', null, say.t('no cgroup driver in the input (kubelet flags or config, docker info)'), 'logs');
  const version = latest(facts, 'cgroupVersion');
  return evidence('cgroup-driver-systemd', f.value === 'systemd', say.t('cgroup driver {0} ({1}, {2}){3}', f.value, f.how, at(f), version ? `, cgroup v${version.value}` : ''), 'logs', whereOf(f));
}

export function timeoutsManyPods(placed: PlacedFinding[], signatures: Set<string>, say: Say = ENGLISH): Evidence {
  const timeouts = placed.filter((p) => signatures.has(p.finding.signature));
  if (timeouts.length === 0) return evidence('timeouts-many-pods', null, say.t('no exec probe timeouts in the input'), 'logs');
  const pods = new Set(timeouts.map((p) => `${p.finding.record.node ?? ''}|${p.finding.record.namespace ?? ''}/${p.finding.record.pod ?? p.finding.file}`));
  return evidence('timeouts-many-pods', pods.size >= 3, say.t('exec probe timeouts in {0} pod(s){1}', pods.size, pods.size >= 3 ? say.t(': the node, not one container, is slow') : ''), 'logs', { where: { file: timeouts[0]!.finding.file, line: timeouts[0]!.finding.line } });
}

export function taskExitNearby(placed: PlacedFinding[], facts: NodeFact[], failures: Set<string>, clock: Clock, say: Say = ENGLISH): Evidence {
  const exits = of(facts, 'taskExit').filter((f) => f.time).map((f) => ({ fact: f, ...placeTime(f.time!, clock) }));
  if (exits.length === 0) return evidence('task-exit-nearby', null, say.t('no containerd TaskExit events in the input'), 'logs');
  const failed = placed.filter((p) => failures.has(p.finding.signature) && p.wall !== null);
  if (failed.length === 0) return evidence('task-exit-nearby', null, say.t('no timed runtime exec errors to compare the exits with'), 'logs');
  const near = failed.filter((p) => exits.some((x) => {
    const g = gap(x, p);
    const mine = x.fact.value.length >= 12 && p.finding.text.includes(x.fact.value.slice(0, 12));
    return g !== null && Math.abs(g) <= EXIT_NEAR_MS && (mine || !/[0-9a-f]{12}/.test(p.finding.text));
  }));
  const share = near.length / failed.length;
  return evidence('task-exit-nearby', share >= 0.5, say.t('{0} of {1} failed execs have a TaskExit of their container within {2} s', near.length, failed.length, EXIT_NEAR_MS / 1000), 'logs', whereOf(exits[0]!.fact));
}

export function runDirFull(facts: NodeFact[], say: Say = ENGLISH): Evidence {
  const disk = of(facts, 'diskUsage');
  const own = disk.filter((f) => /^(\/run|\/var\/run|\/tmp)(\/|$)/.test(f.detail?.mount ?? ''));
  // `df /tmp` prints the mount that holds /tmp: `/` when it has no file system of its own (so do `df -h`
  // listings, which name /tmp only when it is mounted). The root's row then speaks for it.
  const onRoot = ['/run', '/tmp'].filter((d) => !own.some((f) => (f.detail?.mount ?? '').replace(/^\/var\/run/, '/run').startsWith(d)));
  const root = onRoot.length ? disk.filter((f) => f.detail?.mount === '/') : [];
  const rows = [...own, ...root];
  if (rows.length === 0) return evidence('run-dir-full', null, say.t('no df output for /run or /tmp in the input'), 'logs');
  const full = rows.filter((f) => Number(f.value) >= 99 || /^0(\.0+)?[KMGB]?$/.test(f.detail?.available ?? ''));
  const list = (xs: NodeFact[]) => xs.map((f) => `${f.detail?.mount === '/' ? say.t('/ (holding {0})', onRoot.join(say.t(' and '))) : f.detail?.mount} ${f.value}%${f.detail?.inodes ? say.t(' of inodes') : ''}`).join(', ');
  return full.length
    ? evidence('run-dir-full', true, `df: ${list(full)} (${at(full[0]!)})`, 'logs', whereOf(full[0]!))
    : evidence('run-dir-full', false, `df: ${list(rows)} (${at(rows[0]!)})`, 'logs', whereOf(rows[0]!));
}

export function runcGoEarly122(facts: NodeFact[], say: Say = ENGLISH): Evidence {
  const f = latest(facts, 'runcGoVersion');
  if (!f) return evidence('runc-go-1-22-early', null, say.t('no runc --version with its go: line in the input'), 'logs');
  const go = parseVersion(f.value.trim());
  const early = go !== null && affected('go-glibc-init-abort', go) === true;
  return evidence('runc-go-1-22-early', early, say.t('runc built with {0} ({1}){2}', f.value, at(f), early ? say.t(': aborts in init on glibc < 2.32') : ''), 'logs', whereOf(f));
}

/** A reproduce lab result, measured here or entered by hand, as the evidence of its observation. */
export function reproducedEvidence(id: string, o: ReproduceOutcome | null, say: Say = ENGLISH): Evidence {
  if (!o) return evidence(id, null, say.t('not run: confirm it on the node with runtime-lens reproduce'), 'measured');
  const who = o.source === 'measured' ? (o.runcVersion ? say.t('measured here with runc {0}', o.runcVersion) : say.t('measured here')) : say.t('as you entered it');
  return evidence(id, o.failures > 0, say.t('{0} of {1} attempts failed ({2})', o.failures, o.attempts, who), o.source === 'measured' ? 'measured' : 'user', { attempts: o.attempts });
}
/**
 * Runtimes other than runc, by the words their errors carry: gVisor's runsc and its shim, Kata's agent,
 * crun, sysbox-runc, rkt, and Windows' HCS (`CreateProcess: failure in a Windows system call`).
 * Each alternation is a program name or its own error wording, never a word a pod could be named.
 */
const NOT_RUNC = /(?<![\w./-])(runsc|gvisor-containerd-shim|gvisor|kata-agent|kata-runtime|kata-shim|containerd-shim-kata-v2|crun|sysbox-runc|rkt|hcsshim|failure in a Windows system call)(?![\w-])/i;
const NOT_RUNC_PROGRAMS = new Set(['crun']);

/** Whether the node's OCI runtime is runc: the runtimes its errors name, the programs their layers come from, or a runc version seen. */
export function runtimeNotRunc(placed: PlacedFinding[], facts: NodeFact[], say: Say = ENGLISH): Evidence {
  for (const p of placed) {
    const f = p.finding;
    const named = NOT_RUNC.exec(f.text)?.[1];
    const layer = f.anatomy?.layers.find((l) => NOT_RUNC_PROGRAMS.has(l.program));
    if (named || layer) return evidence('runtime-not-runc', true, say.t('{0} comes from {1}, not runc: no runc cause applies there', at(f), named ? `"${named}"` : layer!.program), 'logs', { where: { file: f.file, line: f.line } });
  }
  const runcSaid = placed.find((p) => p.finding.anatomy?.layers.some((l) => l.program === 'runc'));
  if (runcSaid) return evidence('runtime-not-runc', false, say.t('runc printed the error at {0}', at(runcSaid.finding)), 'logs', { where: { file: runcSaid.finding.file, line: runcSaid.finding.line } });
  const version = latest(facts, 'runcVersion') ?? latest(facts, 'runcFingerprint');
  if (version) return evidence('runtime-not-runc', false, say.t('runc {0} seen at {1}', version.kind === 'runcVersion' ? version.value : say.t('call sites'), at(version)), 'logs', whereOf(version));
  return evidence('runtime-not-runc', null, say.t('no runtime other than runc is named in the input, and no runc version either'), 'logs');
}
