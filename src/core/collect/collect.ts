import * as fs from 'node:fs';
import * as os from 'node:os';
import { childProcess, zlib } from '../lazy';
import { product } from '../product';
import { COLLECT_PLAN, type CollectEntry, type CollectPlan, bundleName } from './plan';
import { redactor } from './redact';
import { type TarFile, tarArchive } from './tar';

/** One line of the manifest (contract: `runtime-lens collect`). */
export interface ManifestEntry {
  what: string;
  command: string;
  file: string;
  exit: number | null;
  bytes: number;
  note: string | null;
}

export interface Manifest {
  collectedAt: string;
  host: string;
  since: string;
  /** Which collector wrote it: the CLI or the printed script. */
  by: string;
  entries: ManifestEntry[];
  redactions: number;
}

export interface CollectOptions {
  since?: string;
  /** Environment of the snippets (tests take tools off PATH); default: this process's. */
  env?: NodeJS.ProcessEnv;
  /** Told each entry as it is done, for progress. */
  onEntry?: (e: ManifestEntry) => void;
  plan?: CollectPlan;
  now?: Date;
}

export interface Bundle {
  /** The top folder's name, also the default file name without `.tar.gz`. */
  name: string;
  manifest: Manifest;
  /** The gzip-compressed tar. */
  data: Buffer;
}

interface Ran {
  out: Buffer;
  err: Buffer;
  exit: number | null;
  cut: boolean;
  timedOut: boolean;
}

const NOTE_BYTES = 300;
const ERR_BYTES = 64 * 1024;

/** Keeps the first or the last `max` bytes of a stream without holding more than about twice that. */
class Bounded {
  private parts: Buffer[] = [];
  private size = 0;
  seen = 0;
  constructor(
    private readonly max: number,
    private readonly keep: 'head' | 'tail',
  ) {}
  /** False once a head is full: reading on is pointless. */
  add(b: Buffer): boolean {
    this.seen += b.length;
    if (this.keep === 'head') {
      const room = this.max - this.size;
      if (room > 0) this.push(b.subarray(0, room));
      return this.size < this.max;
    }
    this.push(b);
    if (this.size > 2 * this.max) this.parts = [this.result()];
    return true;
  }
  private push(b: Buffer) {
    this.parts.push(b);
    this.size += b.length;
  }
  result(): Buffer {
    const all = Buffer.concat(this.parts);
    this.size = Math.min(all.length, this.max);
    return this.keep === 'head' ? all.subarray(0, this.max) : all.subarray(Math.max(0, all.length - this.max));
  }
}

/** Runs one snippet as the script does: `sh -c "$prelude\n$snippet"`, bounded in bytes and time. */
function run(plan: CollectPlan, entry: CollectEntry, max: number, env: NodeJS.ProcessEnv): Promise<Ran> {
  return new Promise((resolve) => {
    const out = new Bounded(max, entry.keep);
    const err = new Bounded(ERR_BYTES, 'head');
    let cut = false;
    let timedOut = false;
    // Its own process group, so that a timeout ends the snippet's children too (as `timeout` does).
    const child = childProcess().spawn('/bin/sh', ['-c', `${plan.prelude}\n${entry.sh}`], {
      env: { ...env, LC_ALL: 'C', RL_MAX: String(max) },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const kill = (signal: NodeJS.Signals) => {
      try {
        if (child.pid) process.kill(-child.pid, signal);
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill('SIGTERM');
      setTimeout(() => kill('SIGKILL'), 2000).unref();
    }, entry.timeoutSeconds * 1000);
    child.stdout.on('data', (b: Buffer) => {
      if (!out.add(b)) {
        // As `head -c` does: stop reading, and the writer gets SIGPIPE.
        cut = true;
        child.stdout.destroy();
      }
    });
    child.stderr.on('data', (b: Buffer) => err.add(b));
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ out: Buffer.alloc(0), err: Buffer.from(e.message), exit: 127, cut: false, timedOut: false });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const o = out.result();
      cut ||= out.seen > max || o.length >= max;
      const exit = timedOut ? 124 : code ?? (signal ? 128 + (os.constants.signals[signal] ?? 0) : null);
      resolve({ out: o, err: err.result(), exit, cut, timedOut });
    });
  });
}

/** The entry's note as the script writes it: stderr on one line, the timeout, the cut; 300 bytes. */
export function noteOf(ran: { err: string; exit: number | null; cut: boolean }, entry: Pick<CollectEntry, 'timeoutSeconds' | 'keep'>, max: number): string | null {
  let note = ran.err.replace(/\n+$/, '');
  if (ran.exit === 124) note = `timed out after ${entry.timeoutSeconds} s${note ? `; ${note}` : ''}`;
  else if (ran.exit === 127 && !note) note = 'command not found';
  if (ran.cut) note = `${note ? `${note}; ` : ''}cut at ${max} bytes (the ${entry.keep} kept)`;
  if (!note) return null;
  const oneLine = Buffer.from(note, 'utf8').subarray(0, NOTE_BYTES).toString('latin1').replace(/[\n\r\t]/g, ' ').replace(/[\x00-\x1f]/g, '');
  return Buffer.from(oneLine, 'latin1').toString('utf8');
}

/** The entry's command as run: with the journals' window in place of $SINCE. */
function commandOf(entry: CollectEntry, since: string): string {
  return entry.command.replace(/\$SINCE/g, since);
}

/**
 * Collects this machine's evidence into a bundle (contract: `runtime-lens collect`). Never throws for
 * what the node lacks: each missing or failing command is an entry with its exit and note.
 */
export async function collect(options: CollectOptions = {}): Promise<Bundle> {
  const plan = options.plan ?? COLLECT_PLAN;
  const since = options.since ?? plan.since;
  const at = options.now ?? new Date();
  const host = fs.existsSync('/proc/sys/kernel/hostname') ? fs.readFileSync('/proc/sys/kernel/hostname', 'utf8').trim() : os.hostname();
  const name = bundleName(host, at);
  const env = { ...(options.env ?? process.env), RL_SINCE: since, RL_FILES: String(plan.cgroupFiles) };
  const redact = redactor(plan);
  const files: TarFile[] = [];
  const entries: ManifestEntry[] = [];
  let written = 0;
  let redactions = 0;
  for (const entry of plan.entries) {
    const left = plan.totalBytes - written;
    let e: ManifestEntry;
    if (left <= 0) {
      e = { what: entry.what, command: commandOf(entry, since), file: entry.file, exit: null, bytes: 0, note: `skipped: the bundle reached its limit of ${plan.totalBytes} bytes` };
    } else {
      const max = Math.min(entry.maxBytes, left);
      const ran = await run(plan, entry, max, env);
      const { text, count } = redact.redact(ran.out);
      redactions += count;
      written += text.length;
      files.push({ path: `${name}/${entry.file}`, data: text });
      // stderr can quote a secret (a flag in an error message): redacted like the output, not counted.
      const err = redact.redact(ran.err).text.toString('utf8');
      e = { what: entry.what, command: commandOf(entry, since), file: entry.file, exit: ran.exit, bytes: text.length, note: noteOf({ ...ran, err }, entry, max) };
    }
    entries.push(e);
    options.onEntry?.(e);
  }
  const manifest: Manifest = { collectedAt: at.toISOString(), host, since, by: `${product.name} ${product.version}`, entries, redactions };
  files.unshift({ path: `${name}/manifest.json`, data: Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`) });
  const data = zlib().gzipSync(tarArchive(files, at));
  return { name, manifest, data };
}
