import { describe, expect, it } from 'vitest';
import {
  blockContract,
  compareTensors,
  describeComparison,
  type ErrorModel,
  errorModel,
  HEADROOM,
  lowerBlock,
  networkGraph,
  toleranceBudget,
  UNIT_ROUNDOFF,
} from '../src/index.js';

const model: ErrorModel = { accumulation: 64, depth: 4 };

describe('errorModel', () => {
  it('takes the longest dot product and the deepest conv/linear path', () => {
    expect(errorModel(networkGraph('resnet18'))).toEqual({ accumulation: 512 * 9, depth: 18 });
    expect(errorModel(networkGraph('resnet50'))).toEqual({ accumulation: 512 * 9, depth: 50 });
    const b = lowerBlock(
      blockContract({ kind: 'bottleneck', planes: 64, groups: 32, baseWidth: 4, inChannels: 256 }),
    );
    // width 128 in 32 groups: 4 * 9 = 36 per group, shorter than the 1x1s (256 and 128 long)
    expect(errorModel(b)).toEqual({ accumulation: 256, depth: 3 });
  });
});

describe('compareTensors', () => {
  it('budget = 16 * eps * sqrt(K * D) * rms(expected)', () => {
    const expected = [3, -4, 0, 0];
    const c = compareTensors(expected, expected, 'float32', model);
    expect(c.scale).toBe(2.5);
    expect(c.budget).toBe(HEADROOM * 2 ** -24 * Math.sqrt(64 * 4) * 2.5);
    expect(c.budget).toBe(toleranceBudget('float32', model, 2.5));
    expect(c).toMatchObject({
      pass: true,
      maxAbsError: 0,
      fraction: 0,
      worstIndex: -1,
      nonFiniteMismatches: 0,
    });
    expect(c.dtype).toBe('float32');
    expect(c.model).toEqual(model);
  });

  it('passes up to the budget and fails just beyond it, reporting the worst element', () => {
    const expected = [1, 2, 3, 4];
    const budget = compareTensors(expected, expected, 'float32', model).budget;
    const inside = compareTensors([1, 2 + 0.5 * budget, 3 - 0.9 * budget, 4], expected, 'float32', model);
    expect(inside.pass).toBe(true);
    expect(inside.worstIndex).toBe(2);
    expect(inside.fraction).toBeCloseTo(0.9, 6);
    const outside = compareTensors([1, 2, 3, 4 + 1.1 * budget], expected, 'float32', model);
    expect(outside.pass).toBe(false);
    expect(outside.worstIndex).toBe(3);
    expect(outside.fraction).toBeCloseTo(1.1, 6);
    expect(outside.maxAbsError).toBeCloseTo(1.1 * budget, 12);
  });

  it('is scale-aware: scaling both sides by 1000 keeps the fraction', () => {
    const expected = [0.5, -0.25, 0.125, 1];
    const actual = [0.5 + 1e-7, -0.25, 0.125 - 3e-7, 1];
    const a = compareTensors(actual, expected, 'float32', model);
    const b = compareTensors(
      actual.map((v) => v * 1000),
      expected.map((v) => v * 1000),
      'float32',
      model,
    );
    expect(b.budget).toBeCloseTo(a.budget * 1000, 15);
    expect(b.fraction).toBeCloseTo(a.fraction, 6);
    expect(a.fraction).toBeGreaterThan(0);
    // an absolute error that is fine on large values is not fine on small ones
    const small = compareTensors([1e-3 + 1e-6], [1e-3], 'float32', model);
    const large = compareTensors([1e3 + 1e-6], [1e3], 'float32', model);
    expect(small.pass).toBe(false);
    expect(large.pass).toBe(true);
  });

  it('float32 and float64 budgets differ by 2^29', () => {
    const e = [1, 2, 3];
    const b32 = compareTensors(e, e, 'float32', model).budget;
    const b64 = compareTensors(e, e, 'float64', model).budget;
    expect(b32 / b64).toBe(2 ** 29);
    expect(UNIT_ROUNDOFF.float16 / UNIT_ROUNDOFF.float32).toBe(2 ** 13);
    // the budget grows with the square root of K * D
    expect(toleranceBudget('float32', { accumulation: 256, depth: 4 }, 1)).toBe(
      2 * toleranceBudget('float32', model, 1),
    );
  });

  it('an all-zero expected tensor still has a positive budget', () => {
    const c = compareTensors([0, 0], [0, 0], 'float32', model);
    expect(c.budget).toBeGreaterThan(0);
    expect(c.pass).toBe(true);
    expect(compareTensors([1e-3, 0], [0, 0], 'float32', model).pass).toBe(false);
  });

  it('NaN and Inf must sit at the same places', () => {
    const { NaN: nan } = Number;
    const inf = Number.POSITIVE_INFINITY;
    expect(compareTensors([1, nan, inf, -inf], [1, nan, inf, -inf], 'float32', model).pass).toBe(true);
    const moved = compareTensors([nan, 2, 3], [1, nan, 3], 'float32', model);
    expect(moved).toMatchObject({
      pass: false,
      nonFiniteMismatches: 2,
      worstIndex: 0,
      fraction: Number.POSITIVE_INFINITY,
    });
    expect(compareTensors([1, 2], [1, nan], 'float32', model).pass).toBe(false);
    expect(compareTensors([1, -inf], [1, inf], 'float32', model).nonFiniteMismatches).toBe(1);
    expect(compareTensors([1, nan], [1, inf], 'float32', model).pass).toBe(false);
    // the finite elements set the scale: one Inf does not make the budget infinite
    const withInf = compareTensors([2, inf], [1, inf], 'float32', model);
    expect(withInf.scale).toBe(1);
    expect(withInf.pass).toBe(false);
  });

  it('a length mismatch fails', () => {
    const c = compareTensors([1, 2], [1, 2, 3], 'float32', model);
    expect(c.pass).toBe(false);
    expect(c.fraction).toBe(Number.POSITIVE_INFINITY);
  });

  it('accepts typed arrays and describes the result', () => {
    const c = compareTensors(Float32Array.from([1, 2.5]), Float64Array.from([1, 2.5]), 'float32', model);
    expect(c.pass).toBe(true);
    const text = describeComparison(compareTensors([1, 2.1], [1, 2], 'float32', model));
    expect(text).toMatch(/max \|err\| .* vs budget .*% of budget, float32, K=64, D=4, worst index 1/);
    expect(describeComparison(compareTensors([Number.NaN], [1], 'float32', model))).toContain(
      '1 NaN/Inf mismatches',
    );
  });
});
