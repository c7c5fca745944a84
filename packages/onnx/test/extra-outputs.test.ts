import { initWeights, networkGraph, seededInput, traceReference } from '@resblocks/spec';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { exportOnnx, INPUT_NAME } from '../src/index.js';
import { decode } from './onnx-proto.js';

const graph = networkGraph('resnet8_cifar');
const weights = initWeights(graph, 2);

describe('extra outputs', () => {
  it('are graph outputs after the main one, under their node names, and run in ONNX Runtime', async () => {
    const extra = ['layer1.0.conv1', 'layer2.0.add', 'flatten'];
    const bytes = exportOnnx(graph, weights, { foldBatchNorm: false, extraOutputs: extra });
    expect(decode(bytes).graph!.output!.map((o) => o.name)).toEqual(['logits', ...extra]);
    const input = seededInput([1, 3, 8, 8], 3);
    const session = await ort.InferenceSession.create(bytes);
    try {
      const out = await session.run({
        [INPUT_NAME]: new ort.Tensor('float32', input.data, [...input.shape]),
      });
      const expected = traceReference(graph, weights, input, extra);
      for (const name of extra) {
        const want = expected.get(name)!;
        expect(out[name]!.dims, name).toEqual(want.shape);
        const got = out[name]!.data as Float32Array;
        const worst = got.reduce((w, v, i) => Math.max(w, Math.abs(v - want.data[i]!)), 0);
        expect(worst, name).toBeLessThan(1e-4);
      }
      // The output comes with the traced values.
      const logits = expected.get(graph.output)!.data;
      expect((out.logits!.data as Float32Array)[0]).toBeCloseTo(logits[0]!, 4);
    } finally {
      await session.release();
    }
  });

  it('name nodes of the graph as exported: a conv folded into its BN is not one', () => {
    let caught: unknown;
    try {
      exportOnnx(graph, weights, { extraOutputs: ['layer1.0.conv1', 'nope'] });
    } catch (e) {
      caught = e;
    }
    expect(caught).toMatchObject({ name: 'ResblocksError', code: 'EXPORT' });
    expect((caught as Error).message).toMatch(/layer1\.0\.conv1, nope/);
  });
});
