import * as path from 'node:path';

/**
 * Node names as inputs write them: journald's `_HOSTNAME`, an event's `source.host` or
 * `reportingInstance`, a must-gather's folder. The same node goes by its FQDN in one place
 * (`ip-10-0-1-5.ec2.internal`) and its short name in another (`ip-10-0-1-5`): counting nodes by
 * canonical name counts it once.
 */

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/**
 * The canonical form of a node name: lower case, no trailing dot, and the first label of a
 * fully-qualified name (kubelets register by hostname, and clusters name nodes uniquely by their first
 * label in practice). IP addresses and IPv6 addresses are kept whole. Null for an empty name.
 */
export function canonicalNode(name: string | null | undefined): string | null {
  if (!name) return null;
  const n = name.trim().toLowerCase().replace(/\.$/, '');
  if (n === '') return null;
  if (IPV4.test(n) || n.includes(':')) return n;
  const dot = n.indexOf('.');
  return dot > 0 ? n.slice(0, dot) : n;
}

/** Folders under which each sub-folder is one node's (`nodes/<name>/kubelet.log`, must-gather, sosreport sets). */
const NODE_PARENTS = new Set(['nodes', 'node', 'hosts', 'host', 'machines']);
/** Folder names that are node names by their shape: cloud hostnames, and numbered node/worker names. */
const NODE_SHAPED = [
  /^ip-\d{1,3}-\d{1,3}-\d{1,3}-\d{1,3}(\..+)?$/, // AWS
  /^gke-[a-z0-9-]+$/, // GKE
  /^aks-[a-z0-9-]+$/, // AKS
  /^[a-z0-9-]+\.(ec2|compute)\.internal$/,
  /^(node|worker|master|minion|control-plane)[-_]?\d+$/,
];

/** The top folder of a `runtime-lens collect` bundle: `runtime-lens-<host>-<UTC time>` (core/collect/plan.ts). */
const BUNDLE_FOLDER = /^runtime-lens-(.+)-\d{8}T\d{6}Z$/;

/**
 * The node a file belongs to by where it sits, for records that do not name their node. The rule:
 * the folder right below a `nodes` (or `node`, `hosts`, `host`, `machines`) folder anywhere in the path
 * (`…/nodes/<name>/kubelet.log`, `…/nodes/<name>/logs/kubelet.log`), else the host a collected bundle's
 * folder names (`runtime-lens-<host>-<time>/journal/kubelet.log`), else the file's own folder when
 * its name has the shape of a node name (`ip-10-0-1-5.ec2.internal/`, `gke-…/`, `aks-…/`, `worker-3/`).
 * Canonical, or null when the path does not tell.
 */
export function nodeFromPath(file: string): string | null {
  // Asked once per finding, for the few files of an input: remember the answer per path.
  const known = fromPath.get(file);
  if (known !== undefined) return known;
  const node = nodeFromPathUncached(file);
  if (fromPath.size >= 4096) fromPath.clear();
  fromPath.set(file, node);
  return node;
}

const fromPath = new Map<string, string | null>();

function nodeFromPathUncached(file: string): string | null {
  const parts = path.resolve(file).split(path.sep).filter(Boolean);
  // The folders only: the file's own name is never a node.
  const dirs = parts.slice(0, -1);
  for (let i = dirs.length - 2; i >= 0; i--) {
    if (NODE_PARENTS.has(dirs[i]!.toLowerCase())) return canonicalNode(dirs[i + 1]!);
  }
  for (let i = dirs.length - 1; i >= 0; i--) {
    const bundle = BUNDLE_FOLDER.exec(dirs[i]!);
    if (bundle) return canonicalNode(bundle[1]!);
  }
  const own = dirs.at(-1)?.toLowerCase();
  return own && NODE_SHAPED.some((re) => re.test(own)) ? canonicalNode(own) : null;
}

/** A finding's node: what its record says, else where its file sits; canonical. */
export function nodeOf(finding: { file: string; record: { node?: string | null } }): string | null {
  return canonicalNode(finding.record.node) ?? nodeFromPath(finding.file);
}

/** Distinct nodes among names written in different forms. */
export function distinctNodes(names: Iterable<string | null | undefined>): string[] {
  const out = new Set<string>();
  for (const n of names) {
    const c = canonicalNode(n);
    if (c) out.add(c);
  }
  return [...out].sort();
}
