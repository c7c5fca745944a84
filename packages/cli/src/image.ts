import { inflateSync } from 'node:zlib';
import { ResblocksError, type Tensor } from '@resblocks/spec';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { type ImageHeader, imageKind, readImageHeader } from './image-header.js';

/** Decoded 8-bit RGBA pixels. */
export interface Rgba {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/**
 * Limits for untrusted images, all checked from the headers before any pixel is decoded: at most
 * 100 megapixels, at most 1.5 GiB of decoder memory (estimated from the header, see decoderBytes),
 * at most 100 JPEG scans (each progressive scan walks the whole image again), and enough
 * compressed data to hold the declared pixels (so a tiny file cannot make the decoder allocate
 * for a huge image).
 */
export const IMAGE_LIMITS = {
  maxPixels: 100_000_000,
  maxDecoderBytes: 1.5 * 2 ** 30,
  maxJpegScans: 100,
} as const;

/** deflate cannot expand data more than 1032:1 (RFC 1951 block overheads). */
const MAX_DEFLATE_RATIO = 1032;

export { imageKind as isImageFile };

/**
 * Peak memory the decoder needs for an image, from its header (measured on pngjs 7 and jpeg-js
 * 0.4 with scripts/image-memory.ts). pngjs holds the inflated rows twice or more (inflate output,
 * unfiltered rows) plus the RGBA bitmap (16-bit images also a 16-bit copy); jpeg-js keeps every
 * 8x8 block as its own Int32Array, about 640 bytes each with the object, plus rows and RGBA.
 */
export function decoderBytes(h: ImageHeader): number {
  const pixels = h.width * h.height;
  if (h.kind === 'png') return 2.5 * h.rawBytes + (h.bitDepth === 16 ? 12 : 4) * pixels;
  return 640 * h.blocks + 8 * pixels;
}

function tooLarge(path: string, message: string, details: Record<string, unknown>): never {
  throw new ResblocksError('INPUT_TOO_LARGE', `image '${path}' ${message}`, { path, ...details });
}

/** Enforces IMAGE_LIMITS on what the header declares. */
export function checkImageLimits(h: ImageHeader, path: string): void {
  const { width, height } = h;
  const size = { width, height };
  const mp = (n: number) => `${(n / 1e6).toFixed(n < 1e7 ? 1 : 0)} megapixels`;
  if (width * height > IMAGE_LIMITS.maxPixels)
    tooLarge(
      path,
      `is ${width}x${height} (${mp(width * height)}); the limit is ${mp(IMAGE_LIMITS.maxPixels)}`,
      size,
    );
  const need = decoderBytes(h);
  if (need > IMAGE_LIMITS.maxDecoderBytes) {
    const what = h.kind === 'png' ? `${h.bitDepth}-bit PNG` : 'JPEG';
    tooLarge(
      path,
      `is a ${width}x${height} ${what} that needs about ${(need / 2 ** 20).toFixed(0)} MiB to decode; the limit is ${IMAGE_LIMITS.maxDecoderBytes / 2 ** 20} MiB`,
      { ...size, decoderBytes: need },
    );
  }
  const bad = (message: string) => {
    throw new ResblocksError('IMAGE_FORMAT', `image '${path}' ${message}`, { path, ...size });
  };
  if (h.kind === 'png' && h.rawBytes > MAX_DEFLATE_RATIO * h.dataBytes + 64)
    bad(
      `declares ${width}x${height} pixels but holds only ${h.dataBytes} bytes of compressed data, too little for them: the file is truncated or corrupt`,
    );
  if (h.kind === 'jpeg') {
    // Every 8x8 block of the full-resolution component takes at least one bit of coded data.
    const lumaBlocks = Math.ceil(width / 8) * Math.ceil(height / 8);
    if (lumaBlocks > 8 * h.dataBytes)
      bad(
        `declares ${width}x${height} pixels but holds only ${h.dataBytes} bytes of coded data, too little for them: the file is truncated or corrupt`,
      );
    if (h.scans > IMAGE_LIMITS.maxJpegScans)
      bad(
        `has ${h.scans} scans; at most ${IMAGE_LIMITS.maxJpegScans} are decoded (usual files have 1 to 20)`,
      );
  }
}

/** The IDAT stream of a PNG, concatenated. */
function pngData(bytes: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let at = 8; at + 8 <= bytes.length; ) {
    const length = new DataView(bytes.buffer, bytes.byteOffset + at, 4).getUint32(0);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    if (type === 'IDAT') parts.push(bytes.subarray(at + 8, Math.min(bytes.length, at + 8 + length)));
    if (type === 'IEND') break;
    at += 12 + length;
  }
  return Buffer.concat(parts);
}

function decodePng(bytes: Uint8Array, h: ImageHeader): Rgba {
  // pngjs caps inflation at the expected size only for non-interlaced images: check the others
  // first, so a small interlaced file cannot inflate to gigabytes.
  if (h.interlaced) {
    try {
      inflateSync(pngData(bytes), { maxOutputLength: h.rawBytes });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ERR_BUFFER_TOO_LARGE') throw e;
      throw new Error(
        `the pixel data inflates to more than the ${h.rawBytes} bytes a ${h.width}x${h.height} image needs`,
      );
    }
  }
  const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  return { width: png.width, height: png.height, data: png.data };
}

