/**
 * Blur IG and Guided IG: agreement with PAIR saliency (fixtures/regions/tiny_smooth.*,
 * scripts/make_region_fixtures.py paths) within 1e-4 relative L2, completeness on
 * analytic and real models, batched equals unbatched, and Guided IG with maxDist 0
 * (the straight line) against plain IG.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { loadOnnxModel, openSessionCount } from '../../engine/onnx.js';
import { readNpy } from '../../io/npy.js';
import { load, polynomialOnnx, pseudoRandom, relativeL2, smallCnnOnnx, spyModel } from '../testing.js';
import { blurIG, blurSigmas } from './blurIG.js';
import { guidedIG } from './guidedIG.js';
import { quantileLower } from './guidedStep.js';
import { gaussianFilter, gaussianFilterPair } from './gaussian.js';
import { scipyGaussian } from '../../masks/numeric.js';
import { inputSpace } from '../../engine/space.js';

const DIR = new URL('../../../fixtures/', import.meta.url).pathname;
const manifest = JSON.parse(readFileSync(`${DIR}regions/paths.json`, 'utf8'));

test('Blur IG and Guided IG agree with PAIR saliency on tiny_smooth (1e-4 relative L2)', async () => {
  const model = await loadOnnxModel(`${DIR}captum/tiny_smooth.onnx`, { threads: 1, batchSize: 8 });
  try {
    const x = readNpy(`${DIR}captum/tiny_smooth.input.npy`).data as Float32Array;
    for (const [key, run] of Object.entries<{ method: string; params: Record<string, number | boolean> }>(manifest.runs)) {
      const p = run.params;
      const ours =
        run.method === 'BlurIG'
          ? await blurIG(model, x, { target: manifest.targets, steps: p.steps as number, maxSigma: p.max_sigma as number, gradStep: p.grad_step as number, sqrt: p.sqrt === true })
          : await guidedIG(model, x, { target: manifest.targets, baseline: 0, steps: p.x_steps as number, fraction: p.fraction as number, maxDist: p.max_dist as number });
      const expected = readNpy(`${DIR}regions/tiny_smooth.${key}.npy`).data as Float32Array;
      const err = relativeL2(ours.values, expected);
      console.log(`  ${key}: relative L2 ${err.toExponential(2)}, delta ${Array.from(ours.delta!, (d) => d.toExponential(1)).join(' ')}`);
      assert.ok(err < 1e-4, `${key}: relative L2 ${err}`);
    }
  } finally {
    await model.dispose();
  }
});

test('Guided IG meets completeness on f = 5x + y^2 + tanh z, and with maxDist 0 follows the straight line', async () => {
  const model = await load(polynomialOnnx());
  try {
    const x = Float32Array.from([0.5, -1.5, 2]);
    const g = await guidedIG(model, x, { baseline: 0, steps: 400 });
    const f = 2.5 + 2.25 + Math.tanh(2);
    assert.ok(Math.abs(g.values.reduce((a, b) => a + b, 0) - f) < 1e-2, `sum ${g.values}`);
    assert.ok(Math.abs(g.delta![0]) < 1e-2);
    // straight line, left Riemann sum of 400 steps: x-term exactly 5x, y-term y^2 (1 - 1/400)
    const line = await guidedIG(model, x, { baseline: 0, steps: 400, maxDist: 0 });
    assert.ok(Math.abs(line.values[0] - 2.5) < 1e-5, `${line.values[0]}`);
    assert.ok(Math.abs(line.values[1] - 2.25 * (1 - 1 / 400)) < 1e-4, `${line.values[1]}`);
  } finally {
    await model.dispose();
  }
});

test('Guided IG converges to completeness on the smooth CNN (left Riemann sums: delta ~ 1/steps)', async () => {
  const model = await loadOnnxModel(`${DIR}captum/tiny_smooth.onnx`, { threads: 1, batchSize: 8 });
  try {
    const x = readNpy(`${DIR}captum/tiny_smooth.input.npy`).data as Float32Array;
    const coarse = await guidedIG(model, x, { target: manifest.targets, baseline: 0, steps: 50 });
    const fine = await guidedIG(model, x, { target: manifest.targets, baseline: 0, steps: 200 });
    fine.delta!.forEach((d, e) => {
      const scale = Math.abs(fine.outputs!.input[e] - fine.outputs!.baseline[e]);
      assert.ok(Math.abs(d) < 0.01 * scale, `delta ${d} of ${scale}`);
      assert.ok(Math.abs(d) < 0.5 * Math.abs(coarse.delta![e]), `delta ${d} did not shrink from ${coarse.delta![e]}`);
    });
  } finally {
    await model.dispose();
  }
});

test('Blur IG: completeness on a ReLU CNN; Blur IG and Guided IG: batched equals unbatched', async () => {
  const big = await load(smallCnnOnnx(), { batchSize: 16 });
  const one = await load(smallCnnOnnx(), { batchSize: 1 });
  try {
    const x = pseudoRandom(2 * 3 * 8 * 8, 5);
    const a = await blurIG(big, x, { steps: 400, maxSigma: 8, target: [1, 2] });
    const b = await blurIG(one, x, { steps: 400, maxSigma: 8, target: [1, 2] });
    assert.deepEqual(a.values, b.values);
    a.delta!.forEach((d, e) => assert.ok(Math.abs(d) < 0.02 * Math.abs(a.outputs!.input[e] - a.outputs!.baseline[e]) + 1e-4, `blur delta ${d}`));
    const g = await guidedIG(big, x, { steps: 300, target: [1, 2] });
    const h = await guidedIG(one, x, { steps: 300, target: [1, 2] });
    assert.deepEqual(g.values, h.values);
  } finally {
    await big.dispose();
    await one.dispose();
  }
});

test("quantileLower is numpy's quantile(method='lower'); sigma schedules are PAIR's", () => {
  const v = pseudoRandom(101, 3);
  for (const q of [0, 0.1, 0.25, 0.5, 0.99, 1]) {
    const sorted = Float64Array.from(v).sort();
    assert.equal(quantileLower(Float64Array.from(v), q), sorted[Math.floor(100 * q)]);
  }
  assert.equal(quantileLower(Float64Array.from([3, Infinity, 1, Infinity]), 0.5), 3);
  assert.deepEqual(blurSigmas(4, 2), [0, 0.5, 1, 1.5, 2]);
  assert.deepEqual(blurSigmas(2, 4, true), [0, Math.sqrt(2), 2]);
});

test('memory: repeated runs keep the session count, no call holds more than one batch', async () => {
  const model = spyModel(await load(smallCnnOnnx(), { batchSize: 4 }));
  try {
    const x = pseudoRandom(3 * 3 * 8 * 8, 9);
    let sessions = 0;
    for (let round = 0; round < 4; round++) {
      await blurIG(model, x, { steps: 9, maxSigma: 3 });
      await guidedIG(model, x, { steps: 5 });
      if (round === 0) sessions = openSessionCount();
      assert.equal(openSessionCount(), sessions, `round ${round}: sessions grew`);
    }
    assert.ok(model.maxExamples <= 4, `a call received ${model.maxExamples} examples`);
  } finally {
    await model.dispose();
  }
});

// Not bit for bit: numpy's float64 exp (its own AVX-512 kernel on this machine) and V8's
// Math.exp differ by one ulp on ~1/4 of arguments, so kernel weights differ in the last bit.
const close = (got: ArrayLike<number>, want: number[], what: string) => {
  const scale = Math.max(...want.map(Math.abs));
  want.forEach((w, i) => assert.ok(Math.abs(got[i] - w) <= 1e-15 * scale, `${what}[${i}]: ${got[i]} vs ${w}`));
};

test("gaussianFilter and scipyGaussian equal scipy's gaussian_filter to the last bits (both layouts, both borders)", () => {
  const seg = JSON.parse(readFileSync(`${DIR}regions/segments.json`, 'utf8')).gaussian as { modes: ('constant' | 'reflect')[]; sigmas: number[] };
  const x = readNpy(`${DIR}regions/gaussian.input.npy`).data as Float64Array; // [12, 17, 3]
  const expected = readNpy(`${DIR}regions/gaussian.filtered.npy`).data as Float64Array;
  const chw = new Float64Array(x.length);
  for (let p = 0; p < 12 * 17; p++) for (let c = 0; c < 3; c++) chw[c * 12 * 17 + p] = x[p * 3 + c];
  let k = 0;
  for (const mode of seg.modes)
    for (const sigma of seg.sigmas) {
      const want = Array.from(expected.subarray(k * x.length, ++k * x.length));
      const ours = scipyGaussian(x, 12, 17, 3, sigma, mode);
      close(ours, want, `scipyGaussian ${mode} ${sigma}`);
      assert.deepEqual(gaussianFilter(x, inputSpace([12, 17, 3]), sigma, mode), ours, `NHWC ${mode} ${sigma}`);
      const planar = gaussianFilter(chw, inputSpace([3, 12, 17]), sigma, mode);
      assert.deepEqual(Float64Array.from({ length: x.length }, (_, i) => planar[(i % 3) * 12 * 17 + Math.floor(i / 3)]), ours, `NCHW ${mode} ${sigma}`);
    }
});

test('gaussianFilterPair gives the values of two gaussianFilter calls (zero borders; kernels of different radii)', () => {
  const x = readNpy(`${DIR}regions/gaussian.input.npy`).data as Float64Array; // [12, 17, 3]
  for (const shape of [[12, 17, 3], [3, 12, 17]]) {
    const space = inputSpace(shape);
    for (const [s1, s2] of [[0.3, 0.31], [1.12, 1.13], [2, 2.01], [6, 9]]) {
      const [a, b] = gaussianFilterPair(x, space, s1, s2);
      const a0 = gaussianFilter(x, space, s1, 'constant');
      const b0 = gaussianFilter(x, space, s2, 'constant');
      assert.ok(a.every((v, i) => v === a0[i]) && b.every((v, i) => v === b0[i]), `${shape} ${s1} ${s2}`);
    }
  }
});
