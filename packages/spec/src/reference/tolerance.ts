import type { Graph } from '../ir/ir.js';

/**
 * The one tolerance policy every comparison in the project uses.
 *
 *   budget = C * eps(dtype) * sqrt(K * D) * scale
 *
 * - eps: unit roundoff of the dtype the result was computed in (2^-24 float32, 2^-53 float64).
 * - K: accumulation length, the longest dot product in the graph (conv in/groups*kh*kw, linear in).
 * - D: depth, the most conv/linear layers on any path from input to output. Rounding errors of
 *   independent sums grow like sqrt(K) per layer and add up over D layers.
 * - scale: the magnitude of the expected tensor, its root mean square, so the budget follows the
 *   tensor, not one flat absolute epsilon.
 * - C = 16: headroom for reassociation (tiled, FMA, BN folding) that a correct backend may do.
 *
 * A comparison passes when every element's |actual - expected| <= budget, and non-finite values
 * (NaN, +-Inf) sit at the same places in both. It reports the worst error as a fraction of the
 * budget: 0.1 means ten times inside the budget; anything above 1 fails.
 */
export type Dtype = 'float16' | 'float32' | 'float64';

export const UNIT_ROUNDOFF: Record<Dtype, number> = {
  float16: 2 ** -11,
  float32: 2 ** -24,
  float64: 2 ** -53,
};
export const HEADROOM = 16;

export interface ErrorModel {
  /** K: longest dot product. */
  accumulation: number;
  /** D: most conv/linear layers on one path. */
  depth: number;
}

export function errorModel(graph: Graph): ErrorModel {
  let accumulation = 1;
  const depth = new Map<string, number>([[graph.input, 0]]);
  for (const node of graph.nodes) {
    let d = Math.max(...node.inputs.map((i) => depth.get(i) ?? 0));
    if (node.op === 'conv2d') {
      accumulation = Math.max(
        accumulation,
        (node.inChannels / node.groups) * node.kernel[0] * node.kernel[1],
      );
      d += 1;
    } else if (node.op === 'linear') {
      accumulation = Math.max(accumulation, node.inFeatures);
      d += 1;
    }
    depth.set(node.name, d);
  }
  return { accumulation, depth: Math.max(1, depth.get(graph.output) ?? 1) };
}

/**
 * The error model at every value: K the longest dot product and D the most conv/linear layers on
 * any path from the input to that value. A value inside the network is judged on the budget of
 * the layers it went through, so an early layer gets the tight budget of its depth, not the
 * output's. The graph output's model equals errorModel(graph) wherever every conv feeds it.
 */
export function nodeErrorModels(graph: Graph): Map<string, ErrorModel> {
  const at = new Map<string, { accumulation: number; depth: number }>([
    [graph.input, { accumulation: 1, depth: 0 }],
  ]);
  for (const node of graph.nodes) {
    let accumulation = 1;
    let depth = 0;
    for (const i of node.inputs) {
      const m = at.get(i);
      if (!m) continue;
      accumulation = Math.max(accumulation, m.accumulation);
      depth = Math.max(depth, m.depth);
    }
    if (node.op === 'conv2d') {
      accumulation = Math.max(
        accumulation,
        (node.inChannels / node.groups) * node.kernel[0] * node.kernel[1],
      );
      depth++;
    } else if (node.op === 'linear') {
      accumulation = Math.max(accumulation, node.inFeatures);
      depth++;
    }
    at.set(node.name, { accumulation, depth });
  }
  at.delete(graph.input);
  return new Map(
    [...at].map(([name, m]) => [name, { accumulation: m.accumulation, depth: Math.max(1, m.depth) }]),
  );
}

export interface Comparison {
  pass: boolean;
  /** Worst |actual - expected| over the finite elements. */
  maxAbsError: number;
  /** The allowed absolute error per element. */
  budget: number;
  /** maxAbsError / budget (Infinity when non-finite values disagree or lengths differ). */
  fraction: number;
  /** Index of the worst element (-1 if none). */
  worstIndex: number;
  /** Elements where one side is NaN/Inf and the other is not the same value. */
  nonFiniteMismatches: number;
  scale: number;
  dtype: Dtype;
  model: ErrorModel;
}

export function toleranceBudget(dtype: Dtype, model: ErrorModel, scale: number): number {
  return HEADROOM * UNIT_ROUNDOFF[dtype] * Math.sqrt(model.accumulation * model.depth) * scale;
}

function rms(values: ArrayLike<number>): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isFinite(v)) {
      s += v * v;
      n++;
    }
  }
  return n ? Math.sqrt(s / n) : 0;
}

/** Compares a result computed in `dtype` against the expected (float64) values under the policy. */
export function compareTensors(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  dtype: Dtype,
  model: ErrorModel,
): Comparison {
  // A tensor of all zeros still gets a non-zero budget (the smallest normal float32 times K*D).
  const scale = Math.max(rms(expected), 2 ** -126);
  const budget = toleranceBudget(dtype, model, scale);
  const base = { budget, scale, dtype, model };
  if (actual.length !== expected.length) {
    return {
      ...base,
      pass: false,
      maxAbsError: Number.POSITIVE_INFINITY,
      fraction: Number.POSITIVE_INFINITY,
      worstIndex: -1,
      nonFiniteMismatches: 0,
    };
  }
  let maxAbsError = 0;
  let worstIndex = -1;
  let nonFiniteMismatches = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    const a = actual[i]!;
    if (!Number.isFinite(e) || !Number.isFinite(a)) {
      if (!(Object.is(a, e) || (Number.isNaN(a) && Number.isNaN(e)))) {
        nonFiniteMismatches++;
        if (worstIndex < 0) worstIndex = i;
      }
      continue;
    }
    const err = Math.abs(a - e);
    if (err > maxAbsError) {
      maxAbsError = err;
      if (!nonFiniteMismatches) worstIndex = i;
    }
  }
  const fraction = nonFiniteMismatches ? Number.POSITIVE_INFINITY : maxAbsError / budget;
  return { ...base, pass: fraction <= 1, maxAbsError, fraction, worstIndex, nonFiniteMismatches };
}

export function describeComparison(c: Comparison): string {
  const pct = Number.isFinite(c.fraction)
    ? `${(c.fraction * 100).toPrecision(3)}% of budget`
    : 'non-finite mismatch';
  return `max |err| ${c.maxAbsError.toExponential(3)} vs budget ${c.budget.toExponential(3)} (${pct}, ${c.dtype}, K=${c.model.accumulation}, D=${c.model.depth}, worst index ${c.worstIndex}${c.nonFiniteMismatches ? `, ${c.nonFiniteMismatches} NaN/Inf mismatches` : ''})`;
}
