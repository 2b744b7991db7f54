/**
 * Expected gradients: exact on a linear model, seeded, independent of batching, and
 * converging to IG averaged over the same baselines as the number of samples grows.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { expectedGradients } from './expectedGradients.js';
import { integratedGradients } from './integratedGradients.js';
import { linearOnnx, load, pseudoRandom, relativeL2, smallCnnOnnx } from './testing.js';
import { datasetBaseline } from '../baselines/dataset.js';

test('linear model: phi = mean_k (x - x\'_k) * w and a zero delta', async () => {
  const W = [[1, -2, 0.5]];
  const model = await load(linearOnnx(W, [0.3]));
  try {
    const x = Float32Array.of(1, 2, 3);
    const data = Float32Array.of(0, 0, 0, 1, 1, 1, -1, 2, 0);
    const r = await expectedGradients(model, x, { baseline: data, samples: 30, seed: 4 });
    // mean baseline of the draws: recover it from phi = (x - mean x') * w
    const meanB = Array.from(r.values, (v, i) => x[i] - v / W[0][i]);
    for (const v of meanB) assert.ok(v > -1 - 1e-6 && v < 2 + 1e-6);
    assert.ok(Math.abs(r.delta![0]) < 1e-5, `delta ${r.delta![0]}`);
    assert.equal(r.method, 'expectedGradients');
    assert.equal(r.params['samples'], 30);
  } finally {
    await model.dispose();
  }
});

test('same seed, same map; another seed, another map; batching does not matter', async () => {
  const x = pseudoRandom(2 * 3 * 8 * 8, 3);
  const data = pseudoRandom(5 * 3 * 8 * 8, 9);
  const a = await load(smallCnnOnnx(), { batchSize: 3 });
  const b = await load(smallCnnOnnx(), { batchSize: 16 });
  try {
    const options = { baseline: datasetBaseline(data, 3 * 8 * 8), samples: 10, seed: 7, target: [1, 2] };
    const r1 = await expectedGradients(a, x, options);
    const r2 = await expectedGradients(b, x, options);
    assert.deepEqual(r1.values, r2.values);
    const r3 = await expectedGradients(b, x, { ...options, seed: 8 });
    assert.ok(relativeL2(r3.values, r1.values) > 1e-3);
  } finally {
    await a.dispose();
    await b.dispose();
  }
});

test('converges to IG averaged over the same baselines as k grows', async () => {
  const per = 3 * 8 * 8;
  const model = await load(smallCnnOnnx());
  try {
    const x = pseudoRandom(per, 21);
    const data = pseudoRandom(4 * per, 22);
    // reference: the mean over the 4 baselines of (accurate) IG
    const reference = new Float32Array(per);
    for (let k = 0; k < 4; k++) {
      const ig = await integratedGradients(model, x, { baseline: data.subarray(k * per, (k + 1) * per), steps: 64, target: 2 });
      for (let j = 0; j < per; j++) reference[j] += ig.values[j] / 4;
    }
    const errors: number[] = [];
    for (const samples of [8, 64, 1024]) {
      const eg = await expectedGradients(model, x, { baseline: data, samples, seed: 1, target: 2, delta: false });
      errors.push(relativeL2(eg.values, reference));
    }
    assert.ok(errors[2] < errors[0] / 3 && errors[2] < 0.1, `errors ${errors.map((e) => e.toFixed(4))}`);
  } finally {
    await model.dispose();
  }
});
