// Puts libjpeg-turbo's WebAssembly next to the built modules, where browsers and bundlers find it.
import { copyFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const from = createRequire(import.meta.url).resolve('@cwasm/jpeg-turbo/jpeg-turbo.wasm');
copyFileSync(from, new URL('../dist/jpeg-turbo.wasm', import.meta.url));
