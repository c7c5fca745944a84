import {
  compareTensors,
  describeComparison,
  errorModel,
  type Graph,
  runReference,
  type Tensor,
  type Weights,
} from '@resblocks/spec';
import { expect } from 'vitest';

/** Compares a tfjs result with the float64 reference under the project tolerance policy. */
export function expectMatchesReference(graph: Graph, weights: Weights, input: Tensor, out: Tensor): void {
  const ref = runReference(graph, weights, input);
  expect(out.shape).toEqual(ref.shape);
  expect(out.data).toBeInstanceOf(Float32Array);
  const c = compareTensors(out.data, ref.data, 'float32', errorModel(graph));
  expect(c.pass, `${graph.name}: ${describeComparison(c)}`).toBe(true);
}

export const CI = process.env.CI === 'true' || process.env.CI === '1';
