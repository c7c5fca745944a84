import type { Adapter, Capabilities } from '@resblocks/spec';
import { BACKENDS, descriptor, probeBackend } from './backends.js';
import { snapshot } from './counters.js';
import { compileModel } from './model.js';

const CAPABILITIES: Capabilities = {
  determinism: true,
  concurrency: true,
  nonFinite:
    'not guaranteed: WGSL and GLSL compilers may assume finite floats, so NaN/Inf propagation through max pooling and comparisons is not promised',
  resourceCounters: true,
  networks: true,
};

/** resblocks on its own gpu.js kernels: `gpujs:webgpu`, `gpujs:webgl2`, `gpujs:webasm`, `gpujs:cpu`. */
export const gpujsAdapter: Adapter = {
  id: 'gpujs',
  backends: BACKENDS,
  probe: (backend) => probeBackend(backend),
  capabilities(backend) {
    descriptor(backend);
    return CAPABILITIES;
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
