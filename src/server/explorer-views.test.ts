/**
 * The explorer's other views in a real browser (see testing.ts): the methods grid, the
 * evaluation curves and the structured attention graph computed in the page, each read
 * back and checked against the Node library on the same input; and a TensorFlow.js model
 * (nsfwjs mobilenet_v2) computed by the server and shown in the page, with its SAG.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { SHIPPED_MODEL } from './models.js';
import { PACKAGE_ROOT } from './assets.js';
import { openModel, resolveFor, type OpenedModel } from '../app/model.js';
import { planRuns, computeRun } from '../app/plan.js';
import { openSession, runAll, contextOf } from '../app/session.js';
import { parseRequest } from '../app/request.js';
import { parseBaseline } from '../baselines/spec.js';
import { makeInMemoryBaseline } from '../baselines/make.js';
import { getMetric, metricOptions } from '../metrics/registry.js';
import { structuredAttentionGraph } from '../methods/mask/sag.js';
import { openSessionCount } from '../engine/onnx.js';
import * as b from './testing.js';
import { relativeL2 } from '../engine/numeric.js';
import { skip, type Harness, type Last } from './testing.js';

let h: Harness;
let page: Page;
let fm: OpenedModel;
let first: Last;

before(async () => {
  if (skip) return;
  h = await b.openExplorer({ model: 'nsfwjs:mobilenet_v2' });
  page = h.page;
  fm = await openModel(SHIPPED_MODEL);
  await page.goto(h.explorer.url);
  await b.waitComputed(page, 1);
  first = await b.last(page);
});
after(async () => {
  if (h) console.log(`longest main-thread task over the views run: ${(await b.longestTask(page)).toFixed(0)} ms (reported, not asserted)`);
  await fm?.dispose();
  await h?.close();
});

/** The Node library's map for one method on the page's input (onnxruntime-node). */
async function nodeMap(method: string, flags: Record<string, string>, input: number[], target: number): Promise<Float32Array> {
  const prep = resolveFor(fm);
  const [plan] = planRuns([method], [parseBaseline('black')], flags);
  const built = plan.baseline ? { spec: plan.baseline, ...makeInMemoryBaseline(plan.baseline, { model: fm.model, preprocessing: prep }) } : undefined;
  return (await computeRun(fm.model, Float32Array.from(input), [target], plan, built, { seed: 0, preprocessing: prep })).attribution.values;
}

test('the methods grid computes the chosen methods (with their options) in the page, as the Node library does', { skip }, async () => {
  const chosen: Record<string, string> = { gradient: '', smoothgrad: 'samples=5', gradcam: '', occlusion: 'window=4 stride=4' };
  await page.evaluate((chosen) => {
    for (const box of document.querySelectorAll<HTMLInputElement>('#method-picks input[type=checkbox]')) box.checked = box.dataset.name! in chosen;
    for (const [name, text] of Object.entries(chosen)) document.querySelector<HTMLInputElement>(`#method-picks input[data-options="${name}"]`)!.value = text;
  }, chosen);
  await page.click('#methods-button');
  await page.waitForFunction(() => (window as unknown as { __explorer: { methodsGrid: unknown[] } }).__explorer.methodsGrid.length === 4 && document.getElementById('status')!.textContent === 'ready', null, { timeout: 30_000 });
  const cells = await b.readBack(page, () => page.evaluate(() =>
    (window as unknown as { __explorer: { methodsGrid: Array<{ method: string; flags: Record<string, string>; values?: Float32Array; error?: string }> } }).__explorer.methodsGrid.map((c) => ({ ...c, values: c.values ? Array.from(c.values) : undefined })),
  ));
  assert.deepEqual(cells.map((c) => c.method), Object.keys(chosen));
  assert.equal(await page.locator('#methods-grid figure canvas').count(), 4);
  const errors: string[] = [];
  for (const c of cells) {
    assert.ok(c.values, `${c.method}: ${c.error}`);
    const node = await nodeMap(c.method, c.flags, first.input, first.target);
    const err = relativeL2(c.values!, node);
    errors.push(`${c.method} ${err.toExponential(1)}`);
    assert.ok(err < 1e-5, `${c.method}: relative L2 page vs Node ${err}`);
  }
  console.log(`methods grid, page vs Node (onnxruntime-node), relative L2: ${errors.join(', ')}`);
  assert.ok(relativeL2(cells[0].values!, cells[1].values!) > 0.05, 'SmoothGrad differs from the plain gradient');
  await b.shot(page, 'methods');
});

