import { initWeights, lowerBlock, lowerNetwork, seededInput } from '@resblocks/spec';
import { CaseFailure, expectMatchesReference } from '../check.js';
import { randomConfig } from '../random.js';
import type { CaseGroup, ConformanceCase } from '../types.js';

/** Seeded random blocks (even seeds) and small networks (odd seeds); a failure prints its replay line. */
export const randomGroup: CaseGroup = {
  name: 'random',
  cases({ options }) {
    const seed = options.seed ?? 1;
    return Array.from({ length: options.randomCases ?? 8 }, (_, i): ConformanceCase => {
      const cfg = randomConfig(seed * 1000 + i);
      return {
        id: `random/${cfg.kind}-${cfg.seed}`,
        group: cfg.kind === 'block' ? 'random-blocks' : 'random-networks',
        async run(ctx) {
          const graph =
            cfg.kind === 'block' ? lowerBlock(cfg.contract, `random-${cfg.seed}`) : lowerNetwork(cfg.network);
          try {
            return {
              fraction: await expectMatchesReference(
                ctx,
                graph,
                initWeights(graph, cfg.seed),
                seededInput(cfg.inputShape, cfg.seed),
              ),
            };
          } catch (e) {
            const config = cfg.kind === 'block' ? cfg.contract : cfg.network;
            throw new CaseFailure(
              `${(e as Error).message}\n  replay: seed=${cfg.seed} input=${JSON.stringify(cfg.inputShape)} config=${JSON.stringify(config)}`,
              (e as CaseFailure).fraction,
              (e as CaseFailure).divergence,
            );
          }
        },
      };
    });
  },
};
