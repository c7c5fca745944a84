import { defineConformanceSuite, SHADER_BOUND_SUBSET } from '@resblocks/conformance';
import { onnxNodeAdapter } from '../src/index.js';

await defineConformanceSuite(onnxNodeAdapter, 'webgpu', {
  expectInfo: (info) =>
    info.executionProvider === 'WebGpuExecutionProvider'
      ? undefined
      : `onnxruntime-node ran on '${String(info.executionProvider)}', not WebGpuExecutionProvider`,
  // The whole suite passed on SwiftShader once (136 cases, NaN propagation excepted); CI runs a subsample.
  ...SHADER_BOUND_SUBSET,
  report: 'reports/conformance-onnx-node-webgpu.json',
});
