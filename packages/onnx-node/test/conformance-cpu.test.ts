import { defineConformanceSuite } from '@resblocks/conformance';
import { onnxNodeAdapter } from '../src/index.js';

await defineConformanceSuite(onnxNodeAdapter, 'cpu', {
  expectInfo: (info) =>
    info.executionProvider === 'CPUExecutionProvider'
      ? undefined
      : `onnxruntime-node ran on '${String(info.executionProvider)}', not CPUExecutionProvider`,
  report: 'reports/conformance-onnx-node-cpu.json',
});
