import * as fs from 'node:fs';
import * as path from 'node:path';
import { serialiseWordTable, wordTable } from '../core/messages/anatomy';
import type { MessageIndex } from '../core/messages/types';

// Writes src/core/knowledge/messages-words.json, the message index as the layer splitter looks it up
// (wordTable: one row per program and format, filed under its rarest word), from messages.json. Run by
// `npm run knowledge` after the index is written; test/unit/anatomy.test.ts checks the two agree.

const dir = path.join('src', 'core', 'knowledge');
const index = JSON.parse(fs.readFileSync(path.join(dir, 'messages.json'), 'utf8')) as MessageIndex;
const table = wordTable(index);
const words = Object.keys(table.words);
// One word per line: the reader parses a word's line when a message has it, and a regenerated table
// differs from the committed one where the index did.
fs.writeFileSync(path.join(dir, 'messages-words.json'), serialiseWordTable(table));
process.stderr.write(`messages-words.json: ${words.length} words over ${Object.values(table.words).reduce((n, r) => n + (JSON.parse(r) as unknown[]).length, 0)} formats\n`);
