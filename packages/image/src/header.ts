import { ImageError } from './errors.js';
import { ADAM7_PASSES } from './png-format.js';

/**
 * What an image file declares about itself, read from its headers without decoding any pixels, so
 * limits can be enforced before a decoder allocates anything.
 */
export interface ImageHeader {
  readonly kind: 'png' | 'jpeg';
  readonly width: number;
  readonly height: number;
  /** Bytes of compressed pixel data present in the file (PNG IDAT, JPEG entropy-coded segments). */
  readonly dataBytes: number;
  /** PNG: bits per sample and channels per pixel (3 for a palette, which expands to RGB). */
  readonly bitDepth: number;
  readonly channels: number;
  /** PNG: Adam7 interlacing. JPEG: progressive. */
  readonly interlaced: boolean;
  /** PNG: bytes the pixel data must inflate to. JPEG: 0. */
  readonly rawBytes: number;
  /** JPEG: 8x8 blocks the decoder keeps (all components, padded to whole MCUs). PNG: 0. */
  readonly blocks: number;
  /** JPEG: number of scans (SOS segments). PNG: 0. */
  readonly scans: number;
  /** JPEG: colour components in the frame (1 gray, 3 colour, 4 CMYK). PNG: 0. */
  readonly components: number;
  /** JPEG: an end-of-image marker closes the file. PNG: true. */
  readonly ended: boolean;
  /** JPEG: every coefficient of every component reaches its last bit (always so for baseline). */
  readonly complete: boolean;
}

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export function imageKind(bytes: Uint8Array): 'png' | 'jpeg' | undefined {
  if (bytes.length >= 8 && PNG_MAGIC.every((b, i) => bytes[i] === b)) return 'png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return undefined;
}

function fail(kind: string, message: string, details: Record<string, unknown> = {}): never {
  throw new ImageError('IMAGE_FORMAT', `invalid ${kind.toUpperCase()} image: ${message}`, {
    kind,
    ...details,
  });
}

const u16 = (b: Uint8Array, at: number) => (b[at]! << 8) | b[at + 1]!;
const u32 = (b: Uint8Array, at: number) =>
  ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;

/** Samples per pixel and the bit depths PNG allows, by colour type. */
const PNG_COLOR_TYPES: Record<number, { samples: number; depths: number[]; channels: number }> = {
  0: { samples: 1, depths: [1, 2, 4, 8, 16], channels: 1 },
  2: { samples: 3, depths: [8, 16], channels: 3 },
  3: { samples: 1, depths: [1, 2, 4, 8], channels: 3 },
  4: { samples: 2, depths: [8, 16], channels: 2 },
  6: { samples: 4, depths: [8, 16], channels: 4 },
};

/** Bytes of filtered scanlines (one filter byte per row) the IDAT stream inflates to. */
function pngRawBytes(width: number, height: number, bitsPerPixel: number, interlaced: boolean): number {
  const rows = (w: number, h: number) => (w && h ? h * (1 + Math.ceil((w * bitsPerPixel) / 8)) : 0);
  if (!interlaced) return rows(width, height);
  let total = 0;
  for (const [x0, y0, dx, dy] of ADAM7_PASSES) {
    total += rows(Math.ceil((width - x0) / dx), Math.ceil((height - y0) / dy));
  }
  return total;
}

function readPngHeader(b: Uint8Array): ImageHeader {
  if (b.length < 33) fail('png', `the file ends inside the IHDR header (${b.length} bytes)`);
  if (u32(b, 8) !== 13 || String.fromCharCode(b[12]!, b[13]!, b[14]!, b[15]!) !== 'IHDR')
    fail('png', 'the first chunk is not a 13-byte IHDR');
  const width = u32(b, 16);
  const height = u32(b, 20);
  const [bitDepth, colorType, compression, filter, interlace] = [b[24]!, b[25]!, b[26]!, b[27]!, b[28]!];
  // The PNG specification limits both dimensions to 2^31 - 1.
  if (width < 1 || height < 1 || width > 0x7fffffff || height > 0x7fffffff)
    fail('png', `invalid dimensions ${width}x${height}`, { width, height });
  const color = PNG_COLOR_TYPES[colorType];
  if (!color) fail('png', `unknown colour type ${colorType}`);
  if (!color.depths.includes(bitDepth))
    fail('png', `bit depth ${bitDepth} is not allowed with colour type ${colorType}`);
  if (compression !== 0 || filter !== 0 || interlace > 1)
    fail('png', `unknown compression, filter or interlace method (${compression}, ${filter}, ${interlace})`);
  // Walk the chunks to count the compressed pixel data actually present.
  let dataBytes = 0;
  for (let at = 8; at + 8 <= b.length; ) {
    const length = u32(b, at);
    const type = String.fromCharCode(b[at + 4]!, b[at + 5]!, b[at + 6]!, b[at + 7]!);
    if (type === 'IDAT') dataBytes += Math.min(length, b.length - at - 8);
    if (type === 'IEND') break;
    at += 12 + length;
  }
  const interlaced = interlace === 1;
  return {
    kind: 'png',
    width,
    height,
    dataBytes,
    bitDepth,
    channels: color.channels,
    interlaced,
    rawBytes: pngRawBytes(width, height, color.samples * bitDepth, interlaced),
    blocks: 0,
    scans: 0,
    components: 0,
    ended: true,
    complete: true,
  };
}

