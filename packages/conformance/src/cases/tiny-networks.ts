import { type Graph, lowerNetwork, NETWORKS, type NetworkSpec, networkGraph } from '@resblocks/spec';
import type { CaseGroup } from '../types.js';
import { type GraphCase, graphConformanceCase } from './graph-case.js';

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

/** Whole small networks of each family (stems, pooling, orderings) at odd input sizes. */
export const TINY_NETWORK_CASES: readonly GraphCase[] = [
  { id: 'tiny-networks/resnet18-classic-stem-maxpool', graph: tiny('resnet18'), shape: [1, 3, 19, 21] },
  {
    id: 'tiny-networks/resnet50d-deep-stem-avgdown',
    graph: tiny('resnet50d', { widths: [4, 8] }),
    shape: [2, 3, 23, 17],
  },
  { id: 'tiny-networks/preact-resnet18', graph: tiny('preact_resnet18'), shape: [1, 3, 17, 17] },
  { id: 'tiny-networks/resnet8_cifar-16x16', graph: networkGraph('resnet8_cifar'), shape: [2, 3, 16, 16] },
];

export const tinyNetworksGroup: CaseGroup = {
  name: 'tiny-networks',
  cases: () => TINY_NETWORK_CASES.map((c) => graphConformanceCase(c, 'networks')),
};
