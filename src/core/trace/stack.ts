import type { NodeFact } from '../logs/facts';
import type { Finding } from '../signatures/types';
import type { Atlas, StackSpec } from './types';

/** The chains of the contract, traced when the input does not say what the node runs. */
export const CONTRACT_CHAINS = ['reader', 'writer'];

export interface NodeStack {
  stack: StackSpec;
  /** Where the input showed it: `kubelet.log:12 (Error running exec)`. */
  seen: string;
}

/**
 * What the node runs between the kubelet and runc, from what the input shows (the atlas's `stacks`, first
 * match first): dockerd's own lines or a Docker version say dockershim; containerd's CRI wording with
 * nothing of Docker says containerd CRI. null when the input shows neither.
 */
export function nodeStack(atlas: Atlas, findings: readonly Finding[], facts: readonly NodeFact[]): NodeStack | null {
  for (const stack of atlas.stacks ?? []) {
    const { components, literals, facts: kinds } = stack.seenIn;
    for (const f of findings) {
      if (components.includes(f.record.component)) return { stack, seen: `${base(f.file)}:${f.line} (${f.record.component})` };
      const lit = literals.find((l) => f.text.includes(l));
      if (lit) return { stack, seen: `${base(f.file)}:${f.line} (${lit})` };
    }
    const fact = facts.find((x) => kinds.includes(x.kind));
    if (fact) return { stack, seen: `${base(fact.file)}:${fact.line} (${fact.how})` };
  }
  return null;
}

function base(file: string): string {
  return file.replace(/^.*[/\\]/, '');
}

/**
 * The stack whose chains stand in when the input does not say what the node runs: the atlas's first
 * (dockershim, the contract's reader and writer).
 */
function fallback(atlas: Atlas): StackSpec | null {
  return atlas.stacks?.[0] ?? null;
}

/** The chains to trace for a node: its stack's and the evidence chains (the first stack's when unknown). */
export function chainsToTrace(atlas: Atlas, node: NodeStack | null): string[] {
  const stack = node?.stack ?? fallback(atlas);
  return stack ? [...new Set([...Object.values(stack.chains), ...Object.keys(atlas.evidenceChains ?? {})])] : CONTRACT_CHAINS;
}

/** The chain a signature's path takes on this node (its catalog `chain` is the entry point), or null. */
export function chainFor(atlas: Atlas, node: NodeStack | null, entry: 'reader' | 'writer' | 'start' | null | undefined): string | null {
  if (!entry) return null;
  const stack = node?.stack ?? fallback(atlas);
  return stack ? stack.chains[entry] ?? null : entry;
}

/**
 * The entry point of the input's errors, for a view that shows one chain: that of the signature with the
 * most findings among those that name one.
 */
export function entryOf(findings: readonly Finding[], signatures: (id: string) => { chain?: 'reader' | 'writer' | 'start' | null } | undefined): 'reader' | 'writer' | 'start' | null {
  const counts = new Map<string, number>();
  for (const f of findings) {
    const chain = signatures(f.signature)?.chain;
    if (chain) counts.set(chain, (counts.get(chain) ?? 0) + f.record.count);
  }
  let best: string | null = null;
  for (const [chain, n] of counts) if (best === null || n > counts.get(best)!) best = chain;
  return best as 'reader' | 'writer' | 'start' | null;
}

/** Whether a hop's program runs on the node: hops of programs it does not run are not missing sources. */
export function runsOnNode(node: NodeStack | null, component: string): boolean {
  return !node || node.stack.programs.includes(component);
}
