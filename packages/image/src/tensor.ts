import { ImageError } from './errors.js';
import { checkImage, type Image8, type ImageTensor } from './image.js';

/** torchvision's `F.to_tensor` of an 8-bit image: CHW float32, each value divided by 255 in float32. */
export function toTensor(img: Image8): ImageTensor {
  checkImage(img);
  const { width, height, channels: c } = img;
  const plane = width * height;
  const data = new Float32Array(c * plane);
  for (let i = 0; i < plane; i++)
    for (let ch = 0; ch < c; ch++) data[ch * plane + i] = img.data[i * c + ch]! / 255;
  return { shape: [c, height, width], data };
}

/**
 * torchvision's `F.normalize`: `(x - mean[c]) / std[c]` per channel, each step rounded to float32
 * as torch computes it, on a CHW or NCHW tensor. Returns a new tensor.
 */
export function normalize(t: ImageTensor, mean: readonly number[], std: readonly number[]): ImageTensor {
  const c = t.shape.length === 4 ? t.shape[1]! : t.shape[0]!;
  if ((t.shape.length !== 3 && t.shape.length !== 4) || mean.length !== c || std.length !== c)
    throw new ImageError(
      'INPUT_SHAPE',
      `normalize takes a CHW or NCHW tensor and one mean and std per channel; got shape [${t.shape.join(', ')}], ${mean.length} means, ${std.length} stds`,
      { shape: t.shape },
    );
  if (std.some((s) => Math.fround(s) === 0))
    throw new ImageError('INPUT_SHAPE', 'std evaluated to zero, leading to division by zero', { std });
  const plane = t.shape.at(-1)! * t.shape.at(-2)!;
  const m = mean.map(Math.fround);
  const s = std.map(Math.fround);
  const data = new Float32Array(t.data.length);
  for (let i = 0; i < t.data.length; i++) {
    const ch = Math.floor(i / plane) % c;
    data[i] = Math.fround(t.data[i]! - m[ch]!) / s[ch]!;
  }
  return { shape: [...t.shape], data };
}

/** Adds the batch axis: CHW to NCHW [1, C, H, W]. */
export function batch(t: ImageTensor): ImageTensor {
  return { shape: [1, ...t.shape], data: t.data };
}
