/**
 * Input x Gradient: x * w on a linear model, and equal to one-step-free IG from a zero
 * baseline on a linear model.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { inputXGradient } from './inputXGradient.js';
import { integratedGradients } from './integratedGradients.js';
import { linearOnnx, load } from './testing.js';

test('linear model: x * w, equal to IG with a zero baseline', async () => {
  const W = [[2, -1, 0.5, 3]];
  const model = await load(linearOnnx(W, [0.7]));
  try {
    const x = Float32Array.of(1, 2, 3, -4);
    const r = await inputXGradient(model, x);
    assert.deepEqual(Array.from(r.values), [2, -2, 1.5, -12]);
    const ig = await integratedGradients(model, x, { baseline: 0, steps: 5 });
    for (let i = 0; i < 4; i++) assert.ok(Math.abs(ig.values[i] - r.values[i]) < 1e-6);
    assert.equal(r.target, 'logit 0');
  } finally {
    await model.dispose();
  }
});
