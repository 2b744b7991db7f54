import test from 'node:test';
import assert from 'node:assert/strict';
import { gridMask } from '../../masks/grid.js';
import { relativeL2 } from '../testing.js';
import { kernelShap } from './kernelShap.js';
import { lime } from './lime.js';
import { weightedLeastSquares } from './leastSquares.js';
import { exactShapley, interactionModel, interactions6, linearImageModel, sameValues } from './testing.js';
import { pseudoRandom } from '../testing.js';

const x = Float32Array.from([0.9, -1.2, 0.4, 1.5, 2.0, -0.7, 0.3, 0.8, -1.0, -0.2, 0.5, 1.1]);
const base = Float32Array.from([0.1, 0.2, -0.3, 0.0, -0.5, 0.4]);
const features = gridMask([1, 6], 1);
const exact = Float32Array.from([0, 1].flatMap((e) => [...exactShapley(interactions6, x.subarray(e * 6, e * 6 + 6), base)]));

test('KernelSHAP converges to the exact Shapley values of a 6-feature model; efficiency holds', async () => {
  const errs: number[] = [];
  for (const samples of [40, 20000]) {
    const r = await kernelShap(interactionModel(64), x, { features, baseline: base, samples, seed: 1 });
    errs.push(relativeL2(r.values, exact));
    for (let e = 0; e < 2; e++) {
      const sum = [...r.values.subarray(e * 6, e * 6 + 6)].reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(sum - (interactions6(x.subarray(e * 6)) - interactions6(base))) < 1e-3, `efficiency: ${sum}`);
    }
  }
  console.log(`KernelSHAP, relative L2 to exact Shapley values: ${errs[0].toExponential(2)} (40 samples), ${errs[1].toExponential(2)} (20000)`);
  assert.ok(errs[1] < 0.02 && errs[1] < errs[0] / 3, `${errs}`);
  const a = await kernelShap(interactionModel(5), x, { features, baseline: base, samples: 50, seed: 2 });
  const b = await kernelShap(interactionModel(1), x, { features, baseline: base, samples: 50, seed: 2 });
  const c = await kernelShap(interactionModel(), x, { features, baseline: base, samples: 50, seed: 3 });
  assert.ok(sameValues(a.values, b.values), 'batched equals unbatched');
  assert.ok(!sameValues(a.values, c.values));
});

test('LIME with the identity kernel recovers the weights of a linear model (summed over each feature)', async () => {
  const { model, weights } = linearImageModel([2, 4, 4], 3);
  const input = pseudoRandom(2 * 32, 3, -1, 1);
  const b = pseudoRandom(32, 4, -0.2, 0.2);
  const mask = gridMask([4, 4], 2);
  const r = await lime(model, input, { features: mask, baseline: b, distance: 'none', samples: 40, target: [0, 2], seed: 5 });
  for (let e = 0; e < 2; e++) {
    const w = weights[e * 2];
    const effect = new Float64Array(4);
    for (let j = 0; j < 32; j++) effect[mask.labels[j % 16]] += w[j] * (input[e * 32 + j] - b[j]);
    for (let j = 0; j < 32; j++) assert.ok(Math.abs(r.values[e * 32 + j] - effect[mask.labels[j % 16]]) < 1e-4, `${r.values[e * 32 + j]} vs ${effect[mask.labels[j % 16]]}`);
  }
  // the cosine kernel weighs samples unequally; a linear model is still fitted exactly
  const k = await lime(model, input, { features: mask, baseline: b, samples: 40, target: [0, 2], seed: 5 });
  assert.ok(relativeL2(k.values, r.values) < 1e-4);
  // ridge shrinks the coefficients
  const s = await lime(model, input, { features: mask, baseline: b, distance: 'none', samples: 40, ridge: 50, target: [0, 2], seed: 5 });
  assert.ok(relativeL2(s.values, r.values) > 0.1);
  const u = await lime(model, input, { features: mask, baseline: b, samples: 40, target: [0, 2], seed: 5, batchSize: 3 });
  assert.ok(sameValues(u.values, k.values));
});

test('a coalition drawn twice is evaluated once; the fit keeps both rows (repeats weigh double)', async () => {
  const one = x.subarray(0, 6);
  const rows = [[1, 1, 1, 1, 1, 1], [0, 0, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0], [0, 1, 1, 0, 1, 0], [1, 0, 0, 0, 0, 0], [0, 0, 1, 1, 0, 1], [1, 0, 0, 0, 0, 0], [0, 1, 1, 0, 1, 0], [1, 1, 0, 1, 0, 0]];
  const model = interactionModel(4);
  const r = await kernelShap(model, one, { features, baseline: base, coalitions: rows });
  assert.equal(r.timings.forwardExamples, 6, 'six distinct coalitions of nine');
  // the same fit with every row evaluated: weighted least squares on the repeated rows
  const y = rows.map((z) => Math.fround(interactions6(Float64Array.from(z, (zi, j) => (zi ? one[j] : base[j])))));
  const w = rows.map((z) => (z.every((v) => v === 1) || z.every((v) => v === 0) ? 1e6 : 1));
  const fit = weightedLeastSquares(rows.flat(), y, w, 6);
  assert.ok(relativeL2(r.values, Float32Array.from(fit.coefficients)) < 1e-5, `${r.values} vs ${fit.coefficients}`);
});
