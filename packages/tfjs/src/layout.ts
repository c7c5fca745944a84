/**
 * Weight layout conversions done once at compile time, in plain JS, so no tensor op runs for them.
 * The IR stores conv weights OIHW (torchvision); tfjs wants HWIO filters for NHWC convolutions.
 */

export interface ConvWeight {
  readonly data: Float32Array;
  /** Output channels. */
  readonly out: number;
  /** Input channels per group. */
  readonly inPerGroup: number;
  readonly kh: number;
  readonly kw: number;
}

/** OIHW -> HWIO for an ungrouped convolution. */
export function toHWIO(w: ConvWeight): Float32Array {
  const { data, out, inPerGroup: cin, kh, kw } = w;
  const r = new Float32Array(data.length);
  for (let o = 0; o < out; o++)
    for (let i = 0; i < cin; i++)
      for (let y = 0; y < kh; y++)
        for (let x = 0; x < kw; x++)
          r[((y * kw + x) * cin + i) * out + o] = data[((o * cin + i) * kh + y) * kw + x]!;
  return r;
}

/**
 * A grouped convolution as one dense HWIO filter [kh, kw, groups*inPerGroup, out] that is zero
 * outside the diagonal blocks: input channel i only feeds the outputs of its own group.
 */
export function blockDiagonalHWIO(w: ConvWeight, groups: number): Float32Array {
  const { data, out, inPerGroup, kh, kw } = w;
  const cin = inPerGroup * groups;
  const outPerGroup = out / groups;
  const r = new Float32Array(kh * kw * cin * out);
  for (let o = 0; o < out; o++) {
    const g = Math.floor(o / outPerGroup);
    for (let il = 0; il < inPerGroup; il++) {
      const i = g * inPerGroup + il;
      for (let y = 0; y < kh; y++)
        for (let x = 0; x < kw; x++)
          r[((y * kw + x) * cin + i) * out + o] = data[((o * inPerGroup + il) * kh + y) * kw + x]!;
    }
  }
  return r;
}

/**
 * A grouped convolution as a depthwise filter [kh, kw, cin, M] with channel multiplier
 * M = outPerGroup: depthwise output channel i*M + m holds input channel i's contribution to output
 * g*M + m of its group g. Summing the inPerGroup contributions of each group gives the result.
 */
export function depthwiseHWIM(w: ConvWeight, groups: number): Float32Array {
  const { data, out, inPerGroup, kh, kw } = w;
  const cin = inPerGroup * groups;
  const m = out / groups;
  const r = new Float32Array(kh * kw * cin * m);
  for (let o = 0; o < out; o++) {
    const g = Math.floor(o / m);
    const mi = o - g * m;
    for (let il = 0; il < inPerGroup; il++) {
      const i = g * inPerGroup + il;
      for (let y = 0; y < kh; y++)
        for (let x = 0; x < kw; x++)
          r[((y * kw + x) * cin + i) * m + mi] = data[((o * inPerGroup + il) * kh + y) * kw + x]!;
    }
  }
  return r;
}

/** One HWIO filter [kh, kw, inPerGroup, outPerGroup] per group. */
export function perGroupHWIO(w: ConvWeight, groups: number): Float32Array[] {
  const outPerGroup = w.out / groups;
  const per = outPerGroup * w.inPerGroup * w.kh * w.kw;
  const result: Float32Array[] = [];
  for (let g = 0; g < groups; g++) {
    result.push(toHWIO({ ...w, out: outPerGroup, data: w.data.subarray(g * per, (g + 1) * per) }));
  }
  return result;
}

/** [out, in] -> [in, out] for matMul(x, W^T). */
export function transpose2d(data: Float32Array, rows: number, cols: number): Float32Array {
  const r = new Float32Array(data.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) r[j * rows + i] = data[i * cols + j]!;
  return r;
}
