import {
  compareTrace,
  type Graph,
  referenceActivations,
  type Tensor,
  type TraceComparison,
  type Weights,
} from '@resblocks/spec';
import type { CaseContext, Divergence } from './types.js';

/** Traces `graph` on the case's backend and compares every node with the float64 reference. */
export async function traceAgainstReference(
  ctx: CaseContext,
  graph: Graph,
  weights: Weights,
  input: Tensor,
  compiled: Graph = graph,
): Promise<TraceComparison> {
  const model = await ctx.compile(compiled, weights, { trace: true });
  try {
    const { trace = [] } = await model.run(input);
    return compareTrace(trace, referenceActivations(graph, weights, input), {
      graph,
      dtype: ctx.dtype,
      backend: ctx.id,
      against: 'reference:float64',
    });
  } finally {
    await model.dispose();
  }
}

/** The first node of `graph` over its budget on the case's backend, or undefined if none is. */
export async function locateDivergence(
  ctx: CaseContext,
  graph: Graph,
  weights: Weights,
  input: Tensor,
): Promise<Divergence | undefined> {
  const c = await traceAgainstReference(ctx, graph, weights, input);
  const first = c.firstOver;
  if (!first) return undefined;
  return {
    node: first.node,
    module: first.module,
    op: first.op,
    fraction: first.fraction ?? Number.POSITIVE_INFINITY,
    verdict: c.verdict,
  };
}
