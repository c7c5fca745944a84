import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, launchChromium } from '../src/chromium.js';
import { machine } from '../src/machine.js';
import { REPO_ROOT, REPORTS_DIR } from '../src/paths.js';
import { type Mounts, type StaticServer, serveStatic } from '../src/server.js';

/**
 * The packed packages in a fresh Vite app and a fresh webpack app (scripts/bundler-apps.mjs), configured only
 * as docs/guide/bundlers.md shows, served on localhost and run in Chromium on every browser backend.
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
];
const APPS = ['vite', 'webpack'] as const;
type AppName = (typeof APPS)[number];

interface Result {
  backend: string;
  pass: boolean;
  fraction?: number;
  message: string;
  ran?: string;
  code?: string;
  details?: Record<string, unknown>;
}
interface Emitted {
  files: { path: string; bytes: number }[];
  totals: Record<string, number>;
}
interface Built {
  project: string;
  root: string;
  apps: Record<AppName, Emitted & { dist: string; buildMs: number }>;
  ms: Record<string, number>;
}
type BundlerApps = { buildApps(o: { minifyWebpack: boolean }): Promise<Built> };

const missing = chromiumMissing();

describe.skipIf(missing !== undefined)(
  `the packed packages in Vite and webpack apps${missing ? ` (${missing})` : ''}`,
  () => {
    const started = performance.now();
    let work: string;
    let built: Built;
    let browser: Browser;
    const servers: StaticServer[] = [];
    const timings: Record<string, number> = {};
    const report: Record<string, unknown> = {};

    beforeAll(async () => {
      const script = pathToFileURL(join(REPO_ROOT, 'scripts', 'bundler-apps.mjs')).href;
      const { buildApps } = (await import(script)) as BundlerApps;
      built = await buildApps({ minifyWebpack: false });
      work = built.root;
      timings.buildApps = performance.now() - started;
      browser = await launchChromium();
    });

    afterAll(async () => {
      await browser?.close();
      for (const s of servers) await s.close();
      if (work) rmSync(work, { recursive: true, force: true });
      timings.total = performance.now() - started;
      mkdirSync(REPORTS_DIR, { recursive: true });
      writeFileSync(
        join(REPORTS_DIR, 'bundler-apps.json'),
        `${JSON.stringify(
          {
            measuredOn: machine(`Chromium ${browser?.version()} headless`),
            steps: built?.ms,
            ms: Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, Math.round(v)])),
            emitted: built && Object.fromEntries(APPS.map((a) => [a, built.apps[a].totals])),
            ...report,
          },
          null,
          2,
        )}\n`,
      );
    });

    async function serve(mounts: Mounts): Promise<StaticServer> {
      const s = await serveStatic(mounts);
      servers.push(s);
      return s;
    }

    /** Opens the app's page with `query` and waits for its results. */
    async function runPage(
      server: StaticServer,
      query: string,
    ): Promise<{ results: Result[]; logs: string[] }> {
      const page = await browser.newPage();
      const logs: string[] = [];
      page.on('console', (m) => logs.push(m.text()));
      page.on('pageerror', (e) => logs.push(`uncaught: ${e.message}`));
      try {
        await page.goto(`${server.origin}/index.html${query}`);
        await page.waitForFunction(() => document.title === 'done', undefined, { timeout: 300_000 });
        const out = await page.evaluate(
          () =>
            (window as unknown as { resblocks: { results: Result[]; crossOriginIsolated: boolean } })
              .resblocks,
        );
        expect(out.crossOriginIsolated, 'the page is cross-origin isolated (wasm threads)').toBe(true);
        return { results: out.results, logs };
      } catch (e) {
        throw new Error(`${(e as Error).message}\npage log:\n${logs.slice(-30).join('\n')}`);
      } finally {
        await page.close();
      }
    }

    /** The app's dist with every emitted .wasm removed (hard links: the copy is instant). */
    function withoutWasm(app: AppName): string {
      const to = join(work, `${app}-no-wasm`);
      cpSync(built.apps[app].dist, to, { recursive: true });
      for (const f of built.apps[app].files) if (f.path.endsWith('.wasm')) rmSync(join(to, f.path));
      return to;
    }

    for (const app of APPS) {
      it.concurrent(`${app}: resnet8_cifar on every browser backend matches the float64 reference`, async () => {
        const t0 = performance.now();
        const server = await serve({ '/': built.apps[app].dist });
        const { results, logs } = await runPage(server, '');
        timings[`${app} page`] = performance.now() - t0;
        report[app] = results.map((r) => ({
          backend: r.backend,
          pass: r.pass,
          fraction: r.fraction,
          ran: r.ran,
        }));
        expect(results.map((r) => r.backend)).toEqual(BACKENDS);
        for (const r of results) {
          expect(r.pass, `${app} ${r.backend}: ${r.message}\n${logs.slice(-20).join('\n')}`).toBe(true);
          if (!r.backend.startsWith('reference:'))
            expect(r.ran, `${app} ${r.backend} ran on`).toBe(r.backend.split(':')[1]);
        }
        // Every file came from the app itself, each wasm binary from what the bundler emitted.
        expect(server.requests.filter((r) => r.status !== 200 && r.path !== '/favicon.ico')).toEqual([]);
        const emittedWasm = new Set(
          built.apps[app].files.filter((f) => f.path.endsWith('.wasm')).map((f) => `/${f.path}`),
        );
        const fetchedWasm = server.requests.filter((r) => r.path.endsWith('.wasm')).map((r) => r.path);
        expect(
          fetchedWasm.length,
          'the tfjs and onnxruntime wasm binaries were fetched',
        ).toBeGreaterThanOrEqual(2);
        for (const p of fetchedWasm)
          expect(emittedWasm.has(p), `${p} is one of the files ${app} emitted`).toBe(true);
      });
    }

    for (const app of APPS) {
      it(`${app}: a wasm binary that is not served names its URL, the HTTP status and the fix`, async () => {
        const t0 = performance.now();
        const server = await serve({ '/': withoutWasm(app) });
        const { results } = await runPage(server, '?backends=tfjs:wasm,onnx-web:wasm');
        timings[`${app} 404`] = performance.now() - t0;
        const missingWasm = server.requests.filter((r) => r.status === 404 && r.path.endsWith('.wasm'));
        for (const [backend, fix] of [
          ['tfjs:wasm', 'setWasmPaths'],
          ['onnx-web:wasm', 'env.wasm.wasmPaths'],
        ] as const) {
          const r = results.find((x) => x.backend === backend);
          expect(r?.pass, `${backend} without its wasm`).toBe(false);
          expect(r?.code, r?.message).toBe('BACKEND_UNAVAILABLE');
          const url = String(r?.details?.url);
          expect(
            missingWasm.map((m) => `${server.origin}${m.path}`),
            `${backend} names a URL that got a 404`,
          ).toContain(url);
          expect(r?.details?.status).toBe(404);
          expect(r?.message).toContain(url);
          expect(r?.message).toContain('HTTP 404');
          expect(r?.message).toContain(fix);
        }
      });
    }

    it('vite: wasm hosted elsewhere through setWasmPaths and env.wasm.wasmPaths', async () => {
      const t0 = performance.now();
      const modules = join(built.project, 'node_modules');
      const server = await serve({
        '/': withoutWasm('vite'),
        '/hosted/tfjs/': join(modules, '@tensorflow', 'tfjs-backend-wasm', 'dist'),
        '/hosted/ort/': join(modules, 'onnxruntime-web', 'dist'),
      });
      const { results, logs } = await runPage(
        server,
        '?backends=tfjs:wasm,onnx-web:wasm&tfjs-wasm=/hosted/tfjs/&ort-wasm=/hosted/ort/',
      );
      timings['vite hosted'] = performance.now() - t0;
      for (const r of results) expect(r.pass, `${r.backend}: ${r.message}\n${logs.join('\n')}`).toBe(true);
      const wasm = server.requests.filter((r) => r.path.endsWith('.wasm'));
      expect(wasm.filter((r) => r.status !== 200)).toEqual([]);
      expect(wasm.some((r) => r.path.startsWith('/hosted/tfjs/tfjs-backend-wasm'))).toBe(true);
      expect(wasm.some((r) => r.path.startsWith('/hosted/ort/ort-wasm'))).toBe(true);
    });

    it('each bundler emitted the three tfjs-backend-wasm binaries of @resblocks/tfjs', () => {
      const shipped = join(built.project, 'node_modules', '@resblocks', 'tfjs', 'dist', 'wasm');
      const sizes = readdirSync(shipped)
        .filter((f) => f.endsWith('.wasm'))
        .map((f) => statSync(join(shipped, f)).size);
      expect(sizes).toHaveLength(3);
      for (const app of APPS) {
        const wasm = built.apps[app].files.filter((f) => f.path.endsWith('.wasm'));
        for (const size of sizes) {
          expect(
            wasm.some((f) => f.bytes === size),
            `${app} emitted a ${size}-byte binary (${wasm.map((f) => f.path).join(', ')})`,
          ).toBe(true);
        }
      }
    });
  },
);

describe('the bundlers guide', () => {
  it('shows the files the apps are built from, and the Vite app has no config', () => {
    const guide = readFileSync(join(REPO_ROOT, 'docs', 'guide', 'bundlers.md'), 'utf8');
    // VitePress includes these files into the page, so the page shows exactly what the test builds.
    for (const file of ['app/main.js', 'app/index.html', 'webpack/webpack.config.js']) {
      expect(guide).toContain(`<<< @/../packages/browser-tests/bundlers/${file}`);
    }
    const bundlers = join(REPO_ROOT, 'packages', 'browser-tests', 'bundlers');
    expect(readdirSync(bundlers).sort()).toEqual(['app', 'webpack']);
    expect(readdirSync(join(bundlers, 'webpack'))).toEqual(['webpack.config.js']);
    expect(guide).toContain('## Vite\n\nNo configuration');
  });
});
