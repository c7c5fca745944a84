import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../src/main.js';
import { cliDocBlocks, replaceBlocks } from '../src/options-docs.js';
import { REPO } from './docs-commands.js';

describe('the CLI tables in the docs come from the option tables', () => {
  it.each(cliDocBlocks(COMMANDS).map((d) => [d.path, d] as const))('%s', (path, { blocks }) => {
    const committed = readFileSync(join(REPO, path), 'utf8');
    const { text, missing } = replaceBlocks(committed, blocks);
    expect(missing, `${path} lacks the markers of these tables`).toEqual([]);
    // On a difference: npm run docs:cli --workspace resblocks, and commit the result.
    expect(committed, `${path} differs from the option tables`).toBe(text);
  });
});
