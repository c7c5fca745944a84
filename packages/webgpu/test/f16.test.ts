import { describe, expect, it } from 'vitest';
import { fromHalf, packHalf, toHalf, unpackHalf } from '../src/index.js';

describe('binary16 conversion', () => {
  it('gives the IEEE bits of exact values, the extremes and the specials', () => {
    const cases: [number, number][] = [
      [0, 0x0000],
      [-0, 0x8000],
      [1, 0x3c00],
      [-2, 0xc000],
      [0.5, 0x3800],
      [65504, 0x7bff], // largest finite
      [2 ** -14, 0x0400], // smallest normal
      [2 ** -24, 0x0001], // smallest subnormal
      [Number.POSITIVE_INFINITY, 0x7c00],
      [Number.NEGATIVE_INFINITY, 0xfc00],
      [1e6, 0x7c00], // overflow
      [2 ** -26, 0x0000], // underflow
    ];
    for (const [v, bits] of cases) {
      expect(toHalf(v), String(v)).toBe(bits);
      if (Number.isFinite(v) && Math.abs(v) <= 65504 && (v === 0 || Math.abs(v) >= 2 ** -24))
        expect(Object.is(fromHalf(bits), v), String(v)).toBe(true);
    }
    expect(Number.isNaN(fromHalf(toHalf(Number.NaN)))).toBe(true);
  });

  it('rounds to nearest, ties to even, in normal and subnormal range', () => {
    const ulp = 2 ** -10;
    expect(fromHalf(toHalf(1 + ulp / 2))).toBe(1); // tie: to the even 1.0
    expect(fromHalf(toHalf(1 + (3 * ulp) / 2))).toBe(1 + 2 * ulp); // tie: to the even 1+2ulp
    expect(fromHalf(toHalf(1 + ulp / 2 + 2 ** -20))).toBe(1 + ulp);
    const sub = 2 ** -24;
    expect(fromHalf(toHalf(sub * 2.5))).toBe(sub * 2);
    expect(fromHalf(toHalf(sub * 3.5))).toBe(sub * 4);
    // Every rounding is within half a unit of the last place.
    for (let i = 0; i < 2000; i++) {
      const v = Math.fround((Math.sin(i * 12.9898) * 43758.5453) % 8);
      const r = fromHalf(toHalf(v));
      const unit = 2 ** (Math.floor(Math.log2(Math.abs(v))) - 10);
      expect(Math.abs(r - v)).toBeLessThanOrEqual(unit / 2);
    }
  });

  it('packs pairs low half first, as pack2x16float', () => {
    const packed = packHalf(new Float32Array([1, -2, 0.5]));
    expect(packed).toHaveLength(4);
    const words = new Uint32Array(packed.buffer);
    expect(words[0]).toBe(((0xc000 << 16) | 0x3c00) >>> 0);
    expect([...unpackHalf(packed, 3)]).toEqual([1, -2, 0.5]);
  });
});
