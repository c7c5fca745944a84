import { isCI } from '@resblocks/conformance';
import { blockContract, initWeights, lowerBlock, seededInput } from '@resblocks/spec';
import { describe, expect, it } from 'vitest';
import { loadGpuJs } from '../src/gpujs-api.js';
import { gpujsAdapter } from '../src/index.js';

const probe = await gpujsAdapter.probe('webgpu');
const missing = probe.available ? undefined : `gpujs:webgpu is not available here: ${probe.reason}`;

describe('gpujs:webgpu after its GPU device is lost', () => {
  it.skipIf(missing !== undefined && !isCI())(
    `rejects with DEVICE_LOST, then compiles afresh${missing ? ` (skipped: ${missing})` : ''}`,
    async () => {
      if (missing) throw new Error(`${missing} (required: CI=true)`);
      const graph = lowerBlock(blockContract({ kind: 'basic', inChannels: 4, planes: 4 }), 'lost');
      const weights = initWeights(graph, 1);
      const x = seededInput([1, 4, 6, 6], 2);
      const model = await gpujsAdapter.compile(graph, weights, { backend: 'webgpu' });
      const before = await model.run(x);
      // gpu.js shares one device between all its webgpu kernels.
      (await (await loadGpuJs()).WebGPUContext.acquire()).device.destroy();
      await expect(model.run(x)).rejects.toMatchObject({ code: 'DEVICE_LOST' });
      const again = await gpujsAdapter.compile(graph, weights, { backend: 'webgpu' });
      expect(Array.from((await again.run(x)).data)).toEqual(Array.from(before.data));
      await again.dispose();
      await model.dispose();
    },
  );
});
