import { runReference, seededInput } from '@resblocks/spec';
import { expectClose } from '../check.js';
import type { CaseGroup } from '../types.js';
import { probeBlock, withProbe } from './probe-block.js';

export const nonFiniteGroup: CaseGroup = {
  name: 'non-finite',
  cases: () => [
    {
      id: 'non-finite/propagate',
      group: 'non-finite',
      capability: 'nonFinite',
      async run(ctx) {
        const { graph, weights } = probeBlock();
        const x = seededInput([1, graph.inChannels, 6, 6], 31);
        x.data[5] = Number.NaN;
        x.data[40] = Number.POSITIVE_INFINITY;
        x.data[77] = Number.NEGATIVE_INFINITY;
        return withProbe(ctx, async (m) => ({
          fraction: expectClose(ctx, graph, await m.run(x), runReference(graph, weights, x)),
        }));
      },
    },
  ],
};
