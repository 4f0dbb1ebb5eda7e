import type { Diagnosis, UserFacts } from './types';

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

/** Everything the diagnosis panel renders; the host sends it whole on every change. */
export interface PanelState {
  /** What is being diagnosed, e.g. "kubelet.log, dockerd.log and 3 more". */
  subject: string;
  diagnosis: Diagnosis;
  /** The reader chain in brief, when traced; null before a trace. */
  chain: { title: string; hops: PanelHop[] } | null;
  /** saveState in the user's runc sources, for the before/after links. */
  saveState: { atomic: boolean | null; detail: string; file?: string; line?: number } | null;
  /** The Markdown report, as "Copy as Markdown" would copy it. */
  report: string;
  answers: UserFacts;
}

export type HostMessage = { type: 'state'; state: PanelState } | { type: 'busy'; message: string };

export type WebviewMessage =
  | { type: 'ready' }
  | { type: 'answer'; fact: keyof UserFacts; value: string | null }
  | { type: 'open'; file: string; line: number }
  | { type: 'copy'; text: string }
  | { type: 'copyReport' }
  | { type: 'saveReport' }
  | { type: 'trace' };

const FACTS: readonly (keyof UserFacts)[] = ['cpuManagerPolicy', 'runcVersion', 'reconcilePeriodSeconds', 'timeZone'];
const MAX_TEXT = 64 * 1024;

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
      if (keys !== 'fact,type,value' || !FACTS.includes(m.fact as keyof UserFacts)) return null;
      if (m.value !== null && !str(m.value, 200)) return null;
      return { type: 'answer', fact: m.fact as keyof UserFacts, value: m.value as string | null };
    case 'open':
      if (keys !== 'file,line,type' || !str(m.file, 4096) || !Number.isInteger(m.line) || (m.line as number) < 1) return null;
      return { type: 'open', file: m.file, line: m.line as number };
    case 'copy':
      return keys === 'text,type' && str(m.text) ? { type: 'copy', text: m.text } : null;
    default:
      return null;
  }
}
