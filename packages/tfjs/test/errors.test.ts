import { createRequire } from 'node:module';
import {
  blockContract,
  type ErrorCode,
  initWeights,
  isResblocksError,
  lowerBlock,
  seededInput,
  type Tensor,
} from '@resblocks/spec';
import { describe, expect, it } from 'vitest';
import { NATIVE_PACKAGES, type TfjsCompileOptions, tfjsAdapter } from '../src/index.js';

const graph = lowerBlock(blockContract({ kind: 'basic', planes: 4 }));
const weights = initWeights(graph, 1);

async function expectCode(p: Promise<unknown>, code: ErrorCode, message?: RegExp): Promise<void> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(isResblocksError(e, code), `expected ${code}, got ${String(e)}`).toBe(true);
  if (message) expect((e as Error).message).toMatch(message);
}

describe('bad input', () => {
  it('rejects wrong shapes, float64 data and use after dispose', async () => {
    const model = await tfjsAdapter.compile(graph, weights, { backend: 'wasm' });
    await expectCode(model.run(seededInput([1, 3, 6, 6], 1)), 'INPUT_SHAPE', /\[1, 3, 6, 6\]/);
    await expectCode(
      model.run({ shape: [1, 4, 6, 6], data: new Float32Array(10) }),
      'INPUT_SHAPE',
      /10 elements/,
    );
    await expectCode(
      model.run({ shape: [1, 4, 6, 6], data: new Float64Array(144) } as unknown as Tensor),
      'INPUT_DTYPE',
      /Float64Array/,
    );
    await expectCode(model.run(seededInput([1, 4, 1, 0], 1)), 'INPUT_SHAPE');
    await model.dispose();
    await expectCode(model.run(seededInput([1, 4, 6, 6], 1)), 'DISPOSED', /tfjs:wasm/);
    await model.dispose(); // twice is harmless
  });

  it('rejects bad weights with the WEIGHTS_* code naming the key', async () => {
    const missing = new Map(weights);
    missing.delete('conv1.weight');
    await expectCode(
      tfjsAdapter.compile(graph, missing, { backend: 'cpu' }),
      'WEIGHTS_MISSING',
      /conv1\.weight/,
    );
    const misShaped = new Map(weights).set('bn1.weight', { shape: [5], data: new Float32Array(5) });
    await expectCode(
      tfjsAdapter.compile(graph, misShaped, { backend: 'cpu' }),
      'WEIGHTS_SHAPE',
      /bn1\.weight expected \[4\] got \[5\]/,
    );
    const extra = new Map(weights).set('fc.weight', { shape: [1], data: new Float32Array(1) });
    await expectCode(tfjsAdapter.compile(graph, extra, { backend: 'cpu' }), 'WEIGHTS_EXTRA', /fc\.weight/);
    const float64 = new Map(weights).set('bn1.bias', {
      shape: [4],
      data: new Float64Array(4) as unknown as Float32Array,
    });
    await expectCode(tfjsAdapter.compile(graph, float64, { backend: 'cpu' }), 'WEIGHTS_DTYPE', /bn1\.bias/);
  });

  it('rejects unknown backends and strategies', async () => {
    await expectCode(
      tfjsAdapter.compile(graph, weights, { backend: 'metal' }),
      'UNKNOWN_BACKEND',
      /webgpu, webgl, wasm, cpu, tensorflow/,
    );
    expect((await tfjsAdapter.probe('metal')).available).toBe(false);
    expect(() => tfjsAdapter.capabilities('metal')).toThrow(/metal/);
    await expectCode(
      tfjsAdapter.compile(graph, weights, { backend: 'cpu', groupedConv: 'magic' } as never),
      'INVALID_CONTRACT',
      /kernel, dense, depthwise, split/,
    );
    // The grouped-conv kernel exists for GPU backends only: asking for it elsewhere is an error.
    const grouped = lowerBlock(blockContract({ kind: 'bottleneck', planes: 4, groups: 2, baseWidth: 32 }));
    await expectCode(
      tfjsAdapter.compile(grouped, initWeights(grouped, 1), {
        backend: 'cpu',
        groupedConv: 'kernel',
      } as TfjsCompileOptions),
      'INVALID_CONTRACT',
      /'kernel' runs on tfjs:webgpu, tfjs:webgl, not on tfjs:cpu/,
    );
  });
});

describe('backends that cannot run here say why', () => {
  it('webgl needs a browser', async () => {
    const p = await tfjsAdapter.probe('webgl');
    expect(p.available).toBe(false);
    expect(p.reason).toMatch(/needs a browser/);
    expect(p.reason).toMatch(/WebGL2/);
    await expectCode(
      tfjsAdapter.compile(graph, weights, { backend: 'webgl' }),
      'BACKEND_UNAVAILABLE',
      /tfjs:webgl.*browser/,
    );
  });

  // tfjs-node cannot be installed in this workspace; where it is, the probe must find it instead.
  const require = createRequire(import.meta.url);
  const nativeInstalled = NATIVE_PACKAGES.some((p) => {
    try {
      require.resolve(p);
      return true;
    } catch {
      return false;
    }
  });
  it.skipIf(nativeInstalled)('tensorflow says how to install its optional peer', async () => {
    const p = await tfjsAdapter.probe('tensorflow');
    expect(p.available).toBe(false);
    expect(p.reason).toContain('npm install @tensorflow/tfjs-node-gpu');
    expect(p.reason).toContain('npm install @tensorflow/tfjs-node');
    // compile goes through the same path and fails with the same explanation, never falling back.
    await expectCode(
      tfjsAdapter.compile(graph, weights, { backend: 'tensorflow' }),
      'BACKEND_UNAVAILABLE',
      /tfjs:tensorflow.*npm install @tensorflow\/tfjs-node-gpu/,
    );
  });
  it.runIf(nativeInstalled)('tensorflow runs through the installed native peer', async () => {
    const p = await tfjsAdapter.probe('tensorflow');
    expect(p.available, p.reason).toBe(true);
    const model = await tfjsAdapter.compile(graph, weights, { backend: 'tensorflow' });
    await model.run(seededInput([1, 4, 6, 6], 1));
    expect(model.info().backend).toBe('tensorflow');
    await model.dispose();
  });
});
