import { existsSync } from 'node:fs';
import puppeteer, { type Page } from 'puppeteer-core';
import type { BrowserPage, Driver } from './browser.js';
import { isCI } from './chromium.js';
import { startXvfb, XVFB } from './xvfb.js';

export const FIREFOX = '/usr/bin/firefox-esr';

/** Why Firefox cannot run here (skip reason), or undefined. With CI=true a missing browser throws. */
export function firefoxMissing(): string | undefined {
  const missing = [
    [FIREFOX, 'firefox-esr'],
    [XVFB, 'xvfb'],
  ].filter(([file]) => !existsSync(file!));
  if (missing.length === 0) return undefined;
  const why = `${missing.map(([f]) => f).join(' and ')} not found: apt-get install -y ${missing.map(([, p]) => p).join(' ')}`;
  if (isCI()) throw new Error(why);
  return why;
}

/** puppeteer's page in Playwright's signatures (the argument after the function, polling not tied to frames). */
function asBrowserPage(page: Page): BrowserPage {
  const self: BrowserPage = {
    evaluate: ((fn: (arg: unknown) => unknown, arg?: unknown) =>
      page.evaluate(fn, arg)) as BrowserPage['evaluate'],
    // A page's frames are not painted while its window is covered; a timer keeps polling regardless.
    waitForFunction: (fn, _arg, options) =>
      page.waitForFunction(fn, { polling: 100, timeout: options?.timeout ?? 30_000 }),
    on(event: 'console' | 'pageerror', listener: (x: never) => void) {
      page.on(event, listener as () => void);
      return self;
    },
    goto: (url) => page.goto(url),
    close: () => page.close(),
  };
  return self;
}

/**
 * Debian's Firefox ESR through WebDriver BiDi, on its own Xvfb display rather than headless:
 * headless Firefox offers no WebGL2, on a display it gets one from Mesa (llvmpipe where there is
 * no GPU). Each page opens in a window of its own, so no page is a background tab whose timers
 * Firefox throttles. WebGPU is left as the release build ships it.
 */
export async function firefoxDriver(): Promise<Driver> {
  const xvfb = await startXvfb();
  try {
    const browser = await puppeteer.launch({
      browser: 'firefox',
      executablePath: FIREFOX,
      headless: false,
      env: { ...process.env, DISPLAY: xvfb.display },
    });
    const version = (await browser.version()).replace(/^firefox\//i, '');
    return {
      name: 'firefox',
      label: `Firefox ${version} under Xvfb`,
      version: () => version,
      newPage: async () => asBrowserPage(await browser.newPage({ type: 'window' })),
      async close() {
        try {
          await browser.close();
        } finally {
          await xvfb.stop();
        }
      },
    };
  } catch (e) {
    await xvfb.stop();
    throw e;
  }
}
