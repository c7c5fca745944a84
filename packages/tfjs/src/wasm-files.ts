/**
 * The tfjs-backend-wasm binaries shipped in dist/wasm/ (copied at build time, Apache-2.0 notice beside them).
 * Written as `new URL('./…', import.meta.url)` so Vite, webpack and other bundlers emit each file and put its
 * final URL here; unbundled ESM in a browser resolves them next to this module.
 */
export const WASM_FILES = {
  'tfjs-backend-wasm.wasm': new URL('./wasm/tfjs-backend-wasm.wasm', import.meta.url).href,
  'tfjs-backend-wasm-simd.wasm': new URL('./wasm/tfjs-backend-wasm-simd.wasm', import.meta.url).href,
  'tfjs-backend-wasm-threaded-simd.wasm': new URL(
    './wasm/tfjs-backend-wasm-threaded-simd.wasm',
    import.meta.url,
  ).href,
};
