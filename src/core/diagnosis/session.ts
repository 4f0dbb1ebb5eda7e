import * as fs from 'node:fs';
import { bundleCache, isBundlePath, unpackBundle } from '../collect/bundle';
import type { NodeFact } from '../logs/facts';
import { discoverLogs } from '../logs/discover';
import { InputError } from '../logs/input';
import type { Note } from '../logs/types';
import type { TimeOptions } from '../logs/time';
import type { Matcher } from '../signatures/matcher';
import { type Recognition, type RecogniseOptions, recogniseFile, recogniseText } from '../signatures/recognise';
import type { SaveStateFact } from '../trace/facts';
import type { Clock } from './clock';
import { type DiagnoseInput, diagnoseOnClock } from './diagnose';
import type { Diagnosis, UserFacts } from './types';
import type { Say } from '../l10n';

/**
 * The one pipeline from inputs to a diagnosis, for the CLI and the extension alike: paths become files
 * (directories searched), files become recognitions, recognitions and answers become a diagnosis.
 *
 * A session holds each file's recognition, keyed by path, size and modification time (and the matcher
 * and time options it was read with). Reading again re-reads only files that changed; `diagnose` is a
 * pure call on what is held — answering a question, settling on a cause or pasting node output never
 * reads a file again. Recognitions are OccurrenceSets (`keepFindings: false`): memory follows what the
 * findings say, not how many lines say it.
 */

/** A file to read, and whether the user named it (an unreadable named file is an error, a discovered one is skipped). */
export interface InputFile {
  path: string;
  explicit: boolean;
}

/**
 * Files of the given paths: named files as they are, directories searched for logs (what is not a log
 * is skipped with a note), a bundle (`runtime-lens collect`'s .tar.gz) read as the folder it unpacks to
 * (into `cache`, the user's bundle cache by default; `onBundle` is told where). A path that does not
 * exist, or a bundle that cannot be unpacked, throws InputError.
 */
export async function gatherInputs(
  paths: readonly string[],
  options: { cache?: string; onBundle?: (bundle: string, dir: string) => void } = {},
): Promise<{ files: InputFile[]; skipped: Note[] }> {
  const files: InputFile[] = [];
  const skipped: Note[] = [];
  for (let p of paths) {
    let st = fs.statSync(p, { throwIfNoEntry: false });
    if (!st) throw new InputError(p, 'no such file or directory');
    if (st.isFile() && isBundlePath(p)) {
      const unpacked = await unpackBundle(p, options.cache ?? bundleCache());
      options.onBundle?.(p, unpacked.dir);
      p = unpacked.dir;
      st = fs.statSync(p);
    }
    if (st.isDirectory()) {
      const d = discoverLogs(p);
      files.push(...d.files.map((f) => ({ path: f, explicit: false })));
      skipped.push(...d.skipped);
    } else files.push({ path: p, explicit: true });
  }
  return { files, skipped };
}

export interface SessionOptions {
  matcher: Matcher;
  time: TimeOptions;
  /** How a file is read (tests count the reads through it); the core's streaming reader by default. */
  readFile?: (file: string, options: RecogniseOptions) => Promise<Recognition>;
}

/** What the rest of a diagnosis weighs besides the inputs: the traced sources and the user's answers. */
export interface DiagnoseExtras {
  saveState: SaveStateFact | null;
  user: UserFacts;
  /** How this front end's user sets the zone (DiagnoseInput.setZone): `--tz` unless given. */
  setZone?: string;
  /** The diagnosis's sentences in the reader's language (DiagnoseInput.say): English unless given. */
  say?: Say;
}

interface Held {
  size: number;
  mtimeMs: number;
  matcher: Matcher;
  time: string;
  recognition: Recognition;
}

export class DiagnosisSession {
  private readonly held = new Map<string, Held>();
  /** Readings made elsewhere (`keep`), not yet among the session's files: `read` takes them instead of reading. */
  private readonly spare = new Map<string, Held>();
  private files: string[] = [];
  private pasted: Recognition[] = [];
  private options: SessionOptions;
  /** Files read from disk over the session's life (a re-read of an unchanged file would show here). */
  reads = 0;
  /**
   * Changes whenever the recognitions held change (another file, a file read again, a paste): what a
   * front end derives from them alone (the node's stack, the entry chain) is kept while it stays the same.
   */
  version = 0;

  constructor(options: SessionOptions) {
    this.options = options;
  }

  /** New signatures or time options: what was read with the old ones is read again on the next `read`. */
  configure(matcher: Matcher, time: TimeOptions): void {
    this.options = { ...this.options, matcher, time };
  }

