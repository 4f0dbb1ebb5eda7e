import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { Cancelled, InputError } from '../logs/input';
import type { TimeOptions } from '../logs/time';
import type { Note } from '../logs/types';
import type { SaveStateFact } from '../trace/facts';
import type { NodeStack } from '../trace/stack';
import type { PanelState, SymptomTotals } from './protocol';
import type { Row } from './findingRows';
import type { Diagnosis, UserFacts } from './types';

/**
 * A DiagnosisSession (session.ts) in a thread of its own, for a front end that shares its process — the
 * VS Code extension host, shared with every other extension. The session's reading and its diagnoses
 * allocate hundreds of MB that live a moment (a 100 MB event list: ~670 MB read, ~275 MB per diagnosis
 * of its 110,000 clusters); in the extension host's isolate (a young generation of up to 134 MB and an
 * old generation that grows to 4× what is live before a full GC, for a 4.5 GB heap limit) that garbage
 * stayed resident: 150 MB before the diagnosis, ~570 MB after one reading and three diagnoses. Here the
 * thread's heap is sized for the work (LIMITS): what a diagnosis leaves is collected within it, the
 * recognitions are held once, in the thread, and only what the panel shows (its bounded PanelState)
 * crosses to the extension host. A reading that needs more than the thread may hold ends the thread,
 * not the extension host: its files are reported as failed and the next request starts a new thread.
 */

/** Where the thread's script is: beside this module, bundled (dist/sessionWorker.js) or compiled (out/…). */
const WORKER_SCRIPT = path.join(__dirname, 'sessionWorker.js');

/**
 * The thread's heap. A young generation of 24 MB (semi-spaces of 8 MB): the reading's and the
 * diagnosis's short-lived objects die there instead of growing it to 134 MB. An old generation of
 * 1 GB: V8 grows the old generation by a factor that rises with the limit (up to 4× what is live for
 * limits of 2 GB and more, ~1.6× at 1 GB), so this limit is what keeps a diagnosis's garbage small; a
 * 100 MB list holds ~60 MB live, and an input needing more than 1 GB ends the thread, not the host.
 * Measured on the 100 MB list (node 24, one reading and three diagnoses): +376 MB peak with the
 * defaults, +289 MB with 8 MB semi-spaces alone, +189 MB with both.
 */
export const SESSION_THREAD_LIMITS = { maxYoungGenerationSizeMb: 24, maxOldGenerationSizeMb: 1024 };

/** What the session is read and diagnosed with: the user's signatures (the setting's raw value, compiled in the thread) and the time options. */
export interface SessionConfig {
  /** The `runtimeLens.signatures` setting as given (undefined: the built-in catalog only). */
  signatures: unknown;
  time: TimeOptions;
}

/** The thread's own memory (its isolate's heap and array buffers; RSS is the process's), in MB. */
export interface ThreadMemory {
  heapUsedMb: number;
  heapTotalMb: number;
  arrayBuffersMb: number;
}

export function threadMemory(): ThreadMemory {
  const m = process.memoryUsage();
  return { heapUsedMb: Math.round(m.heapUsed / 1e6), heapTotalMb: Math.round(m.heapTotal / 1e6), arrayBuffersMb: Math.round(m.arrayBuffers / 1e6) };
}

/** One file read: what the front end logs. */
export interface ReadReport {
  file: string;
  notes: Note[];
  findings: number;
  lines: number;
  memory: ThreadMemory;
}

/** What the panel derives from the recognitions alone (DiagnosisPanel): the node's stack, the chains to trace, the reader chain's name. */
export interface SessionDerived {
  node: NodeStack | null;
  wanted: string[];
  readerName: string | null;
}

/** A diagnosis of what the session holds, as the panel keeps and shows it: bounded (panelDiagnosis), with the report of the whole. */
export interface SessionDiagnosis {
  diagnosis: Diagnosis;
  symptom: SymptomTotals;
  report: string;
  /** Rows (clusters) of the whole diagnosis, of which `diagnosis.clusters` lists the largest. */
  rows: number;
  /** The thread's memory after it. */
  memory: ThreadMemory;
}

export interface DiagnoseRequest {
  saveState: SaveStateFact | null;
  user: UserFacts;
  setZone: string;
  /** The display language's words (VS Code's l10n bundle; empty in English). */
  bundle: Record<string, string>;
  subject: string;
  chain: PanelState['chain'];
  /** When the report says it was made (ISO). */
  now: string;
}

