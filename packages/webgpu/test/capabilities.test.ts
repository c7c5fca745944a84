import { checkNonFiniteClaim } from '@resblocks/conformance';
import { describe, it } from 'vitest';
import { webgpuAdapter } from '../src/index.js';

const probe = await webgpuAdapter.probe('f32');

describe('the nonFinite capability is honest both ways', () => {
  for (const backend of ['f32', 'f16'] as const) {
    it.skipIf(!probe.available)(backend, () => checkNonFiniteClaim(webgpuAdapter, backend));
  }
});
