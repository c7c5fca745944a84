import { decodeImage, preprocess, setJpegWasm } from '@resblocks/image';
import type { Tensor } from '@resblocks/spec';

// The JPEG decoder's WebAssembly is copied next to the page (see src/demo-build.ts).
setJpegWasm(new URL('./jpeg-turbo.wasm', location.href));

/**
 * Fetches an image's bytes and preprocesses them as torchvision does (Resize to size * 256/224,
 * CenterCrop to size, ToTensor, Normalize with the ImageNet statistics): the file's own bytes
 * through @resblocks/image's decoders, not the browser's, so the tensor is PyTorch's.
 */
export async function imageTensor(url: string, size: number): Promise<Tensor> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url}: ${res.status}`);
  const img = await decodeImage(new Uint8Array(await res.arrayBuffer()), { name: url });
  return preprocess(img, { resize: Math.round((size * 256) / 224), crop: size }) as Tensor;
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
