import { chromiumDriver, chromiumMissing } from './chromium.js';
import { firefoxDriver, firefoxMissing } from './firefox.js';

/** The browsers the page suites run in: Chromium through Playwright, Firefox through WebDriver BiDi. */
export const BROWSERS = ['chromium', 'firefox'] as const;
export type BrowserName = (typeof BROWSERS)[number];

/** How reports and test titles name each browser. */
export const BROWSER_TITLE: Record<BrowserName, string> = { chromium: 'Chromium', firefox: 'Firefox' };

/**
 * What the shared tests do with a page, in Playwright's signatures (Chromium's Page is one as it is;
 * the Firefox driver adapts puppeteer's page to it).
 */
export interface BrowserPage {
  evaluate<R>(fn: () => R | Promise<R>): Promise<R>;
  evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>;
  waitForFunction(fn: () => unknown, arg?: undefined, options?: { timeout?: number }): Promise<unknown>;
  on(event: 'console', listener: (m: { type(): string; text(): string }) => void): unknown;
  on(event: 'pageerror', listener: (e: Error) => void): unknown;
  goto(url: string): Promise<unknown>;
  close(): Promise<void>;
}

/** One launched browser. P is what its pages offer beyond BrowserPage (Playwright's Page in Chromium). */
export interface Driver<P extends BrowserPage = BrowserPage> {
  readonly name: BrowserName;
  /** The runtime a measurement names, e.g. "Firefox 153.8.0 under Xvfb". */
  readonly label: string;
  version(): string;
  newPage(): Promise<P>;
  close(): Promise<void>;
}

/** Why `name` cannot run here (a skip reason), or undefined. With CI=true a missing browser throws. */
export function browserMissing(name: BrowserName): string | undefined {
  return name === 'chromium' ? chromiumMissing() : firefoxMissing();
}

export function launchBrowser(name: BrowserName): Promise<Driver> {
  return name === 'chromium' ? chromiumDriver() : firefoxDriver();
}
