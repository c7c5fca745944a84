import { describe, expect, it } from 'vitest';
import { START_TIERING_BUDGET, tieringWindow, userTieringBudget, V8_TIERING_BUDGET } from '../src/tiering.js';

describe('V8 tiering window', () => {
  it('raises the budget for overlapping work and restores it once, after the last', async () => {
    const flags: string[] = [];
    const window = tieringWindow((f) => flags.push(f));
    let release!: () => void;
    const first = window(() => new Promise<void>((r) => (release = r)));
    const second = window(async () => {
      throw new Error('boom');
    });
    await expect(second).rejects.toThrow('boom');
    expect(flags).toEqual([`--wasm-tiering-budget=${START_TIERING_BUDGET}`]);
    release();
    await first;
    expect(flags).toEqual([
      `--wasm-tiering-budget=${START_TIERING_BUDGET}`,
      `--wasm-tiering-budget=${V8_TIERING_BUDGET}`,
    ]);
    expect(await window(async () => 7)).toBe(7);
    expect(flags).toHaveLength(4);
  });

  it('leaves a budget the user chose alone', () => {
    // V8 flags cannot be given in NODE_OPTIONS, only on the command line.
    expect(userTieringBudget(['--wasm-tiering-budget=5'])).toBe(true);
    expect(userTieringBudget(['--expose-gc', '--wasm_tiering_budget=5'])).toBe(true);
    expect(userTieringBudget(['--expose-gc', '--wasm-tier-up'])).toBe(false);
  });
});
