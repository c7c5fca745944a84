import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tfjsAdapter } from '../src/index.js';
import { WASM_FILES } from '../src/wasm-files.js';

const here = dirname(fileURLToPath(import.meta.url));
const upstream = join(
  dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json')),
  'dist',
);

describe('the tfjs-backend-wasm binaries', () => {
  it('dist/wasm/ holds the three, byte for byte those of the installed tfjs-backend-wasm, with the notice', () => {
    // The built files, where dist/wasm-files.js points bundlers (src/wasm/copy-binaries.mjs copies them).
    const shipped = join(here, '..', 'dist', 'wasm');
    for (const name of Object.keys(WASM_FILES)) {
      expect(WASM_FILES[name as keyof typeof WASM_FILES]).toMatch(new RegExp(`/wasm/${name}$`));
      expect(readFileSync(join(shipped, name)).equals(readFileSync(join(upstream, name))), name).toBe(true);
    }
    const notice = readFileSync(join(shipped, 'LICENSE'), 'utf8');
    expect(notice).toContain('@tensorflow/tfjs-backend-wasm');
    expect(notice).toContain('Apache License');
    expect(notice).toContain('Version 2.0');
  });

  it('in Node tfjs:wasm reads them from the installed package', async () => {
    const probe = await tfjsAdapter.probe('wasm');
    expect(probe.available, probe.available ? '' : probe.reason).toBe(true);
    expect((probe.info?.wasm as { paths?: string } | undefined)?.paths).toBe('disk');
  });
});
