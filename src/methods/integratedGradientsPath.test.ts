/**
 * IG path data: the grid, interpolated inputs, gradients, cumulative attributions, and
 * the curves f(path(alpha)) and sum(phi(alpha)) (completeness along the path).
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { integratedGradientsPath } from './integratedGradientsPath.js';
import { integratedGradients } from './integratedGradients.js';
import { load, polynomialFunction, pseudoRandom, relativeL2, smallCnnOnnx } from './testing.js';

test('analytic: cumulative attribution of 5x + y^2 + sin z at each alpha, and the curves', async () => {
  const model = polynomialFunction();
  const x = Float32Array.of(1, 2, 0.5);
  const p = await integratedGradientsPath(model, x, { baseline: 0, grid: 5, steps: 400 });
  assert.deepEqual(p.alphas, [0, 0.25, 0.5, 0.75, 1]);
  assert.deepEqual(p.shape, [1, 5, 3]);
  p.alphas.forEach((a, k) => {
    const at = k * 3;
    assert.ok(Math.abs(p.inputs[at + 1] - 2 * a) < 1e-6);
    assert.ok(Math.abs(p.gradients[at + 1] - 4 * a) < 1e-5); // d(y^2)/dy at y = 2a
    const expected = [5 * a, 4 * a * a, Math.sin(0.5 * a)];
    for (let i = 0; i < 3; i++) assert.ok(Math.abs(p.cumulative[at + i] - expected[i]) < 1e-4, `alpha ${a} feature ${i}`);
  });
  // completeness along the path: sum(phi(alpha)) = f(path(alpha)) - f(x')
  for (let j = 0; j < p.curve.alphas.length; j++) {
    assert.ok(Math.abs(p.curve.attributionSum[j] - (p.curve.output[j] - p.fBaseline[0])) < 1e-4);
  }
  assert.ok(Math.abs(p.fx[0] - (5 + 4 + Math.sin(0.5))) < 1e-5);
});

test('CNN: the last cumulative attribution is IG (trapezoid), for several inputs', async () => {
  const model = await load(smallCnnOnnx());
  try {
    const per = 3 * 8 * 8;
    const x = pseudoRandom(2 * per, 51);
    const p = await integratedGradientsPath(model, x, { grid: 3, steps: 40, target: [1, 2] });
    const ig = await integratedGradients(model, x, { method: 'trapezoid', steps: 41, target: [1, 2] });
    for (let e = 0; e < 2; e++) {
      const last = p.cumulative.subarray((e * 3 + 2) * per, (e * 3 + 3) * per);
      assert.ok(relativeL2(last, ig.values.subarray(e * per, (e + 1) * per)) < 1e-5);
      const mid = p.inputs.subarray((e * 3 + 1) * per, (e * 3 + 2) * per);
      assert.ok(Math.abs(mid[5] - 0.5 * x[e * per + 5]) < 1e-6); // black baseline = 0 here
    }
    assert.equal(p.curve.output.length, 2 * 41);
  } finally {
    await model.dispose();
  }
});
