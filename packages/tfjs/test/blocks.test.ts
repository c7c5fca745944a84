import { describe, expect, it } from 'vitest';
import { type TfjsCompileOptions, tfjsAdapter } from '../src/index.js';
import { CASES, materials } from './cases.js';
import { expectMatchesReference } from './check.js';

// wasm and cpu run every case; webgpu runs a smaller set in webgpu.test.ts.
for (const backend of ['wasm', 'cpu'] as const) {
  describe(`tfjs:${backend} matches the float64 reference`, () => {
    for (const c of CASES) {
      it(c.id, async () => {
        const { weights, input } = materials(c);
        const model = await tfjsAdapter.compile(c.graph, weights, { backend });
        try {
          const out = await model.run(input);
          expectMatchesReference(c.graph, weights, input, out);
          expect(model.info().backend).toBe(backend);
        } finally {
          await model.dispose();
        }
      });
    }
  });
}

describe('every grouped-conv strategy and unfolded BN give the same answer', () => {
  const grouped = CASES.find((c) => c.id === 'resnext-groups32-stride2')!;
  for (const backend of ['wasm', 'cpu'] as const) {
    for (const groupedConv of ['dense', 'depthwise', 'split'] as const) {
      for (const foldBatchNorm of [true, false]) {
        it(`${backend} ${groupedConv}${foldBatchNorm ? '' : ' unfolded'}`, async () => {
          const { weights, input } = materials(grouped);
          const options: TfjsCompileOptions = { backend, groupedConv, foldBatchNorm };
          const model = await tfjsAdapter.compile(grouped.graph, weights, options);
          try {
            expect(model.info()).toMatchObject({ groupedConv, foldBatchNorm });
            expectMatchesReference(grouped.graph, weights, input, await model.run(input));
          } finally {
            await model.dispose();
          }
        });
      }
    }
  }
});
