// `npm run calibrate`: the differential calibrated on real incidents (bench/calibration.ts). Prints the
// Markdown section that `npm run bench` puts into bench/results.md; with --json, the whole calibration.
import * as path from 'node:path';
import { calibrate, loadThreads, markdown } from './calibration';

const root = path.resolve(__dirname, '..', '..');
const file = path.join(root, 'bench', 'incidents-train.jsonl');
const started = Date.now();
const c = calibrate(loadThreads(file));
if (process.argv.includes('--json')) process.stdout.write(`${JSON.stringify(c, null, 2)}\n`);
else process.stdout.write(`${markdown(c, 'npm run calibrate').join('\n')}\n`);
process.stderr.write(`calibrated on ${c.threads} threads in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
