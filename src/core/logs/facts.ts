import { structuredPairs, structuredRest } from '../messages/split';
import { formatPieces } from '../origins/format';
import { beforeRaceFix, oomHintPossible, runcFingerprint } from '../signatures/runcFingerprint';
import type { ProgramId } from '../signatures/types';
import { parseLine } from './formats';
import { type GoValueType, readGoValue } from './goValue';
import factsData from '../knowledge/facts.json';
import type { LogRecord, LogTime } from './types';

/** A fact about the node, as a log or config line states it. */
export interface NodeFact {
  kind: NodeFactKind;
  value: string;
  file: string;
  line: number;
  /** The line's time as written, when it has one (the cpu-manager start anchors the reconcile ticks). */
  time: LogTime | null;
  /** How it was stated, e.g. "kubelet flag", "KubeletConfiguration", "runc --version". */
  how: string;
  /** The node it is about, when the input says (journald host, event source) or the folder tells. */
  node?: string | null;
  /** The container (id or name) and pod it is about, for per-container facts (updates, exits, cgroups). */
  container?: string | null;
  pod?: string | null;
  /** Further named values of the fact, e.g. `{ mount: '/run' }` for disk usage. */
  detail?: Record<string, string>;
}

/**
 * The kinds of fact the inputs can state. `value` holds, per kind:
 * - cpuManagerPolicy: `static` | `none`; reconcilePeriod: a Go duration (`10s`); cpuManagerStart: a marker
 * - runcVersion / dockerVersion / containerdVersion: the version; runcGoVersion: `go1.22.1` (runc --version's `go:` line)
 * - runcFingerprint: the upstream tags whose error call sites match, comma-separated (`v1.0.0-rc10,v1.0.0-rc90`),
 *   empty when the sites match no tag (a patched build); `detail.sites` the `file:line` sites seen
 * - cgroupDriver: `systemd` | `cgroupfs`; cgroupVersion: `1` | `2`
 * - oomKill: the killed process's name (`runc:[2:INIT]`), `detail.pid`
 * - memoryEvents: the `oom_kill` count of a `memory.events` file, `detail` every counter
 * - pidsEvents: the `max` count of a `pids.events` file; pidsMax / pidsCurrent: the number (or `max`)
 * - freezerState: `FROZEN` | `THAWED` | `FREEZING`
 * - containerUpdate: the container id an update was applied to (`detail.via`: `kubelet reconcile`,
 *   `containerd UpdateContainerResources`, `dockerd update`); its time is the update's time
 * - taskExit: the container id whose task exited (`detail.exitStatus`)
 * - diskUsage: the use in percent, `detail.mount` and `detail.available`
 */
export type NodeFactKind =
  | 'cpuManagerPolicy'
  | 'reconcilePeriod'
  | 'cpuManagerStart'
  | 'runcVersion'
  | 'runcGoVersion'
  | 'runcFingerprint'
  | 'dockerVersion'
  | 'containerdVersion'
  | 'cgroupDriver'
  | 'cgroupVersion'
  | 'oomKill'
  | 'memoryEvents'
  | 'pidsEvents'
  | 'pidsMax'
  | 'pidsCurrent'
  | 'freezerState'
  | 'containerUpdate'
  | 'taskExit'
  | 'diskUsage';

/**
 * A format string of the message index (knowledge/messages.json): the program and the format as written,
 * and for a structured klog call (InfoS/ErrorS) the entry's `keys`: its line is the quoted message and
 * those keys' key=value pairs, so the message is matched whole and the values read by key.
 */
export interface MessageRef {
  program: ProgramId;
  format: string;
  keys?: string[];
}

/**
 * What one verb of a message's format prints, for the fact: a `shape` (a regular expression, with named
 * groups and {PIECE}s) it must have, captured whole as `group`; or a Go `value` (a protobuf message of
 * facts.json `values`) whose `fields` (group → protobuf field) are read. A verb without either is a
 * wildcard, as the message index reads it.
 */
export interface VerbSpec {
  group?: string;
  shape?: string;
  value?: string;
  fields?: Record<string, string>;
}