test("the evaluation curves (deletion, insertion, the article's top-k ablation) of the current map, as the Node library computes them", { skip }, async () => {
  await page.click('#evaluate-button');
  await page.waitForFunction(() => (window as unknown as { __explorer: { curves: unknown[] } }).__explorer.curves.length === 3, null, { timeout: 30_000 });
  const curves = await page.evaluate(() => (window as unknown as { __explorer: { curves: Array<{ metric: string; score: number; x: number[]; y: number[]; control: number[] | null }> } }).__explorer.curves);
  assert.deepEqual(curves.map((c) => c.metric), ['deletion', 'insertion', 'topk-ablation']);
  const prep = resolveFor(fm);
  const report: string[] = [];
  for (const c of curves) {
    const d = getMetric(c.metric);
    const r = await d.run(fm.model, Float32Array.from(first.input), Float32Array.from(first.values), metricOptions(d, {}), { target: [first.target], preprocessing: prep, seed: 0 });
    const err = relativeL2(c.y, r.curves!.y[0]);
    report.push(`${c.metric} ${err.toExponential(1)} (score ${c.score.toFixed(4)} / ${r.scores[0].toFixed(4)})`);
    assert.deepEqual(c.x, r.curves!.x);
    assert.ok(err < 1e-5, `${c.metric}: curve page vs Node, relative L2 ${err}`);
    assert.ok(Math.abs(c.score - r.scores[0]) < 1e-5 * Math.max(1, Math.abs(r.scores[0])), `${c.metric}: score ${c.score} vs ${r.scores[0]}`);
    assert.ok(c.control && relativeL2(c.control, r.curves!.control![0]) < 1e-5, `${c.metric}: the random control, seeded alike`);
  }
  console.log(`evaluation curves of IG-50, page vs Node, relative L2: ${report.join(', ')}`);
  assert.ok(curves[0].score < curves[1].score, 'deletion AUC below insertion AUC for a faithful map of a confident prediction');
  await b.shot(page, 'curves');
});

test('the structured attention graph: the page finds the roots the Node library finds', { skip }, async () => {
  await page.click('#sag-button');
  await page.waitForFunction(() => (window as unknown as { __explorer: { sag?: unknown } }).__explorer.sag !== undefined, null, { timeout: 30_000 });
  const got = await page.evaluate(() => (window as unknown as { __explorer: { sag: { roots: number[][]; nodes: number; fullScore: number } } }).__explorer.sag);
  const g = await structuredAttentionGraph(fm.model, Float32Array.from(first.input), { target: first.target, patches: 7, threshold: 0.9, expandBelow: 0.4, preprocessing: resolveFor(fm) });
  assert.deepEqual(got.roots, g.roots.map((id) => g.nodes[id].patches));
  assert.equal(got.nodes, g.nodes.length);
  assert.ok(Math.abs(got.fullScore - g.fullScore) < 1e-5);
  assert.ok(got.roots.length > 0);
  assert.equal(await page.isVisible('#sag'), true);
  console.log(`SAG: ${got.roots.length} roots, ${got.nodes} nodes, as in Node`);
  await b.shot(page, 'sag');
});

test('a TensorFlow.js model (nsfwjs mobilenet_v2) is computed by the server and shown in the page', { skip }, async () => {
  let n = await b.computed(page);
  await page.selectOption('#method', 'gradient');
  await b.waitComputed(page, n + 1);
  n = await b.computed(page);
  await page.selectOption('#model', 'served');
  await b.waitComputed(page, n + 1, 60_000);
  const got = await b.last(page);
  assert.equal(got.where, 'server');
  assert.equal(got.method, 'gradient');
  assert.deepEqual(got.shape, [224, 224, 3]);
  assert.match((await page.textContent('#model-name')) ?? '', /nsfwjs mobilenet_v2.*computed on the server/);
  // the library in this process, on the same image file, explains the same class the same way
  const before = openSessionCount();
  const session = await openSession({ model: 'nsfwjs:mobilenet_v2', images: [join(PACKAGE_ROOT, 'models', 'fashion-mnist', 'images', '00-t-shirt-top.png')], target: String(got.target) });
  try {
    const req = parseRequest({ methods: ['gradient'] }, { methods: ['gradient'], baselines: ['black'] });
    const [outcome] = await runAll(session, req.plans, contextOf(session, req.seed, req.batchSize));
    assert.ok(relativeL2(got.input, session.batch) < 1e-7, 'the input the page shows is the one the library made');
    const err = relativeL2(got.values, outcome.attribution.values);
    console.log(`nsfwjs mobilenet_v2 gradient through the server: relative L2 page vs library ${err.toExponential(1)}; server ${got.ms.toFixed(0)} ms`);
    assert.ok(err < 1e-6, `relative L2 ${err}`);
  } finally {
    await session.opened.dispose();
  }
  assert.equal(openSessionCount(), before);
  assert.equal(await page.isHidden('#error'), true);
  // the SAG of a server model comes from POST /api/sag (checked against the library in server.test.ts)
  await page.fill('#sag-patches', '2');
  await page.click('#sag-button');
  await page.waitForFunction(() => (window as unknown as { __explorer: { sag?: unknown } }).__explorer.sag !== undefined, null, { timeout: 60_000 });
  const sag = await page.evaluate(() => (window as unknown as { __explorer: { sag: { roots: number[][]; nodes: number } } }).__explorer.sag);
  assert.ok(sag.roots.length > 0 && sag.roots.every((r) => r.every((p) => p >= 0 && p < 4)), JSON.stringify(sag));
  assert.match((await page.textContent('#sag-note')) ?? '', /2 x 2 patches/);
  await b.shot(page, 'server-model');
});
