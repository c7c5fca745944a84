import { defineConformanceSuite } from '@resblocks/conformance';
import { onnxWebAdapter } from '../src/index.js';

await defineConformanceSuite(onnxWebAdapter, 'wasm', {
  expectInfo: (info) =>
    info.executionProvider !== 'wasm'
      ? `ran on '${String(info.executionProvider)}', not wasm`
      : info.batchNormFolded === true
        ? undefined
        : 'BN not folded by default',
  exclude: { 'abort/*': 'run() takes no AbortSignal until this adapter is on the adapter kit' },
  report: 'reports/conformance-onnx-web-wasm.json',
});
