// `npm run calibrate [-- --write] [-- --json] [FILE]`: the differential calibrated on real incidents
// (bench/calibration.ts). Prints the Markdown section that bench/results.md carries; --write also puts it
// there in place of the previous one (the rest of the file is left as the last `npm run bench` wrote it);
// --json prints the whole calibration instead. FILE defaults to bench/incidents-train.jsonl under the
// current directory (npm runs scripts from the package root).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { calibrate, loadThreads, markdown } from './calibration';

const args = process.argv.slice(2);
const root = process.cwd();
const file = args.find((a) => !a.startsWith('--')) ?? path.join(root, 'bench', 'incidents-train.jsonl');
const HEADING = '## Calibration on real incidents';

/** bench/results.md with its calibration section replaced (or added at the end). */
function withSection(text: string, section: string[]): string {
  const start = text.indexOf(`\n${HEADING}\n`);
  if (start < 0) return `${text.replace(/\n*$/, '\n\n')}${section.join('\n')}\n`;
  const next = text.indexOf('\n## ', start + HEADING.length + 1);
  return `${text.slice(0, start + 1)}${section.join('\n')}\n${next < 0 ? '' : text.slice(next)}`;
}

const started = Date.now();
const c = calibrate(loadThreads(file));
const md = markdown(c, args.includes('--write') ? 'npm run calibrate -- --write' : 'npm run calibrate');
if (args.includes('--json')) process.stdout.write(`${JSON.stringify(c, null, 2)}\n`);
else process.stdout.write(`${md.join('\n')}\n`);
if (args.includes('--write')) {
  const results = path.join(root, 'bench', 'results.md');
  fs.writeFileSync(results, withSection(fs.existsSync(results) ? fs.readFileSync(results, 'utf8') : '# Runtime Lens — benchmarks\n', md));
  process.stderr.write(`wrote the calibration section of ${results}\n`);
}
process.stderr.write(`calibrated on ${c.threads} threads in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
