import { describe, expect, it } from 'vitest';
import { fuzzCheckpoints, MUTATION_KINDS } from './checkpoint-mutations.js';

// A small fixed sample for CI; `npm run fuzz:checkpoint` runs tens of thousands. CHECKPOINT_FUZZ_SEED
// replays another seed (the failure message names the seed and the case).
const SEED = Number(process.env.CHECKPOINT_FUZZ_SEED ?? 20261124);
const COUNT = 1200;

describe('checkpoint fuzz', () => {
  it(`every mutation of real torch.save files reads consistently or is refused with a typed error (seed ${SEED})`, () => {
    const totals = fuzzCheckpoints(SEED, COUNT);
    // Both outcomes occur for every kind of damage, so the test says something about each.
    for (const kind of MUTATION_KINDS) expect(totals.kinds[kind]!.rejected, kind).toBeGreaterThan(0);
    expect(totals.accepted).toBeGreaterThan(COUNT / 50);
    expect(totals.kinds.pickle!.codes.CHECKPOINT_FORMAT).toBeGreaterThan(0);
    expect(totals.maxArrayBufferGrowth).toBeLessThan(256 * 2 ** 20);
  }, 120_000);
});
