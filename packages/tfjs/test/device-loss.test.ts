import { isCI } from '@resblocks/conformance';
import { blockContract, initWeights, lowerBlock, seededInput } from '@resblocks/spec';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { tfjsAdapter } from '../src/index.js';

const probe = await tfjsAdapter.probe('webgpu');
const missing = probe.available ? undefined : `tfjs:webgpu is not available here: ${probe.reason}`;

describe('tfjs:webgpu after its GPU device is lost', () => {
  it.skipIf(missing !== undefined && !isCI())(
    `rejects with DEVICE_LOST, then compiles afresh${missing ? ` (skipped: ${missing})` : ''}`,
    async () => {
      if (missing) throw new Error(`${missing} (required: CI=true)`);
      const graph = lowerBlock(blockContract({ kind: 'basic', inChannels: 4, planes: 4 }), 'lost');
      const weights = initWeights(graph, 1);
      const x = seededInput([1, 4, 6, 6], 2);
      const model = await tfjsAdapter.compile(graph, weights, { backend: 'webgpu' });
      const before = await model.run(x);
      (tf.findBackend('webgpu') as unknown as { device: { destroy(): void } }).device.destroy();
      await expect(model.run(x)).rejects.toMatchObject({ code: 'DEVICE_LOST' });
      const again = await tfjsAdapter.compile(graph, weights, { backend: 'webgpu' });
      expect(Array.from((await again.run(x)).data)).toEqual(Array.from(before.data));
      await again.dispose();
      await model.dispose();
    },
  );
});
