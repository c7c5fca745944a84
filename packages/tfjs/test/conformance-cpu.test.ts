import { defineConformanceSuite } from '@resblocks/conformance';
import { tfjsAdapter } from '../src/index.js';

await defineConformanceSuite(tfjsAdapter, 'cpu', {
  expectInfo: (info) =>
    info.backend === 'cpu' ? undefined : `tfjs ran on '${String(info.backend)}', not 'cpu'`,
  report: 'reports/conformance-tfjs-cpu.json',
});
