/**
 * IEEE binary16 conversion on the CPU, for the f16 storage backend: the input is packed here and
 * the outputs unpacked, with the rounding WGSL's pack2x16float applies on the GPU (to nearest, ties
 * to even), so the CPU-rounded weights and the GPU-rounded activations follow one error model.
 */
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The binary16 bits nearest to `value` (round to nearest even; overflow gives +-Inf, NaN stays NaN). */
export function toHalf(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // Subnormal (or zero): shift the mantissa with its implicit bit in, rounding to nearest even.
    if (e < -10) return sign;
    const m = mant | 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = m & ((1 << shift) - 1);
    let r = m >>> shift;
    if (rest > half || (rest === half && r & 1)) r++;
    return sign | r;
  }
  let r = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && r & 1)) r++;
  return sign | r;
}

/** The value of binary16 bits. */
export function fromHalf(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** Rounds every value to the nearest binary16 value, kept as float32. */
export function roundToHalf(values: Float32Array): Float32Array {
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = fromHalf(toHalf(values[i]!));
  return out;
}

/** Packs float32 values into binary16 pairs (element 2i in the low half of word i, as pack2x16float). */
export function packHalf(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length + (values.length & 1));
  for (let i = 0; i < values.length; i++) out[i] = toHalf(values[i]!);
  return out;
}

/** Unpacks binary16 values (as packHalf laid them out) into float32. */
export function unpackHalf(bits: Uint16Array, count = bits.length): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = fromHalf(bits[i]!);
  return out;
}
