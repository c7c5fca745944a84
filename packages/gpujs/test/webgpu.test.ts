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
        // What a run costs on the queue, counted there: one dispatch and one submit per kernel
        // (gpu.js submits each pipeline call), one parameter write per kernel plus the input
        // upload, and one more submit for the read-back copy.
        const { kernelsPerRun, lastRun } = model.info() as {
          kernelsPerRun: number;
          lastRun: { dispatches: number; submits: number; uploads: number };
        };
        expect(lastRun).toEqual({
          dispatches: kernelsPerRun,
          submits: kernelsPerRun + 1,
          uploads: kernelsPerRun + 1,
        });
      } finally {
        await model.dispose();
      }
      expect(await gpujsAdapter.resources('webgpu')).toEqual({ models: 0, kernels: 0, buffers: 0 });
    },
  );

  it.skipIf(!probe.available)('stops between kernels when its run is aborted', async () => {
    const graph = lowerBlock(blockContract({ kind: 'basic', inChannels: 4, planes: 4 }), 'abort');
    const model = await gpujsAdapter.compile(graph, initWeights(graph, 1), { backend: 'webgpu' });
    try {
      const x = seededInput([1, 4, 5, 5], 1);
      const controller = new AbortController();
      const aborted = model.run(x, { signal: controller.signal });
      // The first run builds its kernels asynchronously: the abort lands mid-run.
      setTimeout(() => controller.abort(), 0);
      await expect(aborted).rejects.toMatchObject({ code: 'ABORTED' });
      // Queued behind the abandoned run: had it gone on to the end, it would count as a run.
      await model.run(x);
      expect(model.info().runs).toBe(1);
    } finally {
      await model.dispose();
    }
  });

  // The block and network cases run in conformance.test.ts.
});
