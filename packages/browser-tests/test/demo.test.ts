import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { referenceAdapter } from '@resblocks/spec';
import { fashionInput, loadTrained, top2 } from '@resblocks/spec/trained';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing } from '../src/chromium.js';
import { DEMO_ENTRIES, DEMO_FILES } from '../src/demo-build.js';
import { type Harness, startHarness } from '../src/harness.js';
import { machine } from '../src/machine.js';
import { REPORTS_DIR } from '../src/paths.js';

const missing = chromiumMissing();

describe.skipIf(missing !== undefined)(`demo page in Chromium${missing ? ` (${missing})` : ''}`, () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness(DEMO_ENTRIES, DEMO_FILES);
  });
  afterAll(async () => {
    await harness?.close();
  });

  it('chooses a backend, runs the sample image and shows top-5 and timings', async () => {
    // Two cheap backends to compare with keep this fast on a software GPU.
    const page = await harness.open('/app/index.html?compare=tfjs:wasm,onnx-web:wasm,gpujs:webasm');
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready', undefined, {
      timeout: 120_000,
    });
    const chosen = await page.textContent('#chosen');
    expect(chosen).toMatch(/^[a-z0-9-]+:[a-z0-9-]+$/);
    await page.click('#run');
    await page.waitForFunction(
      () => /^(done|failed)/.test(document.getElementById('status')?.textContent ?? ''),
      undefined,
      { timeout: 300_000 },
    );
    const status = await page.textContent('#status');
    expect(status, harness.logs.slice(-20).join('\n')).toBe('done');
    const result = await page.evaluate(() => window.demoResult!);
    expect(result.chosen).toBe(chosen);
    expect(result.top5).toHaveLength(5);
    const total = result.top5.reduce((s, t) => s + t.probability, 0);
    expect(total).toBeGreaterThan(0);
    expect(total).toBeLessThanOrEqual(1 + 1e-6);
    expect(await page.locator('#top5 tbody tr').count()).toBe(5);
    // Every compared backend agrees with the chosen one on the logits (same weights, same image).
    for (const t of result.timings.slice(1)) {
      expect(t.error, t.backend).toBeUndefined();
      expect(t.maxAbsDiff, t.backend).toBeLessThan(1e-2);
    }
    mkdirSync(REPORTS_DIR, { recursive: true });
    await page.screenshot({ path: join(REPORTS_DIR, 'demo.png'), fullPage: true });
    writeFileSync(
      join(REPORTS_DIR, 'demo-result.json'),
      `${JSON.stringify({ measuredOn: machine(`Chromium ${harness.browser.version()} headless`), ...result }, null, 2)}\n`,
    );
  });

  it('measures and chooses: the fastest verified backend, with the table', async () => {
    const page = await harness.open('/app/index.html?size=64&fresh');
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready', undefined, {
      timeout: 120_000,
    });
    await page.click('#measure');
    await page.waitForFunction(
      () => /^(measured|failed)/.test(document.getElementById('status')?.textContent ?? ''),
      undefined,
      { timeout: 300_000 },
    );
    expect(await page.textContent('#status'), harness.logs.slice(-20).join('\n')).toBe('measured');
    const result = await page.evaluate(() => window.measureResult!);
    expect(await page.textContent('#chosen')).toBe(result.chosen);
    const chosen = result.rows.filter((r) => r.chosen);
    expect(chosen.map((r) => r.backend)).toEqual([result.chosen]);
    expect(chosen[0]).toMatchObject({ verified: true, reason: null });
    // Without a hardware GPU (SwiftShader here), a verified wasm backend must win.
    if (!result.rows.some((r) => r.available && r.device === 'gpu')) expect(chosen[0]!.api).toBe('wasm');
    expect(result.rows.filter((r) => !r.chosen && !r.reason)).toEqual([]);
    expect(await page.locator('#measured tbody tr').count()).toBe(result.rows.length);
    mkdirSync(REPORTS_DIR, { recursive: true });
    writeFileSync(
      join(REPORTS_DIR, 'demo-measured.json'),
      `${JSON.stringify({ measuredOn: machine(`Chromium ${harness.browser.version()} headless`), ...result }, null, 2)}\n`,
    );
    await page.close();
  });

  it('traces two chosen backends node by node against the float64 reference', async () => {
    const page = await harness.open('/app/index.html?size=64&trace=tfjs:wasm,onnx-web:wasm');
    await page.waitForFunction(
      () => !(document.getElementById('trace') as HTMLButtonElement | null)?.disabled,
      undefined,
      { timeout: 120_000 },
    );
    await page.click('#trace');
    await page.waitForFunction(
      () => /^(done|failed)/.test(document.getElementById('trace-status')?.textContent ?? ''),
      undefined,
      { timeout: 300_000 },
    );
    expect(await page.textContent('#trace-status'), harness.logs.slice(-20).join('\n')).toBe('done');
    const result = await page.evaluate(() => window.traceResult!);
    expect(result.backends).toEqual(['tfjs:wasm', 'onnx-web:wasm']);
    expect(result.firstOver, result.verdicts.join('\n')).toEqual([null, null]);
    // resnet18 with BN folded: every node once, under torchvision's names.
    expect(result.rows.map((r) => r.module)).toContain('layer3.0.downsample.1');
    expect(result.rows.find((r) => r.module === 'layer3.0')?.op).toBe('relu');
    expect(await page.locator('#trace-table tbody tr').count()).toBe(result.rows.length);
    for (const r of result.rows) expect(r.maxAbsDiff, r.module).toBeLessThan(1e-3);
    expect(await page.textContent('#trace-verdict')).toMatch(
      /tfjs:wasm agrees with reference:float64 at all \d+ nodes/,
    );
    await page.screenshot({ path: join(REPORTS_DIR, 'demo-trace.png'), fullPage: true });
    await page.close();
  });

  it('classifies test images with the trained network and a dropped-in picture, like PyTorch', async () => {
    const set = await loadTrained({ models: ['resnet20_cifar'] });
    const logits = set.models[0]!.logits;
    const page = await harness.open('/app/index.html');
    await page.waitForFunction(
      () => document.getElementById('fashion-status')?.textContent === 'ready',
      undefined,
      { timeout: 120_000 },
    );
    expect(await page.locator('#gallery canvas').count()).toBe(30);
    const done = () =>
      page.waitForFunction(
        () => /^(done|failed)/.test(document.getElementById('fashion-status')?.textContent ?? ''),
        undefined,
        { timeout: 120_000 },
      );
    await page.click('#classify');
    await done();
    expect(await page.textContent('#fashion-status'), harness.logs.slice(-20).join('\n')).toBe('done');
    const result = await page.evaluate(() => window.fashionResult!);
    expect(result.model).toBe('resnet20_cifar');
    // PyTorch's top-2 margins on these images are far above any float32 budget: every answer must match.
    const pytorch = result.images.map((_, i) => set.classes[top2(logits.subarray(10 * i, 10 * i + 10)).top]);
    expect(result.images.map((r) => r.predicted)).toEqual(pytorch);
    expect(result.agree).toBe(30);
    expect(result.correct).toBe(result.images.filter((r) => r.predicted === r.label).length);
    expect(await page.locator('#gallery .pred.good').count()).toBe(result.correct);

    // Test image 2 (a trouser) as a user would photograph it: dark on white, 4x larger, a wide margin.
    expect(set.classes[set.sample.labels[2]!]).toBe('Trouser');
    const png = new PNG({ width: 152, height: 152 });
    png.data.fill(255);
    for (let y = 0; y < 112; y++) {
      for (let x = 0; x < 112; x++) {
        const v = 255 - set.sample.images[2 * 784 + Math.floor(y / 4) * 28 + Math.floor(x / 4)]!;
        png.data.set([v, v, v, 255], 4 * ((y + 20) * 152 + x + 20));
      }
    }
    await page.setInputFiles('#picture', {
      name: 'trouser.png',
      mimeType: 'image/png',
      buffer: PNG.sync.write(png),
    });
    await done();
    expect(await page.textContent('#fashion-status'), harness.logs.slice(-20).join('\n')).toBe('done');
    const picture = await page.evaluate(() => window.fashionResult!.picture!);
    expect(picture.name).toBe('trouser.png');
    expect(picture.top3[0]).toMatchObject({ label: 'Trouser' });
    expect(picture.top3[0]!.probability).toBeGreaterThan(0.9);
    await page.screenshot({ path: join(REPORTS_DIR, 'demo-fashion.png'), fullPage: true });
  });
  it('classifies a generated video frame by frame in a Web Worker, drops frames when slow, and Stop ends the work', async () => {
    const set = await loadTrained({ models: ['resnet20_cifar'] });
    const page = await harness.open('/app/index.html?video=tfjs:wasm');
    try {
      await page.waitForFunction(
        () => document.getElementById('video-status')?.textContent === 'ready',
        undefined,
        { timeout: 120_000 },
      );
      await page.click('#video-start');
      await page.waitForFunction(() => (window.videoResult?.classified ?? 0) > 0, undefined, {
        timeout: 60_000,
      });
      await page.waitForTimeout(3000);
      const running = await page.evaluate(() => window.videoResult!);
      expect(running.error, harness.logs.slice(-20).join('\n')).toBeUndefined();
      expect(running).toMatchObject({ backend: 'tfjs:wasm', model: 'resnet20_cifar', running: true });
      expect(running.fps).toBeGreaterThan(0);
      expect(Number(await page.textContent('#video-fps'))).toBeGreaterThan(0);
      expect(await page.locator('#video-top tbody tr').count()).toBe(3);
      // The model runs in the worker: every classified frame is a request to it and a reply.
      expect(running.workerMessages).toBeGreaterThanOrEqual(2 * running.classified);
      // Each kept frame's reported logits are what the float64 reference gives for its pixels.
      const trained = set.models[0]!;
      const reference = await referenceAdapter.compile(trained.graph, trained.weights, {
        backend: 'float64',
      });
      try {
        expect(running.frames.length).toBeGreaterThan(5);
        for (const f of running.frames) {
          const y = await reference.run(fashionInput(Uint8Array.from(f.pixels), 0, 1, set.preprocess));
          const diff = f.logits.reduce((m, v, i) => Math.max(m, Math.abs(v - y.data[i]!)), 0);
          expect(diff, `frame ${f.frame}`).toBeLessThan(1e-3);
          expect(f.top[0]!.label, `frame ${f.frame}`).toBe(set.classes[top2(y.data).top]);
        }
      } finally {
        await reference.dispose();
      }
      // What the network saw is the test image the source drew (scaled up and back down, so not bit for bit).
      const plane = set.sample.size * set.sample.size;
      const likeShown = running.frames.map((f) => {
        const original = set.sample.images.subarray(f.shown!.index * plane, (f.shown!.index + 1) * plane);
        return f.pixels.reduce((sum, v, i) => sum + Math.abs(v - original[i]!), 0) / plane;
      });
      // About 30 levels apart on average (edges move by a pixel); an inverted or wrong image is over 100. A frame
      // read as the source switches images is the previous image: most frames, not all.
      expect(likeShown.filter((d) => d < 64).length, likeShown.join(' ')).toBeGreaterThanOrEqual(
        likeShown.length - 2,
      );
      // The generated source shows test images the network knows: nearly every frame gets the shown label
      // (a frame read just as the source switches images may still show the previous one).
      expect(running.shownFrames).toBeGreaterThan(20);
      expect(running.shownAgree / running.shownFrames).toBeGreaterThan(0.9);
      mkdirSync(REPORTS_DIR, { recursive: true });
      await page.locator('#video-card').screenshot({ path: join(REPORTS_DIR, 'demo-video.png') });
      // The figures as displayed just after the screenshot (they change with every frame).
      const shot = await page.evaluate(() => ({
        ...window.videoResult!,
        frames: undefined,
        displayed: Object.fromEntries(
          ['fps', 'pre', 'model', 'counts', 'longtask'].map((k) => [
            k,
            document.getElementById(`video-${k}`)?.textContent,
          ]),
        ),
      }));
      writeFileSync(
        join(REPORTS_DIR, 'demo-video.json'),
        `${JSON.stringify({ measuredOn: machine(`Chromium ${harness.browser.version()} headless`), ...shot }, null, 2)}\n`,
      );

      // With the page's CPU slowed 8 times, preprocessing alone outlasts a frame: frames are dropped, never queued.
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('Emulation.setCPUThrottlingRate', { rate: 8 });
      const before = await page.evaluate(() => window.videoResult!);
      await page.waitForTimeout(2500);
      await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
      const slow = await page.evaluate(() => window.videoResult!);
      expect(slow.classified).toBeGreaterThan(before.classified);
      expect(slow.dropped).toBeGreaterThan(before.dropped);
      expect(slow.maxInFlight).toBe(1);

      await page.click('#video-stop');
      const stopped = await page.evaluate(() => window.videoResult!);
      await page.waitForTimeout(1500);
      const later = await page.evaluate(() => ({
        ...window.videoResult!,
        paused: (document.getElementById('video') as HTMLVideoElement).paused,
      }));
      // No message to or from a worker and no frame read after Stop.
      expect(later.workerMessages).toBe(stopped.workerMessages);
      expect(later.classified).toBe(stopped.classified);
      expect(later).toMatchObject({ running: false, paused: true });
      expect(await page.textContent('#video-status')).toBe('stopped');

      // Stop while Start is still compiling (another network, so a fresh compile in the worker): nothing starts.
      await page.selectOption('#fashion-model', 'resnext29_8x4d_cifar');
      // Both clicks in one task: Stop lands before the compile can finish.
      await page.evaluate(() => {
        document.getElementById('video-start')!.click();
        document.getElementById('video-stop')!.click();
      });
      await page.waitForFunction(
        () => !(document.getElementById('video-start') as HTMLButtonElement).disabled,
        undefined,
        { timeout: 60_000 },
      );
      await page.waitForTimeout(1000);
      expect(await page.textContent('#video-status')).toBe('stopped');
      const cancelled = await page.evaluate(() => window.videoResult!);
      expect(cancelled).toMatchObject({
        model: 'resnet20_cifar',
        running: false,
        classified: later.classified,
      });

      // A video file: a second and a half of a dark bar on white recorded as webm in the page, picked in the input.
      await page.evaluate(async () => {
        const canvas = document.createElement('canvas');
        canvas.width = canvas.height = 160;
        const ctx = canvas.getContext('2d')!;
        const recorder = new MediaRecorder(canvas.captureStream(30), { mimeType: 'video/webm' });
        const chunks: Blob[] = [];
        recorder.ondataavailable = (e) => chunks.push(e.data);
        const stopped = new Promise((resolve) => {
          recorder.onstop = resolve;
        });
        recorder.start();
        let frame = 0;
        const timer = setInterval(() => {
          ctx.fillStyle = '#fff';
          ctx.fillRect(0, 0, 160, 160);
          ctx.fillStyle = '#222';
          ctx.fillRect(60, 20 + (frame++ % 10), 40, 110);
        }, 33);
        await new Promise((resolve) => setTimeout(resolve, 1500));
        recorder.stop();
        clearInterval(timer);
        await stopped;
        const files = new DataTransfer();
        files.items.add(new File(chunks, 'bar.webm', { type: 'video/webm' }));
        (document.getElementById('video-file') as HTMLInputElement).files = files.files;
        const source = document.getElementById('video-source') as HTMLSelectElement;
        source.value = 'file';
        source.dispatchEvent(new Event('change'));
      });
      await page.selectOption('#fashion-model', 'resnet20_cifar');
      await page.click('#video-start');
      await page.waitForFunction(
        () => window.videoResult?.source === 'file' && window.videoResult.classified > 10,
        undefined,
        { timeout: 60_000 },
      );
      const fromFile = await page.evaluate(() => window.videoResult!);
      expect(fromFile).toMatchObject({
        backend: 'tfjs:wasm',
        model: 'resnet20_cifar',
        running: true,
        maxInFlight: 1,
      });
      const again = await referenceAdapter.compile(trained.graph, trained.weights, { backend: 'float64' });
      try {
        for (const f of fromFile.frames) {
          const y = await again.run(fashionInput(Uint8Array.from(f.pixels), 0, 1, set.preprocess));
          expect(f.top[0]!.label, `file frame ${f.frame}`).toBe(set.classes[top2(y.data).top]);
        }
      } finally {
        await again.dispose();
      }
      await page.click('#video-stop');
    } finally {
      await page.close();
    }
  });
});
