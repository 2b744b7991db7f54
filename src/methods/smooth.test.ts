/**
 * SmoothGrad / SmoothGrad-squared / VarGrad as a wrapper: analytic expectations on
 * function models, the noise level, seeding, wrapping IG, and SmoothGrad x input.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { smoothGrad, smoothGradXInput } from './smooth.js';
import { integratedGradients, type IntegratedGradientsOptions } from './integratedGradients.js';
import { linearFunction, load, polynomialFunction, pseudoRandom, relativeL2, smallCnnOnnx } from './testing.js';
import { functionModel } from '../engine/function.js';

test('linear model: SmoothGrad = w, SmoothGrad^2 = w^2, VarGrad = 0; SmoothGrad x input = x * w', async () => {
  const model = linearFunction([[2, -3, 0.5]], [1]);
  const x = Float32Array.of(1, 2, 3);
  const sg = await smoothGrad(model, x, { samples: 7 });
  assert.deepEqual(Array.from(sg.values), [2, -3, 0.5]);
  assert.equal(sg.method, 'smoothGrad(gradient)');
  const sq = await smoothGrad(model, x, { samples: 7, kind: 'smoothgrad_sq' });
  assert.deepEqual(Array.from(sq.values), [4, 9, 0.25]);
  const vg = await smoothGrad(model, x, { samples: 7, kind: 'vargrad' });
  assert.deepEqual(Array.from(vg.values), [0, 0, 0]);
  const sxi = await smoothGradXInput(model, x, { samples: 3 });
  assert.deepEqual(Array.from(sxi.values), [2, -6, 1.5]);
});

test('f = 5x + y^2 + sin z: E[grad] = [5, 2y, cos(z) exp(-s^2/2)], Var[grad_y] = 4 s^2', async () => {
  const model = polynomialFunction();
  const x = Float32Array.of(0.3, -1.2, 0.7);
  const s = 0.5;
  const samples = 4000;
  const sg = await smoothGrad(model, x, { samples, stdev: s, seed: 3 });
  const expected = [5, 2 * x[1], Math.cos(x[2]) * Math.exp((-s * s) / 2)];
  for (let i = 0; i < 3; i++) assert.ok(Math.abs(sg.values[i] - expected[i]) < 0.05, `${i}: ${sg.values[i]} vs ${expected[i]}`);
  const vg = await smoothGrad(model, x, { samples, stdev: s, seed: 3, kind: 'vargrad' });
  assert.ok(Math.abs(vg.values[0]) < 1e-9 && Math.abs(vg.values[1] - 4 * s * s) < 0.08, `${vg.values}`);
});

test('noise level: sigma x the input\'s range, or x the valid range; seeded', async () => {
  // f = |x|^2 / 2: the gradient is the noisy input itself, so VarGrad is the noise variance
  const spec = {
    inputShape: [3],
    outputShape: [1],
    forward: (v: Float32Array) => [0.5 * (v[0] ** 2 + v[1] ** 2 + v[2] ** 2)],
    vjp: (v: Float32Array, c: Float32Array) => Array.from(v, (t) => t * c[0]),
  };
  const x = Float32Array.of(0, 2, 4); // range 4
  const vg = await smoothGrad(functionModel(spec), x, { samples: 3000, sigma: 0.25, kind: 'vargrad', seed: 1 });
  for (const v of vg.values) assert.ok(Math.abs(v - 1) < 0.1, `variance ${v} vs 1`);
  const valid = await smoothGrad(functionModel({ ...spec, inputRange: [0, 10] }), x, { samples: 3000, sigma: 0.25, relativeTo: 'valid', kind: 'vargrad', seed: 1 });
  for (const v of valid.values) assert.ok(Math.abs(v - 6.25) < 0.6, `variance ${v} vs 6.25`);
  const again = await smoothGrad(functionModel(spec), x, { samples: 3000, sigma: 0.25, kind: 'vargrad', seed: 1 });
  assert.deepEqual(again.values, vg.values);
  const other = await smoothGrad(functionModel(spec), x, { samples: 3000, sigma: 0.25, kind: 'vargrad', seed: 2 });
  assert.notDeepEqual(other.values, vg.values);
  await assert.rejects(smoothGrad(functionModel(spec), x, { relativeTo: 'valid' }), /valid range/);
});

test('SmoothGrad(IG): zero noise gives IG itself (per-input baselines expanded); grouping does not matter', async () => {
  const model = await load(smallCnnOnnx(), { batchSize: 4 });
  try {
    const per = 3 * 8 * 8;
    const x = pseudoRandom(2 * per, 31);
    const baseline = pseudoRandom(2 * per, 32);
    const methodOptions: IntegratedGradientsOptions = { steps: 6, baseline };
    const ig = await integratedGradients(model, x, { ...methodOptions, target: [1, 3] });
    const sg = await smoothGrad(model, x, { method: integratedGradients, methodOptions, stdev: 0, samples: 3, target: [1, 3] });
    assert.ok(relativeL2(sg.values, ig.values) < 1e-6);
    assert.equal(sg.method, 'smoothGrad(integratedGradients)');
    const noisy = await smoothGrad(model, x, { method: integratedGradients, methodOptions, samples: 5, target: [1, 3], seed: 9 });
    const grouped = await smoothGrad(model, x, { method: integratedGradients, methodOptions, samples: 5, target: [1, 3], seed: 9, group: 1 });
    assert.ok(relativeL2(noisy.values, grouped.values) < 1e-6);
    assert.ok(relativeL2(noisy.values, ig.values) > 1e-3);
    assert.equal(noisy.timings.backwardExamples, 2 * 5 * 6);
  } finally {
    await model.dispose();
  }
});
