import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

import { WASM_PREFIX } from './wasm-prefix.js';

/**
 * Points the engines at the served WebAssembly files. The bundle has one copy of each engine,
 * shared with the adapters, so configuring it here configures theirs.
 */
export async function configureWasmPaths(origin: string): Promise<void> {
  setWasmPaths(`${origin}${WASM_PREFIX.tfjs}`);
  // onnxruntime-web's wasm and webgpu entries are separate bundles, each with its own env.
  type Ort = { env: { wasm: { wasmPaths?: unknown } } };
  for (const ort of [
    (await import('onnxruntime-web')) as unknown as Ort,
    (await import('onnxruntime-web/webgpu')) as unknown as Ort,
  ]) {
    ort.env.wasm.wasmPaths = `${origin}${WASM_PREFIX.ort}`;
  }
}
