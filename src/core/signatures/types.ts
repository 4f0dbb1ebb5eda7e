import type { ResolvedTime } from '../logs/time';
import type { LogRecord, LogTime } from '../logs/types';

/** One entry of the signature catalog (see catalog.schema.json). */
export interface Signature {
  id: string;
  title: string;
  component?: string;
  severity: 'error' | 'warning' | 'info';
  literals: string[];
  requires?: string[];
  patterns: string[];
  flags?: string;
  explanation: string;
  /** The hops the error passes through on its way into the log, origin first. */
  travels?: string[];
  likelyCauses?: string[];
  chain?: 'reader' | 'writer' | null;
  cause?: string;
  /** The causes (contract ids) that can print this signature; empty for look-alikes. */
  causes?: string[];
  nextSteps?: string[];
}

/** A recognised line: where it is, which signature, and what the line says. */
export interface Finding {
  file: string;
  /** 1-based line number. */
  line: number;
  signature: string;
  /**
   * The matched span within `text` (UTF-16 columns), for highlighting; in the line it is at
   * `textColumn` + these. Findings of one message may share it: read-only.
   */
  match: { start: number; end: number };
  record: LogRecord;
  /** The line's time as written (year/zone may be missing). */
  wallTime: LogTime | null;
  /** A real instant, when year and zone are known. */
  time: ResolvedTime | null;
  /** The line, cut to a readable length for very long lines. */
  text: string;
  /**
   * The UTF-16 column of the line where `text` begins: 0, except where the text is a window of a line
   * too long to show, a compact event list's line holding every event (the text is the event's
   * `"message":"…"` member).
   */
  textColumn: number;
}