/** Start-of-frame markers: baseline, extended and progressive Huffman (the others are not decodable here). */
const SOF_HUFFMAN = new Set([0xc0, 0xc1, 0xc2]);
const SOF_OTHER = new Set([0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);

const ALL_COEFFICIENTS = (1n << 64n) - 1n;

function readJpegHeader(b: Uint8Array): ImageHeader {
  let frame:
    | { width: number; height: number; progressive: boolean; blocks: number; ids: number[] }
    | undefined;
  let scans = 0;
  let ended = false;
  // Progressive: per component id, a bit per coefficient once a scan codes its last bit (Al = 0).
  const coded = new Map<number, bigint>();
  let dataBytes = 0;
  let at = 2;
  while (at < b.length) {
    if (b[at] !== 0xff) fail('jpeg', `expected a marker at offset ${at}`);
    while (b[at] === 0xff) at++; // fill bytes
    const marker = b[at++];
    if (marker === undefined) break;
    if (marker === 0xd9) {
      ended = true;
      break;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue; // no length
    if (marker === 0xd8 || marker === 0x00)
      fail('jpeg', `unexpected marker 0x${marker.toString(16)} at offset ${at - 1}`);
    if (at + 2 > b.length) fail('jpeg', 'the file ends inside a segment length');
    const length = u16(b, at);
    if (length < 2 || at + length > b.length)
      fail(
        'jpeg',
        `segment 0x${marker.toString(16)} at offset ${at - 2} has length ${length} past the end of the file`,
      );
    if (SOF_OTHER.has(marker))
      fail('jpeg', `frame type 0x${marker.toString(16)} (lossless or arithmetic-coded) is not supported`);
    if (SOF_HUFFMAN.has(marker)) {
      if (frame) fail('jpeg', 'more than one frame');
      if (length < 8) fail('jpeg', 'the frame header is too short');
      if (b[at + 2] !== 8) fail('jpeg', `${b[at + 2]}-bit samples are not supported (8-bit only)`);
      const height = u16(b, at + 3);
      const width = u16(b, at + 5);
      const components = b[at + 7]!;
      if (width < 1 || height < 1)
        fail(
          'jpeg',
          `invalid dimensions ${width}x${height} (a height set later by a DNL marker is not supported)`,
        );
      if (components < 1 || length < 8 + 3 * components)
        fail('jpeg', `invalid component count ${components}`);
      const factors: [number, number][] = [];
      const ids: number[] = [];
      for (let c = 0; c < components; c++) {
        ids.push(b[at + 8 + 3 * c]!);
        const hv = b[at + 9 + 3 * c]!;
        factors.push([hv >> 4 || 1, hv & 15 || 1]);
      }
      const maxH = Math.max(...factors.map((f) => f[0]));
      const maxV = Math.max(...factors.map((f) => f[1]));
      const mcus = Math.ceil(width / 8 / maxH) * Math.ceil(height / 8 / maxV);
      const blocks = factors.reduce((s, [h, v]) => s + mcus * h * v, 0);
      frame = { width, height, progressive: marker === 0xc2, blocks, ids };
    }
    if (marker === 0xda && length >= 6) {
      // Ns component selectors, then Ss, Se and Ah/Al: which coefficients this scan codes.
      const ns = b[at + 2]!;
      const tail = at + 3 + 2 * ns;
      if (tail + 3 <= at + length && b[tail + 2]! % 16 === 0) {
        const [ss, se] = [b[tail]!, Math.min(b[tail + 1]!, 63)];
        const bits = ss > se ? 0n : ((1n << BigInt(se - ss + 1)) - 1n) << BigInt(ss);
        for (let c = 0; c < ns; c++) {
          const id = b[at + 3 + 2 * c]!;
          coded.set(id, (coded.get(id) ?? 0n) | bits);
        }
      }
    }
    at += length;
    if (marker === 0xda) {
      scans++;
      // Skip the entropy-coded data: it ends at a marker other than a stuffed 0xFF00 or a restart.
      const start = at;
      while (
        at + 1 < b.length &&
        !(b[at] === 0xff && b[at + 1] !== 0 && !(b[at + 1]! >= 0xd0 && b[at + 1]! <= 0xd7))
      )
        at++;
      if (at + 1 >= b.length) at = b.length;
      dataBytes += at - start;
    }
  }
  if (!frame) fail('jpeg', 'no frame header (SOF0, SOF1 or SOF2) before the image data');
  if (scans === 0) fail('jpeg', 'no image data (SOS segment)');
  return {
    kind: 'jpeg',
    width: frame.width,
    height: frame.height,
    dataBytes,
    bitDepth: 8,
    channels: 0,
    interlaced: frame.progressive,
    rawBytes: 0,
    blocks: frame.blocks,
    scans,
    components: frame.ids.length,
    ended,
    complete: !frame.progressive || frame.ids.every((id) => coded.get(id) === ALL_COEFFICIENTS),
  };
}

/** Reads a PNG's IHDR and chunk list or a JPEG's markers (frame header, scans), never the pixels. */
export function readImageHeader(bytes: Uint8Array): ImageHeader {
  const kind = imageKind(bytes);
  if (kind === 'png') return readPngHeader(bytes);
  if (kind === 'jpeg') return readJpegHeader(bytes);
  throw new ImageError('IMAGE_FORMAT', 'the file is neither a PNG nor a JPEG image', {
    bytes: bytes.length,
  });
}
