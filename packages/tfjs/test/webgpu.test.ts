import { describe, expect, it } from 'vitest';
import { tfjsAdapter } from '../src/index.js';
import { materials, WEBGPU_CASES } from './cases.js';
import { CI, expectMatchesReference } from './check.js';

const probe = await tfjsAdapter.probe('webgpu');

describe('tfjs:webgpu in Node (Dawn)', () => {
  // Under CI a missing adapter is a failure, never a silent skip.
  it.skipIf(!CI && !probe.available)('finds a WebGPU adapter', () => {
    expect(probe.reason).toBeUndefined();
    expect(probe.available).toBe(true);
    expect(['gpu', 'software']).toContain(probe.device);
  });

  describe.skipIf(!probe.available)(`runs on WebGPU (${probe.reason ?? 'adapter found'})`, () => {
    for (const c of WEBGPU_CASES) {
      it(c.id, async () => {
        const { weights, input } = materials(c);
        const model = await tfjsAdapter.compile(c.graph, weights, { backend: 'webgpu' });
        try {
          const out = await model.run(input);
          expectMatchesReference(c.graph, weights, input, out);
          const info = model.info();
          // Really WebGPU: tfjs reports it ran on webgpu, with the adapter Dawn gave it.
          expect(info.backend).toBe('webgpu');
          const gpu = info.gpu as { vendor: string; software: boolean };
          expect(typeof gpu.vendor).toBe('string');
          expect(gpu.software).toBe(probe.device === 'software');
          expect(info.groupedConv).toBe('kernel');
        } finally {
          await model.dispose();
        }
      });
    }
  });
});
