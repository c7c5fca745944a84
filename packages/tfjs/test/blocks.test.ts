import { defineConformanceSuite } from '@resblocks/conformance';
import { tfjsAdapter } from '../src/index.js';

// The op, block and small-network cases run in every backend's conformance suite
// (conformance-*.test.ts); here every grouped-conv strategy, BN folded or not, on a grouped block.
for (const backend of ['wasm', 'cpu'] as const) {
  for (const groupedConv of ['dense', 'depthwise', 'split'] as const) {
    for (const foldBatchNorm of [true, false]) {
      await defineConformanceSuite(tfjsAdapter, backend, {
        compileOptions: { groupedConv, foldBatchNorm },
        only: ['blocks/resnext-groups32-stride2'],
        expectInfo: (info) =>
          info.groupedConv === groupedConv && info.foldBatchNorm === foldBatchNorm
            ? undefined
            : `asked for groupedConv '${groupedConv}', foldBatchNorm ${foldBatchNorm}`,
        report: false,
      });
    }
  }
}
