import { runReference, seededInput } from '@resblocks/spec';
import { expectClose, expectError } from '../check.js';
import type { CaseGroup } from '../types.js';
import { probeBlock, withProbe } from './probe-block.js';

/**
 * run(input, { signal }): an aborted run rejects with ABORTED, and the model stays usable (the
 * next run is still right).
 */
export const abortGroup: CaseGroup = {
  name: 'abort',
  cases: () => [
    {
      id: 'abort/before-run',
      group: 'abort',
      async run(ctx) {
        const { graph, weights } = probeBlock();
        const x = seededInput([1, graph.inChannels, 6, 6], 51);
        return withProbe(ctx, async (m) => {
          const controller = new AbortController();
          controller.abort(new Error('the caller gave up'));
          await expectError('run with an already-aborted signal', 'ABORTED', () =>
            m.run(x, { signal: controller.signal }),
          );
          const y = await m.run(x);
          return { fraction: expectClose(ctx, graph, y, runReference(graph, weights, x), 'the run after: ') };
        });
      },
    },
    {
      id: 'abort/during-run',
      group: 'abort',
      async run(ctx) {
        const { graph, weights } = probeBlock();
        const x = seededInput([2, graph.inChannels, 7, 5], 52);
        return withProbe(ctx, async (m) => {
          const controller = new AbortController();
          const running = m.run(x, { signal: controller.signal });
          controller.abort();
          await expectError('run aborted while in flight', 'ABORTED', () => running);
          const y = await m.run(x);
          return { fraction: expectClose(ctx, graph, y, runReference(graph, weights, x), 'the run after: ') };
        });
      },
    },
  ],
};
