import type { Adapter } from '@resblocks/spec';
import { referenceAdapter } from '@resblocks/spec';

/**
 * The reference with every output nudged by 1e-3 and an engine that claims another backend: the
 * browser tests run it to prove a wrong backend really fails in the page (numbers and identity).
 */
export const brokenAdapter: Adapter = {
  ...referenceAdapter,
  id: 'broken',
  backends: [{ ...referenceAdapter.backends[0]!, name: 'float64' }],
  async compile(graph, weights, options) {
    const inner = await referenceAdapter.compile(graph, weights, options);
    return {
      backend: `broken:${options.backend}`,
      graph,
      async run(input) {
        const y = await inner.run(input);
        return { shape: y.shape, data: y.data.map((v) => v + 1e-3) };
      },
      dispose: () => inner.dispose(),
      info: () => ({ backend: 'cpu' }),
    };
  },
};
