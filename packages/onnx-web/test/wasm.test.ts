import { assertMatchesReference, defineConformanceSuite, graphCase, materials } from '@resblocks/conformance';
import { initWeights, isResblocksError, networkGraph, seededInput } from '@resblocks/spec';
import { describe, expect, it } from 'vitest';
import { onnxWebAdapter } from '../src/index.js';

const adapter = onnxWebAdapter;
const basic = graphCase('blocks/basic-identity-7x9-batch3');

// Every shared op and block case with BN kept (the conformance suite runs them with BN folded).
await defineConformanceSuite(adapter, 'wasm', {
  compileOptions: { foldBatchNorm: false },
  only: ['ops/*', 'blocks/*'],
  expectInfo: (info) =>
    info.batchNormFolded === false ? undefined : 'BN folded despite foldBatchNorm: false',
  report: false,
});

describe('onnx-web:wasm', () => {
  it('probe reports threads and the wasm EP', async () => {
    const a = await adapter.probe('wasm');
    expect(a.available, a.reason).toBe(true);
    expect(a.device).toBe('cpu');
    expect(a.info).toMatchObject({ backend: 'wasm', executionProvider: 'wasm', engine: 'onnxruntime-web' });
    expect(a.info!.threads).toBeGreaterThanOrEqual(1);
  });

  it('resnet8_cifar matches the reference; one session serves batch 1 and 3', async () => {
    const g = networkGraph('resnet8_cifar');
    const w = initWeights(g, 3);
    const m = await adapter.compile(g, w, { backend: 'wasm' });
    try {
      for (const n of [1, 3]) {
        const x = seededInput([n, 3, 32, 32], n);
        assertMatchesReference(g, w, x, await m.run(x), `batch ${n}: `);
      }
    } finally {
      await m.dispose();
    }
  });

  it('overlapping runs are serialized and each gets its own result', async () => {
    const { graph, weights } = materials(basic);
    const m = await adapter.compile(graph, weights, { backend: 'wasm' });
    const inputs = [1, 2, 3, 4, 5].map((s) => seededInput([1, 8, 6, 6], s));
    const outs = await Promise.all(inputs.map((x) => m.run(x)));
    outs.forEach((y, i) => {
      assertMatchesReference(graph, weights, inputs[i]!, y, `run ${i}: `);
    });
    await m.dispose();
  });

  it('counts sessions, releases them on dispose, rejects runs after dispose', async () => {
    const { graph, weights } = materials(basic);
    const before = (await adapter.resources('wasm')).sessions!;
    const m = await adapter.compile(graph, weights, { backend: 'wasm' });
    expect((await adapter.resources('wasm')).sessions).toBe(before + 1);
    await m.dispose();
    await m.dispose();
    expect((await adapter.resources('wasm')).sessions).toBe(before);
    await expect(m.run(seededInput([1, 8, 4, 4], 1))).rejects.toMatchObject({ code: 'DISPOSED' });
  });

  it('bad input and unknown backends give typed errors', async () => {
    const { graph, weights } = materials(basic);
    const m = await adapter.compile(graph, weights, { backend: 'wasm' });
    await expect(m.run(seededInput([1, 9, 4, 4], 1))).rejects.toMatchObject({ code: 'INPUT_SHAPE' });
    await expect(
      m.run({ shape: [1, 8, 4, 4], data: new Float64Array(128) as unknown as Float32Array }),
    ).rejects.toMatchObject({ code: 'INPUT_DTYPE' });
    await m.dispose();
    await expect(adapter.compile(graph, weights, { backend: 'webgl' })).rejects.toMatchObject({
      code: 'UNKNOWN_BACKEND',
    });
    const bad = new Map(weights);
    bad.delete('conv1.weight');
    const e = await adapter.compile(graph, bad, { backend: 'wasm' }).catch((x) => x);
    expect(isResblocksError(e, 'WEIGHTS_MISSING')).toBe(true);
    expect((await adapter.probe('webgl')).available).toBe(false);
  });
});
