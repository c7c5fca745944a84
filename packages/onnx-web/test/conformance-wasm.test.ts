import { defineConformanceSuite } from '@resblocks/conformance';
import { onnxWebAdapter } from '../src/index.js';

await defineConformanceSuite(onnxWebAdapter, 'wasm', {
  expectInfo: (info) =>
    info.executionProvider === 'wasm' ? undefined : `ran on '${String(info.executionProvider)}', not wasm`,
  report: 'reports/conformance-onnx-web-wasm.json',
});
