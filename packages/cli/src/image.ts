import { ResblocksError, type Tensor } from '@resblocks/spec';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';

/** Decoded 8-bit RGBA pixels. */
export interface Rgba {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** Decoding limits for untrusted images: 100 megapixels, 1 GiB of decoder memory. */
const MAX_MEGAPIXELS = 100;

export function isImageFile(bytes: Uint8Array): 'png' | 'jpeg' | undefined {
  if (PNG_MAGIC.every((b, i) => bytes[i] === b)) return 'png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return undefined;
}

/** Decodes a PNG or JPEG (detected by content, not by extension). */
export function decodeImage(bytes: Uint8Array, path: string): Rgba {
  const kind = isImageFile(bytes);
  try {
    if (kind === 'png') {
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      if (png.width * png.height > MAX_MEGAPIXELS * 1e6)
        throw new Error(`image is larger than ${MAX_MEGAPIXELS} megapixels`);
      return { width: png.width, height: png.height, data: new Uint8Array(png.data) };
    }
    if (kind === 'jpeg') {
      const img = jpeg.decode(bytes, {
        useTArray: true,
        formatAsRGBA: true,
        maxResolutionInMP: MAX_MEGAPIXELS,
        maxMemoryUsageInMB: 1024,
      });
      return { width: img.width, height: img.height, data: img.data };
    }
  } catch (e) {
    throw new ResblocksError('IO', `cannot decode ${kind} image '${path}': ${(e as Error).message}`, {
      path,
    });
  }
  throw new ResblocksError('IO', `'${path}' is neither a PNG nor a JPEG image`, { path });
}

/**
 * Separable resampling with PIL's bilinear (triangle) filter, widened when downscaling so every
 * source pixel contributes (antialiasing) — what torchvision's Resize does on PIL images.
 */
function resampleAxis(
  src: Float32Array,
  inLen: number,
  outLen: number,
  lines: number,
  stride: number,
  lineStride: number,
  outStride: number,
  outLineStride: number,
  dst: Float32Array,
): void {
  const scale = inLen / outLen;
  const support = Math.max(scale, 1);
  for (let o = 0; o < outLen; o++) {
    const center = (o + 0.5) * scale;
    const lo = Math.max(0, Math.floor(center - support));
    const hi = Math.min(inLen, Math.ceil(center + support));
    const weights: number[] = [];
    let total = 0;
    for (let i = lo; i < hi; i++) {
      const w = Math.max(0, 1 - Math.abs((i + 0.5 - center) / support));
      weights.push(w);
      total += w;
    }
    for (let l = 0; l < lines; l++) {
      let acc = 0;
      for (let i = lo; i < hi; i++) acc += weights[i - lo]! * src[l * lineStride + i * stride]!;
      dst[l * outLineStride + o * outStride] = total > 0 ? acc / total : 0;
    }
  }
}

/** Resizes one float plane [h, w] to [oh, ow]. */
function resizePlane(plane: Float32Array, h: number, w: number, oh: number, ow: number): Float32Array {
  const tmp = new Float32Array(h * ow);
  resampleAxis(plane, w, ow, h, 1, w, 1, ow, tmp);
  const out = new Float32Array(oh * ow);
  resampleAxis(tmp, h, oh, ow, ow, 1, ow, 1, out);
  return out;
}

export const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const;
export const IMAGENET_STD = [0.229, 0.224, 0.225] as const;

/**
 * Standard ImageNet evaluation preprocessing: resize the shorter side to `resize` (bilinear,
 * antialiased), center-crop `crop` x `crop`, scale to [0, 1], normalise with the ImageNet mean and
 * standard deviation. Returns an NCHW float32 tensor [1, 3, crop, crop].
 */
export function preprocessImageNet(img: Rgba, resize = 256, crop = 224): Tensor {
  const { width: w, height: h } = img;
  if (w < 1 || h < 1) throw new ResblocksError('INPUT_SHAPE', 'the image is empty', {});
  // torchvision: the shorter side becomes `resize`, the longer int(resize * long / short).
  const [oh, ow] = h <= w ? [resize, Math.floor((resize * w) / h)] : [Math.floor((resize * h) / w), resize];
  const top = Math.round((oh - crop) / 2);
  const left = Math.round((ow - crop) / 2);
  const out = new Float32Array(3 * crop * crop);
  for (let c = 0; c < 3; c++) {
    const plane = new Float32Array(w * h);
    for (let i = 0; i < w * h; i++) plane[i] = img.data[i * 4 + c]!;
    const resized = resizePlane(plane, h, w, oh, ow);
    for (let y = 0; y < crop; y++) {
      for (let x = 0; x < crop; x++) {
        // PIL rounds the resized image back to 8 bits before ToTensor.
        const v = Math.min(255, Math.max(0, Math.round(resized[(y + top) * ow + x + left]!)));
        out[c * crop * crop + y * crop + x] = (v / 255 - IMAGENET_MEAN[c]!) / IMAGENET_STD[c]!;
      }
    }
  }
  return { shape: [1, 3, crop, crop], data: out };
}
