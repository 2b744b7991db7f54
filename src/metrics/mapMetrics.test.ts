/**
 * Complexity and localisation metrics on constructed maps: the Gini index of a one-hot map
 * is maximal, entropy is log(d) for a uniform map and 0 for a one-hot one, the pointing game
 * hits exactly when the peak is inside the mask.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { linearFunction, pseudoRandom } from '../methods/testing.js';
import { sparseness } from './sparseness.js';
import { complexity } from './complexity.js';
import { effectiveComplexity } from './effectiveComplexity.js';
import { pointingGame } from './pointingGame.js';
import { energyPointingGame } from './energyPointingGame.js';
import { relevanceMass } from './relevanceMass.js';
import { relevanceRank } from './relevanceRank.js';
import { topkIntersection } from './topkIntersection.js';

const d = 25;
const model = linearFunction([new Array(d).fill(1)], [0]);
const x = new Float32Array(d);
const oneHot = Float32Array.from({ length: d }, (_, i) => (i === 7 ? 3 : 0));

test('Gini of a one-hot map is maximal (1 - 1/d), of a uniform map 0; random maps in between', async () => {
  const s = await sparseness(model, x, oneHot);
  assert.ok(Math.abs(s.scores[0] - (1 - 1 / d)) < 1e-5, `${s.scores[0]}`);
  const u = await sparseness(model, x, new Float32Array(d).fill(2));
  assert.ok(Math.abs(u.scores[0]) < 1e-9);
  const r = await sparseness(model, new Float32Array(5 * d), pseudoRandom(5 * d, 3, -1, 1));
  for (const v of r.scores) assert.ok(v > 0 && v < 1 - 1 / d);
});

test('entropy: log(d) for a uniform map, 0 for one-hot; effective complexity counts pixels above eps', async () => {
  const u = await complexity(model, x, new Float32Array(d).fill(-0.5));
  assert.ok(Math.abs(u.scores[0] - Math.log(d)) < 1e-9);
  const h = await complexity(model, x, oneHot);
  assert.ok(Math.abs(h.scores[0]) < 1e-9);
  const ec = await effectiveComplexity(model, x, Float32Array.from({ length: d }, (_, i) => (i < 4 ? 1 : i < 6 ? 1e-7 : 0)));
  assert.equal(ec.scores[0], 4);
});

test('pointing game hits when the peak is inside the mask; mass, rank, energy and top-k', async () => {
  const inside = Float32Array.from({ length: d }, (_, i) => (i >= 5 && i < 10 ? 1 : 0));
  const outside = Float32Array.from({ length: d }, (_, i) => (i >= 10 && i < 15 ? 1 : 0));
  assert.equal((await pointingGame(model, x, oneHot, { groundTruth: inside })).scores[0], 1);
  assert.equal((await pointingGame(model, x, oneHot, { groundTruth: outside })).scores[0], 0);
  assert.ok(Number.isNaN((await pointingGame(model, x, oneHot, { groundTruth: new Float32Array(d) })).scores[0]));
  await assert.rejects(pointingGame(model, x, oneHot), /ground-truth/);
  const map = Float32Array.from({ length: d }, (_, i) => (i === 7 ? 3 : i === 12 ? 1 : i === 20 ? -1 : 0));
  // positive relevance only: 3 / (3 + 1); Quantus' signed ratio 3 / (3 + 1 - 1) = 1
  assert.ok(Math.abs((await relevanceMass(model, x, map, { groundTruth: inside })).scores[0] - 0.75) < 1e-12);
  assert.ok(Math.abs((await relevanceMass(model, x, map, { groundTruth: inside, signed: true })).scores[0] - 1) < 1e-12);
  assert.ok(Math.abs((await energyPointingGame(model, x, map, { groundTruth: inside })).scores[0] - 0.75) < 1e-12);
  assert.ok(Math.abs((await relevanceRank(model, x, map, { groundTruth: inside })).scores[0] - 0.2) < 1e-12);
  assert.equal((await topkIntersection(model, x, map, { groundTruth: inside, k: 2 })).scores[0], 0.5);
});

test('relevance mass stays in [0, 1] on signed maps (positive relevance only), where the signed ratio leaves it', async () => {
  const inside = Float32Array.from({ length: d }, (_, i) => (i < 5 ? 1 : 0));
  // inside 2, outside +1 and -2.5: signed 2 / 0.5 = 4; positive 2 / 3
  const map = Float32Array.from({ length: d }, (_, i) => (i === 1 ? 2 : i === 9 ? 1 : i === 10 ? -2.5 : 0));
  const signed = (await relevanceMass(model, x, map, { groundTruth: inside, signed: true })).scores[0];
  const positive = (await relevanceMass(model, x, map, { groundTruth: inside })).scores[0];
  assert.ok(Math.abs(signed - 4) < 1e-12);
  assert.ok(Math.abs(positive - 2 / 3) < 1e-12);
  assert.equal((await relevanceMass(model, x, Float32Array.from(map, (v) => -Math.abs(v)), { groundTruth: inside })).scores[0], 0);
  // a map with all its relevance inside scores 1, one with none inside 0
  assert.equal((await relevanceMass(model, x, Float32Array.from({ length: d }, (_, i) => (i < 5 ? i + 1 : -1)), { groundTruth: inside })).scores[0], 1);
});

test('sufficiency: close explanations with the same prediction score 1, with different predictions 0', async () => {
  const { sufficiency } = await import('./sufficiency.js');
  // two classes: the sign of x0 decides; explanations of inputs 0/1 and 2/3 are close pairs
  const m = linearFunction([[1, 0, 0, 0], [-1, 0, 0, 0]], [0, 0]);
  const x4 = Float32Array.from([1, 0, 0, 0, 2, 0, 0, 0, -1, 0, 0, 0, 3, 0, 0, 0]);
  const a = Float32Array.from([1, 0, 0, 0, 1.1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1.1, 0.1]);
  const r = await sufficiency(m, x4, a, { target: 0, threshold: 0.5 });
  assert.deepEqual(Array.from(r.scores), [1, 1, 0, 0]);
});
