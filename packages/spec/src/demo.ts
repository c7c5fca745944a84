#!/usr/bin/env node
import { getNetwork } from './contract/networks.js';
/** Prints the contracts of a few networks with their parameter counts and FLOPs. */
import { graphCosts } from './ir/costs.js';
import { networkGraph } from './ir/network-graph.js';

const names = process.argv.slice(2).length ? process.argv.slice(2) : ['resnet50', 'resnext50_32x4d'];
for (const name of names) {
  const spec = getNetwork(name);
  const graph = networkGraph(name);
  const c = graphCosts(graph, [1, 3, 224, 224]);
  console.log(`${name}`);
  console.log(
    `  ${spec.block} blocks ${JSON.stringify(spec.layers)}, widths ${JSON.stringify(spec.widths)}, groups ${spec.groups}, base width ${spec.baseWidth}`,
  );
  console.log(
    `  stem ${spec.stem}, stride on ${spec.strideOn}, shortcut ${spec.shortcut}, ordering ${spec.ordering}, BN eps ${spec.bnEps}`,
  );
  console.log(
    `  parameters ${c.parameters.toLocaleString('en-US')} (+${c.buffers.toLocaleString('en-US')} BN buffers)`,
  );
  console.log(
    `  at 1x3x224x224: ${(c.macs / 1e9).toFixed(3)} GMACs, ${(c.flops / 1e9).toFixed(3)} GFLOPs, ${graph.nodes.length} IR nodes`,
  );
}
