import type { Tensor } from '@resblocks/spec';

/** ImageNet channel statistics (torchvision's normalisation). */
export const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const;
export const IMAGENET_STD = [0.229, 0.224, 0.225] as const;

/** Decodes an image URL, resizes it to size x size and returns a normalised NCHW float32 tensor. */
export async function imageTensor(url: string, size: number): Promise<Tensor> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url}: ${res.status}`);
  const bitmap = await createImageBitmap(await res.blob());
  const canvas = new OffscreenCanvas(size, size);
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no 2d canvas context');
  ctx.drawImage(bitmap, 0, 0, size, size);
  const rgba = ctx.getImageData(0, 0, size, size).data;
  const plane = size * size;
  const data = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++)
      data[c * plane + i] = (rgba[4 * i + c]! / 255 - IMAGENET_MEAN[c]!) / IMAGENET_STD[c]!;
  }
  return { shape: [1, 3, size, size], data };
}

/** Softmax over the logits and the k most probable classes. */
export function topK(logits: Float32Array, k: number): { index: number; probability: number }[] {
  let max = Number.NEGATIVE_INFINITY;
  for (const v of logits) max = Math.max(max, v);
  const exp = Array.from(logits, (v) => Math.exp(v - max));
  const sum = exp.reduce((a, b) => a + b, 0);
  return exp
    .map((e, index) => ({ index, probability: e / sum }))
    .sort((a, b) => b.probability - a.probability)
    .slice(0, k);
}