/** What the Findings view reads of a diagnosis (findingsView.ts): the causes' words, the verdict and each node's and group's leading cause. */
export interface FindingsSummary {
  verdict: { cause: string; confidence: number };
  hypotheses: Diagnosis['hypotheses'];
  fleet: Diagnosis['fleet'];
  groups: { node: string | null; verdict: { cause: string; confidence: number } }[];
  causes: Record<string, { title: string; summary: string }>;
  inputs: Diagnosis['inputs'];
}

/** The Findings view's tree of what the session read, bounded: each row's count and its first findings (findingRowsOfSets). */
export interface SessionFindings {
  rows: Row[];
  summary: FindingsSummary;
  failed: { file: string; reason: string }[];
}

export type ToSession =
  | { id: number; op: 'read'; config: SessionConfig; files: string[]; progress: boolean }
  | { id: number; op: 'count'; config: SessionConfig; file: string; st: { size: number; mtimeMs: number } }
  | { id: number; op: 'dropKept'; files: string[] }
  | { id: number; op: 'setPasted'; config: SessionConfig; texts: { name: string; text: string }[] }
  | { id: number; op: 'derive'; config: SessionConfig }
  | { id: number; op: 'diagnose'; config: SessionConfig; request: DiagnoseRequest }
  | { id: number; op: 'findings'; config: SessionConfig; files: string[]; request: Omit<DiagnoseRequest, 'subject' | 'chain' | 'now'>; max: number }
  /** Cancels the reading of request `id` (between chunks, or before it starts): it ends with `cancelled`. */
  | { id: number; op: 'cancel' };

/** Every reply carries the session's counters: files read from disk over its life, and the version of what it holds. */
export interface Counters {
  reads: number;
  version: number;
}

export type FromSession =
  | { type: 'progress'; id: number; file: string; bytes: number }
  | { type: 'read'; id: number; report: ReadReport }
  | { type: 'reply'; id: number; counters: Counters; value?: unknown; failed?: { file: string; reason: string }[]; cancelled?: string; error?: string };

export interface CountResult {
  errors: number;
  notes: Note[];
  ranges: { all: number; onWorkers: number };
}

interface Pending {
  resolve: (v: FromSession & { type: 'reply' }) => void;
  reject: (e: Error) => void;
  onProgress?: (file: string, bytes: number) => void;
  onRead?: (r: ReadReport) => void;
}

/** The thread ended before it answered (out of memory, or a crash): what was held is gone. */
export class SessionThreadEnded extends Error {}

export class SessionThread {
  private worker: Worker | undefined;
  private next = 1;
  private readonly pending = new Map<number, Pending>();
  /** Counters of threads that ended: a new thread starts from them, so `reads` and `version` only grow. */
  private base: Counters = { reads: 0, version: 0 };
  private last: Counters = { reads: 0, version: 0 };

  constructor(
    private readonly script = WORKER_SCRIPT,
    private readonly limits = SESSION_THREAD_LIMITS,
  ) {}

  /** Files read from disk over the session's life (a re-read of an unchanged file would show here). */
  get reads(): number {
    return this.base.reads + this.last.reads;
  }

