import { existsSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';
import type { Driver } from './browser.js';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_MISSING = 'Chromium not found: apt-get install -y chromium';

export const isCI = (): boolean => process.env.CI === 'true' || process.env.CI === '1';

/** Why the browser tests cannot run here (skip reason), or undefined. With CI=true a missing browser throws. */
export function chromiumMissing(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  if (isCI()) throw new Error(CHROMIUM_MISSING);
  return CHROMIUM_MISSING;
}

/** Debian's Chromium, headless, with WebGPU on (SwiftShader where there is no GPU) and no network chatter. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--enable-unsafe-webgpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
      '--no-sandbox',
    ],
  });
}

/** Chromium as a Driver: its pages are Playwright's (the demo test uses more of them than BrowserPage). */
export async function chromiumDriver(): Promise<Driver<Page>> {
  const browser = await launchChromium();
  return {
    name: 'chromium',
    label: `Chromium ${browser.version()} headless`,
    version: () => browser.version(),
    newPage: () => browser.newPage(),
    close: () => browser.close(),
  };
}
