import { blockContract, initWeights, lowerBlock, seededInput } from '@resblocks/spec';
import { expectMatchesReference } from '../check.js';
import type { CaseGroup } from '../types.js';

export const variantsGroup: CaseGroup = {
  name: 'variants',
  cases: () => [
    {
      id: 'bn/eps-sensitive',
      group: 'variants',
      async run(ctx) {
        // Trained networks have channels with running_var near eps; there eps decides the result.
        const graph = lowerBlock(
          blockContract({ kind: 'basic', inChannels: 8, planes: 8, bnEps: 1e-5 }),
          'eps-sensitive',
        );
        const weights = initWeights(graph, 9);
        for (const p of graph.params) {
          if (p.role !== 'bn_var') continue;
          const t = weights.get(p.name)!;
          weights.set(p.name, { shape: t.shape, data: t.data.map((v) => v * 2e-5) });
        }
        return { fraction: await expectMatchesReference(ctx, graph, weights, seededInput([1, 8, 6, 6], 9)) };
      },
    },
  ],
};
