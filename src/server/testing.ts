/**
 * The browser tests' harness: the explorer served on a free port, Debian's chromium driven
 * by playwright-core (no browser download), the page's state read back, and every
 * main-thread task over 50 ms recorded (PerformanceObserver 'longtask') for a report
 * line: timings are reported, never asserted. Named testing.ts so the build leaves it out
 * (playwright-core is a dev dependency).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { serve, type Explorer, type ServeOptions } from './server.js';
import { PACKAGE_ROOT, WEB_DIST } from './assets.js';

export const CHROMIUM = process.env['CHROMIUM'] ?? '/usr/bin/chromium';
export const SHOTS = process.env['SALIENCY_SCREENSHOTS'] ?? '/tmp/saliency-explorer-screenshots';
export const skip = existsSync(CHROMIUM) ? false : `no chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM)`;

/** A map as the page holds it (window.__explorer.last), typed arrays as plain arrays. */
export type Last = { method: string; baseline: string; flags: Record<string, string>; target: number; input: number[]; values: number[]; shape: number[]; delta: number | null; ms: number; where: string };

export interface Harness {
  explorer: Explorer;
  browser: Browser;
  page: Page;
  close(): Promise<void>;
}

export async function openExplorer(o: ServeOptions = {}): Promise<Harness> {
  mkdirSync(SHOTS, { recursive: true });
  if (!existsSync(join(WEB_DIST, 'index.html'))) {
    execFileSync(process.execPath, [join(PACKAGE_ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', join(PACKAGE_ROOT, 'web', 'vite.config.ts')], { stdio: 'inherit' });
  }
  const explorer = await serve({ port: 0, ...o });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  const page = await browser.newPage({ viewport: { width: 1280, height: 1150 } });
  await page.addInitScript(() => {
    const w = window as unknown as { __longtasks: Array<[number, number]>; __readbacks: Array<[number, number]> };
    w.__longtasks = [];
    w.__readbacks = [];
    new PerformanceObserver((list) => list.getEntries().forEach((e) => w.__longtasks.push([e.startTime, e.duration]))).observe({ type: 'longtask', buffered: true });
  });
  return {
    explorer,
    browser,
    page,
    close: async () => {
      await browser.close();
      await explorer.close();
    },
  };
}

export const computed = (page: Page) => page.evaluate(() => (window as unknown as { __explorer: { computed: number } }).__explorer.computed);
export const waitComputed = (page: Page, n: number, timeout = 30_000) =>
  page.waitForFunction((k) => (window as unknown as { __explorer: { computed: number } }).__explorer.computed >= k, n, { timeout });
/**
 * What the test reads from the page (page.evaluate: a task on the page's main thread, long
 * for megabytes of numbers): its time window is kept out of the long-task figure.
 */
export async function readBack<T>(page: Page, read: () => Promise<T>): Promise<T> {
  const from = await page.evaluate(() => performance.now());
  try {
    return await read();
  } finally {
    await page.evaluate((t0) => (window as unknown as { __readbacks: Array<[number, number]> }).__readbacks.push([t0, performance.now()]), from);
  }
}
/** The page's last map (typed arrays converted by the page: a read-back). */
export const last = (page: Page): Promise<Last> =>
  readBack(page, () =>
    page.evaluate(() => {
      const l = (window as unknown as { __explorer: { last: Last & { input: Float32Array; values: Float32Array } } }).__explorer.last;
      return { ...l, input: Array.from(l.input), values: Array.from(l.values) };
    }),
  );
/** The longest main-thread task of the page's own (the tests' read-backs left out; ms; 0 when none passed 50 ms). */
export const longestTask = (page: Page) =>
  page.evaluate(() => {
    const w = window as unknown as { __longtasks: Array<[number, number]>; __readbacks: Array<[number, number]> };
    const own = w.__longtasks.filter(([start, d]) => !w.__readbacks.some(([a, b]) => start <= b && start + d >= a));
    return Math.max(0, ...own.map(([, d]) => d));
  });
export const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