function decodeJpeg(bytes: Uint8Array): Rgba {
  const img = jpeg.decode(bytes, {
    useTArray: true,
    formatAsRGBA: true,
    maxResolutionInMP: IMAGE_LIMITS.maxPixels / 1e6,
    maxMemoryUsageInMB: IMAGE_LIMITS.maxDecoderBytes / 2 ** 20,
  });
  return { width: img.width, height: img.height, data: img.data };
}

/** Decodes a PNG or JPEG (detected by content, not by extension) after checking IMAGE_LIMITS. */
export function decodeImage(bytes: Uint8Array, path: string): Rgba {
  let header: ImageHeader;
  try {
    header = readImageHeader(bytes);
  } catch (e) {
    if (e instanceof ResblocksError)
      throw new ResblocksError(e.code, `image '${path}': ${e.message}`, { path, ...e.details }, { cause: e });
    throw e;
  }
  checkImageLimits(header, path);
  let img: Rgba;
  try {
    img = header.kind === 'png' ? decodePng(bytes, header) : decodeJpeg(bytes);
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new ResblocksError(
      'IMAGE_FORMAT',
      `cannot decode ${header.kind.toUpperCase()} image '${path}': ${reason}`,
      { path },
      { cause: e },
    );
  }
  if (
    img.width !== header.width ||
    img.height !== header.height ||
    img.data.length !== 4 * img.width * img.height
  )
    throw new ResblocksError(
      'IMAGE_FORMAT',
      `cannot decode ${header.kind.toUpperCase()} image '${path}': the decoder returned ${img.width}x${img.height} pixels for a ${header.width}x${header.height} header`,
      { path },
    );
  return img;
}

/** PIL's bilinear (triangle) filter taps of one output sample, widened when downscaling. */
interface Taps {
  readonly lo: number;
  readonly weights: number[];
  readonly total: number;
}

function taps(inLen: number, outLen: number, o: number): Taps {
  const scale = inLen / outLen;
  const support = Math.max(scale, 1);
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
  return { lo, weights, total };
}

function apply(t: Taps, src: ArrayLike<number>, base: number, stride: number): number {
  let acc = 0;
  for (let k = 0; k < t.weights.length; k++) acc += t.weights[k]! * src[base + (t.lo + k) * stride]!;
  return t.total > 0 ? acc / t.total : 0;
}

export const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const;
export const IMAGENET_STD = [0.229, 0.224, 0.225] as const;

/**
 * Standard ImageNet evaluation preprocessing: resize the shorter side to `resize` (bilinear,
 * antialiased, as torchvision's Resize on PIL images), center-crop `crop` x `crop`, scale to
 * [0, 1], normalise with the ImageNet mean and standard deviation. Returns an NCHW float32 tensor
 * [1, 3, crop, crop].
 *
 * Only the cropped outputs are computed, horizontal pass first: the intermediate holds the source
 * rows the crop needs (about the image's shorter side) times `crop` columns, so memory stays small
 * whatever the image's size or aspect ratio.
 */
export function preprocessImageNet(img: Rgba, resize = 256, crop = 224): Tensor {
  const { width: w, height: h } = img;
  if (w < 1 || h < 1) throw new ResblocksError('INPUT_SHAPE', 'the image is empty', {});
  // torchvision: the shorter side becomes `resize`, the longer int(resize * long / short).
  const [oh, ow] = h <= w ? [resize, Math.floor((resize * w) / h)] : [Math.floor((resize * h) / w), resize];
  const top = Math.round((oh - crop) / 2);
  const left = Math.round((ow - crop) / 2);
  const cols = Array.from({ length: crop }, (_, x) => taps(w, ow, x + left));
  const rows = Array.from({ length: crop }, (_, y) => taps(h, oh, y + top));
  const first = Math.min(...rows.map((r) => r.lo));
  const last = Math.max(...rows.map((r) => r.lo + r.weights.length));
  const local = rows.map((r) => ({ ...r, lo: r.lo - first }));
  const tmp = new Float32Array((last - first) * crop);
  const column = new Float32Array(last - first);
  const out = new Float32Array(3 * crop * crop);
  for (let c = 0; c < 3; c++) {
    for (let y = first; y < last; y++) {
      for (let x = 0; x < crop; x++)
        tmp[(y - first) * crop + x] = apply(cols[x]!, img.data, y * w * 4 + c, 4);
    }
    for (let x = 0; x < crop; x++) {
      for (let y = first; y < last; y++) column[y - first] = tmp[(y - first) * crop + x]!;
      for (let y = 0; y < crop; y++) {
        // PIL rounds the resized image back to 8 bits before ToTensor (from a float32 sample).
        const s = Math.fround(apply(local[y]!, column, 0, 1));
        const v = Math.min(255, Math.max(0, Math.round(s)));
        out[c * crop * crop + y * crop + x] = (v / 255 - IMAGENET_MEAN[c]!) / IMAGENET_STD[c]!;
      }
    }
  }
  return { shape: [1, 3, crop, crop], data: out };
}
