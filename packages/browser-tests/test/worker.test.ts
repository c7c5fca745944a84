import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing } from '../src/chromium.js';
import { type Harness, startHarness } from '../src/harness.js';

/**
 * @resblocks/worker in Chromium: a few shared-suite cases through a Web Worker per wasm engine and on
 * the WGSL engine (WebGPU in a worker), and
 * an abort 200 ms into a resnet50 pass, on the page's thread and through the worker.
 */
const ONLY = [
  'backend/identity',
  'fixture/resnet8_cifar/32x32-b2',
  'errors/*',
  'abort/*',
  'resources/released',
];
const missing = chromiumMissing();

describe.skipIf(missing !== undefined)(
  `@resblocks/worker in Chromium${missing ? ` (${missing})` : ''}`,
  () => {
    let harness: Harness;

    beforeAll(async () => {
      harness = await startHarness(
        { hosted: 'src/page/hosted.ts', 'hosted-worker': 'src/page/hosted-worker.ts' },
        { 'hosted.html': 'src/page/hosted.html' },
      );
    });
    afterAll(async () => harness?.close());

    async function page() {
      const p = await harness.open('/app/hosted.html');
      await p.waitForFunction(() => 'hosted' in window, undefined, { timeout: 60_000 });
      return p;
    }

    // webgpu:f32: a WebGPU backend in a worker too (navigator.gpu in a dedicated worker).
    it.each(['tfjs:wasm', 'onnx-web:wasm', 'webgpu:f32'])(
      'runs shared-suite cases of %s in a Web Worker',
      async (id) => {
        const p = await page();
        try {
          const report = await p.evaluate(([backend, only]) => window.hosted.run(backend, only), [
            id,
            ONLY,
          ] as const);
          const failed = report.cases.filter((c) => c.status !== 'pass');
          expect(failed.map((c) => `${c.id}: ${c.message}`).join('\n'), harness.logs.join('\n')).toBe('');
          expect(report.cases.length).toBeGreaterThan(10);
        } finally {
          await p.close();
        }
      },
    );

    it('an abort lands during the pass only through the worker', async () => {
      const p = await page();
      try {
        const r = await p.evaluate(() => window.hosted.abort('tfjs:wasm', 2));
        console.log(`tfjs:wasm resnet50 batch 2 in Chromium: ${JSON.stringify(r)}`);
        expect(r.hosted.outcome).toBe('ABORTED');
        expect(r.hosted.lateMs).toBeLessThan(500);
      } finally {
        await p.close();
      }
    });
  },
);
