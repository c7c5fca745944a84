import { seededInput } from '@resblocks/spec';
import { CaseFailure } from '../check.js';
import type { CaseGroup } from '../types.js';
import { probeBlock, withProbe } from './probe-block.js';

export const determinismGroup: CaseGroup = {
  name: 'determinism',
  cases: () => [
    {
      id: 'determinism/bit-identical',
      group: 'determinism',
      capability: 'determinism',
      async run(ctx) {
        const { graph } = probeBlock();
        const x = seededInput([2, graph.inChannels, 9, 7], 21);
        return withProbe(ctx, async (m) => {
          const a = await m.run(x);
          const b = await m.run(x);
          const diff = a.data.findIndex((v, i) => !Object.is(v, b.data[i]));
          if (diff >= 0)
            throw new CaseFailure(`second run differs at index ${diff}: ${a.data[diff]} vs ${b.data[diff]}`);
          return {};
        });
      },
    },
  ],
};
