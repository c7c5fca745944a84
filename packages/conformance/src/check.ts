import {
  type CompiledModel,
  compareTensors,
  type Dtype,
  describeComparison,
  errorModel,
  formatShape,
  type Graph,
  isResblocksError,
  runReference,
  shapesEqual,
  type Tensor,
  type Tensor64,
  type Weights,
} from '@resblocks/spec';
import { locateDivergence } from './divergence.js';
import type { CaseContext, Divergence } from './types.js';

export class CaseFailure extends Error {
  override name = 'CaseFailure';
  constructor(
    message: string,
    readonly fraction?: number,
    /** Where the case's graph first went over budget, when that was located. */
    readonly divergence?: Divergence,
  ) {
    super(message);
  }
}

/**
 * Runs a comparison of `graph` on `input`; when it fails on the numbers, traces the case again to
 * name the first node over its budget (the failure then carries it as `divergence`).
 */
export async function explainFailure<T>(
  ctx: CaseContext,
  graph: Graph,
  weights: Weights,
  input: Tensor,
  work: () => Promise<T>,
): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (!(e instanceof CaseFailure) || e.fraction === undefined || e.divergence) throw e;
    const divergence = await locateDivergence(ctx, graph, weights, input).catch(() => undefined);
    throw divergence ? new CaseFailure(e.message, e.fraction, divergence) : e;
  }
}

/** Compiles, runs `fn`, and always disposes. */
export async function withModel<T>(
  ctx: CaseContext,
  graph: Graph,
  weights: Weights,
  fn: (m: CompiledModel) => Promise<T>,
): Promise<T> {
  const model = await ctx.compile(graph, weights);
  try {
    return await fn(model);
  } finally {
    await model.dispose();
  }
}

/**
 * Compares a backend output with expected float64 values under the spec's tolerance policy;
 * throws a CaseFailure on a mismatch and returns the fraction of the tolerance used.
 */
export function checkClose(
  graph: Graph,
  actual: Tensor,
  expected: Tensor64,
  dtype: Dtype = 'float32',
  what = '',
): number {
  if (!shapesEqual(actual.shape, expected.shape)) {
    throw new CaseFailure(
      `${what}output shape ${formatShape(actual.shape)}, expected ${formatShape(expected.shape)}`,
      Number.POSITIVE_INFINITY,
    );
  }
  if (!(actual.data instanceof Float32Array)) {
    throw new CaseFailure(
      `${what}output data must be a Float32Array, got ${(actual.data as object)?.constructor?.name}`,
    );
  }
  const c = compareTensors(actual.data, expected.data, dtype, errorModel(graph));
  if (!c.pass) throw new CaseFailure(`${what}${describeComparison(c)}`, c.fraction);
  return c.fraction;
}

/** checkClose with the case's dtype. */
export function expectClose(
  ctx: CaseContext,
  graph: Graph,
  actual: Tensor,
  expected: Tensor64,
  what = '',
): number {
  return checkClose(graph, actual, expected, ctx.dtype, what);
}

/**
 * A float32 output of `graph` on `input` against the float64 reference, for adapters' own tests:
 * throws (failing the test) on a mismatch, with what differs.
 */
export function assertMatchesReference(
  graph: Graph,
  weights: Weights,
  input: Tensor,
  actual: Tensor,
  what = '',
): number {
  return checkClose(graph, actual, runReference(graph, weights, input), 'float32', what);
}

/** Runs the graph on the backend and compares with the float64 reference. */
export async function expectMatchesReference(
  ctx: CaseContext,
  graph: Graph,
  weights: Weights,
  input: Tensor,
): Promise<number> {
  const expected = runReference(graph, weights, input);
  return explainFailure(ctx, graph, weights, input, () =>
    withModel(ctx, graph, weights, async (m) => expectClose(ctx, graph, await m.run(input), expected)),
  );
}

/** Expects `fn` to reject with a ResblocksError of `code` that carries a message. */
export async function expectError(what: string, code: string, fn: () => Promise<unknown>): Promise<void> {
  let caught: unknown;
  try {
    await fn();
  } catch (e) {
    caught = e;
  }
  if (caught === undefined)
    throw new CaseFailure(`${what}: expected a ResblocksError ${code}, but the call succeeded`);
  if (!isResblocksError(caught)) {
    throw new CaseFailure(
      `${what}: expected a ResblocksError ${code}, got ${(caught as Error)?.name}: ${(caught as Error)?.message}`,
    );
  }
  if (caught.code !== code)
    throw new CaseFailure(`${what}: expected code ${code}, got ${caught.code}: ${caught.message}`);
  if (!caught.message) throw new CaseFailure(`${what}: error has no message`);
}
