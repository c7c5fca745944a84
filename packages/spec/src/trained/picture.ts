import { ResblocksError } from '../errors.js';

/**
 * Turns any picture into a Fashion-MNIST image, following the data set's published conversion
 * (Xiao, Rasul, Vollgraf 2017, section 2): trim the edges close to the corner colour (within 5% of
 * the largest RGB distance), resize the longest edge to 28, centre it on a black 28x28 canvas, negate,
 * 8-bit gray. Two differences, said here so nobody is surprised: resizing averages the covered
 * pixels instead of skipping rows and columns, and the sharpening step is left out. A picture whose
 * corner is dark is taken to be negated already (a light object on black, like the data set's own
 * images) and is not negated again.
 */

/** Largest picture accepted (pixels); bigger ones should be scaled down first (a canvas does that). */
export const MAX_PICTURE_PIXELS = 4096 * 4096;

/** ITU-R BT.601 luma, as 8-bit grayscale conversions (PIL's 'L') compute it. */
function luma(r: number, g: number, b: number): number {
  return 0.299 * r + 0.587 * g + 0.114 * b;
}

/** Averages `src` (n values, stride `step`) down or up to `m` values by area coverage. */
function resample(src: Float64Array, n: number, m: number, lines: number, along: 'x' | 'y'): Float64Array {
  const out = new Float64Array(m * lines);
  const ratio = n / m;
  for (let line = 0; line < lines; line++) {
    for (let j = 0; j < m; j++) {
      const a = j * ratio;
      const b = a + ratio;
      let sum = 0;
      for (let i = Math.floor(a); i < Math.min(n, Math.ceil(b)); i++) {
        const cover = Math.min(b, i + 1) - Math.max(a, i);
        const v = along === 'x' ? src[line * n + i]! : src[i * lines + line]!;
        sum += cover * v;
      }
      if (along === 'x') out[line * m + j] = sum / ratio;
      else out[j * lines + line] = sum / ratio;
    }
  }
  return out;
}

/**
 * `rgba`: width x height pixels, 4 bytes each (canvas ImageData order). Returns size x size uint8
 * pixels (row-major), the object light on black.
 */
export function pictureToFashion(
  rgba: Uint8Array | Uint8ClampedArray,
  width: number,
  height: number,
  size = 28,
): Uint8Array {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new ResblocksError(
      'INPUT_SHAPE',
      `picture size ${width}x${height} is not a positive integer size`,
      {
        width,
        height,
      },
    );
  }
  if (width * height > MAX_PICTURE_PIXELS) {
    throw new ResblocksError(
      'INPUT_SHAPE',
      `picture is ${width}x${height}; at most ${MAX_PICTURE_PIXELS} pixels are accepted (scale it down first)`,
      { width, height, limit: MAX_PICTURE_PIXELS },
    );
  }
  if (rgba.length !== width * height * 4) {
    throw new ResblocksError(
      'INPUT_SHAPE',
      `picture data has ${rgba.length} bytes; ${width}x${height} RGBA needs ${width * height * 4}`,
      { width, height, length: rgba.length },
    );
  }
  // Transparent pixels become white: product photos are cut out on white.
  const rgb = (i: number, c: number) => {
    const alpha = rgba[4 * i + 3]! / 255;
    return rgba[4 * i + c]! * alpha + 255 * (1 - alpha);
  };
  const corner = [rgb(0, 0), rgb(0, 1), rgb(0, 2)] as const;
  const near = 0.05 * Math.hypot(255, 255, 255);
  let top = height;
  let bottom = -1;
  let left = width;
  let right = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (Math.hypot(rgb(i, 0) - corner[0], rgb(i, 1) - corner[1], rgb(i, 2) - corner[2]) <= near) continue;
      top = Math.min(top, y);
      bottom = Math.max(bottom, y);
      left = Math.min(left, x);
      right = Math.max(right, x);
    }
  }
  const negate = luma(...corner) >= 128;
  // The trimmed background becomes the data set's black.
  const out = new Uint8Array(size * size);
  if (bottom < 0) return out; // nothing but background
  const w = right - left + 1;
  const h = bottom - top + 1;
  const gray = new Float64Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (top + y) * width + left + x;
      gray[y * w + x] = luma(rgb(i, 0), rgb(i, 1), rgb(i, 2));
    }
  }
  const scale = size / Math.max(w, h);
  const nw = Math.max(1, Math.min(size, Math.round(w * scale)));
  const nh = Math.max(1, Math.min(size, Math.round(h * scale)));
  const small = resample(resample(gray, w, nw, h, 'x'), h, nh, nw, 'y');
  const ox = Math.floor((size - nw) / 2);
  const oy = Math.floor((size - nh) / 2);
  for (let y = 0; y < nh; y++) {
    for (let x = 0; x < nw; x++) {
      const v = small[y * nw + x]!;
      out[(oy + y) * size + ox + x] = Math.max(0, Math.min(255, Math.round(negate ? 255 - v : v)));
    }
  }
  return out;
}
