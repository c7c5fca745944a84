import { ResblocksError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import type { PreprocessSpec } from './manifest.js';

/**
 * Every pixel value's input, rounded to float32 after each step exactly as the generator's
 * PyTorch code does it (x / 255, minus mean, over std, each in float32), so a backend sees the
 * very input PyTorch's float64 logits were computed from.
 */
export function pixelTable(p: PreprocessSpec): Float32Array {
  const f = Math.fround;
  const mean = f(p.mean);
  const std = f(p.std);
  if (p.scale !== 1 / 255) {
    throw new ResblocksError('FIXTURE_INTEGRITY', `preprocess scale ${p.scale} is not 1/255`, {
      scale: p.scale,
    });
  }
  return Float32Array.from({ length: 256 }, (_, v) => f(f(f(v / 255) - mean) / std));
}

/**
 * Images `first .. first + count - 1` of a uint8 [n, size, size] array as the network's input:
 * float32 [count, channels, size + 2 pad, size + 2 pad], zero-padded (black), normalised, the
 * gray channel repeated.
 */
export function fashionInput(images: Uint8Array, first: number, count: number, p: PreprocessSpec): Tensor {
  const plane = p.size * p.size;
  if (
    !Number.isInteger(first) ||
    !Number.isInteger(count) ||
    first < 0 ||
    count < 1 ||
    (first + count) * plane > images.length
  ) {
    throw new ResblocksError(
      'INPUT_SHAPE',
      `images ${first}..${first + count - 1} are outside the ${Math.floor(images.length / plane)} images given`,
      { first, count, images: Math.floor(images.length / plane) },
    );
  }
  const table = pixelTable(p);
  const side = p.size + 2 * p.pad;
  const shape = [count, p.channels, side, side];
  const data = new Float32Array(count * p.channels * side * side).fill(table[0]!);
  for (let n = 0; n < count; n++) {
    const src = (first + n) * plane;
    const dst = n * p.channels * side * side;
    for (let y = 0; y < p.size; y++) {
      const row = dst + (y + p.pad) * side + p.pad;
      for (let x = 0; x < p.size; x++) data[row + x] = table[images[src + y * p.size + x]!]!;
    }
    for (let c = 1; c < p.channels; c++) data.copyWithin(dst + c * side * side, dst, dst + side * side);
  }
  return { shape, data };
}
