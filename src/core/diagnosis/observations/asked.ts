/** Observations the input cannot show: a person's answer, and the reproduce lab's result (measured here or entered by hand). */
import type { ReproduceOutcome } from '../../reproduce/types';
import { reproducedEvidence } from '../evidence';
import { type ObservationReader, entry } from './types';

/** Unknown until answered (the engine applies a yes/no answer): whether a reboot cures it, say. */
export const askedOnly: ObservationReader = {
  read: (ctx) => entry(ctx.def, null, ctx.def.question ? ctx.say.t('only you can tell') : ctx.say.t('Runtime Lens cannot read this from the input'), 'user'),
};

const isOutcome = (a: unknown): a is ReproduceOutcome =>
  typeof a === 'object' && a !== null && Number.isInteger((a as ReproduceOutcome).attempts) && Number.isInteger((a as ReproduceOutcome).failures) && (a as ReproduceOutcome).attempts > 0;

/** The reproduce lab's result for the scenario the catalog names (`params.scenario`). */
export const labResult: ObservationReader = {
  read(ctx) {
    const a = ctx.answers[ctx.def.id];
    const outcome = isOutcome(a) && a.scenario === ctx.def.params?.scenario ? a : null;
    return reproducedEvidence(ctx.def.id, outcome, ctx.say);
  },
  // Asked in the cause's "Confirm on the node" block, with the lab's command, not as a question.
  ask: () => null,
};
