import { isNode } from './environment.js';
import { isSoftwareRenderer } from './software-gpu.js';

/** What a WebGPU adapter says it is, in Node (Dawn) and in browsers alike. */
export interface WebGpuAdapterInfo {
  readonly vendor: string;
  readonly architecture: string;
  readonly device: string;
  readonly description: string;
  /** A CPU implementation (SwiftShader, lavapipe) or a fallback adapter: correct but slow. */
  readonly software: boolean;
}

interface AdapterLike {
  info?: { vendor?: string; architecture?: string; device?: string; description?: string };
  isFallbackAdapter?: boolean;
}

/** Reads an adapter's info (its fields are prototype getters: spreading the object copies nothing). */
export function adapterInfo(adapter: AdapterLike): WebGpuAdapterInfo {
  const i = adapter.info ?? {};
  const info = {
    vendor: i.vendor ?? '',
    architecture: i.architecture ?? '',
    device: i.device ?? '',
    description: i.description ?? '',
  };
  const software =
    !!adapter.isFallbackAdapter ||
    isSoftwareRenderer(info.vendor, info.architecture, info.device, info.description);
  return { ...info, software };
}

/**
 * Makes `navigator.gpu` usable (in Node: Dawn through '@resblocks/spec/node-webgpu') and returns
 * the adapter it offers, or throws an Error saying why there is none.
 */
export async function requestWebGpuAdapter(): Promise<{ adapter: unknown; info: WebGpuAdapterInfo }> {
  if (isNode()) {
    const { ensureNodeWebGPU } = await import('./node-webgpu.js');
    await ensureNodeWebGPU();
  }
  const gpu = (globalThis as { navigator?: { gpu?: { requestAdapter(): Promise<AdapterLike | null> } } })
    .navigator?.gpu;
  if (!gpu) throw new Error('this browser has no WebGPU (navigator.gpu is undefined)');
  const adapter = await gpu.requestAdapter();
  if (!adapter) throw new Error('navigator.gpu.requestAdapter() returned no adapter');
  return { adapter, info: adapterInfo(adapter) };
}
