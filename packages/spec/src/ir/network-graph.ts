import { getNetwork, type NetworkOptions } from '../contract/networks.js';
import type { Graph } from './ir.js';
import { lowerNetwork } from './lower.js';

const cache = new Map<string, Graph>();

/**
 * The lowered graph of a named network, optionally with another class count (memoised: graphs
 * are immutable).
 */
export function networkGraph(name: string, options: NetworkOptions = {}): Graph {
  const spec = getNetwork(name, options);
  const key = `${name}/${spec.numClasses}`;
  let g = cache.get(key);
  if (!g) {
    g = lowerNetwork(spec);
    cache.set(key, g);
  }
  return g;
}

/**
 * The class count a set of weights was trained for: the rows of `fc.weight`, or undefined when the
 * weights have no 2-D fc.weight (validation then reports what is wrong).
 */
export function classesOf(
  weights: ReadonlyMap<string, { readonly shape: readonly number[] }>,
): number | undefined {
  const fc = weights.get('fc.weight');
  return fc && fc.shape.length === 2 && fc.shape[0]! > 0 ? fc.shape[0] : undefined;
}
