/**
 * The explorer in a real browser: Debian's chromium driven by playwright-core (no browser
 * download). Screenshots of the main views go to $SALIENCY_SCREENSHOTS (default
 * /tmp/saliency-explorer-screenshots).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import type { Page } from 'playwright-core';
import type { Explorer } from './server.js';
import { SHIPPED_MODEL } from './models.js';
import { openModel, resolveFor } from '../app/model.js';
import { planRuns, computeRun } from '../app/plan.js';
import { parseBaseline } from '../baselines/spec.js';
import { makeInMemoryBaseline } from '../baselines/make.js';
import { loadOnnxWebModel } from '../engine/onnx-web.js';
import * as b from './testing.js';
import { relativeL2 } from '../engine/numeric.js';
import { skip, type Harness, type Last } from './testing.js';

let h: Harness;
let explorer: Explorer;
let page: Page;
const computed = () => b.computed(page);
const last = () => b.last(page);
const waitComputed = (n: number) => b.waitComputed(page, n);
const shot = (name: string) => b.shot(page, name);

before(async () => {
  if (skip) return;
  h = await b.openExplorer();
  ({ explorer, page } = h);
});
after(async () => {
  if (h) console.log(`longest main-thread task over the run (fashion-mnist): ${(await b.longestTask(page)).toFixed(0)} ms (reported, not asserted)`);
  await h?.close();
});

/** IG as the Node library computes it for what the page computed (same input, class, options, baseline). */
async function igInNode(got: Last, runtime: 'node' | 'web'): Promise<{ values: Float32Array; delta: number; ms: number }> {
  const opened = await openModel(SHIPPED_MODEL);
  const model = runtime === 'node' ? opened.model : await loadOnnxWebModel(readFileSync(SHIPPED_MODEL));
  try {
    const preprocessing = resolveFor(opened);
    const [plan] = planRuns(['ig'], [parseBaseline(got.baseline)], got.flags);
    const built = { spec: plan.baseline!, ...makeInMemoryBaseline(plan.baseline!, { model, preprocessing }) };
    const t0 = performance.now();
    const r = await computeRun(model, Float32Array.from(got.input), [got.target], plan, built, { seed: 0, preprocessing });
    return { values: r.attribution.values, delta: r.delta![0], ms: performance.now() - t0 };
  } finally {
    if (model !== opened.model) await model.dispose();
    await opened.dispose();
  }
}

test('the page computes IG-50 on the shipped model in the browser, as the Node library does (1e-5 relative L2)', { skip }, async () => {
  const t0 = performance.now();
  await page.goto(explorer.url);
  await waitComputed(1);
  const firstMap = performance.now() - t0;
  assert.equal(await page.evaluate(() => crossOriginIsolated), true, 'COOP/COEP make the page cross-origin isolated (wasm threads)');
  const tshirt = await last();
  assert.equal(tshirt.method, 'ig');
  assert.equal(tshirt.flags['steps'], '50');
  // the same code on the same runtime (onnxruntime-web's wasm) in Node: the page adds nothing of its own
  const sameRuntime = await igInNode(tshirt, 'web');
  assert.ok(relativeL2(tshirt.values, sameRuntime.values) < 1e-5, `page vs Node (wasm): ${relativeL2(tshirt.values, sameRuntime.values)}`);
  const native = await igInNode(tshirt, 'node');
  // the sneaker: against onnxruntime-node's native kernels. (The T-shirt's path starts near a uniform
  // image, where MaxPool windows hold near-ties that float rounding breaks differently in wasm and in
  // native code: a few gradients near alpha = 0 differ by percents, the IG values by ~2e-4.)
  const n = await computed();
  await page.click('.thumb[data-name="07-sneaker.png"]');
  await waitComputed(n + 1);
  const sneaker = await last();
  const node = await igInNode(sneaker, 'node');
  const err = relativeL2(sneaker.values, node.values);
  console.log(
    `IG-50 fashion-mnist: browser first map ${firstMap.toFixed(0)} ms (page load included), Node ${native.ms.toFixed(0)} ms; ` +
      `relative L2 page vs Node: T-shirt ${relativeL2(tshirt.values, sameRuntime.values).toExponential(2)} (wasm) / ${relativeL2(tshirt.values, native.values).toExponential(2)} (native), sneaker ${err.toExponential(2)} (native)`,
  );
  assert.ok(err < 1e-5, `sneaker: relative L2 ${err}`);
  assert.ok(Math.abs(sneaker.delta! - node.delta) < 1e-4);
  await shot('main');
});

