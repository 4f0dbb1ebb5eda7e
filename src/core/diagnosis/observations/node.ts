/** Observations from the node's configuration and its own files: kubelet flags, kernel log, cgroup files, df. */
import { cgroupDriverSystemd, cpuManagerStatic, freezerFrozen, kernelOom, memoryOomEvents, pidsAtLimit, runDirFull } from '../evidence';
import type { ObservationReader } from './types';

export const cpuManagerStaticReader: ObservationReader = { read: (ctx) => cpuManagerStatic(ctx.facts) };
export const cgroupDriverSystemdReader: ObservationReader = { read: (ctx) => cgroupDriverSystemd(ctx.facts) };
export const kernelOomRuncInit: ObservationReader = { read: (ctx) => kernelOom(ctx.facts, ctx.files) };
export const memoryOomEventsReader: ObservationReader = { read: (ctx) => memoryOomEvents(ctx.facts) };
export const pidsAtLimitReader: ObservationReader = { read: (ctx) => pidsAtLimit(ctx.facts) };
export const freezerFrozenReader: ObservationReader = { read: (ctx) => freezerFrozen(ctx.facts) };
export const runDirFullReader: ObservationReader = { read: (ctx) => runDirFull(ctx.facts) };
