import { ImageError } from './errors.js';
import type { ImageHeader } from './header.js';

/** Limits for untrusted images, all checked from the headers before any pixel is decoded. */
export interface ImageLimits {
  /** Width times height. */
  readonly maxPixels: number;
  /** Peak decoder memory, estimated from the header (see decoderBytes). */
  readonly maxDecoderBytes: number;
  /** JPEG scans: each progressive scan walks the whole image again. */
  readonly maxJpegScans: number;
}

/**
 * At most 100 megapixels, 1.5 GiB of decoder memory and 100 JPEG scans (usual files have 1 to
 * 20). Files must also hold enough compressed data for the pixels they declare, so a tiny file
 * cannot make the decoder allocate for a huge image.
 */
export const IMAGE_LIMITS: ImageLimits = {
  maxPixels: 100_000_000,
  maxDecoderBytes: 1.5 * 2 ** 30,
  maxJpegScans: 100,
};

/** deflate cannot expand data more than 1032:1 (RFC 1951 block overheads). */
const MAX_DEFLATE_RATIO = 1032;

/**
 * Peak memory the decoders need for an image, from its header (checked against measurements with
 * the CLI's scripts/image-memory.ts). PNG: the inflated rows, as much again in the inflater's
 * chunks until they are collected, and the RGB result. JPEG (libjpeg-turbo in WebAssembly): the file copied into the
 * module, the RGB result there and its copy out, and 128 bytes of coefficients per 8x8 block
 * (a progressive image keeps them all; counted for baseline too, to stay on the safe side).
 */
export function decoderBytes(h: ImageHeader): number {
  const pixels = h.width * h.height;
  if (h.kind === 'png') return 2 * h.rawBytes + 3 * pixels;
  return 2 * h.dataBytes + 6 * pixels + 128 * h.blocks;
}

const label = (name?: string) => (name ? `image '${name}'` : 'the image');

/** Enforces the limits on what the header declares; `name` only labels the messages. */
export function checkImageLimits(h: ImageHeader, name?: string, limits: ImageLimits = IMAGE_LIMITS): void {
  const { width, height, kind } = h;
  const size = { kind, width, height, ...(name ? { name } : {}) };
  const mp = (n: number) => `${(n / 1e6).toFixed(n < 1e7 ? 1 : 0)} megapixels`;
  if (width * height > limits.maxPixels)
    throw new ImageError(
      'INPUT_TOO_LARGE',
      `${label(name)} is ${width}x${height} (${mp(width * height)}); the limit is ${mp(limits.maxPixels)}`,
      { ...size, pixels: width * height, maxPixels: limits.maxPixels },
    );
  const need = decoderBytes(h);
  if (need > limits.maxDecoderBytes) {
    const what = kind === 'png' ? `${h.bitDepth}-bit PNG` : 'JPEG';
    throw new ImageError(
      'INPUT_TOO_LARGE',
      `${label(name)} is a ${width}x${height} ${what} that needs about ${(need / 2 ** 20).toFixed(0)} MiB to decode; the limit is ${(limits.maxDecoderBytes / 2 ** 20).toFixed(0)} MiB`,
      { ...size, decoderBytes: need, maxDecoderBytes: limits.maxDecoderBytes },
    );
  }
  const bad = (message: string, details: Record<string, unknown> = {}): never => {
    throw new ImageError('IMAGE_FORMAT', `${label(name)} ${message}`, { ...size, ...details });
  };
  if (kind === 'png' && h.rawBytes > MAX_DEFLATE_RATIO * h.dataBytes + 64)
    bad(
      `declares ${width}x${height} pixels but holds only ${h.dataBytes} bytes of compressed data, too little for them: the file is truncated or corrupt`,
      { dataBytes: h.dataBytes, rawBytes: h.rawBytes },
    );
  if (kind === 'jpeg') {
    // Every 8x8 block of the full-resolution component takes at least one bit of coded data.
    const lumaBlocks = Math.ceil(width / 8) * Math.ceil(height / 8);
    if (lumaBlocks > 8 * h.dataBytes)
      bad(
        `declares ${width}x${height} pixels but holds only ${h.dataBytes} bytes of coded data, too little for them: the file is truncated or corrupt`,
        { dataBytes: h.dataBytes },
      );
    if (h.scans > limits.maxJpegScans)
      bad(`has ${h.scans} scans; at most ${limits.maxJpegScans} are decoded (usual files have 1 to 20)`, {
        scans: h.scans,
        maxJpegScans: limits.maxJpegScans,
      });
  }
}
