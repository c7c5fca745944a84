import { Unzlib } from 'fflate';
import { ImageError } from './errors.js';
import type { ImageHeader } from './header.js';
import type { Image8 } from './image.js';
import { ADAM7_PASSES, PNG_SAMPLES } from './png-format.js';

const CRC_TABLE = Int32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});

function crc32(b: Uint8Array, from: number, to: number): number {
  let c = -1;
  for (let i = from; i < to; i++) c = CRC_TABLE[(c ^ b[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

const u32 = (b: Uint8Array, at: number) =>
  ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;

function corrupt(name: string | undefined, message: string, details: Record<string, unknown> = {}): never {
  throw new ImageError(
    'IMAGE_FORMAT',
    `cannot decode PNG ${name ? `image '${name}'` : 'image'}: ${message}`,
    { kind: 'png', ...(name ? { name } : {}), ...details },
  );
}

interface Chunks {
  readonly idat: Uint8Array[];
  readonly palette?: Uint8Array;
}

/** The chunks up to IEND, each checked against its CRC. */
function readChunks(b: Uint8Array, name?: string): Chunks {
  const idat: Uint8Array[] = [];
  let palette: Uint8Array | undefined;
  for (let at = 8; ; ) {
    if (at + 12 > b.length) corrupt(name, 'the file ends before the IEND chunk (truncated)');
    const length = u32(b, at);
    const end = at + 12 + length;
    const type = String.fromCharCode(b[at + 4]!, b[at + 5]!, b[at + 6]!, b[at + 7]!);
    if (length > 0x7fffffff || end > b.length)
      corrupt(name, `chunk ${JSON.stringify(type)} runs past the end of the file (truncated)`);
    if (crc32(b, at + 4, at + 8 + length) !== u32(b, at + 8 + length))
      corrupt(name, `chunk ${JSON.stringify(type)} fails its CRC check`);
    const data = b.subarray(at + 8, at + 8 + length);
    if (type === 'IDAT') idat.push(data);
    else if (type === 'PLTE' && !palette) palette = data;
    else if (type === 'IEND') break;
    at = end;
  }
  return palette ? { idat, palette } : { idat };
}

/** Inflates the IDAT stream, stopping once the image's rows are there: never more than `size` bytes. */
function inflateRows(idat: Uint8Array[], size: number, name?: string): Uint8Array {
  const out = new Uint8Array(size);
  let filled = 0;
  const inflater = new Unzlib((chunk) => {
    const n = Math.min(chunk.length, size - filled);
    out.set(chunk.subarray(0, n), filled);
    filled += n;
  });
  try {
    for (const part of idat) {
      // Pieces small enough that even at deflate's largest ratio (1032:1) one cannot inflate much
      // past the bytes still missing: a stream that inflates far past the image is cut off early.
      for (let at = 0, piece = 0; at < part.length && filled < size; at += piece) {
        piece = Math.min(65536, Math.max(1024, Math.floor((size - filled) / 1032)));
        inflater.push(part.subarray(at, at + piece));
      }
      if (filled >= size) break;
    }
    // The end of the stream flushes what the inflater still holds.
    if (filled < size) inflater.push(new Uint8Array(0), true);
  } catch (e) {
    corrupt(name, `the compressed pixel data is corrupt (${e instanceof Error ? e.message : String(e)})`);
  }
  if (filled < size)
    corrupt(name, `the pixel data inflates to ${filled} bytes; the image needs ${size} (truncated)`, {
      inflated: filled,
      needed: size,
    });
  return out;
}

/** Undoes the five PNG row filters in place: rows of `rowBytes`, each after its filter byte. */
function unfilter(raw: Uint8Array, at: number, rows: number, rowBytes: number, bpp: number, name?: string) {
  const stride = rowBytes + 1;
  for (let y = 0; y < rows; y++) {
    const row = at + y * stride + 1;
    const prev = row - stride; // previous row (valid when y > 0)
    const filter = raw[row - 1]!;
    switch (filter) {
      case 0:
        break;
      case 1:
        for (let i = bpp; i < rowBytes; i++) raw[row + i] = raw[row + i]! + raw[row + i - bpp]!;
        break;
      case 2:
        if (y > 0) for (let i = 0; i < rowBytes; i++) raw[row + i] = raw[row + i]! + raw[prev + i]!;
        break;
      case 3:
        for (let i = 0; i < rowBytes; i++) {
          const left = i >= bpp ? raw[row + i - bpp]! : 0;
          const up = y > 0 ? raw[prev + i]! : 0;
          raw[row + i] = raw[row + i]! + ((left + up) >> 1);
        }
        break;
      case 4:
        for (let i = 0; i < rowBytes; i++) {
          const a = i >= bpp ? raw[row + i - bpp]! : 0;
          const b = y > 0 ? raw[prev + i]! : 0;
          const c = i >= bpp && y > 0 ? raw[prev + i - bpp]! : 0;
          const p = a + b - c;
          const pa = Math.abs(p - a);
          const pb = Math.abs(p - b);
          const pc = Math.abs(p - c);
          raw[row + i] = raw[row + i]! + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
        }
        break;
      default:
        corrupt(name, `unknown row filter ${filter}`);
    }
  }
}

/**
 * Writes one row of samples as RGB, the way PIL 9.4 opens the file and then converts it with
 * `convert('RGB')`: 16-bit colour keeps the high byte ('RGB;16B'), 16-bit gray opens as 32-bit
 * 'I' whose conversion clips at 255, 1/2/4-bit gray scales to 0..255, a palette index past the
 * PLTE entries reads PIL's default gray ramp, and alpha and tRNS are dropped.
 */
function rowToRgb(
  h: ImageHeader,
  colorType: number,
  palette: Uint8Array | undefined,
  raw: Uint8Array,
  at: number,
  count: number,
  out: Uint8Array,
  outAt: number,
  outStep: number,
): void {
  const depth = h.bitDepth;
  const samples = PNG_SAMPLES[colorType]!;
  // The i-th sample of the row, 8 bits or less (sub-byte samples are MSB first).
  const small = (i: number) => {
    const bit = i * depth;
    return (raw[at + (bit >> 3)]! >> (8 - depth - (bit & 7))) & ((1 << depth) - 1);
  };
  const gray = (x: number, v: number) => {
    const o = outAt + x * outStep;
    out[o] = v;
    out[o + 1] = v;
    out[o + 2] = v;
  };
  if (colorType === 3) {
    const entries = Math.floor(palette!.length / 3);
    for (let x = 0; x < count; x++) {
      const index = depth === 8 ? raw[at + x]! : small(x);
      if (index >= entries) gray(x, index);
      else {
        const o = outAt + x * outStep;
        out[o] = palette![3 * index]!;
        out[o + 1] = palette![3 * index + 1]!;
        out[o + 2] = palette![3 * index + 2]!;
      }
    }
  } else if (colorType === 2 || colorType === 6) {
    // 16-bit: the high byte of each sample.
    const step = (samples * depth) >> 3;
    const next = depth >> 3;
    for (let x = 0, s = at; x < count; x++, s += step) {
      const o = outAt + x * outStep;
      out[o] = raw[s]!;
      out[o + 1] = raw[s + next]!;
      out[o + 2] = raw[s + 2 * next]!;
    }
  } else if (depth === 16) {
    const step = 2 * samples;
    for (let x = 0, s = at; x < count; x++, s += step)
      gray(x, colorType === 0 && raw[s]! > 0 ? 255 : colorType === 0 ? raw[s + 1]! : raw[s]!);
  } else if (depth === 8) {
    for (let x = 0; x < count; x++) gray(x, raw[at + samples * x]!);
  } else {
    // 1, 2 or 4-bit gray: PIL's '1' mode (0 or 255), 'L;2' (x 0x55) and 'L;4' (x 0x11).
    const scale = depth === 1 ? 255 : depth === 2 ? 0x55 : 0x11;
    for (let x = 0; x < count; x++) gray(x, small(x) * scale);
  }
}

/** Decodes a PNG whose header was read (and limits checked) into RGB. */
export function decodePng(bytes: Uint8Array, h: ImageHeader, name?: string): Image8 {
  const colorType = bytes[25]!;
  const { idat, palette } = readChunks(bytes, name);
  if (colorType === 3 && !palette) corrupt(name, 'a palette image without a PLTE chunk');
  if (palette && palette.length % 3 !== 0) corrupt(name, `the PLTE chunk has ${palette.length} bytes`);
  const raw = inflateRows(idat, h.rawBytes, name);
  const bitsPerPixel = PNG_SAMPLES[colorType]! * h.bitDepth;
  const bpp = Math.max(1, bitsPerPixel >> 3);
  const { width, height } = h;
  const out = new Uint8Array(3 * width * height);
  const passes = h.interlaced ? ADAM7_PASSES : ([[0, 0, 1, 1]] as const);
  let at = 0;
  for (const [x0, y0, dx, dy] of passes) {
    const w = Math.ceil((width - x0) / dx);
    const rows = Math.ceil((height - y0) / dy);
    if (w <= 0 || rows <= 0) continue;
    const rowBytes = Math.ceil((w * bitsPerPixel) / 8);
    unfilter(raw, at, rows, rowBytes, bpp, name);
    for (let y = 0; y < rows; y++) {
      const outAt = 3 * ((y0 + y * dy) * width + x0);
      rowToRgb(h, colorType, palette, raw, at + y * (rowBytes + 1) + 1, w, out, outAt, 3 * dx);
    }
    at += rows * (rowBytes + 1);
  }
  return { width, height, channels: 3, data: out };
}
