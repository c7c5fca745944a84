import { describe, expect, it } from 'vitest';
import { gpujsAdapter } from '../src/index.js';
import { BLOCK_CASES, expectMatches, NETWORK_CASES } from './cases.js';

// webasm and cpu are plain CPU code here: the full block grid plus a whole network.
for (const backend of ['webasm', 'cpu']) {
  describe(`gpujs:${backend} vs the float64 reference`, () => {
    it('is available and reports the gpu.js mode it runs', async () => {
      const p = await gpujsAdapter.probe(backend);
      expect(p.available, p.reason).toBe(true);
      expect(p.info?.mode).toBe(backend);
    });
    for (const c of [...BLOCK_CASES, ...NETWORK_CASES]) {
      it(c.name, async () => {
        await expectMatches(backend, c);
      });
    }
  });
}
