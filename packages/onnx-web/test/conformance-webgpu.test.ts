import { defineConformanceSuite, SHADER_BOUND_SUBSET } from '@resblocks/conformance';
import { onnxWebAdapter } from '../src/index.js';

await defineConformanceSuite(onnxWebAdapter, 'webgpu', {
  expectInfo: (info) =>
    info.backend === 'webgpu' && info.executionProvider === 'webgpu'
      ? undefined
      : `onnxruntime-web ran on '${String(info.backend)}', not webgpu`,
  ...SHADER_BOUND_SUBSET,
  report: 'reports/conformance-onnx-web-webgpu.json',
});
