import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after } from 'node:test';

/**
 * A temporary folder for one test file, removed when its tests end (passed or failed), and `write`, which
 * puts a file in it under a name of its own (a counter in front: two tests' "a.log" never collide).
 */
export function tempFiles(prefix: string): { dir: string; write: (name: string, content: string | Buffer) => string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  return {
    dir,
    write: (name, content) => {
      const file = path.join(dir, `${++n}-${name}`);
      fs.writeFileSync(file, content);
      return file;
    },
  };
}
