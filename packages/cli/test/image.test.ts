import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { ResblocksError } from '@resblocks/spec';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { decodeImage, preprocessImageNet } from '../src/image.js';

/** @resblocks/image's fixtures, recorded from torchvision (see its scripts/fixtures.py). */
const fixtures = join(
  dirname(createRequire(import.meta.url).resolve('@resblocks/image/package.json')),
  'fixtures',
);
const read = (name: string) => new Uint8Array(readFileSync(join(fixtures, name)));

/** torchvision's tensor, as the fixture generator stores it: lut[c][u8]. */
function torchvisionTensor(name: string): Float32Array {
  const u8 = gunzipSync(read(`tensor-${name}.u8.gz`));
  const lut = new Float32Array(read(`tensor-${name}.lut`).buffer);
  const plane = u8.length / 3;
  return Float32Array.from(u8, (v, i) => lut[Math.floor(i / plane) * 256 + v]!);
}

describe('resblocks run --input picture: torchvision ImageNet preprocessing', () => {
  it('a progressive JPEG gives torchvision + PIL 9.4 tensor, value for value', async () => {
    const path = 'progressive-420.jpg';
    const t = preprocessImageNet(await decodeImage(read(path), path));
    expect(t.shape).toEqual([1, 3, 224, 224]);
    const want = torchvisionTensor('imagenet');
    let differing = 0;
    for (let i = 0; i < want.length; i++) if (!Object.is(t.data[i], want[i])) differing++;
    expect(differing).toBe(0);
  });

  it('decodes PNG by content and rejects other files with typed errors naming the path', async () => {
    const png = new PNG({ width: 40, height: 30 });
    for (let i = 0; i < png.data.length; i++) png.data[i] = (i * 7) & 255;
    const bytes = new Uint8Array(PNG.sync.write(png));
    const decoded = await decodeImage(bytes, 'x.png');
    expect([decoded.width, decoded.height, decoded.channels]).toEqual([40, 30, 3]);
    // convert('RGB') drops alpha.
    expect(Array.from(decoded.data.subarray(0, 6))).toEqual([0, 7, 14, 28, 35, 42]);
    const bin = decodeImage(new Uint8Array([1, 2, 3, 4]), 'x.bin');
    await expect(bin).rejects.toThrow(/neither a PNG nor a JPEG/);
    await expect(bin).rejects.toBeInstanceOf(ResblocksError);
    const truncated = decodeImage(bytes.subarray(0, 60), 't.png');
    await expect(truncated).rejects.toThrow(/cannot decode PNG image 't.png'/);
    await expect(truncated).rejects.toMatchObject({ code: 'IMAGE_FORMAT', details: { path: 't.png' } });
  });
});
