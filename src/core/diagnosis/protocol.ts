import { SCENARIOS, type Scenario } from '../reproduce/types';
import { CAUSES } from './causes';
import { answerFrom } from './observations/answers';
import type { AnswerKey, Diagnosis, UserFacts } from './types';

/** A hop as the panel lists it ("where it comes from"). */
export interface PanelHop {
  index: number;
  symbol: string;
  component: string;
  boundary: string;
  resolved: boolean;
  file?: string;
  line?: number;
}

/**
 * The symptom's totals over every cluster of the diagnosis, of which the panel's `diagnosis.clusters`
 * holds only the largest (`panelDiagnosis`): a cluster-wide event list has a row per pod and container,
 * 110,000 of them for 300,000 events, which no page lays out and no person reads.
 */
export interface SymptomTotals {
  /** Occurrences of every signature. */
  count: number;
  /** Distinct pods named. */
  pods: number;
  /** Per signature, largest first: its occurrences, and its rows (pod/container clusters) with how many the panel lists. */
  signatures: { signature: string; title: string; count: number; rows: number; listed: number }[];
}

/** Everything the diagnosis panel renders; the host sends it whole on every change. */
export interface PanelState {
  /** What is being diagnosed, e.g. "kubelet.log, dockerd.log and 3 more". */
  subject: string;
  /** The diagnosis as the panel shows it: `clusters` and `groups` bounded (panelDiagnosis); `symptom` holds the totals. */
  diagnosis: Diagnosis;
  symptom: SymptomTotals;
  /** The reader chain in brief, when traced; null before a trace. */
  chain: { title: string; hops: PanelHop[] } | null;
  /** The Markdown report, as "Copy as Markdown" would copy it. */
  report: string;
  answers: UserFacts;
  /** Texts the user pasted into the panel, diagnosed with the files (shown so they can be removed). */
  pasted: { name: string; lines: number }[];
}

/** Rows of one signature's clusters the panel lists: the largest; the rest are summed in one row. */
export const PANEL_ROWS_PER_SIGNATURE = 50;
/** Groups the panel lists per cause it explains (the first; the count says how many more). */
export const PANEL_GROUPS_PER_CAUSE = 8;

/**
 * The diagnosis as the panel needs it, bounded by what it shows rather than by the input: per signature
 * the PANEL_ROWS_PER_SIGNATURE largest clusters, and per explained cause the groups it lists, with
 * the totals of what is left out in `symptom`. Everything else (verdict, ranking, fleet, nodes) is
 * kept whole. The host keeps and posts only this, so neither the extension host nor the webview
 * holds a row per pod of a cluster-wide list.
 */
export function panelDiagnosis(d: Diagnosis): { diagnosis: Diagnosis; symptom: SymptomTotals } {
  const bySignature = new Map<string, { signature: string; title: string; count: number; rows: number; listed: number }>();
  const pods = new Set<string>();
  const clusters: Diagnosis['clusters'] = [];
  // Clusters come largest first (diagnose.ts): each signature's first rows are its largest.
  for (const c of d.clusters) {
    if (c.pod !== null) pods.add(c.pod);
    let s = bySignature.get(c.signature);
    if (!s) bySignature.set(c.signature, (s = { signature: c.signature, title: c.title, count: 0, rows: 0, listed: 0 }));
    s.count += c.count;
    s.rows += 1;
    if (s.listed < PANEL_ROWS_PER_SIGNATURE) {
      s.listed += 1;
      clusters.push(c);
    }
  }
  const listedGroups = new Set(d.explained.flatMap((span) => span.groups.slice(0, PANEL_GROUPS_PER_CAUSE)));
  const signatures = [...bySignature.values()].sort((a, b) => b.count - a.count);
  return {
    diagnosis: { ...d, clusters, groups: d.groups.filter((g) => listedGroups.has(g.id)) },
    symptom: { count: signatures.reduce((n, s) => n + s.count, 0), pods: pods.size, signatures },
  };
}

export type HostMessage =
  /**
   * `seq` numbers the states the host made, from 1: the same state sent again (the webview said it was
   * ready, or only its busy message is to go) is not laid out again.
   */
  | { type: 'state'; state: PanelState; seq: number }
  | { type: 'busy'; message: string }
  /** The panel's words in the display language (VS Code's l10n bundle; empty in English). */
  | { type: 'l10n'; bundle: Record<string, string> };

