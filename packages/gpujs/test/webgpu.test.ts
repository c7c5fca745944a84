import { blockContract, initWeights, lowerBlock, seededInput } from '@resblocks/spec';
import { describe, expect, it } from 'vitest';
import { gpujsAdapter } from '../src/index.js';

const CI = process.env.CI === 'true' || process.env.CI === '1';
const probe = await gpujsAdapter.probe('webgpu');

describe('gpujs:webgpu', () => {
  // Without CI a machine with no adapter reports this as skipped, with the reason in the probe.
  it.skipIf(!probe.available && !CI)('has a WebGPU adapter (required under CI=true)', () => {
    expect(probe.available, `no WebGPU adapter: ${probe.reason}`).toBe(true);
    expect(probe.device === 'gpu' || probe.device === 'software').toBe(true);
    // A software adapter must say so.
    if (/swiftshader/i.test(String(probe.info?.architecture))) expect(probe.device).toBe('software');
  });

  it.skipIf(!probe.available)(
    'really runs gpu.js webgpu kernels, with GPU-resident intermediates',
    async () => {
      const graph = lowerBlock(blockContract({ kind: 'basic', inChannels: 4, planes: 4 }), 'mode');
      const model = await gpujsAdapter.compile(graph, initWeights(graph, 1), { backend: 'webgpu' });
      try {
        await model.run(seededInput([1, 4, 5, 5], 1));
        const info = model.info();
        expect(info.backend).toBe('webgpu');
        expect(info.mode).toBe('webgpu');
        expect(info.adapter).toBeTruthy();
        const before = await gpujsAdapter.resources('webgpu');
        expect(before.buffers).toBeGreaterThan(0);
        for (let i = 0; i < 3; i++) await model.run(seededInput([1, 4, 5, 5], 2 + i));
        // Repeated runs reuse every buffer.
        expect(await gpujsAdapter.resources('webgpu')).toEqual(before);
      } finally {
        await model.dispose();
      }
      expect(await gpujsAdapter.resources('webgpu')).toEqual({ models: 0, gpus: 0, kernels: 0, buffers: 0 });
    },
  );

  // The block and network cases run in conformance.test.ts.
});
