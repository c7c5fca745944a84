import { type Image8, resize, toGray } from '@resblocks/image';
import { ResblocksError } from '../errors.js';

/**
 * Turns any picture into a Fashion-MNIST image, following the data set's published conversion
 * (Xiao, Rasul, Vollgraf 2017, section 2): trim the edges close to the corner colour (within 5% of
 * the largest RGB distance), resize the longest edge to 28, centre it on a black 28x28 canvas, negate,
 * 8-bit gray. Two differences, said here so nobody is surprised: resizing averages the covered
 * pixels (PIL's box filter, from @resblocks/image) instead of skipping rows and columns, and the
 * sharpening step is left out. Gray is PIL's 'L' conversion. A picture whose
 * corner is dark is taken to be negated already (a light object on black, like the data set's own
 * images) and is not negated again.
 */

/** Largest picture accepted (pixels); bigger ones should be scaled down first (a canvas does that). */
export const MAX_PICTURE_PIXELS = 4096 * 4096;

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
  const n = width * height;
  const rgb = new Uint8Array(3 * n);
  for (let i = 0; i < n; i++) {
    const alpha = rgba[4 * i + 3]! / 255;
    for (let c = 0; c < 3; c++) rgb[3 * i + c] = Math.round(rgba[4 * i + c]! * alpha + 255 * (1 - alpha));
  }
  const corner = [rgb[0]!, rgb[1]!, rgb[2]!] as const;
  const near = 0.05 * Math.hypot(255, 255, 255);
  let top = height;
  let bottom = -1;
  let left = width;
  let right = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = 3 * (y * width + x);
      if (Math.hypot(rgb[i]! - corner[0], rgb[i + 1]! - corner[1], rgb[i + 2]! - corner[2]) <= near) continue;
      top = Math.min(top, y);
      bottom = Math.max(bottom, y);
      left = Math.min(left, x);
      right = Math.max(right, x);
    }
  }
  const gray = toGray({ width, height, channels: 3, data: rgb });
  const negate = gray.data[0]! >= 128;
  // The trimmed background becomes the data set's black.
  const out = new Uint8Array(size * size);
  if (bottom < 0) return out; // nothing but background
  const w = right - left + 1;
  const h = bottom - top + 1;
  const trimmed = new Uint8Array(w * h);
  for (let y = 0; y < h; y++)
    trimmed.set(gray.data.subarray((top + y) * width + left, (top + y) * width + left + w), y * w);
  const scale = size / Math.max(w, h);
  const nw = Math.max(1, Math.min(size, Math.round(w * scale)));
  const nh = Math.max(1, Math.min(size, Math.round(h * scale)));
  const object: Image8 = { width: w, height: h, channels: 1, data: trimmed };
  const small = resize(object, [nh, nw], { interpolation: 'box' }).data;
  const ox = Math.floor((size - nw) / 2);
  const oy = Math.floor((size - nh) / 2);
  for (let y = 0; y < nh; y++) {
    for (let x = 0; x < nw; x++) {
      const v = small[y * nw + x]!;
      out[(oy + y) * size + ox + x] = negate ? 255 - v : v;
    }
  }
  return out;
}
