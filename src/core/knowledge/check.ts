/**
 * `npm run knowledge:check`: every file of src/core/knowledge against its schema and every cross-reference
 * between them, read from the folder (so a file another change adds is checked as soon as it is there).
 * Exit 1 with each problem on stderr.
 */
import * as path from 'node:path';
import { knowledgeFromDir, knowledgeProblems } from './index';

const dir = process.argv[2] ?? path.join(__dirname, '..', 'src', 'core', 'knowledge');
const base = knowledgeFromDir(dir);
const problems = knowledgeProblems(base.docs, base.schemas);
if (problems.length) {
  process.stderr.write(`${dir}: ${problems.length} problem(s)\n  ${problems.join('\n  ')}\n`);
  process.exit(1);
}
process.stdout.write(`${dir}: ${Object.keys(base.docs).sort().join(', ')} — schemas and cross-references hold\n`);
