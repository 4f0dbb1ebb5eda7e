/**
 * The observations, registered by their catalog id (causes.json). The engine walks the catalog and
 * asks each observation's reader; an observation the catalog lists without a reader can only be
 * answered by a person. Adding an observation is a catalog row, plus a reader here when the input can
 * show it.
 */
import type { SaveStateFact } from '../../trace/facts';
import type { ReproduceOutcome, Scenario } from '../../reproduce/types';
import { CAUSES, type CauseCatalog, type ObservationDef } from '../causes';
import type { Clock } from '../clock';
import type { Attachment, Evidence, UserFacts } from '../types';
import { ENGLISH, type Say } from '../../l10n';
export { answerFrom } from './answers';
import { askedOnly, labResult } from './asked';
import { eofErrorsPresent, fifoClosedNearby, reconcileAlignedReader } from './eof';
import { cgroupDriverSystemdReader, cpuManagerStaticReader, freezerFrozenReader, kernelOomRuncInit, memoryOomEventsReader, pidsAtLimitReader, runDirFullReader } from './node';
import { taskExitNearbyReader, timeoutsManyPodsReader } from './probes';
import { runcBeforeFixReader, runcGo122Early, runtimeNotRuncReader, saveStateReader } from './runc';
import { type ObservationContext, type ObservationReader, yesNo } from './types';

export const READERS: Readonly<Record<string, ObservationReader>> = {
  'eof-errors-present': eofErrorsPresent,
  'reconcile-aligned': reconcileAlignedReader,
  'fifo-closed-nearby': fifoClosedNearby,
  'cpu-manager-static': cpuManagerStaticReader,
  'cgroup-driver-systemd': cgroupDriverSystemdReader,
  'kernel-oom-runc-init': kernelOomRuncInit,
  'memory-oom-events': memoryOomEventsReader,
  'pids-at-limit': pidsAtLimitReader,
  'freezer-frozen': freezerFrozenReader,
  'run-dir-full': runDirFullReader,
  'timeouts-many-pods': timeoutsManyPodsReader,
  'task-exit-nearby': taskExitNearbyReader,
  'runc-before-fix': runcBeforeFixReader,
  'runc-go-1-22-early': runcGo122Early,
  'runc-savestate-atomic': saveStateReader,
  'runtime-not-runc': runtimeNotRuncReader,
  'reboot-cures': askedOnly,
  'reproduced-state-race': labResult,
  'reproduced-init-oom': labResult,
  'reproduced-pids-limit': labResult,
};

const readerOf = (id: string): ObservationReader => READERS[id] ?? askedOnly;

/** What `observe` is given: a reader's context without its own entry and the per-assessment memo; English unless `say` is given. */
export type ObservationInput = Omit<ObservationContext, 'def' | 'once' | 'say'> & { say?: Say };

/** A yes/no answer overrides what the input said, and says so. */
function answered(e: Evidence, answer: boolean, def: ObservationDef, say: Say): Evidence {
  const said = e.holds !== null && e.holds !== answer ? (e.holds ? say.t(' (the input said yes: {0})', e.detail) : say.t(' (the input said no: {0})', e.detail)) : '';
  const choice = answer ? (def.question ? say.k(def.question.yes) : say.t('yes')) : def.question ? say.k(def.question.no) : say.t('no');
  return { ...e, holds: answer, detail: say.t('{0}, as you answered{1}', choice, said), source: 'user' };
}

/** Every observation of the catalog, read from one set of findings and facts (one node, or the whole input), with the answers applied. */
export function observe(catalog: CauseCatalog, input: ObservationInput): Evidence[] {
  const memo = new Map<string, unknown>();
  const once = <T>(key: string, make: () => T): T => {
    if (!memo.has(key)) memo.set(key, make());
    return memo.get(key) as T;
  };
  return catalog.observations.map((def) => {
    const ctx: ObservationContext = { ...input, say: input.say ?? ENGLISH, def, once };
    const reader = readerOf(def.id);
    let e = reader.read(ctx);
    const answer = input.answers[def.id];
    if (typeof answer === 'boolean') e = answered(e, answer, def, ctx.say);
    const ask = reader.ask ? reader.ask(ctx, e) : yesNo(def);
    const { ask: _drop, ...rest } = e;
    return ask ? { ...rest, ask } : rest;
  });
}

/** The observation that weighs a reproduce scenario's result (the catalog's `params.scenario`). */
export function labObservation(catalog: CauseCatalog, scenario: string): string | null {
  return catalog.observations.find((o) => o.params?.scenario === scenario)?.id ?? null;
}

/** The answers with a reproduce outcome (measured here or entered by hand) as its observation's answer, or without it (null). */
export function withLabResult(user: UserFacts, scenario: Scenario, outcome: ReproduceOutcome | null, catalog: CauseCatalog = CAUSES): UserFacts {
  const id = labObservation(catalog, scenario);
  if (!id) return user;
  const observations = { ...(user.observations ?? {}) };
  if (outcome) observations[id] = outcome;
  else delete observations[id];
  return { ...user, observations };
}

/**
 * What the Go sources alone show, for the views of a trace (the Call Path view has no diagnosis): the
 * attachments of every observation read from the sources with no logs at all.
 */
export function sourceAttachments(catalog: CauseCatalog, saveState: SaveStateFact): Attachment[] {
  const clock: Clock = { offsetMinutes: null, year: null, description: 'no logs' };
  return observe(catalog, { placed: [], facts: [], files: [], clock, saveState, failures: new Set(), answers: {} })
    .filter((e) => e.source === 'sources')
    .flatMap((e) => e.attachments ?? []);
}
