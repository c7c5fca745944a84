import type { Adapter } from '@resblocks/spec';
import { BACKENDS, descriptor, type GpujsMode, probeBackend } from './backends.js';
import { snapshot } from './counters.js';
import { compileModel } from './model.js';

/**
 * NaN/Inf handling, measured per backend (test/capabilities.test.ts checks each claim both ways).
 * The kernels keep IEEE semantics (NaN stays NaN through ReLU, sums and pooling; max pooling lets
 * a NaN win through an `e != e` test); whether that survives depends on the code generator.
 */
const NON_FINITE: Record<GpujsMode, true | string> = {
  webgpu:
    "WGSL lets shader compilers assume finite floats, and max pooling's NaN test (e != e) is folded away (seen on SwiftShader): a NaN that is not the first element of its pooling window is dropped",
  webasm: true,
  cpu: true,
  webgl2:
    'GLSL ES 3.00 does not require shaders to preserve NaN/Inf (its compilers may assume finite floats), and gpujs:webgl2 cannot be checked outside a browser',
};

/** resblocks on its own gpu.js kernels: `gpujs:webgpu`, `gpujs:webgl2`, `gpujs:webasm`, `gpujs:cpu`. */
export const gpujsAdapter: Adapter = {
  id: 'gpujs',
  backends: BACKENDS,
  probe: (backend) => probeBackend(backend),
  capabilities(backend) {
    return {
      determinism: true,
      concurrency: true,
      nonFinite: NON_FINITE[descriptor(backend).name],
      resourceCounters: true,
      networks: true,
    };
  },
  // Every mode computes and stores f32 (precision 'single'; never the lossy 'unsigned').
  dtype(backend) {
    descriptor(backend);
    return 'float32';
  },
  compile: (graph, weights, options) => compileModel(graph, weights, options),
  async resources(backend) {
    descriptor(backend);
    return snapshot(backend);
  },
};