  /** Changes whenever the recognitions held change (DiagnosisSession.version); also when a thread ended. */
  get version(): number {
    return this.base.version + this.last.version;
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.script, { resourceLimits: this.limits });
    // The extension host may end while the thread is idle: it does not keep the process alive.
    worker.unref();
    worker.on('message', (m: FromSession) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      if (m.type === 'progress') p.onProgress?.(m.file, m.bytes);
      else if (m.type === 'read') p.onRead?.(m.report);
      else {
        this.pending.delete(m.id);
        this.last = m.counters;
        p.resolve(m);
      }
    });
    const ended = (why: string) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.base = { reads: this.reads, version: this.version + 1 };
      this.last = { reads: 0, version: 0 };
      const error = new SessionThreadEnded(why);
      for (const p of this.pending.values()) p.reject(error);
      this.pending.clear();
    };
    worker.on('error', (e: Error & { code?: string }) =>
      ended(e.code === 'ERR_WORKER_OUT_OF_MEMORY' ? `the diagnosis needed more than the ${this.limits.maxOldGenerationSizeMb} MB its thread may hold` : `the diagnosis thread failed: ${e.message}`),
    );
    worker.on('exit', (code) => ended(`the diagnosis thread ended (exit code ${code})`));
    this.worker = worker;
    return worker;
  }

  private ask(m: DistributiveOmit<ToSession, 'id'>, hooks: Omit<Pending, 'resolve' | 'reject'> = {}): { id: number; reply: Promise<FromSession & { type: 'reply' }> } {
    const worker = this.start();
    const id = this.next++;
    const reply = new Promise<FromSession & { type: 'reply' }>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, ...hooks });
      worker.ref();
    }).finally(() => {
      if (this.pending.size === 0) this.worker?.unref();
    });
    worker.postMessage({ ...m, id });
    return { id, reply };
  }

  private async value<T>(m: DistributiveOmit<ToSession, 'id'>): Promise<T> {
    const r = await this.ask(m).reply;
    if (r.error) throw new Error(r.error);
    return r.value as T;
  }

  /**
   * DiagnosisSession.read in the thread: the files it does not hold are read as they are on disk. Files
   * that cannot be read come back as InputErrors; `signal` cancels between chunks (Cancelled is thrown).
   * If the thread ends (a reading beyond its memory), every file is failed with the reason.
   */
  async read(
    config: SessionConfig,
    files: readonly string[],
    hooks: { onProgress?: (file: string, bytesRead: number) => void; signal?: AbortSignal; onRead?: (r: ReadReport) => void } = {},
  ): Promise<{ failed: InputError[] }> {
    const { onProgress, onRead } = hooks;
    const { id, reply } = this.ask({ op: 'read', config, files: [...files], progress: !!onProgress }, { ...(onProgress ? { onProgress } : {}), ...(onRead ? { onRead } : {}) });
    const cancel = () => this.worker?.postMessage({ op: 'cancel', id } satisfies ToSession);
    hooks.signal?.addEventListener('abort', cancel);
    if (hooks.signal?.aborted) cancel();
    try {
      const r = await reply;
      if (r.error) throw new Error(r.error);
      if (r.cancelled !== undefined) throw new Cancelled(r.cancelled);
      return { failed: (r.failed ?? []).map((f) => new InputError(f.file, f.reason)) };
    } catch (e) {
      if (!(e instanceof SessionThreadEnded)) throw e;
      return { failed: files.map((f) => new InputError(f, e.message)) };
    } finally {
      hooks.signal?.removeEventListener('abort', cancel);
    }
  }

  /**
   * Counts the runtime errors of one large or compressed file (scanned on worker threads of its own when
   * the machine has idle cores) and keeps the reading for the next `read` of that file while it is
   * unchanged (DiagnosisSession.keep). An unreadable file throws its InputError.
   */
  async count(config: SessionConfig, file: string, st: { size: number; mtimeMs: number }): Promise<CountResult> {
    let r: FromSession & { type: 'reply' };
    try {
      r = await this.ask({ op: 'count', config, file, st }).reply;
    } catch (e) {
      if (e instanceof SessionThreadEnded) throw new InputError(file, e.message);
      throw e;
    }
    if (r.error) throw new Error(r.error);
    if (r.failed?.length) throw new InputError(r.failed[0]!.file, r.failed[0]!.reason);
    return r.value as CountResult;
  }

  /** Forgets the readings kept by `count` (a cancelled read of those files). */
  async dropKept(files: readonly string[]): Promise<void> {
    await this.value({ op: 'dropKept', files: [...files] });
  }

  /** Node output pasted by the user: recognised in memory in the thread, diagnosed with the files. */
  async setPasted(config: SessionConfig, texts: readonly { name: string; text: string }[]): Promise<void> {
    await this.value({ op: 'setPasted', config, texts: texts.map((t) => ({ ...t })) });
  }

  /** The node's stack and the chains of what is held, worked out once per `version`. */
  derive(config: SessionConfig): Promise<SessionDerived> {
    return this.value({ op: 'derive', config });
  }

  /** The diagnosis of what is held, with the answers and the traced sources: no file is read. */
  diagnose(config: SessionConfig, request: DiagnoseRequest): Promise<SessionDiagnosis> {
    return this.value({ op: 'diagnose', config, request });
  }

  /**
   * Reads the files (those it does not hold) and diagnoses them, for the Findings view: its rows, each
   * with its count and its first `max` findings, and what the view reads of the diagnosis. If the thread
   * ends (a reading beyond its memory), every file is failed and there are no rows.
   */
  async findings(config: SessionConfig, files: readonly string[], request: Omit<DiagnoseRequest, 'subject' | 'chain' | 'now'>, max: number): Promise<SessionFindings> {
    try {
      return await this.value<SessionFindings>({ op: 'findings', config, files: [...files], request, max });
    } catch (e) {
      if (!(e instanceof SessionThreadEnded)) throw e;
      return { rows: [], summary: { verdict: { cause: 'none', confidence: 1 }, hypotheses: [], fleet: [], groups: [], causes: {}, inputs: { files: 0, lines: 0, events: 0 } }, failed: files.map((file) => ({ file, reason: e.message })) };
    }
  }

  /** Ends the thread; what it held is gone (a later request starts a new one). */
  async dispose(): Promise<void> {
    const w = this.worker;
    if (w) await w.terminate();
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