/** One line rule of facts.json (see facts.schema.json). */
export interface FactRuleData {
  id: string;
  kind: NodeFactKind;
  literal: string;
  /** A line the message index holds no format for (kernel printk, command output, config): its own pattern. */
  pattern?: string;
  /** Or the index's formats that print the line, matched on the line's message with their verbs as wildcards. */
  messages?: MessageRef[];
  /** Per verb of the formats, in order: what it captures (absent or `{}`: a wildcard). */
  verbs?: VerbSpec[];
  /**
   * The structured fields the fact reads: key → the shape its value starts with. With structured `messages`
   * (klog InfoS), the pairs after the quoted message; else fields of the line (logrus `key=value`, JSON).
   */
  keys?: Record<string, string>;
  value?: string;
  detail?: string[];
  constants?: Record<string, string>;
  defaults?: Record<string, string>;
  map?: Record<string, Record<string, string>>;
  same?: [string, string];
  time?: 'dmesg' | 'go-time';
  /** The rule states no fact: its value becomes the reader's state of this name (a `df` header: blocks or inodes). */
  sets?: string;
  /** The rule reads a line only while each named state has this value. */
  when?: Record<string, string>;
  /** The rule states no fact: its detail joins the latest fact of `rule`, when that is at most `lines` lines above. */
  follows?: { rule: string; lines: number };
  how: string;
  documentOnly?: true;
  /** Where the line is printed, for a pattern rule: the format string's call (program, file:line, version) or a note. */
  source?: { program?: string; file?: string; line?: number; version?: string; call?: string; note?: string };
}

/** A cgroup file of facts.json whose whole content states a fact. */
interface CgroupFileData {
  kind: NodeFactKind;
  counter?: string;
  single?: string;
  map?: Record<string, string>;
}

export interface FactsData {
  pieces: Record<string, string>;
  /** What a reader remembers from line to line of one input (the `df` header), with the value it starts with. */
  states?: Record<string, { initial: string }>;
  /** Protobuf messages that formats print with %v / %+v, by name. */
  values?: Record<string, GoValueType & { source?: unknown }>;
  files: Record<string, CgroupFileData>;
  rules: FactRuleData[];
}

const DATA = factsData as unknown as FactsData;

/** A verb that prints a Go value: its group in the compiled format, and how to read it. */
interface ValueVerb {
  group: string;
  type: GoValueType;
  fields: Record<string, string>;
}

/**
 * A form of a rule's line: a regular expression, with the Go values its verbs print; for a structured
 * klog entry, the message it must be exactly and the keys its call logs (the pairs are read by key).
 */
interface FactForm {
  regex: RegExp;
  values: ValueVerb[];
  structured?: { message: string; keys: string[] };
}

/** A rule as matched: its forms of the line (its own pattern, or each format's). */
interface FactRule extends FactRuleData {
  regexes: FactForm[];
  /** Whether the regexes run on the line's message (formats) rather than on the whole line (patterns). */
  onMessage: boolean;
  keyShapes: [string, RegExp][];
}

/** A rule's pattern with its {PIECE}s put in; an unknown piece is a defect of the data. */
export function compileFactPattern(pattern: string, pieces: Record<string, string>): RegExp {
  return new RegExp(
    pattern.replace(/\{([A-Z]+)\}/g, (_, name: string) => {
      const piece = pieces[name];
      if (piece === undefined) throw new Error(`facts.json: pattern names unknown piece {${name}}`);
      return piece;
    }),
  );
}

/** A verb printing this much is not the value of a fact (a line cut or something else). */
const MAX_VERB = 1000;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A message index format as a regular expression that captures what the rule's verbs name: constant
 * text as written, each verb a wildcard (bounded, so linear on any line) or its shape, `%q` in quotes.
 * Verbs after the last one the rule reads are left out: the constant text before them is what tells
 * the formats apart (`… for %q with %+v` from `… for %q failed`).
 */
