import { defineConformanceSuite } from '@resblocks/conformance';
import { tfjsAdapter } from '../src/index.js';

await defineConformanceSuite(tfjsAdapter, 'wasm', {
  expectInfo: (info) =>
    info.backend === 'wasm' ? undefined : `tfjs ran on '${String(info.backend)}', not 'wasm'`,
  report: 'reports/conformance-tfjs-wasm.json',
});
