import { describe, expect, it } from 'vitest';
import {
  type Adapter,
  type Availability,
  type BackendApi,
  backendId,
  blockContract,
  chooseBackend,
  initWeights,
  lowerBlock,
  parseBackendId,
  probeAll,
  probeSummary,
  rankOf,
  referenceAdapter,
  runReference,
  seededInput,
} from '../src/index.js';
import { expectRejection } from './expect-error.js';

/** A stand-in implementing only the probing half of the Adapter interface. */
function fakeAdapter(
  id: string,
  backends: [name: string, api: BackendApi, availability: Availability | Error][],
): Adapter {
  const byName = new Map(backends.map(([name, , a]) => [name, a]));
  return {
    id,
    backends: backends.map(([name, api]) => ({ name, api, environments: ['node'], description: name })),
    async probe(backend) {
      const a = byName.get(backend);
      if (a instanceof Error) throw a;
      return a ?? { available: false, reason: 'no such backend' };
    },
    capabilities: () => {
      throw new Error('not used');
    },
    dtype: () => 'float32',
    compile: () => Promise.reject(new Error('not used')),
    resources: async () => ({}),
  };
}

const up = (device?: Availability['device']): Availability => ({
  available: true,
  ...(device ? { device } : {}),
});
const down = (reason: string): Availability => ({ available: false, reason });

describe('chooseBackend', () => {
  const adapters = [
    fakeAdapter('slowjs', [['cpu', 'cpu', up('cpu')]]),
    fakeAdapter('soft', [['webgpu', 'webgpu', up('software')]]),
    fakeAdapter('wasmy', [['wasm', 'wasm', up('cpu')]]),
    fakeAdapter('gl', [['webgl', 'webgl', up('gpu')]]),
    fakeAdapter('gpu', [['webgpu', 'webgpu', up('gpu')]]),
  ];

  it('ranks hardware WebGPU > WebGL > wasm > software WebGPU > cpu', async () => {
    const order: string[] = [];
    const exclude: `${string}:${string}`[] = [];
    for (let i = 0; i < adapters.length; i++) {
      const chosen = await chooseBackend(adapters, { exclude });
      order.push(chosen.id);
      exclude.push(chosen.id);
    }
    expect(order).toEqual(['gpu:webgpu', 'gl:webgl', 'wasmy:wasm', 'soft:webgpu', 'slowjs:cpu']);
    await expectRejection(chooseBackend(adapters, { exclude }), 'BACKEND_UNAVAILABLE');
  });

  it('ranks native between WebGL and wasm and a software WebGL after wasm', () => {
    expect(rankOf('webgl', 'gpu')).toBeLessThan(rankOf('native', 'cpu'));
    expect(rankOf('native', 'cpu')).toBeLessThan(rankOf('wasm', 'cpu'));
    expect(rankOf('wasm', 'cpu')).toBeLessThan(rankOf('webgl', 'software'));
  });

  it('skips unavailable backends and never picks the reference', async () => {
    const chosen = await chooseBackend([
      referenceAdapter,
      fakeAdapter('gpu', [['webgpu', 'webgpu', down('no adapter')]]),
      fakeAdapter('wasmy', [['wasm', 'wasm', up()]]),
    ]);
    expect(chosen.id).toBe('wasmy:wasm');
    expect(chosen.availability.available).toBe(true);
    await expectRejection(chooseBackend([referenceAdapter]), 'BACKEND_UNAVAILABLE');
  });

  it('keeps the adapters order on ties', async () => {
    const a = fakeAdapter('a', [['wasm', 'wasm', up()]]);
    const b = fakeAdapter('b', [['wasm', 'wasm', up()]]);
    expect((await chooseBackend([a, b])).id).toBe('a:wasm');
    expect((await chooseBackend([b, a])).id).toBe('b:wasm');
  });

  it('none available: BACKEND_UNAVAILABLE lists every backend and why', async () => {
    const err = await expectRejection(
      chooseBackend([
        fakeAdapter('gpu', [['webgpu', 'webgpu', down('no WebGPU adapter')]]),
        fakeAdapter('wasmy', [
          ['wasm', 'wasm', down('wasm binary missing')],
          ['cpu', 'cpu', new Error('boom')],
        ]),
      ]),
      'BACKEND_UNAVAILABLE',
    );
    expect(err.message).toContain('gpu:webgpu: no WebGPU adapter');
    expect(err.message).toContain('wasmy:wasm: wasm binary missing');
    expect(err.message).toContain('wasmy:cpu: probe failed: boom');
    expect((await expectRejection(chooseBackend([]), 'BACKEND_UNAVAILABLE')).message).toContain(
      'no adapters given',
    );
  });

  it('probeAll never throws and records the rank', async () => {
    const probed = await probeAll([fakeAdapter('x', [['webgpu', 'webgpu', new Error('crash')]])]);
    expect(probed[0]).toMatchObject({ id: 'x:webgpu', backend: 'webgpu', rank: rankOf('webgpu', undefined) });
    expect(probed[0]!.availability).toEqual({ available: false, reason: 'probe failed: crash' });
  });

  it('probeSummary is the probe as plain JSON, absent fields as null', async () => {
    const [down, up] = await probeAll([
      fakeAdapter('x', [
        ['webgpu', 'webgpu', new Error('crash')],
        ['wasm', 'wasm', { available: true, device: 'cpu' }],
      ]),
    ]);
    expect(probeSummary(down!)).toEqual({
      id: 'x:webgpu',
      api: 'webgpu',
      available: false,
      device: null,
      rank: rankOf('webgpu', undefined),
      reason: 'probe failed: crash',
    });
    expect(JSON.parse(JSON.stringify(probeSummary(up!)))).toEqual({
      id: 'x:wasm',
      api: 'wasm',
      available: true,
      device: 'cpu',
      rank: rankOf('wasm', 'cpu'),
      reason: null,
    });
  });
});

