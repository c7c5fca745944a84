import { initWeights, lowerNetwork, NETWORKS, type NetworkSpec, seededInput } from '@resblocks/spec';
import { expectMatchesReference } from '../check.js';
import type { CaseGroup, ConformanceCase } from '../types.js';
import { probeBlock } from './probe-block.js';

// resnet18's settings, two one-block stages.
const SMALL_NET: NetworkSpec = {
  ...NETWORKS.resnet18!,
  name: 'small',
  layers: [1, 1],
  widths: [8, 16],
  stemWidth: 8,
  numClasses: 5,
};

/** 1x1, non-square and odd inputs, on a block and on a whole (small) network. */
export const shapesGroup: CaseGroup = {
  name: 'shapes',
  cases: () => [
    ...[
      [1, 1],
      [5, 11],
      [13, 2],
    ].map(
      ([h, w]): ConformanceCase => ({
        id: `shapes/${h}x${w}`,
        group: 'shapes',
        async run(ctx) {
          const { graph, weights } = probeBlock();
          return {
            fraction: await expectMatchesReference(
              ctx,
              graph,
              weights,
              seededInput([2, graph.inChannels, h!, w!], h! * 31 + w!),
            ),
          };
        },
      }),
    ),
    {
      id: 'shapes/network-non-square',
      group: 'shapes',
      async run(ctx) {
        const graph = lowerNetwork(SMALL_NET);
        return {
          fraction: await expectMatchesReference(
            ctx,
            graph,
            initWeights(graph, 5),
            seededInput([2, 3, 19, 27], 5),
          ),
        };
      },
    },
  ],
};
