import { getNetwork } from '../contract/networks.js';
import type { Graph } from './ir.js';
import { lowerNetwork } from './lower.js';

const cache = new Map<string, Graph>();

/** The lowered graph of a named network (memoised: graphs are immutable). */
export function networkGraph(name: string): Graph {
  let g = cache.get(name);
  if (!g) {
    g = lowerNetwork(getNetwork(name));
    cache.set(name, g);
  }
  return g;
}
