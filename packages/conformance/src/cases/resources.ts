import { seededInput } from '@resblocks/spec';
import { CaseFailure } from '../check.js';
import type { CaseGroup } from '../types.js';
import { probeBlock } from './probe-block.js';

export const resourcesGroup: CaseGroup = {
  name: 'resources',
  cases: () => [
    {
      id: 'resources/released',
      group: 'resources',
      capability: 'resourceCounters',
      async run(ctx) {
        const { graph, weights } = probeBlock();
        const x = seededInput([1, graph.inChannels, 6, 6], 41);
        const before = await ctx.adapter.resources(ctx.backend);
        const m = await ctx.compile(graph, weights);
        await m.run(x);
        const afterOne = await ctx.adapter.resources(ctx.backend);
        for (let i = 0; i < 6; i++) await m.run(x);
        const afterMany = await ctx.adapter.resources(ctx.backend);
        await m.dispose();
        const after = await ctx.adapter.resources(ctx.backend);
        const grew = Object.keys(afterMany).filter((k) => afterMany[k]! > (afterOne[k] ?? 0));
        if (grew.length) {
          throw new CaseFailure(
            `counters grew over repeated runs: ${grew.map((k) => `${k} ${afterOne[k]} -> ${afterMany[k]}`).join(', ')}`,
          );
        }
        const leaked = Object.keys({ ...before, ...after }).filter(
          (k) => (after[k] ?? 0) !== (before[k] ?? 0),
        );
        if (leaked.length) {
          throw new CaseFailure(
            `counters not back after dispose: ${leaked.map((k) => `${k} ${before[k]} -> ${after[k]}`).join(', ')}`,
          );
        }
        return {};
      },
    },
  ],
};
