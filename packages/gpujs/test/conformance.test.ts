import { defineConformanceSuite } from '@resblocks/conformance';
import { gpujsAdapter } from '../src/index.js';

const expectMode = (mode: string) => (info: Readonly<Record<string, unknown>>) =>
  info.mode === mode ? undefined : `gpu.js ran mode '${String(info.mode)}', expected '${mode}'`;

// webasm is the fast CPU path: the whole suite, the accuracy group on the first 100 of its 500 images
// (the rest of the sample is most of the package's test time; `resblocks verify --backends
// gpujs:webasm` runs all 500). cpu (plain JS) gets a lighter grid.
await defineConformanceSuite(gpujsAdapter, 'webasm', {
  expectInfo: expectMode('webasm'),
  accuracyImages: 100,
});
await defineConformanceSuite(gpujsAdapter, 'cpu', {
  expectInfo: expectMode('cpu'),
  networks: ['resnet8_cifar'],
  maxBlockCases: 24,
  randomCases: 4,
});
// SwiftShader runs WebGPU on the CPU: a subsampled grid and the smallest network. With CI=true a
// missing adapter fails the suite.
await defineConformanceSuite(gpujsAdapter, 'webgpu', {
  expectInfo: (info) => expectMode('webgpu')(info) ?? (info.adapter ? undefined : 'no WebGPU adapter info'),
  networks: ['resnet8_cifar'],
  maxBlockCases: 16,
  randomCases: 3,
  sample: {
    ops: 3,
    blocks: [
      'blocks/basic-identity-7x9-batch3',
      'blocks/resnext-one-channel-per-group-stride2',
      'blocks/avgdown-stride2-ceil-7x9',
      'blocks/preact-basic-stride2',
    ],
    'tiny-networks': ['tiny-networks/resnet8_cifar-16x16'],
  },
});