  /**
   * Makes the session's files these, reading those it does not hold as they are on disk. Files that
   * cannot be read are returned (with the error) and left out; `signal` cancels between chunks
   * (`Cancelled` is thrown and nothing half-read is kept).
   */
  async read(
    files: readonly string[],
    hooks: { onProgress?: (file: string, bytesRead: number) => void; signal?: AbortSignal; onRead?: (r: Recognition) => void } = {},
  ): Promise<{ failed: InputError[] }> {
    const failed: InputError[] = [];
    const kept: string[] = [];
    let changed = false;
    const { matcher, time } = this.options;
    const timeKey = JSON.stringify(time);
    for (const file of files) {
      const st = fs.statSync(file, { throwIfNoEntry: false });
      const spare = this.spare.get(file);
      this.spare.delete(file);
      const held = this.held.get(file) ?? spare;
      if (st && held && held.size === st.size && held.mtimeMs === st.mtimeMs && held.matcher === matcher && held.time === timeKey) {
        // A reading kept from elsewhere (`keep`) is new to the files' recognitions.
        if (this.held.get(file) !== held) changed = true;
        this.held.set(file, held);
        kept.push(file);
        continue;
      }
      this.held.delete(file);
      changed = true;
      try {
        const read = this.options.readFile ?? recogniseFile;
        this.reads += 1;
        const recognition = await read(file, {
          ...time,
          matcher,
          keepFindings: false,
          ...(hooks.onProgress ? { onProgress: (n: number) => hooks.onProgress!(file, n) } : {}),
          ...(hooks.signal ? { signal: hooks.signal } : {}),
        });
        if (st) this.held.set(file, { size: st.size, mtimeMs: st.mtimeMs, matcher, time: timeKey, recognition });
        hooks.onRead?.(recognition);
        kept.push(file);
      } catch (e) {
        if (!(e instanceof InputError)) throw e;
        failed.push(e);
      }
    }
    if (changed || kept.length !== this.files.length || kept.some((f, i) => f !== this.files[i])) this.version += 1;
    this.files = kept;
    const wanted = new Set(kept);
    for (const f of [...this.held.keys()]) if (!wanted.has(f)) this.held.delete(f);
    return { failed };
  }

  /**
   * Keeps a reading made elsewhere (the count of a large or compressed file, read with `keepFindings: false`
   * and the session's signatures and time options) for the next `read` of that file, while it is unchanged.
   */
  keep(file: string, st: { size: number; mtimeMs: number }, recognition: Recognition): void {
    const { matcher, time } = this.options;
    this.spare.set(file, { size: st.size, mtimeMs: st.mtimeMs, matcher, time: JSON.stringify(time), recognition });
  }

  /** Forgets the readings kept with `keep` (a cancelled read of those files). */
  dropKept(files: readonly string[]): void {
    for (const f of files) this.spare.delete(f);
  }

  /** Node output pasted by the user (never written anywhere): recognised in memory, diagnosed with the files. */
  setPasted(texts: readonly { name: string; text: string }[]): void {
    const { matcher, time } = this.options;
    this.pasted = texts.map((p) => recogniseText(p.name, p.text, { ...time, matcher, keepFindings: false }));
    this.version += 1;
  }

  /** The recognitions held: the files in order, then the pasted texts. */
  get recognitions(): Recognition[] {
    const out: Recognition[] = [];
    for (const f of this.files) {
      const h = this.held.get(f);
      if (h) out.push(h.recognition);
    }
    return [...out, ...this.pasted];
  }

  /** The diagnosis's input from what is held: no file is read. */
  input(extras: DiagnoseExtras): DiagnoseInput {
    const recognitions = this.recognitions;
    const { matcher, time } = this.options;
    const facts: NodeFact[] = recognitions.flatMap((r) => r.facts);
    return {
      recognitions,
      facts,
      saveState: extras.saveState,
      user: extras.user,
      ...(time.zone ? { zone: time.zone } : {}),
      ...(extras.setZone ? { setZone: extras.setZone } : {}),
      ...(extras.say ? { say: extras.say } : {}),
      ...(time.year !== undefined ? { year: time.year } : {}),
      titles: Object.fromEntries(matcher.signatures.map((s) => [s.def.id, s.def.title])),
    };
  }

  /** The diagnosis of what is held, with the user's answers: a pure call, no file is read. */
  diagnose(extras: DiagnoseExtras): { diagnosis: Diagnosis; clock: Clock } {
    return diagnoseOnClock(this.input(extras));
  }
}
