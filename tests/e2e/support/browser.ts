import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

/**
 * A real browser for the browser-session suites: Debian's Chromium (installed by
 * scripts/bootstrap.sh), driven by playwright-core, which never downloads a browser of its own.
 */

/** Debian's Chromium; the suites fail, never skip, without it. */
export const CHROMIUM = '/usr/bin/chromium';

/** Where the suites save their screenshots (git-ignored; docs/testing.md). */
export const SCREENSHOT_DIR = join('test-results', 'browser');

/** Starts a headless Chromium; fails loudly when Debian's package is missing. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: run bash scripts/bootstrap.sh (it installs chromium)`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // the test machine runs as root, where Chromium's sandbox cannot start
    args: ['--no-sandbox'],
    timeout: 30_000,
  });
}

/** A fresh context (its own cookie jar) whose every wait ends within `timeoutMs`. */
export async function freshContext(browser: Browser, timeoutMs = 10_000): Promise<BrowserContext> {
  const context = await browser.newContext();
  context.setDefaultTimeout(timeoutMs);
  context.setDefaultNavigationTimeout(timeoutMs);
  return context;
}

/** Saves a full-page screenshot as `<SCREENSHOT_DIR>/<name>.png`. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

/** A `Cookie` header with the context's cookies for `url`, as the browser would send them. */
export async function cookieHeader(context: BrowserContext, url: string): Promise<string> {
  const cookies = await context.cookies(url);
  return cookies.map((c) => `${c.name}=${c.value}`).join('; ');
}

/** Signs in on the sign-in page the browser is on; resolves once it has navigated away. */
export async function submitSignin(page: Page, email: string, password: string): Promise<void> {
  await page.fill('#email', email);
  await page.fill('#password', password);
  await Promise.all([page.waitForNavigation(), page.click('#signin button[type=submit]')]);
}
