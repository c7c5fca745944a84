import { defineConformanceSuite } from '@resblocks/conformance';
import { webgpuAdapter } from '../src/index.js';

// Each case must have run this engine's kernels on a WebGPU adapter, and say which.
const expectInfo = (storage: string) => (info: Readonly<Record<string, unknown>>) =>
  info.engine !== 'resblocks WGSL'
    ? `ran '${String(info.engine)}', not the WGSL engine`
    : !info.adapter
      ? 'no WebGPU adapter info'
      : String(info.storage).startsWith(storage)
        ? undefined
        : `stored ${String(info.storage)}, expected ${storage}`;

// f32: the whole suite, on the adapter's own tile table (tables/google-swiftshader.json here).
await defineConformanceSuite(webgpuAdapter, 'f32', { expectInfo: expectInfo('f32') });
