/** Observations from the node's configuration and its own files: kubelet flags, kernel log, cgroup files, df. */
import { cgroupDriverSystemd, cpuManagerStatic, freezerFrozen, kernelOom, memoryOomEvents, pidsAtLimit, runDirFull } from '../evidence';
import type { ObservationReader } from './types';

export const cpuManagerStaticReader: ObservationReader = { read: (ctx) => cpuManagerStatic(ctx.facts, ctx.say) };
export const cgroupDriverSystemdReader: ObservationReader = { read: (ctx) => cgroupDriverSystemd(ctx.facts, ctx.say) };
export const kernelOomRuncInit: ObservationReader = { read: (ctx) => kernelOom(ctx.facts, ctx.files, ctx.say) };
export const memoryOomEventsReader: ObservationReader = { read: (ctx) => memoryOomEvents(ctx.facts, ctx.say) };
export const pidsAtLimitReader: ObservationReader = { read: (ctx) => pidsAtLimit(ctx.facts, ctx.say) };
export const freezerFrozenReader: ObservationReader = { read: (ctx) => freezerFrozen(ctx.facts, ctx.say) };
export const runDirFullReader: ObservationReader = { read: (ctx) => runDirFull(ctx.facts, ctx.say) };
