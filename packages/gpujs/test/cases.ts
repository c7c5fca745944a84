import {
  blockContract,
  compareTensors,
  describeComparison,
  errorModel,
  type Graph,
  initWeights,
  lowerBlock,
  networkGraph,
  runReference,
  seededInput,
  type Tensor,
  type Weights,
} from '@resblocks/spec';
import { expect } from 'vitest';
import { gpujsAdapter } from '../src/index.js';

export interface Case {
  readonly name: string;
  readonly graph: Graph;
  readonly shape: readonly number[];
}

const block = (name: string, c: Parameters<typeof blockContract>[0], shape: number[]): Case => ({
  name,
  graph: lowerBlock(blockContract(c), name),
  shape,
});

/** Small blocks covering every op, ordering detail and shape rule the kernels implement. */
export const BLOCK_CASES: readonly Case[] = [
  block('basic identity batch 3, 7x9', { kind: 'basic', inChannels: 8, planes: 8 }, [3, 8, 7, 9]),
  block(
    'basic stride 2 projection, bias',
    { kind: 'basic', inChannels: 4, planes: 8, stride: 2, convBias: true },
    [1, 4, 9, 7],
  ),
  block(
    'bottleneck stride 2 (v1.5)',
    { kind: 'bottleneck', inChannels: 16, planes: 8, stride: 2 },
    [2, 16, 7, 9],
  ),
  block(
    'bottleneck v1 stride on 1x1',
    { kind: 'bottleneck', inChannels: 16, planes: 8, stride: 2, strideOn: '1x1' },
    [1, 16, 9, 9],
  ),
  block(
    'resnext groups 32',
    { kind: 'bottleneck', inChannels: 64, planes: 16, groups: 32, baseWidth: 4, stride: 2 },
    [1, 64, 7, 9],
  ),
  block(
    'avgdown at odd size',
    { kind: 'bottleneck', inChannels: 16, planes: 8, stride: 2, shortcut: 'avgdown' },
    [2, 16, 9, 7],
  ),
  block(
    'preact basic stride 2',
    { kind: 'basic', inChannels: 4, planes: 8, stride: 2, ordering: 'preact' },
    [1, 4, 9, 9],
  ),
  block('bn-after-add', { kind: 'basic', inChannels: 8, planes: 8, ordering: 'bn-after-add' }, [1, 8, 5, 6]),
  block(
    'relu-before-add',
    { kind: 'basic', inChannels: 8, planes: 8, ordering: 'relu-before-add' },
    [1, 8, 5, 6],
  ),
  block(
    'relu-only-preact',
    { kind: 'bottleneck', inChannels: 16, planes: 4, ordering: 'relu-only-preact' },
    [1, 16, 5, 6],
  ),
];

export const NETWORK_CASES: readonly Case[] = [
  { name: 'resnet8_cifar', graph: networkGraph('resnet8_cifar'), shape: [2, 3, 16, 16] },
];

/** Compiles, runs and compares one case against the float64 reference; returns the worst fraction. */
export async function expectMatches(backend: string, c: Case, seed = 1): Promise<number> {
  const weights: Weights = initWeights(c.graph, seed);
  const input: Tensor = seededInput(c.shape, seed + 1);
  const model = await gpujsAdapter.compile(c.graph, weights, { backend });
  try {
    const y = await model.run(input);
    const ref = runReference(c.graph, weights, input);
    expect(y.shape).toEqual(ref.shape);
    const cmp = compareTensors(y.data, ref.data, 'float32', errorModel(c.graph));
    expect(cmp.pass, `${c.name} on gpujs:${backend}: ${describeComparison(cmp)}`).toBe(true);
    return cmp.fraction;
  } finally {
    await model.dispose();
  }
}
