import { closeSync, existsSync, ftruncateSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { parseSafetensors, ResblocksError, readWeightsFile } from '@resblocks/spec';
import { describe, expect, it } from 'vitest';
import { jpegWithScans, pilJpeg, pngFile, withJpegSize } from '../scripts/image-files.js';
import { describeError } from '../src/cli-error.js';
import { decodeImage, IMAGE_LIMITS } from '../src/image.js';
import { parseNpy } from '../src/npy.js';
import { writeSeededFiles } from './fixtures-files.js';
import { errorLines, resblocks, tempDir } from './spawn.js';

/** The typed error a read throws; fails the test if it returns or throws anything else. */
function rejection(read: () => unknown): ResblocksError {
  try {
    read();
  } catch (e) {
    if (e instanceof ResblocksError) return e;
    throw e;
  }
  throw new Error('the hostile file was accepted');
}

/** The typed error an image decode rejects with; fails the test if it resolves or rejects otherwise. */
async function imageRejection(read: () => Promise<unknown>): Promise<ResblocksError> {
  try {
    await read();
  } catch (e) {
    if (e instanceof ResblocksError) return e;
    throw e;
  }
  throw new Error('the hostile file was accepted');
}

/** Runs a decode and reports how much the external (ArrayBuffer) memory grew while it ran. */
async function arrayBufferGrowth(
  read: () => Promise<unknown>,
): Promise<{ error: ResblocksError; grewMiB: number }> {
  const before = process.memoryUsage().arrayBuffers;
  const error = await imageRejection(read);
  return { error, grewMiB: (process.memoryUsage().arrayBuffers - before) / 2 ** 20 };
}

describe('hostile images are refused from their headers, before decoding', async () => {
  it('a PNG declaring 30000x30000 pixels', async () => {
    const { error, grewMiB } = await arrayBufferGrowth(() =>
      decodeImage(
        pngFile({ width: 30000, height: 30000, colorType: 0, idat: deflateSync(Buffer.alloc(4096)) }),
        'big.png',
      ),
    );
    expect(error.code).toBe('INPUT_TOO_LARGE');
    expect(error.message).toBe(
      "image 'big.png' is 30000x30000 (900 megapixels); the limit is 100 megapixels",
    );
    expect(grewMiB).toBeLessThan(16);
    expect(describeError(error).line).toContain('Downscale the image first');
  });

  it('a PNG within the limits whose data is far too short for its size', async () => {
    const error = await imageRejection(() =>
      decodeImage(
        pngFile({ width: 9000, height: 9000, colorType: 0, idat: deflateSync(Buffer.alloc(1000)) }),
        'short.png',
      ),
    );
    expect(error.code).toBe('IMAGE_FORMAT');
    expect(error.message).toContain('too little for them: the file is truncated or corrupt');
  });

  it('an interlaced PNG whose data inflates far beyond its size (a deflate bomb)', async () => {
    // Inflation stops once the image's rows are there, so the 64 MiB are never produced; PIL
    // ignores data past the image too, so the file decodes (to black).
    const idat = deflateSync(Buffer.alloc(64 * 2 ** 20));
    const before = process.memoryUsage().arrayBuffers;
    const img = await decodeImage(
      pngFile({ width: 100, height: 100, colorType: 2, interlaced: true, idat }),
      'bomb.png',
    );
    expect([img.width, img.height, img.data.every((v) => v === 0)]).toEqual([100, 100, true]);
    expect((process.memoryUsage().arrayBuffers - before) / 2 ** 20).toBeLessThan(16);
  });

  it('a JPEG declaring 65535x65535 pixels', async () => {
    const small = pilJpeg('optimized-q30.jpg');
    const huge = await imageRejection(() => decodeImage(withJpegSize(small, 65535, 65535), 'big.jpg'));
    expect(huge.code).toBe('INPUT_TOO_LARGE');
    expect(huge.message).toContain('65535x65535 (4295 megapixels)');
    expect(huge.details).toMatchObject({ path: 'big.jpg', kind: 'jpeg', width: 65535, height: 65535 });
  });

  it('a JPEG within the limits whose coded data is far too short for its size', async () => {
    const error = await imageRejection(() =>
      decodeImage(withJpegSize(pilJpeg('optimized-q30.jpg'), 4000, 3000), 'short.jpg'),
    );
    expect(error.code).toBe('IMAGE_FORMAT');
    expect(error.message).toContain('too little for them');
  });

  it('a JPEG with thousands of scans (each would walk the whole image again)', async () => {
    const error = await imageRejection(() =>
      decodeImage(jpegWithScans(pilJpeg('optimized-q30.jpg'), 1000), 'scans.jpg'),
    );
    expect(error.code).toBe('IMAGE_FORMAT');
    expect(error.message).toContain(`has 1000 scans; at most ${IMAGE_LIMITS.maxJpegScans} are decoded`);
  });

  it('a damaged image gets a decoding hint, not one about paths and permissions', async () => {
    const png = pngFile({ width: 40, height: 30 });
    const truncated = await imageRejection(() => decodeImage(png.subarray(0, png.length - 40), 't.png'));
    expect(truncated.code).toBe('IMAGE_FORMAT');
    expect(truncated.message).toMatch(/^cannot decode PNG image 't.png': /);
    const line = describeError(truncated).line;
    expect(line).toContain('Check that the image is complete');
    expect(line).not.toContain('permissions');
  });
});

describe('hostile headers of the other readers', () => {
  it('a safetensors header nesting JSON deeply or holding arrays of objects is refused before JSON.parse', () => {
    const file = (text: string) => {
      const header = new TextEncoder().encode(text);
      const out = new Uint8Array(8 + header.length);
      new DataView(out.buffer).setBigUint64(0, BigInt(header.length), true);
      out.set(header, 8);
      return out;
    };
    const deep = `${'['.repeat(4_000_000)}${']'.repeat(4_000_000)}`;
    const t = performance.now();
    expect(rejection(() => parseSafetensors(file(deep))).message).toContain(
      'nests JSON deeper than safetensors does',
    );
    const objects = `{"a":{"shape":[${'{},'.repeat(1_000_000)}{}]}}`;
    expect(rejection(() => parseSafetensors(file(objects))).code).toBe('SAFETENSORS_FORMAT');
    // JSON.parse of these takes seconds and hundreds of megabytes; the scan takes milliseconds.
    expect(performance.now() - t).toBeLessThan(2000);
  });

  it('a PyTorch zip whose directory claims more entries than the file can hold is refused at once', () => {
    // Found by `npm run fuzz` (reader pytorch, seed 5, iteration 1105): 3 kB that took seconds.
    const file = new Uint8Array(readFileSync(new URL('./hostile/zip-entry-count.pth', import.meta.url)));
    const t = performance.now();
    const error = rejection(() => readWeightsFile(file));
    expect(error.code).toBe('CHECKPOINT_FORMAT');
    expect(error.message).toContain(`lists more entries than its ${file.length} bytes can hold`);
    expect(performance.now() - t).toBeLessThan(500);
  });

  it('an .npy header of 65,000 spaces is rejected in linear time', () => {
    const pad = 65_000;
    const file = new Uint8Array(10 + pad + 2);
    file.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    new DataView(file.buffer).setUint16(8, pad + 2, true);
    file.fill(0x20, 10);
    file[10 + pad] = 0x78; // 'x' after the spaces: a backtracking trim would be quadratic
    file[11 + pad] = 0x0a;
    const t = performance.now();
    expect(rejection(() => parseNpy(file)).code).toBe('NPY_FORMAT');
    expect(performance.now() - t).toBeLessThan(1000);
  });
});

describe('the command line refuses hostile inputs before reading or decoding them', () => {
  it('an input file larger than the limit is refused from its size alone', async () => {
    const dir = tempDir();
    const sparse = join(dir, 'huge.npy');
    const fd = openSync(sparse, 'w');
    ftruncateSync(fd, 3 * 2 ** 30); // sparse: takes no disk space
    closeSync(fd);
    const { weights } = writeSeededFiles(dir);
    const r = await resblocks(['run', '--model', 'resnet8_cifar', '--weights', weights, '--input', sparse]);
    expect(r.code).toBe(1);
    expect(errorLines(r.stderr)).toEqual([
      `resblocks: error: input file '${sparse}' is 3.0 GiB, more than the 1.0 GiB read at most. Check that this is the right file.`,
    ]);
  });

  it('a 30000x30000 PNG exits 1 with a hint that fits, writing nothing', async () => {
    const dir = tempDir();
    const input = join(dir, 'big.png');
    writeFileSync(
      input,
      pngFile({ width: 30000, height: 30000, colorType: 0, idat: deflateSync(Buffer.alloc(4096)) }),
    );
    const output = join(dir, 'y.npy');
    const { weights } = writeSeededFiles(dir);
    const args = ['--weights', weights, '--input', input, '--output', output];
    const r = await resblocks(['run', '--model', 'resnet8_cifar', ...args]);
    expect(r.code).toBe(1);
    expect(errorLines(r.stderr)).toEqual([
      `resblocks: error: image '${input}' is 30000x30000 (900 megapixels); the limit is 100 megapixels. Downscale the image first: the model sees 224x224 pixels after preprocessing.`,
    ]);
    expect(existsSync(output)).toBe(false);
  });
});
