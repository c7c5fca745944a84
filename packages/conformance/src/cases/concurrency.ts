import { runReference, seededInput } from '@resblocks/spec';
import { expectClose } from '../check.js';
import type { CaseGroup } from '../types.js';
import { probeBlock, withProbe } from './probe-block.js';

export const concurrencyGroup: CaseGroup = {
  name: 'concurrency',
  cases: () => [
    {
      id: 'concurrency/overlapping-runs',
      group: 'concurrency',
      capability: 'concurrency',
      async run(ctx) {
        const { graph, weights } = probeBlock();
        const inputs = Array.from({ length: 8 }, (_, i) =>
          seededInput([1 + (i % 2), graph.inChannels, 6 + (i % 3), 6], 100 + i),
        );
        return withProbe(ctx, async (m) => {
          const outs = await Promise.all(inputs.map((x) => m.run(x)));
          let worst = 0;
          outs.forEach((y, i) => {
            worst = Math.max(
              worst,
              expectClose(ctx, graph, y, runReference(graph, weights, inputs[i]!), `run ${i}: `),
            );
          });
          return { fraction: worst };
        });
      },
    },
  ],
};