export function compileFormat(format: string, verbs: VerbSpec[], data: Pick<FactsData, 'pieces' | 'values'>): { regex: RegExp; values: ValueVerb[] } {
  const pieces = formatPieces(format);
  const used = (v: VerbSpec | undefined) => !!v && (v.group !== undefined || v.shape !== undefined || v.value !== undefined);
  let verbIndex = 0;
  let last = -1;
  pieces.forEach((p, i) => {
    if ('text' in p || used(verbs[verbIndex++])) last = i;
  });
  const values: ValueVerb[] = [];
  let source = '';
  verbIndex = 0;
  pieces.slice(0, last + 1).forEach((p, i) => {
    if ('text' in p) {
      source += escapeRegExp(p.text);
      return;
    }
    const index = verbIndex++;
    const spec = verbs[index] ?? {};
    const end = i === last;
    let inner: string;
    if (spec.value !== undefined) {
      const type = data.values?.[spec.value];
      if (!type) throw new Error(`facts.json: a verb reads value ${spec.value}, which facts.json values does not define`);
      const group = `_v${index}`;
      values.push({ group, type, fields: spec.fields ?? {} });
      inner = `(?<${group}>[^\\n]{0,8192}${end ? '' : '?'})`;
    } else if (spec.shape !== undefined) inner = `(?:${withPieces(spec.shape, data.pieces)})`;
    else inner = p.verb === 'q' ? `[^"\\n]{0,${MAX_VERB}}` : `[^\\n]{0,${MAX_VERB}}${end ? '' : '?'}`;
    if (spec.group !== undefined) inner = `(?<${spec.group}>${inner})`;
    source += p.verb === 'q' ? `"${inner}"` : inner;
  });
  return { regex: new RegExp(source), values };
}

function withPieces(pattern: string, pieces: Record<string, string>): string {
  return compileFactPattern(pattern, pieces).source;
}

function compileRule(r: FactRuleData, data: FactsData): FactRule {
  const keyShapes = Object.entries(r.keys ?? {}).map(([k, shape]) => [k, new RegExp(`^(?:${withPieces(shape, data.pieces)})`)] as [string, RegExp]);
  if (r.messages) {
    // Formats that differ only after the verbs a rule reads compile alike: each is tried once.
    const forms = new Map<string, FactForm>();
    for (const m of r.messages) {
      const form: FactForm = m.keys ? { regex: new RegExp(`^${escapeRegExp(JSON.stringify(m.format))}(?=\\s|$)`), values: [], structured: { message: m.format, keys: m.keys } } : compileFormat(m.format, r.verbs ?? [], data);
      forms.set(form.regex.source, form);
    }
    return { ...r, regexes: [...forms.values()], onMessage: true, keyShapes };
  }
  if (r.pattern === undefined) throw new Error(`facts.json: rule ${r.id} has neither a pattern nor messages`);
  return { ...r, regexes: [{ regex: compileFactPattern(r.pattern, data.pieces), values: [] }], onMessage: false, keyShapes };
}

const RULES: FactRule[] = DATA.rules.map((r) => compileRule(r, DATA));

/** Per structured field's key, the expression that finds it in a line. */
const FIELDS = new Map<string, RegExp>();

/**
 * The value of a structured field of the line (logrus `key=value` or `key="…"`, a JSON log's `"key":"…"`),
 * unquoted, or undefined. The key must start a field (after a space, comma or brace). A structured klog
 * line's pairs are read by its form instead (structuredPairs), in order after its message.
 */
function fieldOf(line: string, key: string): string | undefined {
  let re = FIELDS.get(key);
  if (!re) FIELDS.set(key, (re = new RegExp(`(?:^|[\\s,{])"?${escapeRegExp(key)}"?[=:]("(?:[^"\\\\]|\\\\.){0,300}"|[^\\s",}]{1,300})`)));
  const m = re.exec(line);
  if (!m) return undefined;
  const v = m[1]!;
  if (!v.startsWith('"')) return v;
  try {
    return JSON.parse(v) as string;
  } catch {
    return v.slice(1, -1);
  }
}

/**
 * The groups a rule's match captured: its own, and those of the Go values and structured fields it reads
 * (a structured klog form's pairs after its message, `subject` being the message; else the line's fields).
 */
