import {
  type EngineBackend,
  isSoftwareRenderer,
  type ProbeFacts,
  requestWebGpuAdapter,
  webglRenderer,
} from '@resblocks/spec';
import type { Engine, GpujsMode } from './engine.js';
import { type GpuJs, loadGpuJs } from './gpujs-api.js';
import { blockedKernels } from './kernels-blocked.js';
import { nchwKernels } from './kernels-nchw.js';
import { buildModel } from './model.js';
import { asReturned, flatArrays, gpuBuffers } from './value-passing.js';

/** What a mode needs besides its descriptor: how to check it can run here, and what it reports. */
interface Mode {
  readonly name: GpujsMode;
  readonly api: 'webgpu' | 'webgl' | 'wasm' | 'cpu';
  readonly environments: readonly ('node' | 'browser')[];
  readonly description: string;
  readonly nonFinite: true | string;
  readonly environmentNote?: string;
  /** The gpu.js kernel class this mode must run (compared by class: WebGL2Kernel's mode is 'gpu'). */
  kernelClass(lib: GpuJs): unknown;
  /** Throws why the mode cannot run here; otherwise the engine fields it found. */
  check(lib: GpuJs): Promise<Omit<Engine, 'mode' | 'lib' | 'gpu'>>;
  facts(e: Engine): ProbeFacts;
}

/**
 * NaN/Inf handling was measured per backend (test/capabilities.test.ts checks each claim both
 * ways). The kernels keep IEEE semantics (NaN stays NaN through ReLU, sums and pooling; max pooling
 * lets a NaN win through an `e != e` test); whether that survives is up to the code generator.
 */
const MODES: readonly Mode[] = [
  {
    name: 'webgpu',
    api: 'webgpu',
    environments: ['node', 'browser'],
    description: 'gpu.js WGSL compute kernels over f32 storage buffers (Node via Dawn, browsers natively)',
    nonFinite:
      "WGSL lets shader compilers assume finite floats, and max pooling's NaN test (e != e) is folded away (seen on SwiftShader): a NaN that is not the first element of its pooling window is dropped",
    kernelClass: (lib) => lib.WebGPUKernel,
    async check(lib) {
      // In Node this installs navigator.gpu (Dawn) before gpu.js looks for it.
      const { info } = await requestWebGpuAdapter();
      if (!(await lib.GPU.isWebGPUAvailable?.())) {
        throw new Error('gpu.js found no WebGPU adapter (GPU.isWebGPUAvailable() is false)');
      }
      const context = await lib.WebGPUContext.acquire();
      return { family: blockedKernels, passing: gpuBuffers(lib), context, adapter: info };
    },
    facts: (e) => ({
      device: e.adapter?.software ? 'software' : 'gpu',
      info: { mode: 'webgpu', ...e.adapter },
    }),
  },
  {
    name: 'webgl2',
    api: 'webgl',
    environments: ['browser'],
    description: 'gpu.js GLSL ES 3.00 fragment kernels over single-precision float textures',
    nonFinite:
      'GLSL ES 3.00 does not require shaders to preserve NaN/Inf (its compilers may assume finite floats), and gpujs:webgl2 cannot be checked outside a browser',
    environmentNote:
      "gpu.js webgl2 needs a browser's WebGL2 context; Node has none (gpu.js's Node GL path is its 'headlessgl' mode on the optional 'gl' package, which is not built here)",
    kernelClass: (lib) => lib.WebGL2Kernel,
    async check(lib) {
      const renderer = webglRenderer(2);
      if (!lib.GPU.isWebGL2Supported || renderer === undefined)
        throw new Error('this browser has no WebGL2 context');
      return { family: nchwKernels, passing: asReturned, renderer, instancePerModel: true };
    },
    facts: (e) => ({
      device: isSoftwareRenderer(e.renderer) ? 'software' : 'gpu',
      info: { mode: 'webgl2', renderer: e.renderer },
    }),
  },
  {
    name: 'webasm',
    api: 'wasm',
    environments: ['node', 'browser'],
    description: 'gpu.js WebAssembly (f32x4 SIMD) kernels, single thread',
    nonFinite: true,
    kernelClass: (lib) => lib.WebAssemblyKernel,
    async check(lib) {
      if (!lib.GPU.isWebAssemblySupported) {
        throw new Error('WebAssembly is not supported here (GPU.isWebAssemblySupported is false)');
      }
      return { family: blockedKernels, passing: flatArrays };
    },
    facts: () => ({ device: 'cpu', info: { mode: 'webasm', threads: 1, simd: true } }),
  },
  {
    name: 'cpu',
    api: 'cpu',
    environments: ['node', 'browser'],
    description: 'gpu.js kernels transpiled to plain JavaScript',
    nonFinite: true,
    kernelClass: (lib) => lib.CPUKernel,
    check: async () => ({ family: nchwKernels, passing: asReturned }),
    facts: () => ({ device: 'cpu', info: { mode: 'cpu' } }),
  },
];

/** One gpu.js instance for the mode, refusing any other mode gpu.js might pick. */
async function open(mode: Mode): Promise<Engine> {
  const lib = await loadGpuJs();
  const found = await mode.check(lib);
  const gpu = new lib.GPU({ mode: mode.name });
  if (gpu.Kernel !== mode.kernelClass(lib)) {
    const chosen = gpu.Kernel?.name ?? String(gpu.Kernel?.mode);
    await gpu.destroy();
    throw new Error(`gpu.js picked ${chosen} instead of mode '${mode.name}'`);
  }
  return { ...found, mode: mode.name, lib, gpu };
}

/** The gpu.js backends, each named after the gpu.js mode that runs it. */
export const BACKENDS: readonly EngineBackend<Engine>[] = MODES.map((m) => ({
  name: m.name,
  api: m.api,
  environments: m.environments,
  description: m.description,
  ...(m.environmentNote ? { environmentNote: m.environmentNote } : {}),
  // Every mode computes and stores f32 (precision 'single'; never the lossy 'unsigned').
  capabilities: {
    determinism: true,
    concurrency: true,
    nonFinite: m.nonFinite,
    resourceCounters: true,
    networks: true,
    gpuTensors: 'not offered: gpu.js owns its textures and buffers and takes no GPUBuffer of the caller',
  },
  open: () => open(m),
  describe: m.facts,
  build: async (engine, graph, weights, { trace }) => buildModel(engine, graph, weights, trace),
}));