describe('backend ids', () => {
  it('are adapter:backend', () => {
    expect(backendId('tfjs', 'wasm')).toBe('tfjs:wasm');
    expect(parseBackendId('onnx-web:webgpu')).toEqual({ adapter: 'onnx-web', backend: 'webgpu' });
    for (const bad of ['tfjs', 'tfjs:', ':wasm', 'a:b:c', 'TFJS:wasm'])
      expect(parseBackendId(bad)).toBeUndefined();
  });
});

describe('referenceAdapter', () => {
  const graph = lowerBlock(blockContract({ kind: 'basic', planes: 4, inChannels: 2, stride: 2 }));
  const weights = initWeights(graph, 0);

  it('probes only float64', async () => {
    expect(await referenceAdapter.probe('float64')).toEqual({ available: true, device: 'cpu' });
    const other = await referenceAdapter.probe('webgpu');
    expect(other.available).toBe(false);
    expect(other.reason).toContain('webgpu');
    expect(referenceAdapter.dtype('float64')).toBe('float32');
  });

  it('runs like runReference, rounded to float32, and disposes', async () => {
    const before = (await referenceAdapter.resources('float64')).models!;
    const model = await referenceAdapter.compile(graph, weights, { backend: 'float64' });
    expect(model.backend).toBe('reference:float64');
    expect((await referenceAdapter.resources('float64')).models).toBe(before + 1);
    const x = seededInput([2, 2, 5, 5], 1);
    const y = await model.run(x);
    expect(y.shape).toEqual([2, 4, 3, 3]);
    expect(y.data).toBeInstanceOf(Float32Array);
    expect(y.data).toEqual(Float32Array.from(runReference(graph, weights, x).data));
    await model.dispose();
    await model.dispose();
    expect((await referenceAdapter.resources('float64')).models).toBe(before);
    const err = await expectRejection(model.run(x), 'DISPOSED');
    expect(err.message).toContain('reference:float64');
  });

  it('rejects bad input and weights with typed errors', async () => {
    const model = await referenceAdapter.compile(graph, weights, { backend: 'float64' });
    const x = seededInput([1, 2, 5, 5], 1);
    const err = await expectRejection(
      model.run({ shape: x.shape, data: Float64Array.from(x.data) as never }),
      'INPUT_DTYPE',
    );
    expect(err.message).toContain('Float64Array');
    await expectRejection(model.run({ shape: [1, 3, 5, 5], data: new Float32Array(75) }), 'INPUT_SHAPE');
    await expectRejection(model.run({ shape: [1, 2, 5, 5], data: new Float32Array(49) }), 'INPUT_SHAPE');
    await expectRejection(model.run(null as never), 'INPUT_SHAPE');
    await expectRejection(model.run({ shape: [1, 2, 0, 0], data: new Float32Array(0) }), 'INPUT_SHAPE');
    await model.dispose();
    const missing = new Map(weights);
    missing.delete('conv1.weight');
    await expectRejection(
      referenceAdapter.compile(graph, missing, { backend: 'float64' }),
      'WEIGHTS_MISSING',
    );
  });
});
