import { describe, expect, it } from 'vitest';
import { type CaseResult, runConformance } from '../src/index.js';
import { brokenAdapter, MUTATIONS } from './broken-adapters.js';

/** Each deliberately broken adapter must be caught, and by the cases one would expect. */
const EXPECTED_CATCHERS: Record<string, RegExp> = {
  'wrong-padding': /^fixture\/|^random\/|^shapes\//,
  'bn-eps-ignored': /^bn\/eps-sensitive$/,
  'shortcut-dropped': /^fixture\/|^random\//,
  'groups-ignored': /^fixture\/|^random\//,
  'off-by-one-stride': /^fixture\/|^random\/|^shapes\//,
  'leaking-resources': /^resources\/released$/,
};
/** The shared small-graph cases (moved from the adapters' own tests) must catch every numeric break too. */
const SHARED_GRAPH_CASES = /^(ops|blocks|tiny-networks)\//;

describe('the suite catches broken adapters', () => {
  for (const name of [...Object.keys(MUTATIONS), 'leaking-resources'] as const) {
    it(`catches ${name}`, async () => {
      const report = await runConformance(brokenAdapter(name as keyof typeof MUTATIONS), 'float64', {
        networks: ['resnet8_cifar'],
        randomCases: 6,
        // No assertion here is about the trained networks: two images keep their group in the run
        // (25 per network in plain-JS float64 was most of each run's time).
        accuracyImages: 2,
      });
      const failed = report.cases.filter((c: CaseResult) => c.status === 'fail');
      expect(failed.length, `${name} passed every case`).toBeGreaterThan(0);
      expect(
        failed.some((c) => EXPECTED_CATCHERS[name]!.test(c.id)),
        `${name} was not caught by the expected cases; failed: ${failed.map((c) => c.id).join(', ')}`,
      ).toBe(true);
      if (name !== 'leaking-resources')
        expect(
          failed.some((c) => SHARED_GRAPH_CASES.test(c.id)),
          `${name} was not caught by the ops, blocks or tiny-networks cases`,
        ).toBe(true);
      // Error handling is intact in every broken adapter, so those cases must still pass.
      expect(
        report.cases.filter((c) => c.group === 'errors' && c.status !== 'pass').map((c) => c.id),
      ).toEqual([]);
    }, 600_000);
  }
});
