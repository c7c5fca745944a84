// Rewrites the tables of CLI commands and options in the docs from the commands' option tables,
// between their BEGIN/END markers. Usage: npm run docs:cli --workspace resblocks (it builds the CLI first).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dist = join(root, 'packages', 'cli', 'dist');
const { COMMANDS } = await import(join(dist, 'main.js'));
const { cliDocBlocks, replaceBlocks } = await import(join(dist, 'options-docs.js'));

let failed = false;
for (const { path, blocks } of cliDocBlocks(COMMANDS)) {
  const file = join(root, path);
  const before = readFileSync(file, 'utf8');
  const { text, missing } = replaceBlocks(before, blocks);
  for (const key of missing) {
    console.error(
      `${path}: no <!-- BEGIN ${key} --> ... <!-- END ${key} --> markers; add them where the table goes`,
    );
    failed = true;
  }
  if (text !== before) writeFileSync(file, text);
  console.log(`${path}: ${text === before ? 'up to date' : 'rewritten'}`);
}
process.exitCode = failed ? 1 : 0;
