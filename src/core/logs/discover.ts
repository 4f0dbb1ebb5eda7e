import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Note } from './types';

/** Extensions that are never logs; skipping them saves reading a workspace's images and sources. */
const NOT_LOGS = /\.(png|jpe?g|gif|svg|ico|pdf|zip|tar|tgz|xz|bz2|zst|7z|so|a|o|bin|exe|dll|wasm|class|jar|go|ts|js|mjs|map|py|rs|c|h|cc|vsix|lock)$/i;
const ARCHIVE = /\.(tar\.gz|tgz)$/i;
const SKIP_DIRS = new Set(['node_modules', '.git', 'vendor', '.cache', 'dist', 'out']);
const MAX_FILES = 10_000;
const MAX_DEPTH = 12;

export interface Discovery {
  files: string[];
  /** Paths left out and why (limits), for the user to see. */
  skipped: Note[];
}

/** Files to examine under a directory: candidate logs, config files and event dumps, sorted. */
export function discoverLogs(dir: string): Discovery {
  const files: string[] = [];
  const skipped: Note[] = [];
  const walk = (d: string, depth: number) => {
    if (depth > MAX_DEPTH) {
      skipped.push({ file: d, line: null, note: `skipped: deeper than ${MAX_DEPTH} levels` });
      return;
    }
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch (e) {
      skipped.push({ file: d, line: null, note: `skipped: ${(e as Error).message}` });
      return;
    }
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name) && !e.name.startsWith('.')) walk(p, depth + 1);
      } else if (e.isFile() && ARCHIVE.test(e.name)) {
        // An archive is no log; a collect bundle is read when given as a PATH of its own.
        skipped.push({ file: p, line: null, note: 'skipped: a .tar.gz archive; give a bundle of runtime-lens collect as a PATH of its own, or unpack it here' });
      } else if (e.isFile() && !NOT_LOGS.test(e.name)) {
        if (files.length >= MAX_FILES) {
          skipped.push({ file: p, line: null, note: `skipped: more than ${MAX_FILES} files` });
          return;
        }
        files.push(p);
      }
    }
  };
  walk(dir, 0);
  return { files, skipped };
}