function groupsOf(rule: FactRule, m: RegExpExecArray, form: FactForm, subject: string, line: string): Record<string, string | undefined> | null {
  const g: Record<string, string | undefined> = { ...m.groups };
  let pairs: Map<string, string> | null = null;
  if (form.structured) {
    const rest = structuredRest(subject, form.structured.message);
    if (rest === null) return null;
    pairs = structuredPairs(rest, form.structured.keys);
  }
  for (const v of form.values) {
    const fields = readGoValue(g[v.group] ?? '', v.type);
    if (!fields) return null;
    for (const [name, field] of Object.entries(v.fields)) if (fields[field] !== undefined) g[name] = fields[field];
  }
  for (const [key, shape] of rule.keyShapes) {
    const raw = pairs ? pairs.get(key) : fieldOf(line, key);
    const km = raw === undefined ? null : shape.exec(raw);
    if (!km) return null;
    Object.assign(g, km.groups);
  }
  return g;
}

/** What a rule's match states, or null when the match says nothing after all (an exec's exit). */
function readRule(rule: FactRule, g: Record<string, string | undefined>, text: string): Omit<NodeFact, 'file' | 'line' | 'how' | 'kind' | 'time'> & { time?: LogTime | null } | null {
  if (rule.same && g[rule.same[0]] !== g[rule.same[1]]) return null;
  const mapped = (name: string): string | undefined => {
    const v = g[name] ?? rule.defaults?.[name];
    return v === undefined ? undefined : rule.map?.[name]?.[v] ?? v;
  };
  const value = mapped(rule.value ?? 'value');
  if (value === undefined) return null;
  const detail: Record<string, string> = { ...rule.constants };
  for (const name of rule.detail ?? []) {
    const v = mapped(name);
    if (v !== undefined) detail[name] = v;
  }
  const out: Omit<NodeFact, 'file' | 'line' | 'how' | 'kind' | 'time'> & { time?: LogTime | null } = { value };
  if (g.cgroup !== undefined) {
    const owner = cgroupOwner(g.cgroup);
    if (owner.container) out.container = owner.container;
    if (owner.pod) out.pod = owner.pod;
    Object.assign(detail, owner.detail);
  }
  if (g.container !== undefined) out.container = g.container;
  if (g.pod !== undefined) out.pod = g.pod;
  if (rule.time === 'dmesg') {
    const at = dmesgTime(text);
    if (at.uptime) detail.uptime = at.uptime;
    if (at.time) out.time = at.time;
  } else if (rule.time === 'go-time') out.time = goTime(text);
  if (Object.keys(detail).length) out.detail = detail;
  return out;
}

/** Go's time.Time format at the start of a line (`ctr events`): `2021-05-07 03:43:28.310630 +0000 UTC`. */
function goTime(text: string): LogTime | null {
  const m = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))? ([+-])(\d\d)(\d\d)\b/.exec(text);
  if (!m) return null;
  const offset = (m[8] === '-' ? -1 : 1) * (Number(m[9]) * 60 + Number(m[10]));
  return { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]), hour: Number(m[4]), minute: Number(m[5]), second: Number(m[6]), micros: Number((m[7] ?? '').padEnd(6, '0').slice(0, 6)), offsetMinutes: offset };
}

/**
 * The container and pod a cgroup path belongs to: kubepods paths end in the container's directory
 * (`<id>`, `docker-<id>.scope`, `cri-containerd-<id>.scope`) under `pod<uid>` (`_` for `-` with systemd).
 */
export function cgroupOwner(cgroupPath: string): { container?: string; pod?: string; detail: Record<string, string> } {
  const dir = cgroupPath.includes('/') ? cgroupPath.replace(/\/[^/]*$/, '') : '';
  const container = /(?:^|\/)(?:[a-z-]{1,32}-)?([0-9a-f]{64})(?:\.scope)?$/.exec(dir)?.[1];
  const pod = /(?:^|[/-])pod([0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12})(?:\.slice)?(?:\/|$)/.exec(dir)?.[1]?.replace(/_/g, '-');
  return { ...(container ? { container } : {}), ...(pod ? { pod } : {}), detail: dir ? { cgroup: dir } : {} };
}

