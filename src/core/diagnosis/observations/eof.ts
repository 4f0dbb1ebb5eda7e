/**
 * The observations about the EOF failures themselves: that they are there, whether they keep time with
 * the cpu-manager's reconcile, and whether dockerd saw the same execs fail. The signatures they read
 * come from the catalog (`params`).
 */
import { eofEvents, eofPresent, failureEvents, fifoNearby, reconcileAligned, reconcilePeriod } from '../evidence';
import type { PhaseTimelineAttachment } from '../types';
import { type ObservationContext, type ObservationReader, signaturesOf } from './types';

/** The failure events of the given signatures, timed and de-duplicated once per assessment. */
function events(ctx: ObservationContext, key: 'signatures' | 'near') {
  const signatures = signaturesOf(ctx.def, key);
  return ctx.once(`events:${[...signatures].sort().join(',')}`, () => eofEvents(ctx.placed, signatures));
}

const periodAnswer = (ctx: ObservationContext): number | null => {
  const a = ctx.answers[ctx.def.id];
  return typeof a === 'number' && Number.isFinite(a) ? a : null;
};

export const eofErrorsPresent: ObservationReader = {
  read: (ctx) => eofPresent(ctx.placed, signaturesOf(ctx.def), ctx.say),
};

export const reconcileAlignedReader: ObservationReader = {
  read(ctx) {
    const period = reconcilePeriod(ctx.facts, periodAnswer(ctx), ctx.say);
    // A family assessed on its own is aligned on its own failures (a device-denied exec after its container's update too).
    const family = ctx.family;
    if (family) return reconcileAligned(ctx.once(`family-events`, () => failureEvents(ctx.placed, family.of)), period, ctx.facts, ctx.clock, family.noun, ctx.say).evidence;
    const { evidence, timeline } = reconcileAligned(events(ctx, 'signatures'), period, ctx.facts, ctx.clock, 'EOF', ctx.say);
    // The timeline is this input's: shown only when there are events to place on it.
    const attachment: PhaseTimelineAttachment | null =
      timeline && timeline.events.length > 0 ? { kind: 'phase-timeline', events: 'EOF failures', period: 'the cpu-manager reconcile', timeline } : null;
    return attachment ? { ...evidence, attachments: [attachment] } : evidence;
  },
  // The period is worth asking when the test could not decide on the kubelet's default, and stays asked once answered (to change it).
  ask(ctx, read) {
    const answered = periodAnswer(ctx) !== null;
    if (!answered && (read.holds !== null || reconcilePeriod(ctx.facts, null).source !== 'default')) return null;
    return { fact: `observation:${ctx.def.id}`, prompt: 'cpu-manager reconcile period in seconds (--cpu-manager-reconcile-period)?', placeholder: '10' };
  },
};

export const fifoClosedNearby: ObservationReader = {
  read: (ctx) => fifoNearby(ctx.placed, events(ctx, 'near'), ctx.clock.offsetMinutes !== null, signaturesOf(ctx.def), ctx.components?.has('dockerd'), ctx.setZone, ctx.say),
};