test('changing the baseline changes the map', { skip }, async () => {
  const before = await last();
  const n = await computed();
  await page.selectOption('#baseline', 'blur');
  await waitComputed(n + 1);
  const after = await last();
  assert.equal(after.baseline, 'blur');
  assert.ok(relativeL2(after.values, before.values) > 0.1, `blur vs black: relative L2 ${relativeL2(after.values, before.values)}`);
  await page.selectOption('#baseline', 'black');
  await waitComputed(n + 2);
});

test('the alpha slider moves the path figure', { skip }, async () => {
  await page.waitForFunction(() => (window as unknown as { __explorer: { path?: unknown } }).__explorer.path !== undefined);
  const pictures = () => page.evaluate(() => ['path-input', 'path-grad', 'path-cum'].map((id) => (document.getElementById(id) as HTMLCanvasElement).toDataURL()));
  const at1 = await pictures();
  assert.match(await page.textContent('#alpha-value') ?? '', /alpha = 1\.00/);
  await page.fill('#alpha', '5');
  assert.match(await page.textContent('#alpha-value') ?? '', /alpha = 0\.25/);
  const at025 = await pictures();
  for (let i = 0; i < 3; i++) assert.notEqual(at025[i], at1[i], ['interpolated input', 'gradient', 'cumulative attribution'][i]);
  await shot('path-alpha-0.25');
  await page.fill('#alpha', '20');
});

test('a corrupt file dropped on the page shows an error, and the page keeps working', { skip }, async () => {
  const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(200, 7)]);
  await page.setInputFiles('#file', { name: 'broken.png', mimeType: 'image/png', buffer: png });
  await page.waitForSelector('#error:not([hidden])');
  assert.match((await page.textContent('#error')) ?? '', /broken\.png: this file is not an image/);
  await shot('error');
  const onnx = Buffer.concat([Buffer.from([0x08, 0x07]), Buffer.alloc(100, 0xff)]);
  await page.setInputFiles('#file', { name: 'broken.onnx', mimeType: 'application/octet-stream', buffer: onnx });
  await page.waitForFunction(() => /broken\.onnx: not a model/.test(document.getElementById('error')!.textContent ?? ''));
  const n = await computed();
  await page.click('.thumb[data-name="00-t-shirt-top.png"]');
  await waitComputed(n + 1);
  assert.equal(await page.isHidden('#error'), true);
  assert.equal((await last()).target, 0, 'the T-shirt is classified as a T-shirt');
  assert.equal((await last()).input.length, 784);
});

test('Cancel stops a long computation, and the page computes again', { skip }, async () => {
  await page.fill('#opt-steps', '20000');
  await page.click('#compute');
  await page.waitForFunction(() => Number((document.getElementById('progress') as HTMLProgressElement).value) > 0, null, { timeout: 30_000 });
  await page.click('#cancel');
  await page.waitForFunction(() => document.getElementById('status')!.textContent === 'cancelled');
  await page.fill('#opt-steps', '50');
  const n = await computed();
  await page.click('#compute');
  await waitComputed(n + 1);
  assert.equal((await last()).flags['steps'], '50');
});

test('the baselines grid', { skip }, async () => {
  await page.click('#grid-button');
  await page.waitForFunction(() => document.querySelectorAll('#grid figure').length === 6, null, { timeout: 30_000 });
  await shot('grid');
});

test('the server refuses ../ paths and oversized uploads over real HTTP', { skip }, async () => {
  const url = new URL(explorer.url);
  const raw = (path: string) =>
    new Promise<number>((resolve, reject) => request({ host: url.hostname, port: url.port, path }, (r) => (r.resume(), resolve(r.statusCode!))).on('error', reject).end());
  for (const p of ['/../package.json', '/%2e%2e/package.json', '/assets/%2e%2e%2f%2e%2e%2fpackage.json', '/models/fashion-mnist/../../package.json']) assert.equal(await raw(p), 404, p);
  const big = Buffer.alloc(51 * 1024 * 1024);
  big.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const r = await fetch(new URL('/api/explain', url), { method: 'POST', body: big, headers: { 'content-type': 'application/octet-stream' } });
  assert.equal(r.status, 413);
  assert.match((await r.json()).error, /too large/);
});
