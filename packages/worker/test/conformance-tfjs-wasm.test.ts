// The package as built: its worker entry runs as plain JavaScript in a worker_thread.
import { defineConformanceSuite } from '@resblocks/conformance';
import { tfjsAdapter } from '@resblocks/tfjs';
import { hostAdapter } from '@resblocks/worker';

// A second engine, sampled: the block grids thinned, the accuracy group left out.
await defineConformanceSuite(hostAdapter(tfjsAdapter), 'wasm', {
  sample: {
    basic: 3,
    bottleneck: 3,
    resnext: 3,
    orderings: 3,
    shortcuts: 3,
    variants: 3,
    blocks: 3,
    shapes: 2,
  },
  accuracyImages: 0,
  report: 'reports/conformance-worker-tfjs-wasm.json',
});
