import {
  type BlockContract,
  blockContract,
  type Graph,
  initWeights,
  lowerBlock,
  type Weights,
} from '@resblocks/spec';

export interface BlockCase {
  readonly id: string;
  readonly contract: BlockContract;
  readonly shape: readonly [number, number, number, number];
}

/** Small blocks that cover every op, grouping, padding and ordering variant the exporter emits. */
export const BLOCK_CASES: readonly BlockCase[] = [
  { id: 'basic', contract: blockContract({ kind: 'basic', planes: 8 }), shape: [2, 8, 8, 8] },
  {
    id: 'basic-stride2-7x9',
    contract: blockContract({ kind: 'basic', inChannels: 8, planes: 16, stride: 2 }),
    shape: [1, 8, 7, 9],
  },
  {
    id: 'bottleneck',
    contract: blockContract({ kind: 'bottleneck', inChannels: 16, planes: 8, stride: 2 }),
    shape: [2, 16, 8, 8],
  },
  {
    id: 'resnext-g32',
    contract: blockContract({ kind: 'bottleneck', inChannels: 64, planes: 16, groups: 32, baseWidth: 4 }),
    shape: [1, 64, 6, 6],
  },
  {
    id: 'avgdown-odd',
    contract: blockContract({
      kind: 'bottleneck',
      inChannels: 16,
      planes: 8,
      stride: 2,
      shortcut: 'avgdown',
    }),
    shape: [1, 16, 7, 9],
  },
  {
    id: 'preact',
    contract: blockContract({ kind: 'bottleneck', inChannels: 16, planes: 8, stride: 2, ordering: 'preact' }),
    shape: [1, 16, 8, 8],
  },
  {
    id: 'v1-bias',
    contract: blockContract({
      kind: 'bottleneck',
      inChannels: 16,
      planes: 8,
      stride: 2,
      strideOn: '1x1',
      convBias: true,
      bnEps: 1.001e-5,
    }),
    shape: [1, 16, 8, 8],
  },
  { id: 'batch3', contract: blockContract({ kind: 'basic', planes: 8 }), shape: [3, 8, 5, 5] },
  {
    id: 'bn-after-add',
    contract: blockContract({ kind: 'basic', planes: 8, ordering: 'bn-after-add' }),
    shape: [1, 8, 6, 6],
  },
];

export function blockModel(c: BlockCase, seed = 1): { graph: Graph; weights: Weights } {
  const graph = lowerBlock(c.contract, c.id);
  return { graph, weights: initWeights(graph, seed) };
}
