/**
 * Builds PNG and JPEG files byte by byte (valid ones and hostile ones) for the fuzzer, the image
 * memory measurement and the tests. pngjs writes neither interlaced nor palette PNGs, and a hostile
 * file needs headers that lie, so PNG chunks are assembled here. PIL-encoded JPEGs (progressive,
 * 4:2:0, gray) come from @resblocks/image's fixtures.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { ADAM7_PASSES, PNG_SAMPLES } from '@resblocks/image';
import jpeg from 'jpeg-js';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const ascii = (s: string) => Uint8Array.from(s, (ch) => ch.charCodeAt(0));

export function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(ascii(type), 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** Recomputes every chunk's CRC, so a mutated PNG is judged on its contents, not its checksums. */
export function fixPngCrcs(file: Uint8Array): Uint8Array {
  const out = file.slice();
  const view = new DataView(out.buffer);
  for (let at = 8; at + 12 <= out.length; ) {
    const length = view.getUint32(at);
    if (at + 12 + length > out.length) break;
    view.setUint32(at + 8 + length, crc32(out.subarray(at + 4, at + 8 + length)));
    at += 12 + length;
  }
  return out;
}

const concat = (parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

export interface PngOptions {
  readonly width: number;
  readonly height: number;
  /** 0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA. */
  readonly colorType?: number;
  readonly bitDepth?: number;
  readonly interlaced?: boolean;
  /** Sample bytes of the filtered rows; default a deterministic pattern. */
  readonly fill?: (i: number) => number;
  /** Replace the IDAT payload (e.g. a deflate bomb); default deflate of the rows. */
  readonly idat?: Uint8Array;
}

/** The filtered rows (filter type 0) of an image, Adam7 passes one after another if interlaced. */
function pngRows(o: Required<Omit<PngOptions, 'idat'>>): Uint8Array {
  const bits = PNG_SAMPLES[o.colorType]! * o.bitDepth;
  const passes = o.interlaced
    ? ADAM7_PASSES.map(([x0, y0, dx, dy]) => [
        Math.ceil((o.width - x0) / dx),
        Math.ceil((o.height - y0) / dy),
      ])
    : [[o.width, o.height]];
  let size = 0;
  for (const [w, h] of passes) if (w! > 0 && h! > 0) size += h! * (1 + Math.ceil((w! * bits) / 8));
  const out = new Uint8Array(size);
  let at = 0;
  for (const [w, h] of passes) {
    if (!(w! > 0 && h! > 0)) continue;
    const rowBytes = Math.ceil((w! * bits) / 8);
    for (let y = 0; y < h!; y++) {
      out[at++] = 0;
      for (let x = 0; x < rowBytes; x++) out[at++] = o.fill(at) & 0xff;
    }
  }
  return out;
}

export function pngFile(options: PngOptions): Uint8Array {
  const o = {
    colorType: 6,
    bitDepth: 8,
    interlaced: false,
    fill: (i: number) => (i * 2654435761) >>> 24,
    ...options,
  };
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, o.width);
  view.setUint32(4, o.height);
  ihdr.set([o.bitDepth, o.colorType, 0, 0, o.interlaced ? 1 : 0], 8);
  const chunks = [Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk('IHDR', ihdr)];
  if (o.colorType === 3) {
    const entries = 2 ** Math.min(o.bitDepth, 8);
    chunks.push(
      pngChunk(
        'PLTE',
        Uint8Array.from({ length: 3 * entries }, (_, i) => (i * 37) & 0xff),
      ),
    );
  }
  const idat = options.idat ?? new Uint8Array(deflateSync(pngRows(o), { level: 1 }));
  // Several IDAT chunks, as encoders write them.
  for (let at = 0; at < idat.length || at === 0; at += 1 << 16) {
    chunks.push(pngChunk('IDAT', idat.subarray(at, at + (1 << 16))));
    if (idat.length === 0) break;
  }
  chunks.push(pngChunk('IEND', new Uint8Array(0)));
  return concat(chunks);
}

/** A JPEG file PIL encoded, from @resblocks/image's fixtures (see its scripts/fixtures.py). */
export function pilJpeg(name: string): Uint8Array {
  const dir = dirname(createRequire(import.meta.url).resolve('@resblocks/image/package.json'));
  return new Uint8Array(readFileSync(join(dir, 'fixtures', name)));
}

/** A baseline JPEG (4:4:4) of any size, encoded by jpeg-js from a deterministic pattern. */
export function jpegFile(width: number, height: number, quality = 80): Uint8Array {
  const data = Buffer.alloc(width * height * 4);
  for (let i = 0; i < data.length; i++) data[i] = (i & 3) === 3 ? 255 : ((i >> 2) * 7 + (i & 3) * 50) & 0xff;
  return new Uint8Array(jpeg.encode({ width, height, data }, quality).data);
}

/** Offset of the first start-of-frame marker's segment (after 0xFFCx and the length). */
export function jpegFrameOffset(file: Uint8Array): number {
  for (let at = 2; at + 4 < file.length; ) {
    const marker = file[at + 1]!;
    if (marker >= 0xc0 && marker <= 0xc2) return at + 4;
    at += 2 + ((file[at + 2]! << 8) | file[at + 3]!);
  }
  throw new Error('no frame header');
}

/** Rewrites the width and height a JPEG's frame header declares. */
export function withJpegSize(file: Uint8Array, width: number, height: number): Uint8Array {
  const out = file.slice();
  const at = jpegFrameOffset(out);
  new DataView(out.buffer).setUint16(at + 1, height);
  new DataView(out.buffer).setUint16(at + 3, width);
  return out;
}

/** A JPEG whose single scan is repeated `scans` times (a progressive-style CPU bomb). */
export function jpegWithScans(file: Uint8Array, scans: number): Uint8Array {
  let sos = -1;
  for (let at = 2; at + 4 < file.length; ) {
    if (file[at + 1] === 0xda) {
      sos = at;
      break;
    }
    at += 2 + ((file[at + 2]! << 8) | file[at + 3]!);
  }
  const eoi = file.length - 2;
  const scan = file.subarray(sos, eoi);
  return concat([file.subarray(0, sos), ...Array.from({ length: scans }, () => scan), file.subarray(eoi)]);
}
