import { type Graph, GraphBuilder } from '@resblocks/spec';
import type { CaseGroup } from '../types.js';
import { type GraphCase, graphConformanceCase } from './graph-case.js';

/** One op straight on the input (which has negative values), with pads the ResNets never use. */
function single(op: string, emit: (b: GraphBuilder) => string): Graph {
  const b = new GraphBuilder(`op_${op}`, 'x', 3);
  return b.finish(emit(b));
}

/** Single ops at their corners: asymmetric pads, dilation, ceil mode, pads counted or not. */
export const OP_CASES: readonly GraphCase[] = [
  {
    id: 'ops/conv-asymmetric-pads-stride2',
    graph: single('conv', (b) =>
      b.conv('x', 'conv', {
        inChannels: 3,
        outChannels: 4,
        kernel: [3, 2],
        stride: 2,
        pad: [0, 1, 2, 0],
        bias: true,
      }),
    ),
    shape: [2, 3, 8, 7],
  },
  {
    id: 'ops/conv-dilated-grouped',
    graph: single('conv', (b) =>
      b.conv('x', 'conv', { inChannels: 3, outChannels: 6, kernel: 3, pad: 2, dilation: 2, groups: 3 }),
    ),
    shape: [1, 3, 7, 6],
  },
  {
    id: 'ops/maxpool-ceil-asymmetric',
    graph: single('pool', (b) => b.maxpool('x', 'pool', 3, 2, [1, 0, 0, 1], true)),
    shape: [1, 3, 8, 9],
  },
  {
    id: 'ops/maxpool-pad1',
    graph: single('pool', (b) => b.maxpool('x', 'pool', 3, 2, 1)),
    shape: [2, 3, 7, 9],
  },
  ...([true, false] as const).map((countIncludePad) => ({
    id: `ops/avgpool-pad1-ceil-${countIncludePad ? 'count' : 'exclude'}-pad`,
    graph: single('pool', (b) =>
      b.avgpool('x', 'pool', { kernel: 3, stride: 2, pad: 1, ceilMode: true, countIncludePad }),
    ),
    shape: [1, 3, 8, 10],
  })),
];

export const opsGroup: CaseGroup = {
  name: 'ops',
  cases: () => OP_CASES.map((c) => graphConformanceCase(c)),
};
