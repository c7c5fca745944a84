import { defineAdapter } from '@resblocks/spec';
import { BACKENDS } from './backends.js';
import { snapshot } from './counters.js';

/** resblocks on its own gpu.js kernels: `gpujs:webgpu`, `gpujs:webgl2`, `gpujs:webasm`, `gpujs:cpu`. */
export const gpujsAdapter = defineAdapter('gpujs', {
  backends: BACKENDS,
  // Each kernel owns one output buffer: the runs of one model never overlap.
  serialize: 'model',
  counters: snapshot,
});
