import {
  blockContract,
  type Graph,
  type GraphNode,
  initWeights,
  lowerBlock,
  lowerNetwork,
  NETWORKS,
  type NetworkSpec,
  networkGraph,
  seededInput,
  type Tensor,
  type Weights,
} from '@resblocks/spec';

export interface Case {
  id: string;
  graph: Graph;
  shape: number[];
}

/** A tiny network of a named family: same stem, ordering and shortcuts, 8-channel stages. */
function tiny(base: string, extra: Partial<NetworkSpec> = {}): Graph {
  return lowerNetwork({
    ...NETWORKS[base]!,
    name: `tiny_${base}`,
    layers: [1, 1],
    widths: [8, 16],
    stemWidth: 8,
    numClasses: 5,
    ...extra,
  });
}

/** One op straight on the input (which has negative values), with pads the ResNets never use. */
function single(node: GraphNode, params: Graph['params'] = []): Graph {
  return { name: `op_${node.name}`, input: 'x', inChannels: 3, output: node.name, nodes: [node], params };
}
const pool = { inputs: ['x'], kernel: [3, 3], stride: [2, 2] } as const;
const OPS: Case[] = [
  {
    id: 'op-conv-asymmetric-pads-stride2',
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
    id: 'op-conv-dilated-grouped',
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
    id: 'op-maxpool-ceil-asymmetric',
    graph: single({ op: 'maxpool', name: 'pool', ...pool, pads: [1, 0, 0, 1], ceilMode: true }),
    shape: [1, 3, 8, 9],
  },
  {
    id: 'op-maxpool-pad1',
    graph: single({ op: 'maxpool', name: 'pool', ...pool, pads: [1, 1, 1, 1], ceilMode: false }),
    shape: [2, 3, 7, 9],
  },
  ...([true, false] as const).map((countIncludePad) => ({
    id: `op-avgpool-pad1-ceil-${countIncludePad ? 'count' : 'exclude'}-pad`,
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

/** Small blocks and networks covering every op, ordering, shortcut and odd spatial sizes. */
export const CASES: readonly Case[] = [
  ...OPS,
  {
    id: 'basic-identity',
    graph: lowerBlock(blockContract({ kind: 'basic', planes: 8 })),
    shape: [1, 8, 6, 6],
  },
  {
    id: 'basic-stride2-7x9-batch3',
    graph: lowerBlock(blockContract({ kind: 'basic', planes: 8, inChannels: 4, stride: 2 })),
    shape: [3, 4, 7, 9],
  },
  {
    id: 'bottleneck-v1.5-stride2',
    graph: lowerBlock(blockContract({ kind: 'bottleneck', planes: 4, inChannels: 8, stride: 2 })),
    shape: [1, 8, 7, 9],
  },
  {
    id: 'bottleneck-v1-stride-on-1x1-bias',
    graph: lowerBlock(
      blockContract({
        kind: 'bottleneck',
        planes: 4,
        inChannels: 8,
        stride: 2,
        strideOn: '1x1',
        convBias: true,
        bnEps: 1.001e-5,
      }),
    ),
    shape: [1, 8, 7, 9],
  },
  {
    id: 'resnext-groups32-stride2',
    graph: lowerBlock(
      blockContract({ kind: 'bottleneck', planes: 32, groups: 32, baseWidth: 4, inChannels: 32, stride: 2 }),
    ),
    shape: [1, 32, 7, 9],
  },
  {
    id: 'resnext-one-channel-per-group',
    graph: lowerBlock(
      blockContract({ kind: 'bottleneck', planes: 16, groups: 32, baseWidth: 4, inChannels: 64 }),
    ),
    shape: [1, 64, 5, 5],
  },
  {
    id: 'avgdown-stride2-ceil-7x9',
    graph: lowerBlock(
      blockContract({ kind: 'bottleneck', planes: 4, inChannels: 8, stride: 2, shortcut: 'avgdown' }),
    ),
    shape: [2, 8, 7, 9],
  },
  {
    id: 'preact-bottleneck-stride2',
    graph: lowerBlock(
      blockContract({ kind: 'bottleneck', planes: 4, inChannels: 8, stride: 2, ordering: 'preact' }),
    ),
    shape: [1, 8, 7, 9],
  },
  ...(['bn-after-add', 'relu-before-add', 'relu-only-preact'] as const).map((ordering) => ({
    id: `basic-${ordering}`,
    graph: lowerBlock(blockContract({ kind: 'basic', planes: 8, ordering })),
    shape: [1, 8, 5, 5],
  })),
  { id: 'tiny-resnet18-classic-stem-maxpool', graph: tiny('resnet18'), shape: [1, 3, 19, 21] },
  {
    id: 'tiny-resnet50d-deep-stem-avgdown',
    graph: tiny('resnet50d', { widths: [4, 8] }),
    shape: [2, 3, 23, 17],
  },
  { id: 'tiny-preact-resnet18', graph: tiny('preact_resnet18'), shape: [1, 3, 17, 17] },
  { id: 'resnet8_cifar', graph: networkGraph('resnet8_cifar'), shape: [2, 3, 16, 16] },
];

/** The cases that stay fast on software WebGPU (SwiftShader compiles every shader on the CPU). */
export const WEBGPU_CASES = CASES.filter((c) =>
  [
    'op-conv-asymmetric-pads-stride2',
    'op-maxpool-ceil-asymmetric',
    'op-avgpool-pad1-ceil-exclude-pad',
    'basic-stride2-7x9-batch3',
    'resnext-groups32-stride2',
    'avgdown-stride2-ceil-7x9',
    'preact-bottleneck-stride2',
    'tiny-resnet18-classic-stem-maxpool',
    'resnet8_cifar',
  ].includes(c.id),
);

export function materials(c: Case): { weights: Weights; input: Tensor } {
  return { weights: initWeights(c.graph, 7), input: seededInput(c.shape, 11) };
}
