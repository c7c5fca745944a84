import type { Capabilities } from '@resblocks/spec';
import { type Graph, initWeights, seededInput, type Tensor, type Weights } from '@resblocks/spec';
import { expectMatchesReference } from '../check.js';
import type { ConformanceCase } from '../types.js';

/** A small graph and an input shape, compared with the float64 reference on seeded weights. */
export interface GraphCase {
  /** `group/name`, the case id in reports. */
  readonly id: string;
  readonly graph: Graph;
  readonly shape: readonly number[];
}

/** The seeded weights and input a graph case runs on (also for adapters' own tests of that graph). */
export function materials(c: GraphCase): { graph: Graph; weights: Weights; input: Tensor } {
  return { graph: c.graph, weights: initWeights(c.graph, 7), input: seededInput(c.shape, 11) };
}

export function graphConformanceCase(c: GraphCase, capability?: keyof Capabilities): ConformanceCase {
  return {
    id: c.id,
    group: c.id.slice(0, c.id.indexOf('/')),
    ...(capability ? { capability } : {}),
    async run(ctx) {
      const { graph, weights, input } = materials(c);
      return { fraction: await expectMatchesReference(ctx, graph, weights, input) };
    },
  };
}
