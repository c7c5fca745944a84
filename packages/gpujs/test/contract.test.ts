import {
  blockContract,
  compareTensors,
  errorModel,
  initWeights,
  isResblocksError,
  lowerBlock,
  runReference,
  seededInput,
} from '@resblocks/spec';
import { describe, expect, it } from 'vitest';
import { buildPlan, gpujsAdapter } from '../src/index.js';

const graph = lowerBlock(
  blockContract({ kind: 'bottleneck', inChannels: 8, planes: 4, stride: 2, groups: 2, baseWidth: 32 }),
  'b',
);
const weights = initWeights(graph, 3);

async function code(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (e) {
    expect(isResblocksError(e), String(e)).toBe(true);
    return (e as { code: string }).code;
  }
  return undefined;
}

describe('gpujs adapter contract', () => {
  it('lists webgpu, webgl2, webasm and cpu and explains webgl2 in Node', async () => {
    expect(gpujsAdapter.backends.map((b) => b.name)).toEqual(['webgpu', 'webgl2', 'webasm', 'cpu']);
    const p = await gpujsAdapter.probe('webgl2');
    expect(p.available).toBe(false);
    expect(p.reason).toMatch(/browser/);
    expect(await code(gpujsAdapter.compile(graph, weights, { backend: 'webgl2' }))).toBe(
      'BACKEND_UNAVAILABLE',
    );
    expect((await gpujsAdapter.probe('nope')).available).toBe(false);
    expect(await code(gpujsAdapter.compile(graph, weights, { backend: 'nope' }))).toBe('UNKNOWN_BACKEND');
  });

  it('fuses conv + BN + add + ReLU into one kernel and keeps pre-activation BNs', () => {
    const plan = buildPlan(graph, weights);
    // Unfolded: every BN is an epilogue step; the add and final ReLU ride on a conv.
    expect(plan.ops.map((o) => o.kind)).toEqual(['conv', 'conv', 'conv', 'conv']);
    const last = plan.ops.at(-1)!;
    expect(last.out).toBe(graph.output);
    expect(last.kind === 'conv' && last.steps.map((s) => s.kind)).toEqual(['affine', 'add', 'relu']);
  });

  it('rejects bad input and weights with typed errors', async () => {
    const m = await gpujsAdapter.compile(graph, weights, { backend: 'cpu' });
    expect(await code(m.run(seededInput([1, 9, 6, 6], 1)))).toBe('INPUT_SHAPE');
    expect(
      await code(m.run({ shape: [1, 8, 6, 6], data: new Float64Array(288) as unknown as Float32Array })),
    ).toBe('INPUT_DTYPE');
    expect(await code(m.run({ shape: [1, 8, 6, 6], data: new Float32Array(287) }))).toBe('INPUT_SHAPE');
    await m.dispose();
    expect(await code(m.run(seededInput([1, 8, 6, 6], 1)))).toBe('DISPOSED');
    const missing = new Map(weights);
    missing.delete('conv2.weight');
    expect(await code(gpujsAdapter.compile(graph, missing, { backend: 'cpu' }))).toBe('WEIGHTS_MISSING');
  });

  for (const backend of ['webasm', 'cpu']) {
    it(`${backend}: serializes concurrent runs, caches kernels by shape, frees everything on dispose`, async () => {
      const start = await gpujsAdapter.resources(backend);
      const m = await gpujsAdapter.compile(graph, weights, { backend, foldBatchNorm: false });
      const xs = [seededInput([1, 8, 7, 9], 1), seededInput([2, 8, 5, 5], 2), seededInput([1, 8, 7, 9], 3)];
      const ys = await Promise.all([...xs, ...xs].map((x) => m.run(x)));
      ys.forEach((y, i) => {
        const x = xs[i % 3]!;
        const cmp = compareTensors(
          y.data,
          runReference(graph, weights, x).data,
          'float32',
          errorModel(graph),
        );
        expect(cmp.pass, `run ${i}`).toBe(true);
      });
      expect(ys[0]!.data).toEqual(ys[3]!.data);
      expect([...(m.info().builtShapes as string[])].sort()).toEqual(['1x8x7x9', '2x8x5x5']);
      const live = await gpujsAdapter.resources(backend);
      expect(live.models).toBe(start.models! + 1);
      // webasm pads the 3x3 convolution's input in its own kernel.
      expect(live.kernels).toBe(start.kernels! + 2 * (backend === 'webasm' ? 6 : 5));
      await m.dispose();
      await m.dispose();
      expect(await gpujsAdapter.resources(backend)).toEqual(start);
    });
  }
});
