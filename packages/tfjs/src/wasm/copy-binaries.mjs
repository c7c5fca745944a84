// Build step: copies tfjs-backend-wasm's three binaries (and their Apache-2.0 notice) into dist/wasm/, where
// dist/wasm-files.js references them with `new URL(..., import.meta.url)` so bundlers emit them.
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', '..', 'dist', 'wasm');
const from = join(
  dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json')),
  'dist',
);
mkdirSync(out, { recursive: true });
for (const f of [
  'tfjs-backend-wasm.wasm',
  'tfjs-backend-wasm-simd.wasm',
  'tfjs-backend-wasm-threaded-simd.wasm',
]) {
  copyFileSync(join(from, f), join(out, f));
}
copyFileSync(join(here, 'LICENSE'), join(out, 'LICENSE'));
