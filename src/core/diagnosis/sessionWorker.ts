import { parentPort } from 'node:worker_threads';
import { GarbageWatch } from '../heap';
import { fromBundle } from '../l10n';
import { Cancelled, InputError } from '../logs/input';
import { builtInSignatures, withUserSignatures } from '../signatures/catalog';
import { Matcher } from '../signatures/matcher';
import { setsOf } from '../signatures/occurrences';
import { recogniseFile } from '../signatures/recognise';
import { atlasUnchecked } from '../trace/atlas';
import { chainFor, chainsToTrace, entryOfSets, nodeStackOfSets } from '../trace/stack';
import { findingRowsOfSets } from './findingRows';
import { panelDiagnosis } from './protocol';
import { reportMarkdown } from './report';
import { DiagnosisSession } from './session';
import { type CountResult, type FromSession, type SessionConfig, type SessionDerived, type SessionDiagnosis, type SessionFindings, type ToSession, threadMemory } from './sessionThread';

/**
 * The thread of a SessionThread (sessionThread.ts): one DiagnosisSession, its requests handled one at a
 * time in the order they came (a diagnosis asked during a reading sees the reading done), except
 * `cancel`, which stops the reading under way between its chunks.
 */

const port = parentPort!;
const builtIn = builtInSignatures();
let matcher: { key: string; matcher: Matcher } | undefined;
let session: DiagnosisSession | undefined;
let derived: { version: number; matcher: Matcher; value: SessionDerived } | undefined;
let reading: { id: number; abort: AbortController } | undefined;
/** Readings cancelled before they started (still in the queue). */
const cancelled = new Set<number>();
let queue: Promise<void> = Promise.resolve();

/** The session with these signatures and time options: the same Matcher while the signatures are the same, so unchanged files are not read again. */
function sessionFor(config: SessionConfig): DiagnosisSession {
  const key = JSON.stringify(config.signatures ?? null);
  if (!matcher || matcher.key !== key) matcher = { key, matcher: new Matcher(withUserSignatures(builtIn, config.signatures, 'setting runtimeLens.signatures').signatures) };
  if (!session) session = new DiagnosisSession({ matcher: matcher.matcher, time: config.time });
  else session.configure(matcher.matcher, config.time);
  return session;
}

function post(m: FromSession): void {
  port.postMessage(m);
}

async function handle(m: ToSession): Promise<Omit<FromSession & { type: 'reply' }, 'type' | 'id' | 'counters'>> {
  switch (m.op) {
    case 'read': {
      const s = sessionFor(m.config);
      reading = { id: m.id, abort: new AbortController() };
      if (cancelled.delete(m.id)) reading.abort.abort();
      try {
        // The reading's garbage collected as it goes (in the extension host's process: its peak is the host's).
        const garbage = new GarbageWatch(1);
        const { failed } = await s.read(m.files, {
          signal: reading.abort.signal,
          onProgress: (file: string, bytes: number) => {
            garbage.check();
            if (m.progress) post({ type: 'progress', id: m.id, file, bytes });
          },
          onRead: (r) => post({ type: 'read', id: m.id, report: { file: r.file, notes: r.notes, findings: (r.sets ?? []).reduce((n, x) => n + x.size, 0), lines: r.lines, memory: threadMemory() } }),
        });
        return { failed: failed.map((e) => ({ file: e.file, reason: e.reason })) };
      } catch (e) {
        if (e instanceof Cancelled) return { cancelled: e.file };
        throw e;
      } finally {
        reading = undefined;
      }
    }
    case 'count': {
      const s = sessionFor(m.config);
      const ranges = { all: 0, onWorkers: 0 };
      try {
        const recognition = await recogniseFile(m.file, {
          ...m.config.time,
          matcher: matcher!.matcher,
          keepFindings: false,
          parallel: {
            onRange: (r: { thread: number }) => {
              ranges.all += 1;
              if (r.thread !== 0) ranges.onWorkers += 1;
            },
          },
        });
        s.keep(m.file, m.st, recognition);
        const value: CountResult = { errors: (recognition.sets ?? []).reduce((n, x) => n + x.size, 0), notes: recognition.notes, ranges };
        return { value };
      } catch (e) {
        if (e instanceof InputError) return { failed: [{ file: e.file, reason: e.reason }] };
        throw e;
      }
    }
    case 'dropKept':
      session?.dropKept(m.files);
      return {};
    case 'setPasted':
      sessionFor(m.config).setPasted(m.texts);
      return {};
    case 'derive': {
      const s = sessionFor(m.config);
      const current = matcher!.matcher;
      if (derived && derived.version === s.version && derived.matcher === current) return { value: derived.value };
      const recognitions = s.recognitions;
      const sets = recognitions.flatMap((r) => setsOf(r));
      const atlas = atlasUnchecked();
      // Step 2 shows the path the errors take on this node (the atlas's stacks), not always dockershim's.
      const node = nodeStackOfSets(atlas, sets, recognitions.flatMap((r) => r.facts));
      // The path of these errors: the entry point of the input's main error (reader, start…) on this node's stack.
      const entry = entryOfSets(sets, (id) => current.byId(id)) ?? 'reader';
      derived = { version: s.version, matcher: current, value: { node, wanted: chainsToTrace(atlas, node), readerName: chainFor(atlas, node, entry) } };
      return { value: derived.value };
    }
    case 'diagnose': {
      const s = sessionFor(m.config);
      const r = m.request;
      const say = fromBundle(r.bundle);
      const { diagnosis: full } = s.diagnose({ saveState: r.saveState, user: r.user, setZone: r.setZone, say });
      // The report is written from the whole diagnosis; the panel gets only what it shows of it.
      const report = reportMarkdown(full, r.subject, r.chain, r.now, say);
      const { diagnosis, symptom } = panelDiagnosis(full);
      const value: SessionDiagnosis = { diagnosis, symptom, report, rows: full.clusters.length, memory: threadMemory() };
      return { value };
    }
    case 'findings': {
      const s = sessionFor(m.config);
      const { failed } = await s.read(m.files);
      const r = m.request;
      const { diagnosis: d } = s.diagnose({ saveState: r.saveState, user: r.user, setZone: r.setZone, say: fromBundle(r.bundle) });
      const value: SessionFindings = {
        rows: findingRowsOfSets(s.recognitions.flatMap((x) => setsOf(x)), d, m.max),
        summary: {
          verdict: { cause: d.verdict.cause, confidence: d.verdict.confidence },
          hypotheses: d.hypotheses,
          fleet: d.fleet,
          groups: d.groups.map((g) => ({ node: g.node, verdict: { cause: g.verdict.cause, confidence: g.verdict.confidence } })),
          causes: Object.fromEntries(Object.entries(d.causes).map(([id, c]) => [id, { title: c.title, summary: c.summary }])),
          inputs: d.inputs,
        },
        failed: failed.map((e) => ({ file: e.file, reason: e.reason })),
      };
      return { value };
    }
    case 'cancel':
      return {};
  }
}

port.on('message', (m: ToSession) => {
  if (m.op === 'cancel') {
    // `id` is the reading's to cancel.
    if (reading?.id === m.id) reading.abort.abort();
    else cancelled.add(m.id);
    return;
  }
  queue = queue.then(async () => {
    let out: Omit<FromSession & { type: 'reply' }, 'type' | 'id' | 'counters'>;
    try {
      out = await handle(m);
    } catch (e) {
      out = { error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
    }
    post({ type: 'reply', id: m.id, counters: { reads: session?.reads ?? 0, version: session?.version ?? 0 }, ...out });
  });
});
