import type { Graph, GraphNode } from './ir.js';

/**
 * For each value read by exactly one node and not the graph output, that node. Only such a value can
 * be fused into its consumer (BN into the conv before it, a ReLU or an add into a conv's epilogue):
 * nothing else needs the intermediate.
 */
export function soleConsumers(graph: Graph): ReadonlyMap<string, GraphNode> {
  const uses = new Map<string, number>();
  const consumer = new Map<string, GraphNode>();
  for (const n of graph.nodes) {
    for (const i of n.inputs) {
      uses.set(i, (uses.get(i) ?? 0) + 1);
      consumer.set(i, n);
    }
  }
  const sole = new Map<string, GraphNode>();
  for (const [value, n] of uses) if (n === 1 && value !== graph.output) sole.set(value, consumer.get(value)!);
  return sole;
}