export type WebviewMessage =
  | { type: 'ready' }
  | { type: 'answer'; fact: AnswerKey; value: string | null }
  | { type: 'reproduced'; scenario: Scenario; attempts: number; failures: number }
  | { type: 'clearReproduced'; scenario: Scenario }
  /** The reproduce steps as a shell script, for a node without Runtime Lens (or node.js). */
  | { type: 'reproduceScript'; scenario: Scenario; attempts: number }
  | { type: 'settle'; cause: string | null }
  | { type: 'paste'; text: string }
  | { type: 'unpaste'; name: string }
  | { type: 'open'; file: string; line: number }
  | { type: 'copy'; text: string }
  | { type: 'copyReport' }
  | { type: 'saveReport' }
  | { type: 'trace' };

/** Every observation can be answered: yes/no to its question, or the value its reader parses (observations/). */
const OBSERVATIONS = new Set(CAUSES.observations.map((o) => `observation:${o.id}`));
const CAUSE_IDS = new Set(CAUSES.causes.map((c) => c.id));
const MAX_TEXT = 64 * 1024;
/** Pasted node output (a kernel log excerpt, cgroup files, runc --version) is small; a whole log belongs in a file. */
export const MAX_PASTE = 2 * 1024 * 1024;
/** Attempts a hand-entered reproduce result may claim: as many as the lab itself allows. */
const MAX_ATTEMPTS = 100_000;

/**
 * Validates a message from the webview: exact shapes only, bounded strings. Anything else is dropped
 * (the host also checks that files to open lie under the roots it knows).
 */
export function parseWebviewMessage(raw: unknown): WebviewMessage | null {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return null;
  const m = raw as Record<string, unknown>;
  const keys = Object.keys(m).sort().join(',');
  const str = (v: unknown, max = MAX_TEXT): v is string => typeof v === 'string' && v.length <= max;
  switch (m.type) {
    case 'ready':
    case 'copyReport':
    case 'saveReport':
    case 'trace':
      return keys === 'type' ? { type: m.type } : null;
    case 'answer':
      if (keys !== 'fact,type,value' || typeof m.fact !== 'string' || !(m.fact === 'timeZone' || OBSERVATIONS.has(m.fact))) return null;
      if (m.value !== null && !str(m.value, 200)) return null;
      // An observation's answer must be one it can take: yes/no to its question, or the value it reads (a version, a period).
      if (m.fact !== 'timeZone' && m.value !== null && m.value.trim() !== '' && answerFrom(CAUSES, m.fact.slice('observation:'.length), m.value.trim()) === null) return null;
      return { type: 'answer', fact: m.fact as AnswerKey, value: m.value as string | null };
    case 'reproduced': {
      const n = m.attempts;
      const k = m.failures;
      if (keys !== 'attempts,failures,scenario,type' || !SCENARIOS.includes(m.scenario as Scenario)) return null;
      if (!Number.isInteger(n) || !Number.isInteger(k) || (n as number) < 1 || (n as number) > MAX_ATTEMPTS || (k as number) < 0 || (k as number) > (n as number)) return null;
      return { type: 'reproduced', scenario: m.scenario as Scenario, attempts: n as number, failures: k as number };
    }
    case 'reproduceScript': {
      const n = m.attempts;
      if (keys !== 'attempts,scenario,type' || !SCENARIOS.includes(m.scenario as Scenario)) return null;
      if (!Number.isInteger(n) || (n as number) < 1 || (n as number) > MAX_ATTEMPTS) return null;
      return { type: 'reproduceScript', scenario: m.scenario as Scenario, attempts: n as number };
    }
    case 'clearReproduced':
      return keys === 'scenario,type' && SCENARIOS.includes(m.scenario as Scenario) ? { type: 'clearReproduced', scenario: m.scenario as Scenario } : null;
    case 'settle':
      if (keys !== 'cause,type' || !(m.cause === null || (typeof m.cause === 'string' && CAUSE_IDS.has(m.cause)))) return null;
      return { type: 'settle', cause: m.cause as string | null };
    case 'paste':
      return keys === 'text,type' && str(m.text, MAX_PASTE) && m.text.trim() !== '' ? { type: 'paste', text: m.text } : null;
    case 'unpaste':
      return keys === 'name,type' && str(m.name, 100) && /^pasted-\d+$/.test(m.name) ? { type: 'unpaste', name: m.name } : null;
    case 'open':
      if (keys !== 'file,line,type' || !str(m.file, 4096) || !Number.isInteger(m.line) || (m.line as number) < 1) return null;
      return { type: 'open', file: m.file, line: m.line as number };
    case 'copy':
      return keys === 'text,type' && str(m.text) ? { type: 'copy', text: m.text } : null;
    default:
      return null;
  }
}
