import {
  type Graph,
  GraphBuilder,
  initWeights,
  seededInput,
  sizeOf,
  type Tensor,
  type Weights,
} from '@resblocks/spec';
import { CaseFailure, expectError, withModel } from '../check.js';
import type { CaseContext, CaseGroup, ConformanceCase } from '../types.js';
import { probeBlock, withProbe } from './probe-block.js';

function withoutKey(w: Weights, key: string): Weights {
  const copy = new Map(w);
  copy.delete(key);
  return copy;
}

function errorCase(
  id: string,
  run: (ctx: CaseContext, graph: Graph, weights: Weights) => Promise<void>,
): ConformanceCase {
  return {
    id: `errors/${id}`,
    group: 'errors',
    async run(ctx) {
      const { graph, weights } = probeBlock();
      await run(ctx, graph, weights);
      return {};
    },
  };
}

const good = (g: Graph): Tensor => seededInput([1, g.inChannels, 6, 6], 3);

/** Bad input, bad weights and use after dispose: each a ResblocksError with the right code. */
export const errorsGroup: CaseGroup = {
  name: 'errors',
  cases: () => [
    errorCase('input-channels', (ctx, g) =>
      withProbe(ctx, (m) =>
        expectError('input with wrong channels', 'INPUT_SHAPE', () =>
          m.run(seededInput([1, g.inChannels + 1, 6, 6], 1)),
        ),
      ),
    ),
    errorCase('input-rank', (ctx, g) =>
      withProbe(ctx, (m) =>
        expectError('rank-3 input', 'INPUT_SHAPE', () => m.run(seededInput([g.inChannels, 6, 6], 1))),
      ),
    ),
    errorCase('input-length', (ctx, g) =>
      withProbe(ctx, (m) =>
        expectError('data shorter than its shape', 'INPUT_SHAPE', () =>
          m.run({
            shape: [1, g.inChannels, 6, 6],
            data: new Float32Array(sizeOf([1, g.inChannels, 6, 6]) - 1),
          }),
        ),
      ),
    ),
    errorCase('input-dtype', (ctx, g) =>
      withProbe(ctx, (m) => {
        const x = good(g);
        return expectError('Float64Array input', 'INPUT_DTYPE', () =>
          m.run({ shape: x.shape, data: Float64Array.from(x.data) as unknown as Float32Array }),
        );
      }),
    ),
    errorCase('run-after-dispose', async (ctx, g, w) => {
      const m = await ctx.compile(g, w);
      await m.run(good(g));
      await m.dispose();
      await expectError('run after dispose', 'DISPOSED', () => m.run(good(g)));
      await m.dispose(); // twice is harmless
    }),
    errorCase('unknown-backend', async (ctx, g, w) => {
      const name = 'no-such-backend';
      await expectError(`compile on backend '${name}'`, 'UNKNOWN_BACKEND', () =>
        ctx.adapter.compile(g, w, { ...ctx.options.compileOptions, backend: name }),
      );
      const a = await ctx.adapter.probe(name);
      if (a.available || !a.reason)
        throw new CaseFailure(
          `probe('${name}') must resolve unavailable with a reason, got ${JSON.stringify(a)}`,
        );
    }),
    errorCase('weights-missing', (ctx, g, w) =>
      expectError('weights without conv2.weight', 'WEIGHTS_MISSING', () =>
        ctx.compile(g, withoutKey(w, 'conv2.weight')),
      ),
    ),
    errorCase('weights-shape', (ctx, g, w) => {
      const bad = new Map(w);
      bad.set('conv2.weight', { shape: [1, 2, 3, 3], data: new Float32Array(18) });
      return expectError('mis-shaped conv2.weight', 'WEIGHTS_SHAPE', () => ctx.compile(g, bad));
    }),
    errorCase('weights-extra', (ctx, g, w) => {
      const bad = new Map(w);
      bad.set('layer9.conv.weight', { shape: [1], data: new Float32Array(1) });
      return expectError('unexpected key', 'WEIGHTS_EXTRA', () => ctx.compile(g, bad));
    }),
    errorCase('input-too-small', (ctx) => {
      // An unpadded 3x3 conv needs at least 3x3; the ResNets pad, so they admit 1x1 like PyTorch.
      const b = new GraphBuilder('valid-conv', 'x', 3);
      const graph = b.finish(b.conv('x', 'conv1', { inChannels: 3, outChannels: 4, kernel: 3 }));
      return withModel(ctx, graph, initWeights(graph, 1), (m) =>
        expectError('2x2 input to an unpadded 3x3 conv', 'INPUT_TOO_SMALL', () =>
          m.run(seededInput([1, 3, 2, 2], 1)),
        ),
      );
    }),
  ],
};
