import { describe, expect, it } from 'vitest';
import { decodeImage } from '../src/index.js';
import { differences, expected, fixture, manifest } from './fixtures.js';

describe('decodeImage gives PIL 9.4 convert("RGB") values', () => {
  for (const f of manifest.files) {
    it(`${f.file} (${f.note})`, async () => {
      const img = await decodeImage(fixture(f.file), { name: f.file });
      expect([img.width, img.height, img.channels]).toEqual([f.width, f.height, 3]);
      expect(differences(img.data, expected(`${f.file}.rgb.gz`))).toBe(0);
    });
  }
});
