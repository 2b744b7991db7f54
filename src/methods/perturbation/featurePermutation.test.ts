import test from 'node:test';
import assert from 'node:assert/strict';
import { gridMask } from '../../masks/grid.js';
import { pseudoRandom } from '../testing.js';
import { derangedOrder, featurePermutation } from './featurePermutation.js';
import { Rng } from '../../random.js';
import { linearImageModel, sameValues } from './testing.js';

test('feature permutation on a linear model: sum over the feature of w (x_e - x_perm(e)); seeded; never the identity', async () => {
  const { model, weights } = linearImageModel([2, 4, 4], 2);
  const x = pseudoRandom(3 * 32, 8, -1, 1);
  const mask = gridMask([4, 4], 2);
  const perms = [[1, 2, 0], [2, 0, 1], [1, 0, 2], [0, 2, 1]];
  const r = await featurePermutation(model, x, { features: mask, permutations: perms, target: 1 });
  for (let e = 0; e < 3; e++) {
    for (let j = 0; j < 32; j++) {
      const k = mask.labels[j % 16];
      let expected = 0;
      for (let i = 0; i < 32; i++) if (mask.labels[i % 16] === k) expected += weights[1][i] * (x[e * 32 + i] - x[perms[k][e] * 32 + i]);
      assert.ok(Math.abs(r.values[e * 32 + j] - expected) < 1e-5);
    }
  }
  const a = await featurePermutation(model, x, { features: mask, seed: 4, batchSize: 5 });
  const b = await featurePermutation(model, x, { features: mask, seed: 4, batchSize: 2 });
  const c = await featurePermutation(model, x, { features: mask, seed: 5 });
  assert.ok(sameValues(a.values, b.values));
  assert.ok(!sameValues(a.values, c.values));
  const rng = new Rng(1);
  for (let t = 0; t < 50; t++) assert.notDeepEqual(derangedOrder(2, rng), [0, 1]);
  await assert.rejects(featurePermutation(model, x.subarray(0, 32)), (e: Error) => e.name === 'BadInputError' && /at least two/.test(e.message));
});
