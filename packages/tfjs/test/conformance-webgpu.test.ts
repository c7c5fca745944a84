import { defineConformanceSuite } from '@resblocks/conformance';
import { tfjsAdapter } from '../src/index.js';

await defineConformanceSuite(tfjsAdapter, 'webgpu', {
  expectInfo: (info) =>
    info.backend === 'webgpu' ? undefined : `tfjs ran on '${String(info.backend)}', not 'webgpu'`,
  // SwiftShader compiles every shader on the CPU: a subsample of the block grid keeps this fast.
  maxBlockCases: 24,
  networks: ['resnet8_cifar'],
  randomCases: 4,
  report: 'reports/conformance-tfjs-webgpu.json',
});
