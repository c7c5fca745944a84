import { defineConformanceSuite } from '@resblocks/conformance';
import { DEFAULT_TABLE, webgpuAdapter } from '../src/index.js';
import { expectEngine } from './engine-info.js';

// f16 storage: a sample of every group, on the default table's tiles so that they run here too.
// SwiftShader compiles each new pipeline on the CPU: the whole grid again would double the time.
// A file of its own, so that vitest runs it beside the f32 suite.
await defineConformanceSuite(webgpuAdapter, 'f16', {
  expectInfo: expectEngine('f16'),
  compileOptions: { tiles: DEFAULT_TABLE.classes },
  networks: ['resnet8_cifar'],
  maxBlockCases: 12,
  randomCases: 2,
  sample: {
    ops: 3,
    blocks: [
      'blocks/basic-identity-7x9-batch3',
      'blocks/resnext-one-channel-per-group-stride2',
      'blocks/resnext-groups32-stride2',
      'blocks/avgdown-stride2-ceil-7x9',
      'blocks/preact-basic-stride2',
    ],
    'tiny-networks': ['tiny-networks/resnet8_cifar-16x16'],
    accuracy: 1,
  },
});
