/** How a line was written; journald lines keep the format of their payload in `payloadFormat`. */
export type LogFormat =
  | 'klog'
  | 'logrus'
  | 'json'
  | 'journald'
  | 'kubectl-describe'
  | 'kubectl-events'
  | 'kubectl-events-json'
  | 'kubectl-events-yaml'
  | 'journald-json'
  | 'journald-export'
  | 'plain';

export type Severity = 'debug' | 'info' | 'warning' | 'error' | 'fatal' | 'unknown';

/**
 * A timestamp exactly as far as the line tells it. klog and journald carry neither year nor zone, so
 * those stay null here and are filled (or not) by `resolveTime` from options or the file's other
 * lines — never guessed silently.
 */
export interface LogTime {
  year: number | null;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** Fraction of the second in microseconds (nanoseconds are truncated; klog has microseconds). */
  micros: number;
  /** Offset from UTC in minutes as written (+480 for +08:00), null when the line has no zone. */
  offsetMinutes: number | null;
}

/** What one line of a log says, as far as Runtime Lens needs it. */
export interface LogRecord {
  format: LogFormat;
  /** Format of the payload behind a journald prefix (klog, logrus…), else equal to `format`. */
  payloadFormat: LogFormat;
  time: LogTime | null;
  severity: Severity;
  /** kubelet, dockerd, containerd, containerd-shim, runc, kube-proxy… or 'unknown'. */
  component: string;
  pod: string | null;
  namespace: string | null;
  container: string | null;
  /** Events aggregated into this line (kubectl "x31"); 1 for ordinary log lines. */
  count: number;
  /** The human message (logrus msg unescaped, klog text after `]`, event message). */
  message: string;
  /**
   * The node the line comes from, when the input says so (journald `_HOSTNAME`, an event's
   * `source.host` / `reportingInstance`); absent when only the file's folder could tell.
   */
  node?: string | null;
  /** When it started, for records that span time (an event's `firstTimestamp` / `eventTime`). */
  firstTime?: LogTime | null;
  /**
   * The node-local time written in the wrapped line, when `time` comes from elsewhere: a journald
   * entry's `time` is its exact `__REALTIME_TIMESTAMP` (UTC), and this the klog time in its MESSAGE.
   */
  localTime?: LogTime | null;
}

/**
 * Something the user must know about how an input was read: a line cut, a document not parsed (with
 * the parser's reason and position), a file skipped, an input truncated. Nothing is dropped silently:
 * notes reach `--json` (contract `notes`), the panel's symptom step and the Output channel.
 */
export interface Note {
  file: string;
  /** 1-based line the note is about, or null for the whole file. */
  line: number | null;
  note: string;
}
