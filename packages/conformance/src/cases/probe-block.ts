import {
  blockContract,
  type CompiledModel,
  type Graph,
  initWeights,
  lowerBlock,
  type Weights,
} from '@resblocks/spec';
import type { CaseContext } from '../types.js';

/** A small grouped, strided, projected bottleneck: it exercises most of the IR in one block. */
export function probeBlock(): { graph: Graph; weights: Weights } {
  const graph = lowerBlock(
    blockContract({
      kind: 'bottleneck',
      inChannels: 8,
      planes: 4,
      stride: 2,
      groups: 2,
      baseWidth: 32,
      shortcut: 'projection',
    }),
    'probe-block',
  );
  return { graph, weights: initWeights(graph, 7) };
}

/** Runs `fn` on the backend's shared, already compiled probe block. */
export function withProbe<T>(ctx: CaseContext, fn: (m: CompiledModel) => Promise<T>): Promise<T> {
  return ctx.sharedProbe().then(fn);
}
