import { type Graph, type GraphNode, referenceAdapter } from '@resblocks/spec';
import { describe, expect, it } from 'vitest';
import { runConformance } from '../src/index.js';
import { mutatedAdapter } from './broken-adapters.js';

/** A backend that computes one node wrongly, in every graph that has that node. */
function brokenAt(node: string, change: (n: GraphNode) => GraphNode) {
  return mutatedAdapter(`at-${node}`, (graph: Graph, weights) => ({
    graph: { ...graph, nodes: graph.nodes.map((n) => (n.name === node ? change(n) : n)) },
    weights,
  }));
}

const CASES = ['trace/every-node', 'tiny-networks/resnet8_cifar-16x16'];

describe('trace group', () => {
  it('a correct backend passes every trace case', async () => {
    const report = await runConformance(referenceAdapter, 'float64', { only: ['trace/*'] });
    const trace = report.cases.filter((c) => c.group === 'trace');
    expect(trace.map((c) => c.id)).toEqual([
      'trace/every-node',
      'trace/chosen-names-unfolded',
      'trace/locates-padding-layer3',
      'trace/locates-residual-layer2',
    ]);
    expect(trace.filter((c) => c.status !== 'pass')).toEqual([]);
  });

  it.each([
    // Off by one only in layer3's stride-2 convolution (the reference adapter does not fold BN).
    ['layer3.0.conv1', (n: GraphNode) => ({ ...n, pads: [0, 0, 2, 2] }) as GraphNode],
    // One block's sum adds its branch to itself.
    ['layer2.0.add', (n: GraphNode) => ({ ...n, inputs: [n.inputs[0]!, n.inputs[0]!] })],
  ])('a backend broken only at %s traces to exactly that node', async (node, change) => {
    const report = await runConformance(brokenAt(node, change), 'float64', { only: CASES });
    const every = report.cases.find((c) => c.id === 'trace/every-node')!;
    expect(every.status).toBe('fail');
    expect(every.message).toContain(`diverges from reference:float64 at ${node}, `);
    // A failing comparison of the whole network is traced again to name the node.
    const net = report.cases.find((c) => c.id === 'tiny-networks/resnet8_cifar-16x16')!;
    expect(net.status).toBe('fail');
    expect(net.divergence).toMatchObject({ node, module: node });
    expect(net.divergence!.fraction).toBeGreaterThan(1);
  });
});
