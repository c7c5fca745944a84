import { describe, expect, it } from 'vitest';
import { centerCrop, decodeImage, preprocess, resize, toGray } from '../src/index.js';
import { differences, expected, expectedTensor, fixture, manifest } from './fixtures.js';

const decoded = (name: string) => decodeImage(fixture(name), { name });

describe('resize matches torchvision F.resize on PIL images', () => {
  for (const c of manifest.resize) {
    it(`${c.name}: ${c.source} to ${JSON.stringify(c.size)} ${c.interpolation}`, async () => {
      let img = await decoded(c.source);
      if (c.gray) img = toGray(img);
      const size = typeof c.size === 'number' ? c.size : ([c.size[0], c.size[1]] as const);
      const out = resize(img, size, {
        interpolation: c.interpolation,
        ...(c.max_size ? { maxSize: c.max_size } : {}),
      });
      expect([out.width, out.height, out.channels]).toEqual([c.width, c.height, c.channels]);
      expect(differences(out.data, expected(`resize-${c.name}.u8.gz`))).toBe(0);
    });
  }
});

describe('centerCrop matches torchvision F.center_crop', () => {
  for (const c of manifest.crop) {
    it(`${c.name}: ${c.source} to ${JSON.stringify(c.size)}`, async () => {
      const out = centerCrop(await decoded(c.source), [c.size[0], c.size[1]]);
      expect([out.width, out.height]).toEqual([c.width, c.height]);
      expect(differences(out.data, expected(`resize-${c.name}.u8.gz`))).toBe(0);
    });
  }
});

describe('preprocess matches Compose([Resize, CenterCrop, ToTensor, Normalize])', () => {
  for (const c of manifest.tensor) {
    it(`${c.name}: ${c.source}, resize ${JSON.stringify(c.resize)}, crop ${c.crop}, ${c.interpolation}`, async () => {
      const t = preprocess(await decoded(c.source), {
        resize: typeof c.resize === 'number' ? c.resize : [c.resize[0], c.resize[1]],
        crop: c.crop,
        interpolation: c.interpolation,
        mean: c.mean,
        std: c.std,
      });
      expect(t.shape).toEqual(c.shape);
      expect(differences(t.data, expectedTensor(c.name))).toBe(0);
    });
  }
});
