import { checkNonFiniteClaim } from '@resblocks/conformance';
import { describe, it } from 'vitest';
import { gpujsAdapter } from '../src/index.js';

const webgpu = await gpujsAdapter.probe('webgpu');

describe('the nonFinite capability is honest both ways', () => {
  for (const backend of ['webasm', 'cpu', 'webgpu'] as const) {
    it.skipIf(backend === 'webgpu' && !webgpu.available)(backend, () =>
      checkNonFiniteClaim(gpujsAdapter, backend),
    );
  }
});
