import { formatShape, ResblocksError } from '../errors.js';
import type { Graph } from '../ir/ir.js';
import { shapesEqual, type Tensor } from '../tensor.js';

/** Parameters by torchvision state_dict name, float32, NCHW/OIHW. */
export type Weights = Map<string, Tensor>;

/** torchvision BN modules also save this counter; it has no effect at inference, so it is accepted and ignored. */
const IGNORED_SUFFIX = '.num_batches_tracked';

export interface WeightProblems {
  missing: string[];
  extra: string[];
  misShaped: { key: string; expected: number[]; actual: number[] }[];
}

export function checkWeights(
  graph: Graph,
  weights: ReadonlyMap<string, { shape: readonly number[] }>,
): WeightProblems {
  const problems: WeightProblems = { missing: [], extra: [], misShaped: [] };
  const expected = new Map(graph.params.map((p) => [p.name, p.shape]));
  const bnPrefixes = new Set(
    graph.params.filter((p) => p.role === 'bn_mean').map((p) => p.name.replace(/\.running_mean$/, '')),
  );
  for (const [name, shape] of expected) {
    const w = weights.get(name);
    if (!w) problems.missing.push(name);
    else if (!shapesEqual(w.shape, shape))
      problems.misShaped.push({ key: name, expected: [...shape], actual: [...w.shape] });
  }
  for (const name of weights.keys()) {
    if (expected.has(name)) continue;
    if (name.endsWith(IGNORED_SUFFIX) && bnPrefixes.has(name.slice(0, -IGNORED_SUFFIX.length))) continue;
    problems.extra.push(name);
  }
  return problems;
}

function list(items: string[], max = 5): string {
  const shown = items.slice(0, max).join(', ');
  return items.length > max ? `${shown} and ${items.length - max} more` : shown;
}

/**
 * Validates every key and shape against the graph. Throws a ResblocksError whose code names the
 * first kind of problem (missing, then mis-shaped, then extra) and whose message lists them all.
 * Returns the weights restricted to the graph's parameters, in state_dict order.
 */
export function validateWeights(graph: Graph, weights: ReadonlyMap<string, Tensor>): Weights {
  const p = checkWeights(graph, weights);
  const parts: string[] = [];
  if (p.missing.length) parts.push(`missing ${p.missing.length} key(s): ${list(p.missing)}`);
  if (p.misShaped.length) {
    parts.push(
      `mis-shaped: ${list(p.misShaped.map((m) => `${m.key} expected ${formatShape(m.expected)} got ${formatShape(m.actual)}`))}`,
    );
  }
  if (p.extra.length) parts.push(`unexpected ${p.extra.length} key(s): ${list(p.extra)}`);
  if (parts.length) {
    const code = p.missing.length
      ? 'WEIGHTS_MISSING'
      : p.misShaped.length
        ? 'WEIGHTS_SHAPE'
        : 'WEIGHTS_EXTRA';
    throw new ResblocksError(code, `weights do not match '${graph.name}': ${parts.join('; ')}`, { ...p });
  }
  for (const spec of graph.params) {
    const t = weights.get(spec.name)!;
    if (!(t.data instanceof Float32Array)) {
      throw new ResblocksError('WEIGHTS_DTYPE', `weight '${spec.name}' must be float32`, { key: spec.name });
    }
  }
  return new Map(graph.params.map((s) => [s.name, weights.get(s.name)!]));
}
