import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { webgpuAdapter } from '../src/index.js';

const CI = process.env.CI === 'true' || process.env.CI === '1';
const probe = await webgpuAdapter.probe('f32');

describe('bench/profile.ts', () => {
  it.skipIf(!probe.available && !CI)(
    'times every dispatch per kernel class, with the GFLOP/s of the convolutions and the classifier',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'profile-'));
      try {
        const out = join(dir, 'profile.json');
        await promisify(execFile)(
          process.execPath,
          [
            '--import',
            'tsx',
            fileURLToPath(new URL('../bench/profile.ts', import.meta.url)),
            ...[
              '--models',
              'resnet8_cifar',
              '--batches',
              '2',
              '--size',
              '16',
              '--repeats',
              '1',
              '--out',
              out,
            ],
          ],
          { timeout: 120_000 },
        );
        const [r] = JSON.parse(readFileSync(out, 'utf8')).results as {
          dispatches: number;
          gpuMs: number;
          classes: {
            kernelClass: string;
            dispatches: number;
            ms: number;
            gflop: number;
            gflopsPerSec: number | null;
          }[];
        }[];
        // resnet8_cifar: the stem, 8 block convolutions, the pooled classifier (info().plan.ops).
        expect(r!.dispatches).toBe(10);
        expect(r!.classes.reduce((a, c) => a + c.dispatches, 0)).toBe(r!.dispatches);
        expect(r!.classes.reduce((a, c) => a + c.ms, 0)).toBeCloseTo(r!.gpuMs, 6);
        const classifier = r!.classes.find((c) => c.kernelClass.startsWith('pool-linear'));
        // 2 images x 64 channels x 10 classes, 2 FLOP per multiply-add.
        expect(classifier?.gflop).toBeCloseTo((2 * 2 * 64 * 10) / 1e9, 12);
        for (const c of r!.classes) if (c.gflop > 0) expect(c.gflopsPerSec).toBeGreaterThan(0);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
