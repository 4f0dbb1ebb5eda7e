/** Observations about the probes and the containers they run in: timeouts across pods, containers exiting under an exec. */
import { taskExitNearby, timeoutsManyPods } from '../evidence';
import { type ObservationReader, signaturesOf } from './types';

export const timeoutsManyPodsReader: ObservationReader = { read: (ctx) => timeoutsManyPods(ctx.placed, signaturesOf(ctx.def), ctx.say) };
export const taskExitNearbyReader: ObservationReader = { read: (ctx) => taskExitNearby(ctx.placed, ctx.facts, ctx.failures, ctx.clock, ctx.say) };
