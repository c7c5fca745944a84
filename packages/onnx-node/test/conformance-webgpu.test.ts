import { defineConformanceSuite } from '@resblocks/conformance';
import { onnxNodeAdapter } from '../src/index.js';

await defineConformanceSuite(onnxNodeAdapter, 'webgpu', {
  expectInfo: (info) =>
    info.executionProvider === 'WebGpuExecutionProvider'
      ? undefined
      : `onnxruntime-node ran on '${String(info.executionProvider)}', not WebGpuExecutionProvider`,
  // On SwiftShader every new session compiles its shaders on the CPU (5-10 s a block): a subsample
  // keeps CI fast. The whole suite passed there once (136 cases, NaN propagation excepted).
  maxBlockCases: 6,
  networks: ['resnet8_cifar'],
  randomCases: 1,
  sample: { ops: 2, blocks: ['blocks/avgdown-stride2-ceil-7x9'], 'tiny-networks': 0 },
  report: 'reports/conformance-onnx-node-webgpu.json',
});
