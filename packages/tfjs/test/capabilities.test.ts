import { checkNonFiniteClaim } from '@resblocks/conformance';
import { describe, it } from 'vitest';
import { tfjsAdapter } from '../src/index.js';

const webgpu = await tfjsAdapter.probe('webgpu');

describe('the nonFinite capability is honest both ways', () => {
  for (const backend of ['cpu', 'wasm', 'webgpu'] as const) {
    it.skipIf(backend === 'webgpu' && !webgpu.available)(backend, () =>
      checkNonFiniteClaim(tfjsAdapter, backend),
    );
  }
});
