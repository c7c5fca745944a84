import type { Availability, BackendDescriptor } from '@resblocks/spec';
import { ResblocksError } from '@resblocks/spec';
import { loadGpuJs } from './gpujs-api.js';

/** gpu.js modes this adapter exposes, each named after the gpu.js mode it runs. */
export type GpujsMode = 'webgpu' | 'webgl2' | 'webasm' | 'cpu';

export const BACKENDS: readonly (BackendDescriptor & { name: GpujsMode })[] = [
  {
    name: 'webgpu',
    api: 'webgpu',
    environments: ['node', 'browser'],
    description: 'gpu.js WGSL compute kernels over f32 storage buffers (Node via Dawn, browsers natively)',
  },
  {
    name: 'webgl2',
    api: 'webgl',
    environments: ['browser'],
    description: 'gpu.js GLSL ES 3.00 fragment kernels over single-precision float textures',
  },
  {
    name: 'webasm',
    api: 'wasm',
    environments: ['node', 'browser'],
    description: 'gpu.js WebAssembly (f32x4 SIMD) kernels, single thread',
  },
  {
    name: 'cpu',
    api: 'cpu',
    environments: ['node', 'browser'],
    description: 'gpu.js kernels transpiled to plain JavaScript',
  },
];

export function isNode(): boolean {
  return typeof process !== 'undefined' && !!process.versions?.node;
}

export function descriptor(backend: string): BackendDescriptor & { name: GpujsMode } {
  const d = BACKENDS.find((b) => b.name === backend);
  if (!d) {
    throw new ResblocksError(
      'UNKNOWN_BACKEND',
      `gpujs has no backend '${backend}'; known: ${BACKENDS.map((b) => b.name).join(', ')}`,
      { backend },
    );
  }
  return d;
}

const SOFTWARE = /swiftshader|llvmpipe|lavapipe|software/i;

interface BrowserAdapter {
  info?: Record<string, string>;
  isFallbackAdapter?: boolean;
}

/** What the WebGPU adapter is; in Node this installs navigator.gpu through Dawn first. */
export async function webgpuAdapterInfo(): Promise<
  { ok: true; info: Record<string, unknown>; software: boolean } | { ok: false; reason: string }
> {
  if (isNode()) {
    const { probeNodeWebGPU } = await import('@resblocks/spec/node-webgpu');
    const r = await probeNodeWebGPU();
    if (!r.ok) return { ok: false, reason: r.reason };
    return { ok: true, info: { ...r.gpu }, software: r.gpu.software };
  }
  const gpu = (globalThis as { navigator?: { gpu?: { requestAdapter(): Promise<BrowserAdapter | null> } } })
    .navigator?.gpu;
  if (!gpu) return { ok: false, reason: 'this browser has no WebGPU (navigator.gpu is missing)' };
  const adapter = await gpu.requestAdapter();
  if (!adapter) return { ok: false, reason: 'navigator.gpu.requestAdapter() returned no adapter' };
  // GPUAdapterInfo fields are prototype getters: spreading the object copies nothing.
  const i = adapter.info;
  const info = {
    vendor: i?.vendor,
    architecture: i?.architecture,
    device: i?.device,
    description: i?.description,
  };
  const software = !!adapter.isFallbackAdapter || SOFTWARE.test(Object.values(info).join(' '));
  return { ok: true, info: { ...info, software }, software };
}

function webgl2Renderer(): string | undefined {
  const doc = (globalThis as { document?: { createElement(t: string): unknown } }).document;
  const canvas = doc?.createElement('canvas') as
    | { getContext(t: string): { getExtension(n: string): unknown; getParameter(p: number): unknown } | null }
    | undefined;
  const gl = canvas?.getContext('webgl2');
  if (!gl) return undefined;
  const ext = gl.getExtension('WEBGL_debug_renderer_info') as { UNMASKED_RENDERER_WEBGL: number } | null;
  return String(gl.getParameter(ext ? ext.UNMASKED_RENDERER_WEBGL : 0x1f01));
}

export async function probeBackend(backend: string): Promise<Availability> {
  const d = BACKENDS.find((b) => b.name === backend);
  if (!d) {
    return {
      available: false,
      reason: `gpujs has no backend '${backend}'; known: ${BACKENDS.map((b) => b.name).join(', ')}`,
    };
  }
  try {
    switch (d.name) {
      case 'webgpu': {
        const a = await webgpuAdapterInfo();
        if (!a.ok) return { available: false, reason: a.reason };
        const { GPU } = await loadGpuJs();
        if (!(await GPU.isWebGPUAvailable?.())) {
          return {
            available: false,
            reason: 'gpu.js found no WebGPU adapter (GPU.isWebGPUAvailable() is false)',
          };
        }
        return {
          available: true,
          device: a.software ? 'software' : 'gpu',
          info: { mode: 'webgpu', ...a.info },
        };
      }
      case 'webgl2': {
        if (isNode()) {
          return {
            available: false,
            reason:
              "gpu.js webgl2 needs a browser's WebGL2 context; Node has none (gpu.js's Node GL path is its 'headlessgl' mode on the optional 'gl' package, which is not built here)",
          };
        }
        const { GPU } = await loadGpuJs();
        const renderer = webgl2Renderer();
        if (!GPU.isWebGL2Supported || renderer === undefined) {
          return { available: false, reason: 'this browser has no WebGL2 context' };
        }
        return {
          available: true,
          device: SOFTWARE.test(renderer) ? 'software' : 'gpu',
          info: { mode: 'webgl2', renderer },
        };
      }
      case 'webasm': {
        const { GPU } = await loadGpuJs();
        if (!GPU.isWebAssemblySupported) {
          return {
            available: false,
            reason: 'WebAssembly is not supported here (GPU.isWebAssemblySupported is false)',
          };
        }
        return { available: true, device: 'cpu', info: { mode: 'webasm', threads: 1, simd: true } };
      }
      case 'cpu':
        await loadGpuJs();
        return { available: true, device: 'cpu', info: { mode: 'cpu' } };
    }
  } catch (e) {
    return { available: false, reason: `gpu.js ${backend} failed to initialise: ${(e as Error).message}` };
  }
}
