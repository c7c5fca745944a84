import { assertMatchesReference, graphCase, materials } from '@resblocks/conformance';
import { isResblocksError, seededInput } from '@resblocks/spec';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, type OnnxWebCompileOptions, onnxWebAdapter } from '../src/index.js';

const adapter = onnxWebAdapter;

async function rejects(options: OnnxWebCompileOptions, mention: string, code = 'INVALID_CONTRACT') {
  const { graph, weights } = materials(graphCase('blocks/basic-identity-7x9-batch3'));
  const e = await adapter.compile(graph, weights, options).catch((x) => x);
  expect(isResblocksError(e), String(e)).toBe(true);
  expect((e as { code: string }).code).toBe(code);
  expect((e as Error).message).toContain(mention);
}

describe('onnx-web compile options', () => {
  it('are checked with typed errors naming the option and what it takes', async () => {
    await rejects(
      { backend: 'webgpu', layout: 'nhwc' as never },
      'layout must be one of NHWC, NCHW, got "nhwc"',
    );
    await rejects(
      { backend: 'wasm', graphOptimization: 'max' as never },
      'graphOptimization must be one of disabled, basic, extended, all',
    );
    await rejects({ backend: 'wasm', inputShape: [1, 8, 0, 4] }, 'inputShape must be 4 positive integers');
    await rejects({ backend: 'wasm', inputShape: [1, 8, 4] }, 'inputShape must be 4 positive integers');
    await rejects({ backend: 'webgpu', graphCapture: 'yes' as never }, 'graphCapture must be a boolean');
    await rejects(
      { backend: 'wasm', layout: 'NCHW' },
      'layout apply only to onnx-web:webgpu, not onnx-web:wasm',
    );
    await rejects(
      { backend: 'wasm', graphCapture: true, inputShape: [1, 8, 4, 4] },
      'graphCapture apply only to onnx-web:webgpu',
    );
    await rejects({ backend: 'webgpu', graphCapture: true }, 'graphCapture needs inputShape');
    await rejects(
      { backend: 'wasm', inputShape: [1, 3, 8, 8] },
      "has 3 channels; 'basic-identity-7x9-batch3' takes 8",
    );
  });

  it('defaults are the measured ones and info() shows what a session used', async () => {
    expect(DEFAULT_SETTINGS).toEqual({ layout: 'NHWC', graphOptimization: 'all', graphCapture: false });
    const { graph, weights } = materials(graphCase('blocks/basic-identity-7x9-batch3'));
    const m = await adapter.compile(graph, weights, { backend: 'wasm' });
    expect(m.info().session).toEqual({ graphOptimization: 'all', inputShape: undefined });
    await m.dispose();
  });

  it.each([
    ['graph optimization disabled', { graphOptimization: 'disabled' }],
    ['basic, fixed shape', { graphOptimization: 'basic', inputShape: [2, 16, 7, 9] }],
  ] as const)('wasm with %s matches the reference; a fixed shape rejects other shapes', async (_, extra) => {
    const c = graphCase('blocks/bottleneck-v1.5-stride2-7x9-batch2');
    const { graph, weights } = materials(c);
    const x = seededInput(c.shape, 3);
    const m = await adapter.compile(graph, weights, { backend: 'wasm', ...extra } as OnnxWebCompileOptions);
    try {
      assertMatchesReference(graph, weights, x, await m.run(x));
      expect(m.info().session).toMatchObject(extra);
      if ('inputShape' in extra) {
        await expect(m.run(seededInput([1, 16, 7, 9], 1))).rejects.toMatchObject({
          code: 'INPUT_SHAPE',
          message: expect.stringContaining(
            'compiled for input [2, 16, 7, 9] (inputShape), got [1, 16, 7, 9]',
          ),
        });
      }
    } finally {
      await m.dispose();
    }
  });
});
