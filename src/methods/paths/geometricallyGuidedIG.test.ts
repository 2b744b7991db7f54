/**
 * Geometrically Guided IG (the scale-exploration core, see the method file): exact on a
 * linear model (input x gradient = IG), the best scale on a saturating ReLU, the choice
 * rules, batched equals unbatched, seeded random baselines (also for Guided IG).
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { linearFunction, load, pseudoRandom, saturatingReluOnnx, smallCnnOnnx, spyModel } from '../testing.js';
import { uniformBaseline } from '../../baselines/uniform.js';
import { guidedIG } from './guidedIG.js';
import { gradient } from '../gradient.js';
import { geometricallyGuidedIG } from './geometricallyGuidedIG.js';

test('linear model: every scale gives (x - x\') * w, so GGIG = IG', async () => {
  const w = [[0.5, -2, 3]];
  const model = linearFunction(w, [0.1]);
  const x = Float32Array.from([1, 2, -1]);
  const r = await geometricallyGuidedIG(model, x, { baseline: 0, steps: 7 });
  assert.deepEqual(Array.from(r.values), [0.5, -4, -3]);
  assert.deepEqual(Array.from(r.scales), [1 / 7, 1 / 7, 1 / 7].map(Math.fround)); // ties: the smallest scale
});

test('saturating ReLU f = 1 - ReLU(1 - x) at x = 2: gradient 0, IG 1, GGIG keeps the unsaturated scale (2)', async () => {
  const model = await load(saturatingReluOnnx());
  try {
    const x = Float32Array.from([2]);
    assert.equal((await gradient(model, x)).values[0] + 0, 0); // + 0: either signed zero (the Sub rule negates after its reduction)
    const r = await geometricallyGuidedIG(model, x, { baseline: 0, steps: 10 });
    assert.equal(r.values[0], 2);
    assert.ok(r.scales[0] < 0.5, `scale ${r.scales[0]}`);
  } finally {
    await model.dispose();
  }
});

test("select 'absmax' keeps the sign of the largest magnitude; batched equals unbatched", async () => {
  const big = await load(smallCnnOnnx(), { batchSize: 16 });
  const one = await load(smallCnnOnnx(), { batchSize: 1 });
  try {
    const x = pseudoRandom(2 * 3 * 8 * 8, 21, -1, 1);
    const a = await geometricallyGuidedIG(big, x, { steps: 12, target: [0, 3] });
    const b = await geometricallyGuidedIG(one, x, { steps: 12, target: [0, 3] });
    assert.deepEqual(a.values, b.values);
    const abs = await geometricallyGuidedIG(big, x, { steps: 12, target: [0, 3], select: 'absmax' });
    let negatives = 0;
    abs.values.forEach((v, i) => {
      assert.ok(Math.abs(v) >= Math.abs(a.values[i]), `feature ${i}: |absmax pick| below |max pick|`);
      assert.ok(a.values[i] >= v, `max ${a.values[i]} below absmax pick ${v}`);
      if (v < 0) negatives++;
    });
    assert.ok(negatives > 0, 'absmax keeps negative evidence');
  } finally {
    await big.dispose();
    await one.dispose();
  }
});

test('seeded: a random baseline gives the same map for the same seed (Guided IG and GGIG); streamed in batches', async () => {
  const model = spyModel(await load(smallCnnOnnx(), { batchSize: 4 }));
  try {
    const x = pseudoRandom(2 * 3 * 8 * 8, 23);
    const baseline = uniformBaseline(model, { pixelRange: [0, 1] });
    for (const method of [geometricallyGuidedIG, guidedIG] as const) {
      const a = await method(model, x, { steps: 9, baseline, seed: 5 });
      const b = await method(model, x, { steps: 9, baseline, seed: 5 });
      const c = await method(model, x, { steps: 9, baseline, seed: 6 });
      assert.deepEqual(a.values, b.values);
      assert.notDeepEqual(a.values, c.values);
    }
    assert.ok(model.maxExamples <= 4, `a call received ${model.maxExamples} examples`);
  } finally {
    await model.dispose();
  }
});
