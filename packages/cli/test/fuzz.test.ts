import { describe, expect, it } from 'vitest';
import { fuzzReader } from '../scripts/fuzz/run.js';
import { FUZZ_TARGETS } from '../scripts/fuzz/targets.js';

/**
 * A short, fixed-seed sample of `npm run fuzz` (which reads 10,000 files per reader): every
 * mutated file is read or rejected with a typed error, quickly, within the allocation bound.
 */
describe('fuzzed readers', () => {
  for (const target of FUZZ_TARGETS) {
    it(`${target.name}: 300 mutated files read or rejected with a typed error`, async () => {
      const report = await fuzzReader(target, {
        iterations: 300,
        seed: 20261124,
        rssBoundBytes: 256 * 2 ** 20,
        slowMs: 5000,
      });
      expect(report.failures).toEqual([]);
      // Both outcomes occur, so the sample says something about each.
      expect(report.accepted).toBeGreaterThan(10);
      expect(report.files - report.accepted).toBeGreaterThan(100);
    });
  }
});
