// The package as built: its worker entry runs as plain JavaScript in a worker_thread.
import { defineConformanceSuite } from '@resblocks/conformance';
import { onnxWebAdapter } from '@resblocks/onnx-web';
import { hostAdapter } from '@resblocks/worker';

// Every case but the accuracy group (tens of seconds, and the adapter's own suite runs it): each
// model compiles and runs in a worker.
await defineConformanceSuite(hostAdapter(onnxWebAdapter), 'wasm', {
  expectInfo: (info) =>
    info.executionProvider === 'wasm' ? undefined : `ran on '${String(info.executionProvider)}', not wasm`,
  accuracyImages: 0,
  report: 'reports/conformance-worker-onnx-web-wasm.json',
});
