import { defineConformanceSuite } from '@resblocks/conformance';
import { onnxWebAdapter } from '../src/index.js';

await defineConformanceSuite(onnxWebAdapter, 'webgpu', {
  expectInfo: (info) =>
    info.backend === 'webgpu' && info.executionProvider === 'webgpu'
      ? undefined
      : `onnxruntime-web ran on '${String(info.backend)}', not webgpu`,
  // SwiftShader compiles every shader on the CPU: a subsample of the block grid keeps this fast.
  maxBlockCases: 6,
  networks: ['resnet8_cifar'],
  randomCases: 1,
  sample: { ops: 2, blocks: ['blocks/avgdown-stride2-ceil-7x9'], 'tiny-networks': 0 },
  exclude: { 'abort/*': 'run() takes no AbortSignal until this adapter is on the adapter kit' },
  report: 'reports/conformance-onnx-web-webgpu.json',
});
