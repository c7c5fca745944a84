import { initWeights, networkGraph, runReference, seededInput, type Tensor64 } from '@resblocks/spec';
import { expectClose, withModel } from '../check.js';
import type { CaseGroup, ReferenceNetwork } from '../types.js';

/** Float64 reference outputs, computed once per network and size and shared by every backend. */
const outputs = new Map<string, Tensor64>();

function referenceOutput(net: ReferenceNetwork): Tensor64 {
  const key = `${net.name}@${net.size}`;
  let y = outputs.get(key);
  if (!y) {
    const graph = networkGraph(net.name);
    y = runReference(graph, initWeights(graph, 1), seededInput([1, graph.inChannels, net.size, net.size], 1));
    outputs.set(key, y);
  }
  return y;
}

/** Whole networks at a chosen size (e.g. 224x224) against the float64 reference (options.referenceNetworks). */
export const referenceNetworksGroup: CaseGroup = {
  name: 'reference-networks',
  cases: ({ options, adapter }) =>
    (options.referenceNetworks ?? []).map((net) => ({
      id: `reference-network/${net.name}@${net.size}`,
      group: 'reference-networks',
      capability: 'networks' as const,
      ...(adapter.id === 'reference' ? { skip: 'the float64 reference is the oracle of this case' } : {}),
      async run(ctx) {
        const graph = networkGraph(net.name);
        const expected = referenceOutput(net);
        const input = seededInput([1, graph.inChannels, net.size, net.size], 1);
        // The backend's time only: the shared reference output can take far longer than the backend.
        const t0 = performance.now();
        const fraction = await withModel(ctx, graph, initWeights(graph, 1), async (m) =>
          expectClose(ctx, graph, await m.run(input), expected),
        );
        return { fraction, durationMs: performance.now() - t0 };
      },
    })),
};
