import type { SuiteOptions } from './types.js';

/**
 * A subsample of the suite for a backend whose every new session compiles its shaders on the CPU
 * (a WebGPU execution provider on SwiftShader: seconds a block): the smallest network and a few
 * cases of each grid.
 */
export const SHADER_BOUND_SUBSET: SuiteOptions = {
  maxBlockCases: 6,
  networks: ['resnet8_cifar'],
  randomCases: 1,
  sample: { ops: 2, blocks: ['blocks/avgdown-stride2-ceil-7x9'], 'tiny-networks': 0 },
};