// Kernel lines: `journalctl -k` has a journald prefix (parsed like any line), `dmesg` seconds since boot,
// `dmesg -T` a local date without a zone.
const DMESG_UPTIME = /^\[\s{0,12}([0-9]{1,10}\.[0-9]{1,9})\]/;
const DMESG_DATE = /^\[(?:[A-Z][a-z]{2}) ([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d\d):(\d\d):(\d\d) (\d{4})\]/;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function dmesgTime(text: string): { time: LogTime | null; uptime?: string } {
  const up = DMESG_UPTIME.exec(text);
  if (up) return { time: null, uptime: up[1]! };
  const d = DMESG_DATE.exec(text);
  const month = d ? MONTHS.indexOf(d[1]!) + 1 : 0;
  if (!d || month === 0) return { time: null };
  return { time: { year: Number(d[6]), month, day: Number(d[2]), hour: Number(d[3]), minute: Number(d[4]), second: Number(d[5]), micros: 0, offsetMinutes: null } };
}

/** The error call sites of a line, as a fingerprint of the runc that printed it (rc1–rc95). */
const FINGERPRINT_LITERALS = [' caused'];

/** Needles for the streaming scanner, so fact lines are found in the same pass as findings. */
export const FACT_NEEDLES: readonly string[] = [...new Set([...RULES.filter((r) => !r.documentOnly).map((r) => r.literal), ...FINGERPRINT_LITERALS])];

/** What the line itself says about where it comes from (its parsed record), for facts that do not say. */
export interface LineContext {
  time: LogTime | null;
  pod?: string | null;
  container?: string | null;
  node?: string | null;
  /** The line's message (LogRecord.message: logrus msg unescaped, klog's text after `]`), parsed when absent. */
  message?: string;
}

/** Lines longer than this are read up to it (a fact is stated early in its line). */
const MAX_FACT_LINE = 8192;

/** The states a reader starts an input with (facts.json `states`). */
function initialStates(): Record<string, string> {
  return Object.fromEntries(Object.entries(DATA.states ?? {}).map(([name, st]) => [name, st.initial]));
}

/** The facts a line states (usually none); `rules: 'log'` leaves the documentOnly rules out. Read alone: states at their start. */
export function factsFromLine(text: string, file: string, line: number, context: LogTime | null | LineContext, rules: 'log' | 'all' = 'all'): NodeFact[] {
  return readLine(text, file, line, context, rules, initialStates())
    .filter((r) => r.rule.sets === undefined && r.rule.follows === undefined)
    .map((r) => r.fact);
}

/** What each rule that reads the line says, with the rule (states and follow-ups are the caller's). */
function readLine(text: string, file: string, line: number, context: LogTime | null | LineContext, rules: 'log' | 'all', states: Record<string, string>): { rule: FactRule; fact: NodeFact }[] {
  const ctx: LineContext = context && 'time' in context ? context : { time: context };
  const out: { rule: FactRule; fact: NodeFact }[] = [];
  const bounded = text.length > MAX_FACT_LINE ? text.slice(0, MAX_FACT_LINE) : text;
  let message = ctx.message;
  for (const rule of RULES) {
    if ((rule.documentOnly && rules === 'log') || !text.includes(rule.literal)) continue;
    if (rule.when && Object.entries(rule.when).some(([name, value]) => states[name] !== value)) continue;
    let subject = bounded;
    if (rule.onMessage) {
      message ??= parseLine(bounded).message;
      subject = message.length > MAX_FACT_LINE ? message.slice(0, MAX_FACT_LINE) : message;
    }
    let groups: Record<string, string | undefined> | null = null;
    for (const form of rule.regexes) {
      const m = form.regex.exec(subject);
      groups = m && groupsOf(rule, m, form, subject, bounded);
      if (groups) break;
    }
    if (!groups) continue;
    const reading = readRule(rule, groups, bounded);
    if (!reading) continue;
    // A time the rule reads (dmesg -T, ctr events) is the line's own; else the parsed line's.
    const fact: NodeFact = { kind: rule.kind, value: reading.value, file, line, time: reading.time ?? ctx.time, how: rule.how };
    const container = reading.container ?? ctx.container;
    const pod = reading.pod ?? ctx.pod;
    if (container) fact.container = container;
    if (pod) fact.pod = pod;
    if (ctx.node) fact.node = ctx.node;
    if (reading.detail && Object.keys(reading.detail).length) fact.detail = reading.detail;
    out.push({ rule, fact });
  }
  return out;
}

/** The runcFingerprint fact of an error text with runc call sites, or null. */
export function fingerprintFact(text: string, file: string, line: number, ctx: LineContext): NodeFact | null {
  const fp = runcFingerprint(text.length > 8192 ? text.slice(0, 8192) : text);
  if (!fp) return null;
  const yesNo = (b: boolean | null) => (b === null ? 'unknown' : String(b));
  const fact: NodeFact = {
    kind: 'runcFingerprint',
    value: fp.tags.join(','),
    file,
    line,
    time: ctx.time,
    how: 'runc error call sites',
    detail: { sites: fp.sites.map((s) => `${s.file}:${s.line}`).join(','), beforeRaceFix: yesNo(beforeRaceFix(fp.tags)), oomHintPossible: yesNo(oomHintPossible(fp.tags)) },
  };
  if (ctx.pod) fact.pod = ctx.pod;
  if (ctx.container) fact.container = ctx.container;
  if (ctx.node) fact.node = ctx.node;
  return fact;
}

/**
 * The cgroup files whose content states a fact. They have no header: a file dropped in is known by its
 * name, and in a `head`/`tail` dump of several (`==> /sys/fs/cgroup/pids/…/pids.max <==`) by the name
 * in each header. Plain `cat` of several files names none of them, so it states nothing (use `grep -H .`:
 * its `path:value` lines are read by the line rules above).
 */
const CGROUP_FILES: Record<string, { kind: NodeFactKind; read: (lines: string[]) => { value: string; at: number; detail?: Record<string, string> } | null }> = Object.fromEntries(
  Object.entries(DATA.files).map(([name, f]) => {
    const single = f.single !== undefined ? new RegExp(f.single) : null;
    const read = single ? (l: string[]) => singleValue(l, single, (v) => f.map?.[v] ?? v) : (l: string[]) => counters(l, f.counter!);
    return [name, { kind: f.kind, read }];
  }),
);

function counters(lines: string[], key: string): { value: string; at: number; detail: Record<string, string> } | null {
  const detail: Record<string, string> = {};
  let at = -1;
  lines.forEach((l, i) => {
    const m = /^([a-z_]{1,40}) ([0-9]{1,20})$/.exec(l.trim());
    if (!m) return;
    detail[m[1]!] = m[2]!;
    if (m[1] === key) at = i;
  });
  return at < 0 ? null : { value: detail[key]!, at, detail };
}

function singleValue(lines: string[], pattern: RegExp, map: (v: string) => string): { value: string; at: number } | null {
  const at = lines.findIndex((l) => l.trim() !== '');
  const m = at < 0 ? null : pattern.exec(lines[at]!.trim());
  return m ? { value: map(m[1]!), at } : null;
}

const DUMP_HEADER = /^==> (.{1,1000}) <==$/;
/** Lines kept per cgroup file: the largest (memory.events) has eight. */
const MAX_CGROUP_LINES = 64;
/**
 * An input whose first chunk is smaller than this is a document (command output, a config or cgroup
 * file, a paste): every line of it is read with every rule. Larger inputs are logs, read through the
 * scanner's needles. Chunks of a large file are megabytes, so a small first chunk is the whole input.
 */
const DOCUMENT_MAX = 1024 * 1024;
/** Longer lines of a document state no fact (its lines are short: a longer one is not worth parsing). */
const MAX_DOCUMENT_LINE = 64 * 1024;
/** The rules whose facts another rule follows up (the `commit:` line of `runc --version`). */
const FOLLOWED = new Set(RULES.flatMap((r) => (r.follows ? [r.follows.rule] : [])));

/** Every literal a document's line is tried on before it is parsed. */
const DOCUMENT_LITERALS = [...new Set([...RULES.map((r) => r.literal), ...FINGERPRINT_LITERALS])];

/**
 * Reads the facts of one input. A log (large) is read line by line, only the lines holding one of
 * FACT_NEEDLES; a document (small: command output, config and cgroup files) chunk by chunk, every line.
 * On top of the per-line rules it keeps what the rules say is carried from line to line (facts.json
 * `states`, `follows`: the `df` header, the `commit:` line after `runc --version`), the cgroup file a
 * dump is in, and the runc fingerprints already stated (once per file).
 */
export class FactReader {
  private readonly facts: NodeFact[] = [];
  private readonly fingerprints = new Set<string>();
  private readonly states = initialStates();
  /** The latest fact of each rule that another rule follows up. */
  private readonly latest = new Map<string, NodeFact>();
  /** null until the first chunk tells. */
  private mode: 'log' | 'document' | null = null;
  private section: { path: string; line: number; lines: string[] } | null = null;

  constructor(private readonly file: string) {
    const base = file.replace(/^.*[/\\]/, '');
    if (CGROUP_FILES[base]) {
      this.mode = 'document';
      this.section = { path: file, line: 1, lines: [] };
    }
  }

  /** A line of a log holding one of FACT_NEEDLES (a document's lines come through `chunk`). */
  line(content: string, line: number, record: () => LogRecord): void {
    if (this.mode !== 'document') this.read(content, line, record, 'log');
  }

  private read(content: string, line: number, record: () => LogRecord, rules: 'log' | 'all'): void {
    const r = record();
    const ctx: LineContext = { time: r.time, pod: r.pod, container: r.container, node: r.node, message: r.message };
    for (const { rule, fact } of readLine(content, this.file, line, ctx, rules, this.states)) {
      if (rule.sets !== undefined) this.states[rule.sets] = fact.value;
      else if (rule.follows) {
        const target = this.latest.get(rule.follows.rule);
        if (target && line - target.line <= rule.follows.lines) target.detail = { ...target.detail, ...fact.detail };
      } else {
        this.facts.push(fact);
        if (FOLLOWED.has(rule.id)) this.latest.set(rule.id, fact);
      }
    }
    if (FINGERPRINT_LITERALS.some((l) => content.includes(l))) {
      const fp = fingerprintFact(content, this.file, line, ctx);
      const key = fp && `${fp.value}\u0000${fp.detail!.sites}`;
      if (fp && !this.fingerprints.has(key!)) {
        this.fingerprints.add(key!);
        this.facts.push(fp);
      }
    }
  }

  /**
   * Whether every line of the input must go to `chunk`: a document, or a `head`/`tail` dump of cgroup
   * files. Decided from the file name, else from the first chunk's size and start (`head` is called once).
   */
  wantsChunks(length: number, head: () => string): boolean {
    this.mode ??= length < DOCUMENT_MAX || /^==> .{1,1000} <==$/m.test(head().slice(0, 65536)) ? 'document' : 'log';
    return this.mode === 'document';
  }

  /** Consecutive text of a document, from line `firstLine` (whole lines; only when `wantsChunks`). */
  chunk(text: string, firstLine: number, decode: (s: string) => string): void {
    const lines = text.split('\n');
    if (text.endsWith('\n')) lines.pop();
    lines.forEach((raw, i) => {
      const content = decode(raw.endsWith('\r') ? raw.slice(0, -1) : raw);
      const line = firstLine + i;
      const header = DUMP_HEADER.exec(content);
      if (header) {
        this.flush();
        this.section = { path: header[1]!, line: line + 1, lines: [] };
        return;
      }
      if (this.section && this.section.lines.length < MAX_CGROUP_LINES) this.section.lines.push(content);
      if (content.length < MAX_DOCUMENT_LINE && DOCUMENT_LITERALS.some((l) => content.includes(l))) this.read(content, line, () => parseLine(content), 'all');
    });
  }

  private flush(): void {
    const s = this.section;
    this.section = null;
    const known = s && CGROUP_FILES[s.path.replace(/^.*[/\\]/, '')];
    const reading = known && known.read(s.lines);
    if (!s || !known || !reading) return;
    const owner = cgroupOwner(s.path);
    const detail = { ...reading.detail, ...owner.detail };
    this.facts.push({
      kind: known.kind,
      value: reading.value,
      file: this.file,
      line: s.line + reading.at,
      time: null,
      how: s.path.replace(/^.*[/\\]/, ''),
      ...(owner.container ? { container: owner.container } : {}),
      ...(owner.pod ? { pod: owner.pod } : {}),
      ...(Object.keys(detail).length ? { detail } : {}),
    });
  }

  /** Every fact read, once the whole input has been. */
  finish(): NodeFact[] {
    this.flush();
    return this.facts;
  }
}
