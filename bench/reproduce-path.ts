// The reproduce lab's measurements for `npm run bench` (bundled by bench/reproduce.mjs with esbuild, run
// in its own node process as root): the core's runLab, as the CLI runs it, on a real runc.
//
//   node reproduce-path.cjs rate  RUNC ATTEMPTS   →  { attempts, failures, elapsedMs, perSecond, version }
//   node reproduce-path.cjs first RUNC ATTEMPTS   →  { seconds: s | null, attempts, text }  (the first EOF, then stop)
//
// "first" times from the call to runLab (runc --version and the container start included, as a user
// waits for them) to the end of the first exec that failed with "exec failed: (unexpected) EOF", then
// aborts the run, which removes everything; leftovers are checked either way.
import { randomBytes } from 'node:crypto';
import * as os from 'node:os';
import { chooseRootfs, cpuCount, describeLeftovers, isClean, leftovers } from '../src/core/reproduce/host';
import { LabInterrupted, runLab } from '../src/core/reproduce/lab';
import { makePlan } from '../src/core/reproduce/plan';
import { builtInSignatures } from '../src/core/signatures/catalog';
import { Matcher } from '../src/core/signatures/matcher';

const [mode, runc, attemptsArg] = process.argv.slice(2);
const attempts = Number(attemptsArg);
if ((mode !== 'rate' && mode !== 'first') || !runc || !(attempts >= 1)) {
  process.stderr.write('usage: reproduce-path.cjs rate|first RUNC ATTEMPTS\n');
  process.exit(2);
}

const EOF = /^exec failed: (?:unexpected )?EOF$/;

async function main(): Promise<object> {
  const plan = makePlan({ scenario: 'state-race', runc: runc!, attempts, timeoutSeconds: 3600, token: randomBytes(6).toString('hex'), tmpDir: os.tmpdir(), rootfs: chooseRootfs(), cpuCount: cpuCount() });
  const matcher = new Matcher(builtInSignatures());
  const controller = new AbortController();
  const started = performance.now();
  let first: { seconds: number; attempts: number; text: string } | null = null;
  try {
    const r = await runLab({
      plan,
      matcher,
      signal: controller.signal,
      onProgress: (p) => {
        if (mode === 'first' && !first && p.lastError && EOF.test(p.lastError) && p.failures > 0) {
          first = { seconds: (performance.now() - started) / 1000, attempts: p.done, text: p.lastError };
          controller.abort();
        }
      },
    });
    if (mode === 'rate') return { attempts: r.attempts, failures: r.failures, elapsedMs: r.elapsedMs, perSecond: r.attempts / (r.elapsedMs / 1000), version: r.runc.version };
    return { seconds: null, attempts: r.attempts, text: null };
  } catch (e) {
    if (!(e instanceof LabInterrupted) || !first) throw e;
    return first;
  } finally {
    const rest = leftovers(plan);
    if (!isClean(rest)) throw new Error(`left behind: ${describeLeftovers(rest)}`);
  }
}

main().then(
  (out) => process.stdout.write(`${JSON.stringify(out)}\n`),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);
