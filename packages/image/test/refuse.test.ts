import { describe, expect, it } from 'vitest';
import {
  decodeImage,
  IMAGE_LIMITS,
  ImageError,
  type ImageErrorCode,
  imageKind,
  readImageHeader,
} from '../src/index.js';
import { fixture } from './fixtures.js';

async function rejection(bytes: Uint8Array, name = 'x'): Promise<ImageError> {
  try {
    await decodeImage(bytes, { name });
  } catch (e) {
    if (e instanceof ImageError) return e;
    throw e;
  }
  throw new Error('the file was accepted');
}

async function expectRefused(bytes: Uint8Array, code: ImageErrorCode, message: RegExp, name = 'x') {
  const e = await rejection(bytes, name);
  expect(e.code).toBe(code);
  expect(e.message).toMatch(message);
  return e;
}

/** The markers of a JPEG: [offset, marker] of each segment before its entropy-coded data. */
function sosOffsets(b: Uint8Array): number[] {
  const out: number[] = [];
  for (let at = 2; at + 4 <= b.length; ) {
    if (b[at] !== 0xff) {
      at++;
      continue;
    }
    const m = b[at + 1]!;
    if (m === 0xd9) break;
    if (m === 0x00 || (m >= 0xd0 && m <= 0xd7) || m === 0xff) {
      at += m === 0xff ? 1 : 2;
      continue;
    }
    if (m === 0xda) out.push(at);
    at += 2 + ((b[at + 2]! << 8) | b[at + 3]!);
  }
  return out;
}

describe('files refused with typed errors that name the problem', () => {
  it('neither PNG nor JPEG', async () => {
    await expectRefused(new Uint8Array([1, 2, 3, 4]), 'IMAGE_FORMAT', /neither a PNG nor a JPEG/);
    expect(imageKind(fixture('rgb8.png'))).toBe('png');
    expect(imageKind(fixture('gray.jpg'))).toBe('jpeg');
  });

  it('a CMYK JPEG', async () => {
    await expectRefused(fixture('cmyk.jpg'), 'IMAGE_FORMAT', /CMYK\/YCCK JPEGs are not supported/, 'c.jpg');
  });

  it('a JPEG cut off before its end marker (PIL: "image file is truncated")', async () => {
    const f = fixture('baseline-420.jpg');
    await expectRefused(f.subarray(0, f.length - 200), 'IMAGE_FORMAT', /ends before its end-of-image marker/);
  });

  it('a progressive JPEG that ends after its first scans', async () => {
    const f = fixture('progressive-420.jpg');
    const scans = sosOffsets(f);
    expect(scans.length).toBeGreaterThan(3);
    const cut = new Uint8Array(scans[2]! + 2);
    cut.set(f.subarray(0, scans[2]!));
    cut.set([0xff, 0xd9], scans[2]!);
    expect(readImageHeader(cut).complete).toBe(false);
    await expectRefused(cut, 'IMAGE_FORMAT', /leave coefficients uncoded/);
  });

  it('a 12-bit JPEG', async () => {
    const f = fixture('gray.jpg').slice();
    const sof = f.findIndex((v, i) => v === 0xff && f[i + 1] === 0xc0);
    f[sof + 4] = 12;
    await expectRefused(f, 'IMAGE_FORMAT', /12-bit samples are not supported/);
  });

  it('a PNG with a damaged chunk, and one cut short', async () => {
    const f = fixture('rgb8.png').slice();
    f[f.length - 30] = f[f.length - 30]! ^ 0x55;
    await expectRefused(
      f,
      'IMAGE_FORMAT',
      /^cannot decode PNG image 'p.png': chunk "IDAT" fails its CRC check/,
      'p.png',
    );
    const g = fixture('rgb8.png');
    await expectRefused(g.subarray(0, g.length - 1000), 'IMAGE_FORMAT', /truncated/);
  });

  it('header limits, with the declared and allowed sizes in message and details', async () => {
    const f = fixture('rgb8.png').slice();
    new DataView(f.buffer).setUint32(16, 20000);
    new DataView(f.buffer).setUint32(20, 20000);
    const e = await expectRefused(
      f,
      'INPUT_TOO_LARGE',
      /is 20000x20000 \(400 megapixels\); the limit is 100 megapixels/,
    );
    expect(e.details).toMatchObject({
      kind: 'png',
      width: 20000,
      height: 20000,
      maxPixels: IMAGE_LIMITS.maxPixels,
    });
    // 100 megapixels of 16-bit RGBA: within the pixel limit, not the memory limit.
    new DataView(f.buffer).setUint32(16, 10000);
    new DataView(f.buffer).setUint32(20, 10000);
    f.set([16, 6], 24);
    const deep = await expectRefused(
      f,
      'INPUT_TOO_LARGE',
      /is a 10000x10000 16-bit PNG that needs about 1812 MiB to decode; the limit is 1536 MiB/,
    );
    expect(deep.details).toMatchObject({
      decoderBytes: 2 * 10000 * 80001 + 3e8,
      maxDecoderBytes: 1.5 * 2 ** 30,
    });
    const limits = { ...IMAGE_LIMITS, maxDecoderBytes: 2 ** 12 };
    const small = await decodeImage(fixture('gray1.png'), { limits }).catch((x: unknown) => x as ImageError);
    expect(small).toBeInstanceOf(ImageError);
    expect((small as ImageError).message).toMatch(
      /1-bit PNG that needs about \d+ MiB to decode; the limit is 0 MiB/,
    );
  });

  it('an image decodes again after the JPEG decoder gave up on a corrupt file', async () => {
    const f = fixture('baseline-444.jpg').slice();
    for (let i = 700; i < f.length - 2; i += 11) f[i] = f[i]! ^ 0x5a;
    await decodeImage(f).catch(() => undefined);
    const img = await decodeImage(fixture('baseline-444.jpg'));
    expect([img.width, img.height]).toEqual([77, 123]);
  });
});
