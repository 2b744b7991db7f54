/**
 * The explorer in headless chromium against the Node library, in one run:
 * - time to first map: page load to the first IG-50 heat map on the Fashion-MNIST model;
 * - IG-50 compute time in the page (worker, onnxruntime-web wasm, threads) and in Node
 *   (onnxruntime-node) on the same input: Fashion-MNIST and mobilenet_v2 (224; bench/models);
 * - the longest main-thread task while the page computes (PerformanceObserver 'longtask').
 *
 *   node --import tsx bench/explorer.bench.ts [--skip-mobilenet]
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { serve } from '../src/server/server.js';
import { openModel, resolveFor } from '../src/app/model.js';
import { planRuns, computeRun } from '../src/app/plan.js';
import { parseBaseline } from '../src/baselines/spec.js';
import { makeInMemoryBaseline } from '../src/baselines/make.js';
import { runBenchmark, writeResult } from './common.js';

const here = new URL('.', import.meta.url).pathname;
const MOBILENET = join(here, 'models', 'mobilenet_v2.onnx');
type Last = { flags: Record<string, string>; baseline: string; target: number; input: number[]; ms: number };

const explorer = (page: Page) => page.evaluate(() => (window as unknown as { __explorer: { computed: number; last: Last } }).__explorer);
const waitComputed = (page: Page, n: number, timeout: number) =>
  page.waitForFunction((k) => (window as unknown as { __explorer: { computed: number } }).__explorer.computed >= k, n, { timeout, polling: 200 });
const longest = (page: Page) => page.evaluate(() => Math.max(0, ...((window as unknown as { __longtasks: number[] }).__longtasks ?? [])));
const resetLong = (page: Page) => page.evaluate(() => ((window as unknown as { __longtasks: number[] }).__longtasks = []));

async function nodeIg(modelPath: string, last: Last): Promise<number> {
  const opened = await openModel(modelPath);
  try {
    const preprocessing = resolveFor(opened);
    const [plan] = planRuns(['ig'], [parseBaseline(last.baseline)], last.flags);
    const built = { spec: plan.baseline!, ...makeInMemoryBaseline(plan.baseline!, { model: opened.model, preprocessing }) };
    const input = Float32Array.from(last.input);
    await computeRun(opened.model, input, [last.target], plan, built, { seed: 0, preprocessing }); // warm-up: compiles the sessions
    const t0 = performance.now();
    await computeRun(opened.model, input, [last.target], plan, built, { seed: 0, preprocessing });
    return performance.now() - t0;
  } finally {
    await opened.dispose();
  }
}

async function main(): Promise<void> {
  const withMobilenet = !process.argv.includes('--skip-mobilenet') && existsSync(MOBILENET);
  const server = await serve({ model: withMobilenet ? MOBILENET : undefined });
  const browser = await chromium.launch({ executablePath: process.env['CHROMIUM'] ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
  const result: Record<string, unknown> = { date: new Date().toISOString() };
  const rows: string[] = [];
  try {
    const page = await browser.newPage();
    await page.addInitScript(() => {
      const w = window as unknown as { __longtasks: number[] };
      w.__longtasks = [];
      new PerformanceObserver((list) => list.getEntries().forEach((e) => w.__longtasks.push(e.duration))).observe({ type: 'longtask', buffered: true });
    });
    const t0 = performance.now();
    await page.goto(server.url);
    await waitComputed(page, 1, 120_000);
    const firstMap = performance.now() - t0;
    const threads = await page.textContent('#model-name');
    // a second IG-50, compiled sessions warm, main thread watched
    await page.waitForFunction(() => document.getElementById('cancel')!.hasAttribute('disabled') && document.getElementById('status')!.textContent === 'ready');
    await resetLong(page);
    await page.click('#compute');
    await waitComputed(page, 2, 120_000);
    const fm = await explorer(page);
    const fmLong = await longest(page);
    const fmNode = await nodeIg(join(here, '..', 'models', 'fashion-mnist', 'model.onnx'), fm.last);
    Object.assign(result, { threads, fashionMnist: { firstMapMs: firstMap, browserMs: fm.last.ms, nodeMs: fmNode, longestMainTaskMs: fmLong } });
    rows.push(`${threads}`, `fashion-mnist IG-50: first map ${firstMap.toFixed(0)} ms after page load; warm: browser ${fm.last.ms.toFixed(0)} ms, Node ${fmNode.toFixed(0)} ms; longest main-thread task ${fmLong.toFixed(0)} ms`);
    if (withMobilenet) {
      const n = fm.computed;
      await page.waitForFunction(() => document.getElementById('status')!.textContent === 'ready', null, { timeout: 120_000 });
      await resetLong(page);
      await page.selectOption('#model', 'served');
      await waitComputed(page, n + 1, 900_000);
      const mb = await explorer(page);
      const mbLong = await longest(page);
      const mbNode = await nodeIg(MOBILENET, mb.last);
      Object.assign(result, { mobilenet: { browserMs: mb.last.ms, nodeMs: mbNode, longestMainTaskMs: mbLong, note: 'browser: first run (sessions compiled inside); Node: warm' } });
      rows.push(`mobilenet_v2 224 IG-50: browser ${mb.last.ms.toFixed(0)} ms (first run), Node ${mbNode.toFixed(0)} ms (warm), ratio ${(mb.last.ms / mbNode).toFixed(2)}; longest main-thread task ${mbLong.toFixed(0)} ms`);
    }
  } finally {
    await browser.close();
    await server.close();
  }
  writeResult('explorer', result as { date: string }, rows);
}

runBenchmark(main);
