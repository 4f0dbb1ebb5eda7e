/**
 * The observations about the node's runc: its version against the fix, the Go it was built with, and
 * what the user's runc sources say about saveState — which speaks for the node only when the sources
 * are the node's version.
 */
import * as path from 'node:path';
import type { SaveStateFact } from '../../trace/facts';
import { evidence, latest, runcGoEarly122, runcOld, runtimeNotRunc } from '../evidence';
import type { ChainNodeAttachment, Evidence, SourceCheckAttachment } from '../types';
import { parseRuncVersion } from '../versions';
import type { ObservationContext, ObservationReader } from './types';
import { ENGLISH, type Say } from '../../l10n';

/** The observation whose typed answer is the node's runc version. */
const RUNC_VERSION_ANSWER = 'runc-before-fix';

const typedVersion = (ctx: Pick<ObservationContext, 'answers'>): string | null => {
  const a = ctx.answers[RUNC_VERSION_ANSWER];
  return typeof a === 'string' && a.trim() !== '' ? a.trim() : null;
};

export const runcBeforeFixReader: ObservationReader = {
  read: (ctx) => runcOld(ctx.facts, typedVersion(ctx), ctx.say),
  // A version answers more than yes/no: it also says whether the user's Go sources are the node's.
  ask: (ctx) => ({ fact: `observation:${ctx.def.id}`, prompt: 'Which runc version runs on the node (`runc --version`)?', placeholder: 'e.g. 1.0.0-rc6' }),
};

export const runcGo122Early: ObservationReader = { read: (ctx) => runcGoEarly122(ctx.facts, ctx.say) };

/**
 * The runc version the node runs, as the input states it: the version the user typed, `runc --version`,
 * or runc's own error call sites when they match exactly one release.
 */
export function nodeRuncVersion(ctx: Pick<ObservationContext, 'answers' | 'facts'> & { say?: Say }): { version: string; from: string } | null {
  const say = ctx.say ?? ENGLISH;
  const typed = typedVersion(ctx);
  if (typed) return { version: typed, from: say.t('as you answered') };
  const stated = latest(ctx.facts, 'runcVersion');
  if (stated) return { version: stated.value, from: say.t('{0} in {1}', stated.how, `${path.basename(stated.file)}:${stated.line}`) };
  const tags = latest(ctx.facts, 'runcFingerprint')?.value.split(',').filter(Boolean) ?? [];
  if (tags.length === 1) return { version: tags[0]!, from: say.t("runc's error call sites") };
  return null;
}

/** One release: "v1.0.0-rc6+dev" and "1.0.0-rc6+dev" are the same runc; 1.1.5 and 1.1.12 are not. */
const sameRunc = (a: string, b: string) => {
  const x = parseRuncVersion(a);
  const y = parseRuncVersion(b);
  return x !== null && y !== null && x.text.replace(/^v/, '') === y.text.replace(/^v/, '');
};

/** Where the reader and writer chains of the trace meet: the container's state.json, and what the sources' saveState does to it. */
function stateFileNode(fact: SaveStateFact): ChainNodeAttachment {
  const read = 'read and JSON-decoded here: empty gives EOF, half-written unexpected EOF';
  return {
    kind: 'chain-node',
    label: 'state.json',
    chains: { reader: read, 'reader-cri': read, writer: 'rewritten here by saveState' },
    tooltip: `Both chains meet at the container's \`state.json\`: the writer (\`runc update\` → saveState) rewrites it while the reader (\`runc exec\` → loadState) decodes it.\n\n${fact.detail}`,
  };
}

const reading = (atomic: boolean | null, say: Say) => (atomic === true ? say.t('atomic: temp file + rename') : atomic === false ? say.t('writes state.json in place') : say.t('unknown'));

export const saveStateReader: ObservationReader = {
  read(ctx): Evidence {
    const fact = ctx.saveState;
    const say = ctx.say;
    if (!fact) return evidence(ctx.def.id, null, say.t('no Go sources given (--sources, or trace the call path in VS Code)'), 'sources');
    const node = nodeRuncVersion(ctx);
    const sources = fact.hop?.root?.version ?? null;
    const weighed = node !== null && sources !== null && sameRunc(node.version, sources);
    const why = sources === null
      ? node ? say.t('your runc sources do not say which version they are; the node runs {0}: not weighed', node.version) : say.t('your runc sources do not say which version they are: not weighed')
      : node === null
        ? say.t('your sources are runc {0}; the input does not say which runc the node runs: not weighed', sources)
        : weighed
          ? say.t('your sources are runc {0}, the version the node runs ({1}): they speak for the node', sources, node.from)
          : say.t('your sources are runc {0}; the node runs {1}: not weighed', sources, node.version);
    const check: SourceCheckAttachment = {
      kind: 'source-check',
      subject: 'saveState',
      program: 'runc',
      reading: reading(fact.atomic, say),
      holds: fact.atomic,
      ...(fact.hop?.file && fact.hop.line ? { file: fact.hop.file, line: fact.hop.line } : {}),
      sourcesVersion: sources,
      nodeVersion: node?.version ?? null,
      weighed,
      why,
    };
    const where = fact.hop?.file && fact.hop.line ? { where: { file: fact.hop.file, line: fact.hop.line } } : {};
    // Sources of another version say what that version does, not what the node's runc does: shown, never weighed.
    return evidence(ctx.def.id, weighed ? fact.atomic : null, `${why}. ${fact.detail}`, 'sources', { ...where, attachments: [check, stateFileNode(fact)] });
  },
};

/** Whether the node runs runc at all: the runtimes its errors name, the programs their layers come from, a runc version seen. */
export const runtimeNotRuncReader: ObservationReader = {
  read: (ctx) => runtimeNotRunc(ctx.placed, ctx.facts, ctx.say),
};
