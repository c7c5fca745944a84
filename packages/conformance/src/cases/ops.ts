import type { Graph, GraphNode } from '@resblocks/spec';
import type { CaseGroup } from '../types.js';
import { type GraphCase, graphConformanceCase } from './graph-case.js';

/** One op straight on the input (which has negative values), with pads the ResNets never use. */
function single(node: GraphNode, params: Graph['params'] = []): Graph {
  return { name: `op_${node.name}`, input: 'x', inChannels: 3, output: node.name, nodes: [node], params };
}

const pool = { inputs: ['x'], kernel: [3, 3], stride: [2, 2] } as const;

/** Single ops at their corners: asymmetric pads, dilation, ceil mode, pads counted or not. */
export const OP_CASES: readonly GraphCase[] = [
  {
    id: 'ops/conv-asymmetric-pads-stride2',
    graph: single(
      {
        op: 'conv2d',
        name: 'conv',
        inputs: ['x'],
        inChannels: 3,
        outChannels: 4,
        kernel: [3, 2],
        stride: [2, 2],
        pads: [0, 1, 2, 0],
        dilation: [1, 1],
        groups: 1,
        weight: 'conv.weight',
        bias: 'conv.bias',
      },
      [
        { name: 'conv.weight', shape: [4, 3, 3, 2], role: 'conv_weight', fanIn: 18 },
        { name: 'conv.bias', shape: [4], role: 'conv_bias', fanIn: 18 },
      ],
    ),
    shape: [2, 3, 8, 7],
  },
  {
    id: 'ops/conv-dilated-grouped',
    graph: single(
      {
        op: 'conv2d',
        name: 'conv',
        inputs: ['x'],
        inChannels: 3,
        outChannels: 6,
        kernel: [3, 3],
        stride: [1, 1],
        pads: [2, 2, 2, 2],
        dilation: [2, 2],
        groups: 3,
        weight: 'conv.weight',
      },
      [{ name: 'conv.weight', shape: [6, 1, 3, 3], role: 'conv_weight', fanIn: 9 }],
    ),
    shape: [1, 3, 7, 6],
  },
  {
    id: 'ops/maxpool-ceil-asymmetric',
    graph: single({ op: 'maxpool', name: 'pool', ...pool, pads: [1, 0, 0, 1], ceilMode: true }),
    shape: [1, 3, 8, 9],
  },
  {
    id: 'ops/maxpool-pad1',
    graph: single({ op: 'maxpool', name: 'pool', ...pool, pads: [1, 1, 1, 1], ceilMode: false }),
    shape: [2, 3, 7, 9],
  },
  ...([true, false] as const).map((countIncludePad) => ({
    id: `ops/avgpool-pad1-ceil-${countIncludePad ? 'count' : 'exclude'}-pad`,
    graph: single({
      op: 'avgpool',
      name: 'pool',
      ...pool,
      pads: [1, 1, 1, 1],
      ceilMode: true,
      countIncludePad,
    }),
    shape: [1, 3, 8, 10],
  })),
];

export const opsGroup: CaseGroup = {
  name: 'ops',
  cases: () => OP_CASES.map((c) => graphConformanceCase(c)),
};
