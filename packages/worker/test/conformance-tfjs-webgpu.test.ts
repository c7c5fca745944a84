// The package as built: its worker entry runs as plain JavaScript in a worker_thread.
import { defineConformanceSuite } from '@resblocks/conformance';
import { tfjsAdapter } from '@resblocks/tfjs';
import { hostAdapter } from '@resblocks/worker';

// WebGPU inside a worker_thread (Dawn set up there by the adapter, as on the main thread). Slow on
// a software GPU, so only a few cases.
await defineConformanceSuite(hostAdapter(tfjsAdapter), 'webgpu', {
  only: ['backend/identity', 'fixture/resnet8_cifar/32x32-b2', 'errors/*', 'abort/*', 'resources/released'],
  expectInfo: (info) => (info.backend === 'webgpu' ? undefined : `ran on '${String(info.backend)}'`),
  report: 'reports/conformance-worker-tfjs-webgpu.json',
});
