import {
  type BlockContract,
  blockContract,
  type Graph,
  initWeights,
  lowerBlock,
  type Weights,
} from '@resblocks/spec';
import { onnx } from '../src/proto.js';

/** Blocks whose export carries the attributes the structure tests read (strides, groups, ceil mode). */
export const BLOCKS = {
  bottleneck: blockContract({ kind: 'bottleneck', inChannels: 16, planes: 8, stride: 2 }),
  'resnext-g32': blockContract({ kind: 'bottleneck', inChannels: 64, planes: 16, groups: 32, baseWidth: 4 }),
  'avgdown-odd': blockContract({
    kind: 'bottleneck',
    inChannels: 16,
    planes: 8,
    stride: 2,
    shortcut: 'avgdown',
  }),
} satisfies Record<string, BlockContract>;

export function blockModel(id: keyof typeof BLOCKS, seed = 1): { graph: Graph; weights: Weights } {
  const graph = lowerBlock(BLOCKS[id], id);
  return { graph, weights: initWeights(graph, seed) };
}

export function decode(bytes: Uint8Array) {
  return onnx.ModelProto.decode(bytes);
}

/** Reads an int attribute list of a decoded node. */
export function attr(
  node: { attribute?: { name?: string | null; ints?: unknown[] | null; i?: unknown }[] | null },
  name: string,
) {
  const a = node.attribute?.find((x) => x.name === name);
  if (!a) return undefined;
  return a.ints?.length ? a.ints.map(Number) : Number(a.i);
}
