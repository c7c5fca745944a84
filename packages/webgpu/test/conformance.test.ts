import { defineConformanceSuite } from '@resblocks/conformance';
import { webgpuAdapter } from '../src/index.js';
import { expectEngine } from './engine-info.js';

// f32: the whole suite, on the adapter's own tile table (tables/google-swiftshader.json here).
await defineConformanceSuite(webgpuAdapter, 'f32', { expectInfo: expectEngine('f32') });
