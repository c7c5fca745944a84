import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing } from '../src/chromium.js';
import { type Harness, startHarness } from '../src/harness.js';
import type { TensorCase } from '../src/page/image.js';
import { IMAGE_FIXTURES, IMAGE_WASM } from '../src/page/image-paths.js';

const missing = chromiumMissing();
const imageDir = dirname(createRequire(import.meta.url).resolve('@resblocks/image/package.json'));
const manifest = JSON.parse(readFileSync(join(imageDir, 'fixtures', 'manifest.json'), 'utf8')) as {
  files: { file: string }[];
  tensor: TensorCase[];
};

describe.skipIf(missing !== undefined)(
  `@resblocks/image in Chromium${missing ? ` (${missing})` : ''}`,
  () => {
    let harness: Harness;
    beforeAll(async () => {
      harness = await startHarness(
        { image: 'src/page/image.ts' },
        { 'image.html': 'src/page/image.html' },
        {
          [IMAGE_FIXTURES]: join(imageDir, 'fixtures'),
          [IMAGE_WASM]: join(imageDir, 'dist'),
        },
      );
    });
    afterAll(async () => {
      await harness?.close();
    });

    it('decodes every fixture and preprocesses as torchvision, with the bundled wasm (0 differing values)', async () => {
      const page = await harness.open('/app/image.html');
      await page.waitForFunction(() => typeof window.imageChecks === 'function');
      const checks = await page.evaluate(([files, tensors]) => window.imageChecks!(files, tensors), [
        manifest.files.map((f) => f.file),
        manifest.tensor,
      ] as const);
      expect(checks.length).toBe(manifest.files.length + manifest.tensor.length);
      expect(
        checks.filter((c) => c.differing !== 0),
        harness.logs.join('\n'),
      ).toEqual([]);
    });
  },
);
