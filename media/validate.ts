/**
 * Shape checks for what reaches the webview: host messages, and the state VS Code kept for us.
 * Anything that does not have the expected shape is dropped, so the renderers can trust their input.
 */
import type { HostMessage, PanelState } from '../src/core/diagnosis/protocol';

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

const SOURCES = ['logs', 'sources', 'user', 'default', 'measured'];

const where = shape({ file: str, line: num });
const question = shape({
  fact: v => v === 'timeZone' || (str(v) && /^observation:[a-z0-9-]+$/.test(v as string)),
  prompt: str,
  choices: optional(arrayOf(shape({ value: str, label: str }))),
  placeholder: optional(str),
});
const timeline = shape({
  periodSeconds: v => num(v) && (v as number) > 0,
  fittedPeriodSeconds: v => num(v) && (v as number) > 0,
  start: nullable(str),
  spanMs: v => num(v) && (v as number) >= 0,
  events: arrayOf(shape({ offsetMs: num, phaseSeconds: num, pod: nullable(str), kind: str, file: str, line: num })),
  tickPhaseSeconds: nullable(num),
  tickPhaseFrom: nullable(str),
  histogram: arrayOf(num),
  rayleigh: nullable(shape({ n: num, meanResultant: num, z: num, p: num })),
});
const attachment: Check = v => {
  if (!isRecord(v)) return false;
  switch (v.kind) {
    case 'phase-timeline':
      return shape({ events: str, period: str, timeline })(v);
    case 'source-check':
      return shape({
        subject: str, program: str, reading: str, holds: nullable(bool), file: optional(str), line: optional(num),
        sourcesVersion: nullable(str), nodeVersion: nullable(str), weighed: bool, why: str,
      })(v);
    case 'chain-node':
      return shape({ label: str, chains: w => isRecord(w) && Object.values(w).every(str), tooltip: str })(v);
    default:
      return false;
  }
};
const evidence = shape({
  id: str,
  holds: nullable(bool),
  detail: str,
  title: str,
  source: v => SOURCES.includes(v as string),
  where: optional(where),
  check: optional(str),
  collected: optional(arrayOf(str)),
  ask: optional(question),
  attempts: optional(num),
  attachments: optional(arrayOf(attachment)),
});
const contribution = shape({ id: str, kind: str, title: str, holds: nullable(bool), lr: num, why: str });
const ranked = shape({ cause: str, title: str, posterior: num, for: arrayOf(contribution), against: arrayOf(contribution) });
const fix = shape({ title: str, how: str, tradeoffs: str });
const causeInfo = shape({
  id: str, title: str, summary: str, versions: str, check: str,
  references: arrayOf(shape({ repo: str, number: num, title: str })),
  fixes: arrayOf(fix),
  confirm: nullable(shape({ scenario: str, command: str, observation: nullable(str) })),
  observations: arrayOf(str),
});
const nextQuestion = shape({ observation: str, prompt: str, yes: str, no: str, check: optional(str), collected: optional(arrayOf(str)), gain: num, ifYes: str, ifNo: str });
const nodeSummary = shape({ node: str, failures: num, signatures: arrayOf(str), runc: nullable(str), cause: str, confidence: num, leader: nullable(str) });
const diagnosis = shape({
  verdict: shape({
    cause: str, confidence: num, summary: str, evidence: arrayOf(evidence),
    settled: optional(shape({ by: v => v === 'hand', evidenceCause: str, evidenceConfidence: num, leader: str })),
  }),
  hypotheses: arrayOf(shape({ cause: str, confidence: num })),
  ranked: arrayOf(ranked),
  causes: v => isRecord(v) && Object.values(v).every(causeInfo),
  question: nullable(nextQuestion),
  fixesFor: nullable(str),
  fleet: arrayOf(nodeSummary),
  clusters: arrayOf(shape({
    signature: str, title: str, node: nullable(str), pod: nullable(str), container: nullable(str), count: num,
    files: arrayOf(str), firstSeen: nullable(str), lastSeen: nullable(str), perHour: nullable(num),
  })),
  fixes: arrayOf(fix),
  clock: str,
  inputs: shape({ files: num, lines: num, events: num }),
  groups: arrayOf(shape({
    id: str, node: nullable(str), container: nullable(str), pod: nullable(str), signature: str, family: str, count: num,
    innermost: nullable(shape({ operation: nullable(str), object: nullable(str), errno: nullable(str), text: str })),
    printedBy: nullable(shape({ program: str, text: str, versions: nullable(str), where: nullable(str) })),
    verdict: shape({ cause: str, confidence: num }),
    hypotheses: arrayOf(shape({ cause: str, confidence: num })),
    for: arrayOf(contribution),
    against: arrayOf(contribution),
  })),
  explained: arrayOf(shape({ cause: str, groups: arrayOf(str), count: num })),
  byNode: arrayOf(shape({ node: nullable(str), cause: str, count: num, confidence: num, errors: arrayOf(str), groups: arrayOf(str) })),
});
const hop = shape({
  index: num, symbol: str, component: str, boundary: str, resolved: bool, file: optional(str), line: optional(num),
});
const symptom = shape({
  count: num,
  pods: num,
  signatures: arrayOf(shape({ signature: str, title: str, count: num, rows: num, listed: num })),
});
const panelState = shape({
  subject: str,
  diagnosis,
  symptom,
  chain: nullable(shape({ title: str, hops: arrayOf(hop) })),
  report: str,
  answers: isRecord,
  pasted: arrayOf(shape({ name: str, lines: num })),
});

export function parsePanelState(raw: unknown): PanelState | null {
  return panelState(raw) ? (raw as PanelState) : null;
}

export function parseHostMessage(raw: unknown): HostMessage | null {
  if (!isRecord(raw)) return null;
  if (raw.type === 'state') {
    const state = parsePanelState(raw.state);
    return state && num(raw.seq) ? { type: 'state', state, seq: raw.seq as number } : null;
  }
  if (raw.type === 'busy' && str(raw.message)) return { type: 'busy', message: raw.message as string };
  if (raw.type === 'l10n' && isRecord(raw.bundle) && Object.values(raw.bundle).every(str)) {
    return { type: 'l10n', bundle: raw.bundle as Record<string, string> };
  }
  return null;
}
