/**
 * Shape checks for what reaches the webview: host messages, and the state VS Code kept for us.
 * Anything that does not have the expected shape is dropped, so the renderers can trust their input.
 */
import type { HostMessage, PanelState } from '../src/core/diagnosis/protocol';
import type { UserFacts } from '../src/core/diagnosis/types';

type Check = (v: unknown) => boolean;

const str: Check = v => typeof v === 'string';
const num: Check = v => typeof v === 'number' && Number.isFinite(v);
const bool: Check = v => typeof v === 'boolean';
const nullable = (c: Check): Check => v => v === null || c(v);
const optional = (c: Check): Check => v => v === undefined || c(v);
const arrayOf = (c: Check): Check => v => Array.isArray(v) && v.every(c);
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const shape = (fields: Record<string, Check>): Check => v =>
  isRecord(v) && Object.entries(fields).every(([k, c]) => c(v[k]));

const FACTS: readonly (keyof UserFacts)[] = ['cpuManagerPolicy', 'runcVersion', 'reconcilePeriodSeconds', 'timeZone'];
const SOURCES = ['logs', 'sources', 'user', 'default'];

const where = shape({ file: str, line: num });
const question = shape({
  fact: v => FACTS.includes(v as keyof UserFacts),
  prompt: str,
  choices: optional(arrayOf(shape({ value: str, label: str }))),
  placeholder: optional(str),
});
const evidence = shape({
  id: str,
  holds: nullable(bool),
  detail: str,
  title: str,
  source: v => SOURCES.includes(v as string),
  where: optional(where),
  check: optional(str),
  ask: optional(question),
});
const timeline = shape({
  periodSeconds: v => num(v) && (v as number) > 0,
  start: nullable(str),
  spanMs: v => num(v) && (v as number) >= 0,
  events: arrayOf(shape({ offsetMs: num, phaseSeconds: num, pod: nullable(str), kind: str, file: str, line: num })),
  tickPhaseSeconds: nullable(num),
  tickPhaseFrom: nullable(str),
  histogram: arrayOf(num),
  rayleigh: nullable(shape({ n: num, meanResultant: num, z: num, p: num })),
});
const diagnosis = shape({
  verdict: shape({ cause: str, confidence: num, summary: str, evidence: arrayOf(evidence) }),
  hypotheses: arrayOf(shape({ cause: str, confidence: num })),
  clusters: arrayOf(shape({
    signature: str, title: str, pod: nullable(str), container: nullable(str), count: num,
    files: arrayOf(str), firstSeen: nullable(str), lastSeen: nullable(str), perHour: nullable(num),
  })),
  timeline: nullable(timeline),
  fixes: arrayOf(shape({ title: str, how: str, tradeoffs: str })),
  clock: str,
  inputs: shape({ files: num, lines: num }),
});
const hop = shape({
  index: num, symbol: str, component: str, boundary: str, resolved: bool, file: optional(str), line: optional(num),
});
const panelState = shape({
  subject: str,
  diagnosis,
  chain: nullable(shape({ title: str, hops: arrayOf(hop) })),
  saveState: nullable(shape({ atomic: nullable(bool), detail: str, file: optional(str), line: optional(num) })),
  report: str,
  answers: isRecord,
});

export function parsePanelState(raw: unknown): PanelState | null {
  return panelState(raw) ? (raw as PanelState) : null;
}

export function parseHostMessage(raw: unknown): HostMessage | null {
  if (!isRecord(raw)) return null;
  if (raw.type === 'state') {
    const state = parsePanelState(raw.state);
    return state ? { type: 'state', state } : null;
  }
  if (raw.type === 'busy' && str(raw.message)) return { type: 'busy', message: raw.message as string };
  return null;
}
