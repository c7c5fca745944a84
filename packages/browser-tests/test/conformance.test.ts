import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConformanceReport } from '@resblocks/conformance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserPage } from '../src/browser.js';
import { BROWSER_TITLE, BROWSERS, type BrowserName, browserMissing } from '../src/browser.js';
import { type Harness, startHarness } from '../src/harness.js';
import { machine } from '../src/machine.js';
import type { PageReport, PageSuiteOptions } from '../src/page/conformance.js';
import { WASM_PREFIX } from '../src/page/wasm-prefix.js';
import { REPORTS_DIR } from '../src/paths.js';

/**
 * The shared conformance suite in a real Chromium (WebGPU and WebGL on SwiftShader where there is
 * no GPU) and a real Firefox (WebGL on llvmpipe, no WebGPU in its release builds). Cases are few and
 * small: software GPUs are slow.
 */
const BACKENDS = [
  'reference:float64',
  'tfjs:webgpu',
  'tfjs:webgl',
  'tfjs:wasm',
  'onnx-web:webgpu',
  'onnx-web:wasm',
  'gpujs:webgpu',
  'gpujs:webgl2',
  'webgpu:f32',
  'webgpu:f16',
] as const;

/** Where each wasm engine's binary must have been fetched from. */
const WASM_FROM: Record<string, string> = {
  'tfjs:wasm': WASM_PREFIX.tfjs,
  'onnx-web:wasm': WASM_PREFIX.ort,
};

const OPTIONS: PageSuiteOptions = {
  networks: ['resnet8_cifar'],
  maxBlockCases: 6,
  randomCases: 2,
  sample: { ops: 2, blocks: 3, 'tiny-networks': 1 },
};
/** ORT's WebGPU EP compiles shaders for every new shape: seconds each on SwiftShader, so fewer cases. */
const SLOW: Partial<Record<string, PageSuiteOptions>> = {
  'onnx-web:webgpu': {
    ...OPTIONS,
    maxBlockCases: 3,
    randomCases: 1,
    sample: { ops: 1, blocks: 1, 'tiny-networks': 0 },
  },
  // The WGSL engine compiles a pipeline per layer class, on the CPU here: a smaller grid, f16 smaller still.
  'webgpu:f32': {
    ...OPTIONS,
    maxBlockCases: 4,
    randomCases: 1,
    sample: { ops: 2, blocks: 2, 'tiny-networks': 1 },
  },
  'webgpu:f16': {
    ...OPTIONS,
    maxBlockCases: 3,
    randomCases: 1,
    sample: { ops: 1, blocks: 2, 'tiny-networks': 1 },
  },
};

/**
 * The GPU backends run on SwiftShader here, about a second per trained-network image: their accuracy
 * cases take the first 10 images (the Node suites run each engine's default sample).
 */
const SOFTWARE_GPU_ACCURACY = 10;
const onGpu = (id: string) => id.startsWith('webgpu:') || /:(webgpu|webgl2?)$/.test(id);

/** The options a backend's page runs with. */
function optionsFor(id: string): PageSuiteOptions {
  const o = SLOW[id] ?? OPTIONS;
  return onGpu(id) ? { ...o, accuracyImages: SOFTWARE_GPU_ACCURACY } : o;
}

/**
 * Firefox's grid (in CI too): a sample of Chromium's, every kind of case but fewer of each, accuracy
 * on the first 4 images. RESBLOCKS_FIREFOX_FULL=1 runs Chromium's grid, and the grouped
 * convolutions, in Firefox too.
 */
const FIREFOX_FULL = process.env.RESBLOCKS_FIREFOX_FULL === '1';
const FIREFOX_SAMPLE: PageSuiteOptions = {
  networks: ['resnet8_cifar'],
  maxBlockCases: 2,
  randomCases: 1,
  sample: { ops: 1, blocks: 1, 'tiny-networks': 1, networks: 1, shapes: 1, trace: 1 },
  accuracyImages: 4,
};

/** What each browser runs: its backends, those it must refuse in its own words, and their grid. */
interface BrowserPlan {
  readonly backends: readonly string[];
  /** Probed as unavailable, the reason quoting what the browser itself said (its requestAdapter() error). */
  readonly unavailable: readonly string[];
  readonly options: (id: string) => PageSuiteOptions;
  /** Reports are written as reports/<prefix>conformance-<backend>.json, <prefix>probes.json... */
  readonly prefix: string;
  /** tfjs:webgl's grouped convolutions on every ResNeXt fixture. */
  readonly grouped: boolean;
}

const PLANS: Record<BrowserName, BrowserPlan> = {
  chromium: { backends: BACKENDS, unavailable: [], options: optionsFor, prefix: 'browser-', grouped: true },
  firefox: {
    // gpujs:webasm (gpu.js's wasm kernels) runs in browsers too; Chromium's CI run leaves it to Node.
    backends: [...BACKENDS.filter((b) => !b.endsWith(':webgpu') && !b.startsWith('webgpu:')), 'gpujs:webasm'],
    unavailable: BACKENDS.filter((b) => b.endsWith(':webgpu') || b.startsWith('webgpu:')),
    options: (id) => (FIREFOX_FULL ? optionsFor(id) : FIREFOX_SAMPLE),
    prefix: 'firefox-',
    grouped: FIREFOX_FULL,
  },
};

