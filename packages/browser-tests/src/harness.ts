import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { type BrowserName, type BrowserPage, type Driver, launchBrowser } from './browser.js';
import { bundleForBrowser } from './bundle.js';
import { WASM_PREFIX } from './page/wasm-prefix.js';
import { dirOf, FIXTURES_DIR, PACKAGE_DIR } from './paths.js';
import { type Mounts, type StaticServer, serveStatic } from './server.js';

/** Chromium's pages are Playwright's; every other browser's offer what the shared tests use. */
export type PageOf<B extends BrowserName> = [B] extends ['chromium'] ? Page : BrowserPage;

export interface Harness<P extends BrowserPage = Page> {
  /** Undefined when started with launch: false (serving only). */
  readonly browser: Driver<P>;
  readonly server: StaticServer;
  /** Log lines the pages printed (console and uncaught errors), for failure messages. */
  readonly logs: string[];
  open(path: string): Promise<P>;
  close(): Promise<void>;
}

/** The engines' WebAssembly files, served where the page configures them (see page/wasm-paths.ts). */
export function wasmMounts(): Mounts {
  return {
    [WASM_PREFIX.tfjs]: dirOf('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'),
    [WASM_PREFIX.ort]: dirOf('onnxruntime-web/ort-wasm-simd-threaded.wasm'),
  };
}

/**
 * Bundles the page entries into a temporary folder, serves it (with the fixtures and wasm files)
 * on 127.0.0.1 and starts the browser (Chromium unless `options.browser` names another).
 */
export async function startHarness<B extends BrowserName = 'chromium'>(
  entries: Record<string, string>,
  pages: Record<string, string>,
  extraMounts: Mounts = {},
  options: { launch?: boolean; browser?: B } = {},
): Promise<Harness<PageOf<B>>> {
  const out = mkdtempSync(join(tmpdir(), 'resblocks-browser-'));
  await bundleForBrowser(
    Object.fromEntries(Object.entries(entries).map(([name, file]) => [name, join(PACKAGE_DIR, file)])),
    out,
  );
  for (const [name, file] of Object.entries(pages)) copyFileSync(join(PACKAGE_DIR, file), join(out, name));
  const server = await serveStatic({
    '/app/': out,
    '/fixtures/': FIXTURES_DIR,
    ...wasmMounts(),
    ...extraMounts,
  });
  let browser: Driver<PageOf<B>> | undefined;
  try {
    if (options.launch !== false)
      browser = (await launchBrowser(options.browser ?? 'chromium')) as Driver<PageOf<B>>;
  } catch (e) {
    await server.close();
    throw e;
  }
  const logs: string[] = [];
  return {
    browser: browser as Driver<PageOf<B>>,
    server,
    logs,
    async open(path) {
      if (!browser) throw new Error('the harness was started without a browser');
      const page = await browser.newPage();
      page.on('console', (m) => logs.push(`${m.type()}: ${m.text()}`));
      page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
      await page.goto(`${server.origin}${path}`);
      return page;
    },
    async close() {
      await browser?.close();
      await server.close();
      rmSync(out, { recursive: true, force: true });
    },
  };
}
