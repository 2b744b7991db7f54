/**
 * Averaging a method over baseline draws: a fixed baseline reproduces the method, the
 * delta is the mean delta, draws are seeded, and IG averaged over a dataset converges
 * to the exhaustive average.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { averageOverBaselines } from './averageBaselines.js';
import { integratedGradients } from './integratedGradients.js';
import { expectedGradients } from './expectedGradients.js';
import { load, pseudoRandom, relativeL2, smallCnnOnnx } from './testing.js';
import { blurBaseline } from '../baselines/blur.js';
import { uniformBaseline } from '../baselines/uniform.js';

const per = 3 * 8 * 8;

test('a deterministic baseline gives the method itself; delta is the mean delta', async () => {
  const model = await load(smallCnnOnnx());
  try {
    const x = pseudoRandom(2 * per, 41);
    const blur = blurBaseline(model, { sigma: 1.5 });
    const ig = await integratedGradients(model, x, { baseline: blur, steps: 8, target: [0, 3] });
    const avg = await averageOverBaselines(model, x, { baseline: blur, samples: 3, methodOptions: { steps: 8 }, target: [0, 3] });
    assert.ok(relativeL2(avg.values, ig.values) < 1e-6);
    for (let e = 0; e < 2; e++) assert.ok(Math.abs(avg.delta![e] - ig.delta![e]) < 1e-5);
    assert.equal(avg.method, 'averageOverBaselines(integratedGradients)');
  } finally {
    await model.dispose();
  }
});

test('uniform draws: seeded; IG averaged over a dataset approaches expected gradients\' limit', async () => {
  const model = await load(smallCnnOnnx(), { inputRange: [0, 1] });
  try {
    const x = pseudoRandom(per, 43);
    const u = uniformBaseline(model);
    const a = await averageOverBaselines(model, x, { baseline: u, samples: 4, seed: 5, methodOptions: { steps: 8 } });
    const b = await averageOverBaselines(model, x, { baseline: u, samples: 4, seed: 5, methodOptions: { steps: 8 }, group: 1 });
    assert.deepEqual(a.values, b.values);
    const c = await averageOverBaselines(model, x, { baseline: u, samples: 4, seed: 6, methodOptions: { steps: 8 } });
    assert.ok(relativeL2(a.values, c.values) > 1e-3);

    const data = pseudoRandom(3 * per, 44);
    const avg = await averageOverBaselines(model, x, { baseline: data, samples: 300, seed: 1, target: 1, methodOptions: { steps: 16 } });
    const eg = await expectedGradients(model, x, { baseline: data, samples: 3000, seed: 1, target: 1, delta: false });
    assert.ok(relativeL2(avg.values, eg.values) < 0.1, `${relativeL2(avg.values, eg.values)}`);
  } finally {
    await model.dispose();
  }
});
