import { ImageError } from './errors.js';

/**
 * An 8-bit image, pixels interleaved row by row: what PIL holds for mode 'RGB' (3 channels) or 'L'
 * (1 channel). The decoders always give RGB, as `Image.open(f).convert('RGB')` does.
 */
export interface Image8 {
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 3;
  readonly data: Uint8Array;
}

/** An NCHW (or CHW) float32 tensor, the shape the resblocks adapters take. */
export interface ImageTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

export function checkImage(img: Image8): void {
  const { width, height, channels, data } = img;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1)
    throw new ImageError('INPUT_SHAPE', `image size ${width}x${height} is not a positive integer size`, {
      width,
      height,
    });
  if (channels !== 1 && channels !== 3)
    throw new ImageError('INPUT_SHAPE', `images have 1 or 3 channels, not ${channels}`, { channels });
  if (data.length !== width * height * channels)
    throw new ImageError(
      'INPUT_SHAPE',
      `image data has ${data.length} bytes; ${width}x${height} with ${channels} channel(s) needs ${width * height * channels}`,
      { width, height, channels, length: data.length },
    );
}

/**
 * RGBA pixels (canvas ImageData order) as RGB. Alpha is dropped without blending, as PIL's
 * `convert('RGB')` drops it.
 */
export function fromRgba(rgba: ArrayLike<number>, width: number, height: number): Image8 {
  const n = width * height;
  if (!Number.isInteger(n) || width < 1 || height < 1 || rgba.length !== 4 * n)
    throw new ImageError(
      'INPUT_SHAPE',
      `RGBA data has ${rgba.length} bytes; ${width}x${height} needs ${4 * n}`,
      { width, height, length: rgba.length },
    );
  const data = new Uint8Array(3 * n);
  for (let i = 0; i < n; i++) {
    data[3 * i] = rgba[4 * i]!;
    data[3 * i + 1] = rgba[4 * i + 1]!;
    data[3 * i + 2] = rgba[4 * i + 2]!;
  }
  return { width, height, channels: 3, data };
}

/** PIL's 'RGB' to 'L' conversion: ITU-R 601-2 luma in 16-bit fixed point, rounded. */
export function toGray(img: Image8): Image8 {
  checkImage(img);
  if (img.channels === 1) return img;
  const n = img.width * img.height;
  const data = new Uint8Array(n);
  const s = img.data;
  for (let i = 0; i < n; i++)
    data[i] = (s[3 * i]! * 19595 + s[3 * i + 1]! * 38470 + s[3 * i + 2]! * 7471 + 0x8000) >>> 16;
  return { width: img.width, height: img.height, channels: 1, data };
}
