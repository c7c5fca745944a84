import { assertMatchesReference } from '@resblocks/conformance';
import { blockContract, initWeights, lowerBlock, seededInput } from '@resblocks/spec';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { tfjsAdapter } from '../src/index.js';

const graph = lowerBlock(
  blockContract({ kind: 'bottleneck', planes: 4, inChannels: 8, stride: 2, shortcut: 'avgdown' }),
);
const weights = initWeights(graph, 3);
const webgpu = await tfjsAdapter.probe('webgpu');

describe('resources', () => {
  for (const backend of ['cpu', 'wasm', 'webgpu'] as const) {
    it.skipIf(backend === 'webgpu' && !webgpu.available)(
      `${backend}: no tensor outlives dispose()`,
      async () => {
        const start = await tfjsAdapter.resources(backend);
        const model = await tfjsAdapter.compile(graph, weights, { backend });
        const loaded = await tfjsAdapter.resources(backend);
        expect(loaded.tensors).toBeGreaterThan(start.tensors!);
        for (let i = 0; i < 3; i++) await model.run(seededInput([2, 8, 7, 9], i));
        // Runs leave nothing behind: only the weights are live between runs.
        expect(await tfjsAdapter.resources(backend)).toEqual(loaded);
        await model.dispose();
        expect(await tfjsAdapter.resources(backend)).toEqual(start);
        expect(tf.memory().numTensors).toBe(start.tensors);
      },
    );
  }
});

describe('one global tfjs backend, many models', () => {
  it('overlapping runs on different backends each run on their own backend', async () => {
    const backends = webgpu.available ? (['wasm', 'cpu', 'webgpu'] as const) : (['wasm', 'cpu'] as const);
    await tf.setBackend('cpu');
    const models = await Promise.all(
      backends.map((backend) => tfjsAdapter.compile(graph, weights, { backend })),
    );
    // Compiling did not leave another backend active behind our back.
    expect(tf.getBackend()).toBe('cpu');
    const inputs = [0, 1, 2, 3, 4, 5].map((i) => seededInput([1, 8, 7, 9], 10 + i));
    const outs = await Promise.all(inputs.map((x, i) => models[i % models.length]!.run(x)));
    outs.forEach((out, i) => {
      assertMatchesReference(graph, weights, inputs[i]!, out);
      expect(models[i % models.length]!.info().backend).toBe(backends[i % models.length]);
    });
    expect(tf.getBackend()).toBe('cpu');
    await Promise.all(models.map((m) => m.dispose()));
  });

  it('same input twice gives bit-identical output (wasm)', async () => {
    const model = await tfjsAdapter.compile(graph, weights, { backend: 'wasm' });
    const x = seededInput([1, 8, 7, 9], 5);
    const a = await model.run(x);
    const b = await model.run(x);
    expect(Buffer.from(a.data.buffer).equals(Buffer.from(b.data.buffer))).toBe(true);
    await model.dispose();
  });
});
