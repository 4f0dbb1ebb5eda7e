import { LineCounter, parseDocument, isMap, isSeq, isScalar, type Node } from 'yaml';
import { parseRfc3339 } from './formats';
import type { LogRecord } from './types';

/** Cheap look at a file's start: is it `kubectl get events -o json|yaml` output rather than a log? */
export function looksLikeEventDocument(head: string): 'kubectl-events-json' | 'kubectl-events-yaml' | null {
  const start = head.trimStart();
  if (start.startsWith('{') && /"kind":\s*"(EventList|List|Event)"/.test(head) && /"involvedObject"|"kind":\s*"(EventList|Event)"/.test(head)) {
    return 'kubectl-events-json';
  }
  if (/^(apiVersion|items|kind):/m.test(start) && /^\s*kind: (Event|EventList)\s*$/m.test(head)) return 'kubectl-events-yaml';
  return null;
}

export interface EventEntry {
  /** 1-based line of the event's `message`. */
  line: number;
  record: LogRecord;
}

function get(node: unknown, key: string): unknown {
  return isMap(node) ? node.get(key, true) : undefined;
}

function str(node: unknown): string | null {
  return isScalar(node) && (typeof node.value === 'string' || typeof node.value === 'number') ? String(node.value) : null;
}

/**
 * Reads an event list (JSON is YAML too, so one parser serves both) and returns one record per event,
 * placed at the line of its message so findings point into the file. Null when it is not one.
 */
export function parseEventDocument(text: string, format: 'kubectl-events-json' | 'kubectl-events-yaml'): EventEntry[] | null {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: false, prettyErrors: false });
  if (doc.errors.length > 0) return null;
  const root = doc.contents;
  const items: unknown[] = isSeq(get(root, 'items')) ? (get(root, 'items') as { items: unknown[] }).items : str(get(root, 'kind')) === 'Event' ? [root] : [];
  const out: EventEntry[] = [];
  for (const item of items) {
    const messageNode = get(item, 'message') as Node | undefined;
    const message = str(messageNode);
    if (message === null || !messageNode?.range) continue;
    const involved = get(item, 'involvedObject');
    const fieldPath = str(get(involved, 'fieldPath')) ?? '';
    const container = /spec\.(?:init)?[cC]ontainers\{([^}]+)\}/.exec(fieldPath);
    const source = get(item, 'source');
    const time = str(get(item, 'lastTimestamp')) ?? str(get(item, 'eventTime')) ?? str(get(item, 'firstTimestamp'));
    const count = Number(str(get(item, 'count')) ?? str(get(get(item, 'series'), 'count')) ?? '1');
    const record: LogRecord = {
      format,
      payloadFormat: format,
      time: time ? parseRfc3339(time) : null,
      severity: str(get(item, 'type')) === 'Warning' ? 'warning' : 'info',
      component: str(get(source, 'component')) ?? str(get(item, 'reportingComponent')) ?? 'unknown',
      pod: str(get(involved, 'kind')) === 'Pod' ? str(get(involved, 'name')) : null,
      namespace: str(get(involved, 'namespace')),
      container: container ? container[1]! : null,
      count: Number.isFinite(count) && count > 0 ? count : 1,
      message,
    };
    out.push({ line: lines.linePos(messageNode.range[0]).line, record });
  }
  return out;
}
