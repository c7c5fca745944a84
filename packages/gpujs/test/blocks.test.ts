import { describe, expect, it } from 'vitest';
import { gpujsAdapter } from '../src/index.js';

// webasm and cpu are plain CPU code here; the block and network cases run in conformance.test.ts.
for (const backend of ['webasm', 'cpu']) {
  describe(`gpujs:${backend}`, () => {
    it('is available and reports the gpu.js mode it runs', async () => {
      const p = await gpujsAdapter.probe(backend);
      expect(p.available, p.reason).toBe(true);
      expect(p.info?.mode).toBe(backend);
    });
  });
}
