import { runReference, seededInput, sizeOf, type Tensor } from '@resblocks/spec';
import { expectClose } from '../check.js';
import type { CaseGroup } from '../types.js';
import { probeBlock, withProbe } from './probe-block.js';

export const batchGroup: CaseGroup = {
  name: 'batch',
  cases: () => [
    {
      id: 'batch/per-sample',
      group: 'batch',
      async run(ctx) {
        // Batch 3 must equal three batch-1 runs, sample by sample.
        const { graph, weights } = probeBlock();
        const x = seededInput([3, graph.inChannels, 7, 9], 11);
        const per = sizeOf([1, graph.inChannels, 7, 9]);
        return withProbe(ctx, async (m) => {
          const all = await m.run(x);
          const n = all.data.length / 3;
          let worst = 0;
          for (let i = 0; i < 3; i++) {
            const xi: Tensor = {
              shape: [1, graph.inChannels, 7, 9],
              data: x.data.slice(i * per, (i + 1) * per),
            };
            const yi = await m.run(xi);
            const ref = runReference(graph, weights, xi);
            expectClose(ctx, graph, yi, ref, `sample ${i} alone: `);
            const slice: Tensor = { shape: yi.shape, data: all.data.slice(i * n, (i + 1) * n) };
            worst = Math.max(worst, expectClose(ctx, graph, slice, ref, `sample ${i} in batch 3: `));
          }
          return { fraction: worst };
        });
      },
    },
  ],
};