function failures(report: ConformanceReport): string {
  return report.cases
    .filter((c) => c.status === 'fail')
    .map((c) => `  ${c.id}: ${c.message}`)
    .join('\n');
}

for (const browser of BROWSERS) {
  const missing = browserMissing(browser);
  describe.skipIf(missing !== undefined)(
    `conformance in ${BROWSER_TITLE[browser]}${missing ? ` (${missing})` : ''}`,
    () => conformanceIn(browser),
  );
}

function conformanceIn(browser: BrowserName): void {
  const plan = PLANS[browser];
  const title = BROWSER_TITLE[browser];
  const timings: Record<string, number> = {};
  const reports = new Map<string, ConformanceReport>();
  let harness: Harness<BrowserPage>;
  const started = performance.now();

  beforeAll(async () => {
    harness = await startHarness(
      { conformance: 'src/page/conformance.ts' },
      { 'conformance.html': 'src/page/conformance.html' },
      {},
      { browser },
    );
  });

  afterAll(async () => {
    await harness?.close();
    timings.total = performance.now() - started;
    mkdirSync(REPORTS_DIR, { recursive: true });
    writeFileSync(
      join(REPORTS_DIR, `${plan.prefix}timings.json`),
      `${JSON.stringify({ measuredOn: machine(harness?.browser.label), ms: timings }, null, 2)}\n`,
    );
  });

  /** Runs the suite in a fresh page; also returns the paths that page fetched. */
  async function runInPage(
    id: string,
    options: PageSuiteOptions = plan.options(id),
  ): Promise<PageReport & { fetched: string[] }> {
    const first = harness.server.requests.length;
    const page = await harness.open('/app/conformance.html');
    const t0 = performance.now();
    try {
      await page.waitForFunction(() => 'conformance' in window, undefined, { timeout: 120_000 });
      const report = await page.evaluate(([backend, o]) => window.conformance.run(backend, o), [
        id,
        options,
      ] as const);
      const fetched = harness.server.requests
        .slice(first)
        .filter((r) => r.status === 200)
        .map((r) => r.path);
      return { ...report, fetched };
    } finally {
      timings[id] = performance.now() - t0;
      await page.close();
    }
  }

  it('probes every backend and chooses one (saved for the docs)', async () => {
    const page = await harness.open('/app/conformance.html');
    await page.waitForFunction(() => 'conformance' in window, undefined, { timeout: 120_000 });
    const probes = await page.evaluate(() => window.conformance.probe());
    await page.close();
    expect(probes.backends.map((b) => b.id)).toEqual(
      expect.arrayContaining(BACKENDS.filter((b) => !b.startsWith('reference:'))),
    );
    expect(probes.chosen).not.toBeNull();
    mkdirSync(REPORTS_DIR, { recursive: true });
    writeFileSync(
      join(REPORTS_DIR, `${plan.prefix}probes.json`),
      `${JSON.stringify({ measuredOn: machine(harness.browser.label), ...probes }, null, 2)}\n`,
    );
    const offered = probes.backends.filter((b) => b.available).map((b) => b.id);
    expect(offered, `what ${title} offers`).toEqual(
      expect.arrayContaining(plan.backends.filter((b) => !b.startsWith('reference:'))),
    );
    expect(
      offered.filter((b) => plan.unavailable.includes(b)),
      `what ${title} must refuse`,
    ).toEqual([]);
  });

  // A backend the browser does not offer says so in the browser's own words, never in ours.
  it.skipIf(plan.unavailable.length === 0)(
    `${title}'s own reason for each backend it does not offer`,
    async () => {
      const page = await harness.open('/app/conformance.html');
      await page.waitForFunction(() => 'conformance' in window, undefined, { timeout: 120_000 });
      try {
        const gpu = await page.evaluate(() => window.conformance.gpu());
        const probes = await page.evaluate(() => window.conformance.probe());
        expect(gpu.webgpu, `${title} offered a WebGPU adapter`).toBeNull();
        expect(gpu.webgpuError, `what requestAdapter() said in ${title}`).toMatch(/\w{3}/);
        for (const id of plan.unavailable) {
          const p = probes.backends.find((b) => b.id === id);
          expect(p?.available, id).toBe(false);
          expect(p?.reason, `${id}'s probe reason quotes ${title}`).toContain(gpu.webgpuError);
          // The row of the backend-by-browser table: the suite as a user would run it, without `required`.
          const report = await page.evaluate(([backend, o]) => window.conformance.run(backend, o), [
            id,
            { ...plan.options(id), required: false },
          ] as const);
          expect(report.cases.map((c) => [c.id, c.status])).toEqual([['backend/available', 'skip']]);
          expect(report.cases[0]?.message).toContain(gpu.webgpuError);
          writeReport(id, report);
        }
      } finally {
        await page.close();
      }
    },
  );

  it('a wrong backend fails in the page (numbers and identity)', async () => {
    const report = await runInPage('broken:float64');
    expect(report.summary.failed).toBeGreaterThan(0);
    expect(report.cases.find((c) => c.id === 'backend/identity')?.status).toBe('fail');
    expect(report.cases.find((c) => c.id.startsWith('fixture/resnet8_cifar'))?.status).toBe('fail');
    expect(report.cases.find((c) => c.id.startsWith('accuracy/resnet20_cifar'))?.status).toBe('fail');
  });

  // Two pages at a time (maxConcurrency): each engine works on one thread of its page or of the GPU
  // process, so a second page uses the second core.
  for (const id of plan.backends) {
    it.concurrent(id, async () => {
      const report = await runInPage(id);
      reports.set(id, report);
      writeReport(id, report);
      expect(report.backend).toBe(id);
      expect(
        report.summary.failed,
        `${id} failed in ${title}:\n${failures(report)}\n${harness.logs.slice(-20).join('\n')}`,
      ).toBe(0);
      const identity = report.cases.find((c) => c.id === 'backend/identity');
      expect(identity?.status, `backend/identity: ${identity?.message}`).toBe('pass');
      expect(report.cases.some((c) => c.id.startsWith('fixture/resnet8_cifar') && c.status === 'pass')).toBe(
        true,
      );
      // The trained networks on real images agree with PyTorch (accuracy group, both networks).
      expect(
        report.cases.filter((c) => c.group === 'accuracy').map((c) => [c.id.split('/')[1], c.status]),
      ).toEqual([
        ['resnet20_cifar', 'pass'],
        ['resnext29_8x4d_cifar', 'pass'],
      ]);
      for (const c of report.cases.filter((c) => c.group === 'accuracy'))
        expect(c.measured?.images, `${c.id} reports the images it ran`).toBeGreaterThan(0);
      // The WGSL engine finds this adapter's committed tile table in the browser too (built in).
      if (id.startsWith('webgpu:') && report.info.architecture === 'swiftshader')
        expect(report.info.table, 'the tile table webgpu used in Chromium').toBe('google-swiftshader.json');
      // The engines' wasm binaries came from where the page configured them (not a CDN, not a guess).
      const prefix = WASM_FROM[id];
      if (prefix)
        expect(
          report.fetched.filter((p) => p.startsWith(prefix) && p.endsWith('.wasm')),
          report.fetched.join(', '),
        ).not.toEqual([]);
    });
  }

  // tfjs:webgl's grouped-conv program (vec4 and scalar channel loops, strides, batch 3) on every
  // ResNeXt fixture; the sampled run above meets only one of them. (tfjs:webgpu's kernel runs its
  // full grid in Node.)
  it.skipIf(!plan.grouped).concurrent('tfjs:webgl grouped convolutions: every ResNeXt fixture', async () => {
    const report = await runInPage('tfjs:webgl', {
      networks: [],
      maxBlockCases: 100,
      randomCases: 0,
      groups: ['resnext'],
    });
    expect(report.summary.failed, failures(report)).toBe(0);
    const grouped = report.cases.filter((c) => /^fixture\/.*-g(2|32)-/.test(c.id));
    expect(grouped.length).toBeGreaterThanOrEqual(12);
    expect(grouped.every((c) => c.status === 'pass')).toBe(true);
  });

  it('GPU backends report a software GPU as software (the chooser ranks it below wasm)', async () => {
    const page = await harness.open('/app/conformance.html');
    await page.waitForFunction(() => 'conformance' in window, undefined, { timeout: 120_000 });
    const gpu = await page.evaluate(() => window.conformance.gpu());
    await page.close();
    const soft = /swiftshader|llvmpipe|lavapipe/i;
    const expected: Record<string, string> = {};
    if (gpu.webgpu)
      for (const id of BACKENDS.filter((b) => b.endsWith(':webgpu')))
        expected[id] = soft.test(Object.values(gpu.webgpu).join(' ')) ? 'software' : 'gpu';
    if (gpu.webglRenderer)
      for (const id of BACKENDS.filter((b) => /:webgl2?$/.test(b)))
        expected[id] = soft.test(gpu.webglRenderer) ? 'software' : 'gpu';
    const reported: Record<string, string> = {};
    for (const id of Object.keys(expected)) {
      const report = reports.get(id);
      if (report) reported[id] = String(report.info.device);
    }
    expect(Object.keys(reported).length).toBeGreaterThan(0);
    const wrong = Object.keys(reported).filter((id) => reported[id] !== expected[id]);
    expect(wrong.map((id) => `${id} says device '${reported[id]}' on ${JSON.stringify(gpu)}`)).toEqual([]);
  });

  /** The report the docs' tables are generated from, naming the browser it ran in. */
  function writeReport(id: string, report: PageReport): void {
    mkdirSync(REPORTS_DIR, { recursive: true });
    writeFileSync(
      join(REPORTS_DIR, `${plan.prefix}conformance-${id.replace(':', '-')}.json`),
      `${JSON.stringify({ ...report, fetched: undefined, browser: title, measuredOn: machine(harness.browser.label) }, null, 2)}\n`,
    );
  }
}
