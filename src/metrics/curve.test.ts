/**
 * The curve engine: the defining ordering on a linear model (a perfect ranking deletes
 * fastest, the reversed one slowest, random ones in between), insertion's end points,
 * batched equals unbatched, memory bounded by one batch, ROAD's imputation.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../random.js';
import { linearFunction, load, pseudoRandom, smallCnnOnnx, spyModel } from '../methods/testing.js';
import { classLogit } from '../targets/index.js';
import { auc, deletionCurve, evenSteps, insertionCurve } from './curve.js';
import { geometry, pixelUnits, randomRanking, rankAscending, rankDescending } from './features.js';
import { noisyLinearImputation } from './imputation.js';
import { makeSubstrate } from './substrate.js';
import { deletion } from './deletion.js';

const d = 16;
const w = Array.from({ length: d }, (_, i) => Math.sin(i * 1.7) * 2);
const lin = () => linearFunction([w], [0.5], 4);
const x = pseudoRandom(d, 3, 0.2, 1);
const perfect = Float32Array.from(x, (v, i) => v * w[i]);

test('deletion on a linear model: perfect ranking lowest, reversed highest, random between (pointwise)', async () => {
  const model = lin();
  const g = geometry(model);
  const opts = { target: classLogit(0, 1), substrate: makeSubstrate('zero', g), geometry: g };
  const best = (await deletionCurve(model, x, [rankDescending(perfect)], opts)).y[0];
  const worst = (await deletionCurve(model, x, [rankAscending(perfect)], opts)).y[0];
  assert.equal(best.length, d + 1);
  assert.ok(Math.abs(best[0] - (0.5 + perfect.reduce((a, b) => a + b, 0))) < 1e-5);
  assert.ok(Math.abs(best[d] - 0.5) < 1e-6, 'everything removed leaves the bias');
  for (let r = 0; r < 5; r++) {
    const rand = (await deletionCurve(model, x, [randomRanking(d, new Rng(r))], opts)).y[0];
    for (let k = 0; k <= d; k++) assert.ok(best[k] <= rand[k] + 1e-6 && rand[k] <= worst[k] + 1e-6, `step ${k}`);
    assert.ok(auc(best) < auc(rand) && auc(rand) < auc(worst));
  }
  const m = await deletion(model, x, perfect, { target: 0, output: 'logit', steps: d, seed: 1 });
  const rev = await deletion(model, x, Float32Array.from(perfect, (v) => -v), { target: 0, output: 'logit', steps: d, seed: 1 });
  assert.ok(m.scores[0] < (m.details!.controlScores as number[])[0] && (m.details!.controlScores as number[])[0] < rev.scores[0]);
});

test('insertion starts at the substrate and ends at the input', async () => {
  const model = lin();
  const g = geometry(model);
  const sub = makeSubstrate(0.25, g);
  const ins = (await insertionCurve(model, x, [rankDescending(perfect)], { target: classLogit(0, 1), substrate: sub, geometry: g })).y[0];
  const f = (v: ArrayLike<number>) => 0.5 + w.reduce((s, wi, i) => s + wi * v[i], 0);
  assert.ok(Math.abs(ins[0] - f(new Float32Array(d).fill(0.25))) < 1e-5);
  assert.ok(Math.abs(ins[d] - f(x)) < 1e-5);
});

test('batched equals unbatched, and no model call holds more than one batch (400 steps)', async () => {
  const model = spyModel(await load(smallCnnOnnx(), { batchSize: 16 }));
  try {
    const inputs = pseudoRandom(3 * 192, 5);
    const g = geometry(model);
    const rankings = [0, 1, 2].map((e) => randomRanking(64, new Rng(9, e)));
    const run = (batchSize: number, steps: number[]) =>
      deletionCurve(model, inputs, rankings, { target: classLogit([0, 1, 2], 4), substrate: makeSubstrate('blur', g, { sigma: 1 }), geometry: g, steps, batchSize });
    const a = await run(1, evenSteps(64, 16));
    const b = await run(7, evenSteps(64, 16));
    a.y.forEach((y, e) => assert.deepEqual(Array.from(y), Array.from(b.y[e])));
    model.maxExamples = 0;
    const long = await run(16, Array.from({ length: 400 }, (_, i) => i % 65));
    assert.equal(long.forwardExamples, 1200);
    assert.ok(model.maxExamples <= 16, `a call received ${model.maxExamples} examples`);
  } finally {
    await model.dispose();
  }
});

test("ROAD's imputation leaves the image alone where nothing is removed, and reproduces smooth images", () => {
  const g = geometry([2, 6, 7]);
  const img = Float32Array.from({ length: 84 }, (_, i) => {
    const c = Math.floor(i / 42), p = i % 42;
    return 0.3 * Math.floor(p / 7) - 0.2 * (p % 7) + c; // linear in (row, column) per channel
  });
  const none = img.slice();
  noisyLinearImputation(none, new Uint8Array(42), g, 0.5, new Rng(1));
  assert.deepEqual(Array.from(none), Array.from(img));
  const removed = new Uint8Array(42);
  for (const p of [8, 9, 16, 24, 25, 26, 32]) removed[p] = 1; // interior pixels
  const out = img.slice();
  noisyLinearImputation(out, removed, g, 0);
  for (let i = 0; i < 84; i++) assert.ok(Math.abs(out[i] - img[i]) < 1e-5, `element ${i}: ${out[i]} vs ${img[i]}`);
  const noisy = img.slice();
  noisyLinearImputation(noisy, removed, g, 0.1, new Rng(2));
  for (let i = 0; i < 84; i++) if (!removed[i % 42]) assert.equal(noisy[i], img[i]);
  assert.ok(noisy.some((v, i) => v !== img[i]));
});

test('pixel units and even steps', () => {
  assert.deepEqual(evenSteps(10, 4), [0, 3, 5, 8, 10]);
  assert.equal(pixelUnits(5).count, 5);
});

test('points built from the previous point equal points built from scratch (steps out of order, two inputs, deletion and insertion)', async () => {
  const model = lin(); // batch 4: points of one input span several batches
  const g = geometry(model);
  const inputs = new Float32Array(2 * d);
  inputs.set(x);
  inputs.set(Float32Array.from(x, (v, i) => v - 0.1 * i), d);
  const rankings = [randomRanking(d, new Rng(3)), rankDescending(perfect)];
  const steps = [0, 3, 7, 7, 2, 16, 5, 9, 1];
  const f = (v: ArrayLike<number>) => 0.5 + w.reduce((s, wi, i) => s + wi * v[i], 0);
  const sub = makeSubstrate(0.25, g);
  const opts = { target: classLogit(0, 1), substrate: sub, geometry: g, steps };
  const del = await deletionCurve(model, inputs, rankings, opts);
  const ins = await insertionCurve(model, inputs, rankings, opts);
  for (let e = 0; e < 2; e++) {
    const xe = inputs.subarray(e * d, (e + 1) * d);
    steps.forEach((k, s) => {
      const removed = new Set(Array.from(rankings[e].subarray(0, k)));
      const deleted = Array.from(xe, (v, i) => (removed.has(i) ? 0.25 : v));
      const inserted = Array.from(xe, (v, i) => (removed.has(i) ? v : 0.25));
      assert.ok(Math.abs(del.y[e][s] - f(deleted)) < 1e-5, `deletion, input ${e}, step ${k}`);
      assert.ok(Math.abs(ins.y[e][s] - f(inserted)) < 1e-5, `insertion, input ${e}, step ${k}`);
    });
  }
});
