import { streamFor } from '@resblocks/spec';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { decodeImage, IMAGENET_MEAN, IMAGENET_STD, preprocessImageNet, type Rgba } from '../src/image.js';

function randomImage(width: number, height: number, seed: number): Rgba {
  const rng = streamFor(seed, 'image');
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < data.length; i++) data[i] = (i & 3) === 3 ? 255 : Math.floor(rng.uniform() * 256);
  return { width, height, data };
}

const norm = (v: number, c: number) => (v / 255 - IMAGENET_MEAN[c]!) / IMAGENET_STD[c]!;

describe('ImageNet preprocessing', () => {
  it('on a 256x256 image is a center crop at (16, 16), normalised per channel in RGB order', () => {
    const img = randomImage(256, 256, 1);
    const t = preprocessImageNet(img);
    expect(t.shape).toEqual([1, 3, 224, 224]);
    for (const [c, y, x] of [
      [0, 0, 0],
      [1, 100, 37],
      [2, 223, 223],
      [0, 223, 0],
    ] as const) {
      const src = img.data[((y + 16) * 256 + (x + 16)) * 4 + c]!;
      expect(t.data[c * 224 * 224 + y * 224 + x]).toBeCloseTo(norm(src, c), 6);
    }
  });

  it('keeps a uniform colour and crops the middle of a wide image', () => {
    // 600x300: the shorter side becomes 256, the longer 512; the crop starts at x = 144.
    const img = randomImage(600, 300, 2);
    for (let y = 0; y < 300; y++) {
      for (let x = 0; x < 600; x++) {
        const i = (y * 600 + x) * 4;
        img.data[i] = x < 300 ? 200 : 20;
        img.data[i + 1] = 90;
        img.data[i + 2] = 10;
      }
    }
    const t = preprocessImageNet(img);
    const at = (c: number, y: number, x: number) => t.data[c * 224 * 224 + y * 224 + x]!;
    expect(at(1, 50, 3)).toBeCloseTo(norm(90, 1), 5);
    expect(at(2, 200, 220)).toBeCloseTo(norm(10, 2), 5);
    // The red edge at source x=300 maps to resized x=256, crop x=112: left of it bright, right dark.
    expect(at(0, 100, 100)).toBeCloseTo(norm(200, 0), 5);
    expect(at(0, 100, 124)).toBeCloseTo(norm(20, 0), 5);
    const mid = at(0, 100, 111);
    expect(mid).toBeGreaterThan(norm(20, 0));
    expect(mid).toBeLessThan(norm(200, 0));
  });

  it('decodes PNG and JPEG by content', () => {
    const img = randomImage(40, 30, 3);
    const png = new PNG({ width: 40, height: 30 });
    png.data.set(img.data);
    const decoded = decodeImage(new Uint8Array(PNG.sync.write(png)), 'x.png');
    expect(decoded.width).toBe(40);
    expect(Array.from(decoded.data.subarray(0, 64))).toEqual(Array.from(img.data.subarray(0, 64)));
    const jpg = jpeg.encode({ width: 40, height: 30, data: Buffer.from(img.data) }, 95);
    expect(decodeImage(new Uint8Array(jpg.data), 'x.jpg').height).toBe(30);
    expect(() => decodeImage(new Uint8Array([1, 2, 3, 4]), 'x.bin')).toThrow(/neither a PNG nor a JPEG/);
    const truncated = new Uint8Array(PNG.sync.write(png)).subarray(0, 60);
    expect(() => decodeImage(truncated, 't.png')).toThrow(/cannot decode PNG image 't.png'/);
  });
});
