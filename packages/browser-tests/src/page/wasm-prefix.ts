/** Where the server mounts the engines' WebAssembly files (shared by the page and the Node side). */
export const WASM_PREFIX = { tfjs: '/wasm/tfjs/', ort: '/wasm/ort/' } as const;
