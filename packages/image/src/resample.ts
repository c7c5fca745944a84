/**
 * PIL 9.4's resampling (libImaging/Resample.c), the convolution `Image.resize` runs for the
 * bilinear, bicubic and box filters: coefficients in double precision, normalised per output
 * sample, turned into 22-bit fixed point; a horizontal pass over the source rows the vertical pass
 * needs, rounded and clipped to 8 bits, then the vertical pass, rounded and clipped again. A pass
 * whose size does not change is skipped.
 */

export type Interpolation = 'bilinear' | 'bicubic' | 'box';

interface Filter {
  readonly kernel: (x: number) => number;
  readonly support: number;
}

const FILTERS: Record<Interpolation, Filter> = {
  box: { kernel: (x) => (x > -0.5 && x <= 0.5 ? 1 : 0), support: 0.5 },
  bilinear: {
    kernel: (x) => {
      const a = Math.abs(x);
      return a < 1 ? 1 - a : 0;
    },
    support: 1,
  },
  bicubic: {
    // a = -0.5, evaluated in the same order as PIL so the doubles agree.
    kernel: (x) => {
      const v = Math.abs(x);
      if (v < 1) return (1.5 * v - 2.5) * v * v + 1;
      if (v < 2) return (((v - 5) * v + 8) * v - 4) * -0.5;
      return 0;
    },
    support: 2,
  },
};

export function isInterpolation(s: unknown): s is Interpolation {
  return typeof s === 'string' && Object.hasOwn(FILTERS, s);
}

const PRECISION_BITS = 32 - 8 - 2;

/** Fixed-point taps of `count` output samples from `first` on, of a resize from inSize to outSize. */
interface Taps {
  /** First source index of each output sample. */
  readonly start: Int32Array;
  /** Number of source samples of each output sample. */
  readonly length: Int32Array;
  /** `ksize` coefficients per output sample. */
  readonly k: Int32Array;
  readonly ksize: number;
}

/** PIL's precompute_coeffs followed by normalize_coeffs_8bpc, for a window of the output. */
function taps(inSize: number, outSize: number, filter: Filter, first: number, count: number): Taps {
  const scale = inSize / outSize;
  const filterscale = Math.max(scale, 1);
  const support = filter.support * filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(count);
  const length = new Int32Array(count);
  const k = new Int32Array(count * ksize);
  const weights = new Float64Array(ksize);
  const ss = 1 / filterscale;
  for (let i = 0; i < count; i++) {
    const center = (first + i + 0.5) * scale;
    // C's (int) truncates toward zero; the clamp makes that and floor agree.
    const xmin = Math.max(0, Math.trunc(center - support + 0.5));
    const xmax = Math.min(inSize, Math.trunc(center + support + 0.5)) - xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      const w = filter.kernel((x + xmin - center + 0.5) * ss);
      weights[x] = w;
      ww += w;
    }
    for (let x = 0; x < xmax; x++) {
      const w = ww !== 0 ? weights[x]! / ww : weights[x]!;
      k[i * ksize + x] = Math.trunc(
        w < 0 ? -0.5 + w * (1 << PRECISION_BITS) : 0.5 + w * (1 << PRECISION_BITS),
      );
    }
    start[i] = xmin;
    length[i] = Math.max(0, xmax);
  }
  return { start, length, k, ksize };
}

/** Rounds (the sum started at one half) and clips a fixed-point sum to 8 bits, as PIL's clip8. */
const clip8 = (ss: number) => {
  const v = ss >> PRECISION_BITS;
  return v < 0 ? 0 : v > 255 ? 255 : v;
};

const HALF = 1 << (PRECISION_BITS - 1);

/** A rectangle of the output: what the caller keeps (a crop), all of it by default. */
export interface Window {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

/**
 * Resamples interleaved 8-bit pixels (`channels` per pixel) from inW x inH to outW x outH and
 * returns the samples of `window` of that output (the whole output by default). Computing only a
 * window gives the same values as resizing everything and cropping: each output sample depends
 * on its own coefficients only.
 */
export function resample(
  src: Uint8Array,
  inW: number,
  inH: number,
  channels: number,
  outW: number,
  outH: number,
  interpolation: Interpolation,
  window: Window = { left: 0, top: 0, width: outW, height: outH },
): Uint8Array {
  const filter = FILTERS[interpolation];
  const { left, top, width, height } = window;
  const needH = outW !== inW;
  const needV = outH !== inH;
  const vt = needV ? taps(inH, outH, filter, top, height) : undefined;
  // Source rows the vertical pass reads (PIL's ybox_first, ybox_last), or the window's own rows.
  const rowFirst = vt ? vt.start[0]! : top;
  const rowLast = vt ? vt.start[height - 1]! + vt.length[height - 1]! : top + height;
  const rows = rowLast - rowFirst;
  // Horizontal pass: rows x width, 8-bit.
  let mid: Uint8Array;
  if (needH) {
    const ht = taps(inW, outW, filter, left, width);
    mid = new Uint8Array(rows * width * channels);
    for (let y = 0; y < rows; y++) {
      const rowAt = (y + rowFirst) * inW * channels;
      for (let x = 0; x < width; x++) {
        const xmin = ht.start[x]!;
        const n = ht.length[x]!;
        const kAt = x * ht.ksize;
        for (let c = 0; c < channels; c++) {
          let ss = HALF;
          for (let i = 0; i < n; i++) ss += src[rowAt + (xmin + i) * channels + c]! * ht.k[kAt + i]!;
          mid[(y * width + x) * channels + c] = clip8(ss);
        }
      }
    }
  } else {
    mid = new Uint8Array(rows * width * channels);
    for (let y = 0; y < rows; y++) {
      const from = ((y + rowFirst) * inW + left) * channels;
      mid.set(src.subarray(from, from + width * channels), y * width * channels);
    }
  }
  if (!vt) return mid;
  // Vertical pass over the horizontally resampled rows.
  const out = new Uint8Array(height * width * channels);
  const stride = width * channels;
  for (let y = 0; y < height; y++) {
    const ymin = vt.start[y]! - rowFirst;
    const n = vt.length[y]!;
    const kAt = y * vt.ksize;
    for (let i = 0; i < stride; i++) {
      let ss = HALF;
      for (let j = 0; j < n; j++) ss += mid[(ymin + j) * stride + i]! * vt.k[kAt + j]!;
      out[y * stride + i] = clip8(ss);
    }
  }
  return out;
}
