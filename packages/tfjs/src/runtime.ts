/** Where we are running: tfjs picks different loaders (wasm files, WebGPU) in Node and browsers. */
export const IN_NODE =
  typeof process !== 'undefined' &&
  typeof (process as { versions?: { node?: string } }).versions?.node === 'string' &&
  typeof (globalThis as { window?: unknown }).window === 'undefined';

export function describeError(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
