import {
  type Adapter,
  type CompiledModel,
  checkRunInput,
  type Graph,
  referenceAdapter,
  runReference,
  type Tensor,
  validateWeights,
  type Weights,
} from '@resblocks/spec';
import { describe, expect, it } from 'vitest';
import { accuracyCases, defaultAccuracyImages } from '../src/cases/accuracy.js';
import { createContext, runCase } from '../src/runner.js';
import { MUTATIONS } from './broken-adapters.js';

/**
 * The float64 reference rounded to float32, reporting float32: a correct float32 backend. `change`
 * breaks it on purpose (the graph, or the logits it returns).
 */
function float32Adapter(
  change: {
    graph?: (g: Graph, w: Weights) => { graph: Graph; weights: Weights };
    logits?: (y: Float32Array) => void;
  } = {},
): Adapter {
  return {
    ...referenceAdapter,
    id: 'rounded',
    dtype: () => 'float32',
    async compile(graph, weights, options) {
      const valid = validateWeights(graph, weights);
      const run = change.graph ? change.graph(graph, valid) : { graph, weights: valid };
      const model: CompiledModel = {
        backend: `rounded:${options.backend}`,
        graph,
        async run(input: Tensor) {
          checkRunInput(graph, input);
          const data = Float32Array.from(runReference(run.graph, run.weights, input).data);
          change.logits?.(data);
          return { shape: [input.shape[0]!, 10], data };
        },
        async dispose() {},
        info: () => ({ backend: options.backend }),
      };
      return model;
    },
  };
}

async function runAccuracyGroup(adapter: Adapter, images = 3) {
  const cases = await accuracyCases(adapter, 'float64', { accuracyImages: images });
  const ctx = createContext(adapter, 'float64');
  const results = [];
  for (const c of cases) results.push(await runCase(c, ctx));
  return results;
}

describe('accuracy group', () => {
  it('a correct float32 backend passes on both trained networks', async () => {
    const results = await runAccuracyGroup(float32Adapter());
    expect(results.map((r) => [r.id, r.status])).toEqual([
      ['accuracy/resnet20_cifar/first-3', 'pass'],
      ['accuracy/resnext29_8x4d_cifar/first-3', 'pass'],
    ]);
    for (const r of results) expect(r.fraction).toBeLessThan(0.2);
    // What it measured goes into the report: the sample's counts, PyTorch's on the same images.
    const [first] = results;
    expect(first!.measured).toMatchObject({ images: 3, agree: 3, explainedFlips: 0 });
    expect(first!.measured!.correct).toBe(first!.measured!.referenceCorrect);
    expect(first!.measured!.imagesPerSecond).toBeGreaterThan(0);
  }, 120_000);

  it('fails a backend whose numbers drift (TensorFlow-style stride-2 padding)', async () => {
    const [r] = await runAccuracyGroup(float32Adapter({ graph: MUTATIONS['wrong-padding'] }), 2);
    expect(r!.status).toBe('fail');
    expect(r!.message).toMatch(/2 of 2 images have logits outside the tolerance budget/);
  }, 120_000);

  it('names top-1 flips the tolerance does not explain', async () => {
    // Swap each image's two best classes: small numeric change for close calls, large for the rest.
    const swapTop2 = (y: Float32Array) => {
      for (let i = 0; i < y.length; i += 10) {
        const row = y.subarray(i, i + 10);
        const order = [...row.keys()].sort((a, b) => row[b]! - row[a]!);
        const [a, b] = [order[0]!, order[1]!];
        [row[a], row[b]] = [row[b]!, row[a]!];
      }
    };
    const [r] = await runAccuracyGroup(float32Adapter({ logits: swapTop2 }), 2);
    expect(r!.status).toBe('fail');
    expect(r!.message).toMatch(
      /2 top-1 disagreements the tolerance does not explain \(image 0: backend says \d/,
    );
  }, 120_000);

  it('sizes the sample by how fast the backend is', () => {
    expect(defaultAccuracyImages('webgpu', 'gpu', 'float32', 500)).toBe(500);
    expect(defaultAccuracyImages('native', 'cpu', 'float32', 500)).toBe(500);
    expect(defaultAccuracyImages('wasm', 'cpu', 'float32', 500)).toBe(500);
    expect(defaultAccuracyImages('webgpu', 'software', 'float32', 500)).toBe(25);
    expect(defaultAccuracyImages('cpu', 'cpu', 'float32', 500)).toBe(25);
    expect(defaultAccuracyImages('cpu', 'cpu', 'float64', 500)).toBe(2);
  });
});
