import { ImageError } from './errors.js';
import { checkImage, type Image8 } from './image.js';
import { type Interpolation, isInterpolation, resample, type Window } from './resample.js';

/** An int (the shorter side), [int] likewise, or [height, width], as torchvision's `size`. */
export type Size = number | readonly [number] | readonly [number, number];

export interface ResizeOptions {
  /** torchvision's InterpolationMode, PIL's filters; default bilinear. */
  readonly interpolation?: Interpolation;
  /** With a shorter-side size: the longer side's bound. */
  readonly maxSize?: number;
}

const badSize = (message: string, details: Record<string, unknown>): never => {
  throw new ImageError('INPUT_SHAPE', message, details);
};

/**
 * torchvision's `_compute_resized_output_size`: a single size sets the shorter side and the longer
 * becomes `int(size * long / short)`; with maxSize, a longer side past it is set to maxSize and the
 * shorter to `int(maxSize * short / long)`. Returns [height, width].
 */
export function resizedSize(height: number, width: number, size: Size, maxSize?: number): [number, number] {
  const sizes = typeof size === 'number' ? [size] : [...size];
  if (sizes.length < 1 || sizes.length > 2 || !sizes.every((s) => Number.isInteger(s) && s > 0))
    badSize(`size must be a positive integer or [h, w] of them, not ${JSON.stringify(size)}`, { size });
  if (sizes.length === 2) {
    if (maxSize !== undefined)
      badSize('maxSize only goes with a single size (the shorter side)', { size, maxSize });
    return [sizes[0]!, sizes[1]!];
  }
  const [short, long] = width <= height ? [width, height] : [height, width];
  const requested = sizes[0]!;
  let newShort = requested;
  let newLong = Math.trunc((requested * long) / short);
  if (maxSize !== undefined) {
    if (!(maxSize > requested))
      badSize(
        `maxSize = ${maxSize} must be strictly greater than the requested size for the smaller edge size = ${requested}`,
        {
          size,
          maxSize,
        },
      );
    if (newLong > maxSize) [newShort, newLong] = [Math.trunc((maxSize * newShort) / newLong), maxSize];
  }
  const [h, w] = width <= height ? [newLong, newShort] : [newShort, newLong];
  if (h < 1 || w < 1)
    badSize(`resizing ${width}x${height} to ${JSON.stringify(size)} leaves no pixels`, { size });
  return [h, w];
}

/**
 * torchvision's `F.resize` of a PIL image (always antialiased): `img.resize((w, h), filter)`.
 * `window` computes only that part of the result, as a crop of it would keep.
 */
export function resize(img: Image8, size: Size, options: ResizeOptions = {}, window?: Window): Image8 {
  checkImage(img);
  const interpolation = options.interpolation ?? 'bilinear';
  if (!isInterpolation(interpolation))
    badSize(`interpolation must be bilinear, bicubic or box, not ${String(interpolation)}`, {
      interpolation,
    });
  const [h, w] = resizedSize(img.height, img.width, size, options.maxSize);
  const win = window ?? { left: 0, top: 0, width: w, height: h };
  if (win.left < 0 || win.top < 0 || win.left + win.width > w || win.top + win.height > h)
    badSize(`window ${JSON.stringify(win)} lies outside the ${w}x${h} result`, {
      window: win,
      width: w,
      height: h,
    });
  // torchvision returns the image itself when the size does not change.
  const data = resample(img.data, img.width, img.height, img.channels, w, h, interpolation, win);
  return { width: win.width, height: win.height, channels: img.channels, data };
}
