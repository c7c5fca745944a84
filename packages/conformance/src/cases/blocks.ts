import { blockContract, lowerBlock } from '@resblocks/spec';
import type { CaseGroup } from '../types.js';
import { type GraphCase, graphConformanceCase } from './graph-case.js';

function block(name: string, contract: Parameters<typeof blockContract>[0], shape: number[]): GraphCase {
  return { id: `blocks/${name}`, graph: lowerBlock(blockContract(contract), name), shape };
}

/**
 * Small blocks at the corners adapters get wrong: odd and non-square sizes, batches, strides on
 * either conv, conv bias, non-default eps, 32 groups (one channel per group too), avgdown at odd
 * sizes, and every ordering. The fixture grid checks the same contracts against PyTorch; these
 * run each corner on seeded weights against the float64 reference.
 */
export const BLOCK_CASES: readonly GraphCase[] = [
  block('basic-identity-7x9-batch3', { kind: 'basic', inChannels: 8, planes: 8 }, [3, 8, 7, 9]),
  block('basic-stride2-7x9-batch3', { kind: 'basic', inChannels: 4, planes: 8, stride: 2 }, [3, 4, 7, 9]),
  block(
    'basic-stride2-bias-9x7',
    { kind: 'basic', inChannels: 4, planes: 8, stride: 2, convBias: true },
    [1, 4, 9, 7],
  ),
  block(
    'bottleneck-v1.5-stride2-7x9-batch2',
    { kind: 'bottleneck', inChannels: 16, planes: 8, stride: 2 },
    [2, 16, 7, 9],
  ),
  block(
    'bottleneck-v1-stride-on-1x1-bias',
    {
      kind: 'bottleneck',
      inChannels: 8,
      planes: 4,
      stride: 2,
      strideOn: '1x1',
      convBias: true,
      bnEps: 1.001e-5,
    },
    [1, 8, 7, 9],
  ),
  block(
    'resnext-groups32-stride2',
    { kind: 'bottleneck', inChannels: 32, planes: 32, groups: 32, baseWidth: 4, stride: 2 },
    [1, 32, 7, 9],
  ),
  block(
    'resnext-one-channel-per-group',
    { kind: 'bottleneck', inChannels: 64, planes: 16, groups: 32, baseWidth: 4 },
    [1, 64, 5, 5],
  ),
  block(
    'resnext-one-channel-per-group-stride2',
    { kind: 'bottleneck', inChannels: 64, planes: 16, groups: 32, baseWidth: 4, stride: 2 },
    [1, 64, 7, 9],
  ),
  block(
    'avgdown-stride2-ceil-7x9',
    { kind: 'bottleneck', inChannels: 8, planes: 4, stride: 2, shortcut: 'avgdown' },
    [2, 8, 7, 9],
  ),
  block(
    'preact-bottleneck-stride2',
    { kind: 'bottleneck', inChannels: 8, planes: 4, stride: 2, ordering: 'preact' },
    [1, 8, 7, 9],
  ),
  block(
    'preact-basic-stride2',
    { kind: 'basic', inChannels: 4, planes: 8, stride: 2, ordering: 'preact' },
    [1, 4, 9, 9],
  ),
  ...(['bn-after-add', 'relu-before-add', 'relu-only-preact'] as const).map((ordering) =>
    block(`basic-${ordering}`, { kind: 'basic', inChannels: 8, planes: 8, ordering }, [1, 8, 5, 6]),
  ),
  block(
    'bottleneck-relu-only-preact',
    { kind: 'bottleneck', inChannels: 16, planes: 4, ordering: 'relu-only-preact' },
    [1, 16, 5, 6],
  ),
];

export const blocksGroup: CaseGroup = {
  name: 'blocks',
  cases: () => BLOCK_CASES.map((c) => graphConformanceCase(c)),
};
