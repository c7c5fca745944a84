import { type CompiledModel, runReference, seededInput, type Tensor } from '@resblocks/spec';
import { expectClose, expectError } from '../check.js';
import type { CaseGroup, ConformanceCase } from '../types.js';
import { probeBlock, withProbe } from './probe-block.js';

/** `abortedRun` must reject with ABORTED on the probe block's input [n, C, h, w]; the next run must still be right. */
function abortCase(
  name: string,
  [n, h, w]: readonly [number, number, number],
  seed: number,
  what: string,
  abortedRun: (m: CompiledModel, x: Tensor) => Promise<unknown>,
): ConformanceCase {
  return {
    id: `abort/${name}`,
    group: 'abort',
    async run(ctx) {
      const { graph, weights } = probeBlock();
      const x = seededInput([n, graph.inChannels, h, w], seed);
      return withProbe(ctx, async (m) => {
        await expectError(what, 'ABORTED', () => abortedRun(m, x));
        const y = await m.run(x);
        return { fraction: expectClose(ctx, graph, y, runReference(graph, weights, x), 'the run after: ') };
      });
    },
  };
}

/**
 * run(input, { signal }): an aborted run rejects with ABORTED, and the model stays usable (the
 * next run is still right).
 */
export const abortGroup: CaseGroup = {
  name: 'abort',
  cases: () => [
    abortCase('before-run', [1, 6, 6], 51, 'run with an already-aborted signal', (m, x) => {
      const controller = new AbortController();
      controller.abort(new Error('the caller gave up'));
      return m.run(x, { signal: controller.signal });
    }),
    abortCase('during-run', [2, 7, 5], 52, 'run aborted while in flight', (m, x) => {
      const controller = new AbortController();
      const running = m.run(x, { signal: controller.signal });
      controller.abort();
      return running;
    }),
  ],
};
