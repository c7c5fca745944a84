import { defineConformanceSuite } from '@resblocks/conformance';
import { webgpuAdapter } from '../src/index.js';
import { expectEngine } from './engine-info.js';

// f32 on the adapter's own tile table (tables/google-swiftshader.json here): every group, the block grid
// and random cases subsampled and accuracy on one trained network, because SwiftShader compiles each new
// pipeline on the CPU (the whole suite passes too: `resblocks verify --full --backends webgpu:f32`).
await defineConformanceSuite(webgpuAdapter, 'f32', {
  expectInfo: expectEngine('f32'),
  maxBlockCases: 32,
  randomCases: 4,
  sample: { accuracy: ['accuracy/resnet20_cifar/*'] },
});
