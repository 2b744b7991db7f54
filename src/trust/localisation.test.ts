import { test } from 'node:test';
import assert from 'node:assert/strict';
import { syntheticLocalisation } from './localisation.js';

test('a model trained on synthetic shapes: input x gradient localises the true shape, the plain gradient much less', async () => {
  const r = await syntheticLocalisation(['gradient', 'inputxgradient'], { trainImages: 500, explained: 24, training: { epochs: 4 } });
  assert.ok(r.testAccuracy > 0.6, `accuracy ${r.testAccuracy}`);
  // relevance rank: share of the top-|mask| pixels inside the mask; a uniform ranking scores the mask share (2.4%)
  assert.ok(r.scores.gradient['relevance-rank'] > 2 * r.maskShare, JSON.stringify(r.scores));
  assert.ok(r.scores.inputxgradient['relevance-rank'] > 8 * r.maskShare, JSON.stringify(r.scores));
  assert.ok(r.scores.inputxgradient['pointing-game'] > 0.8, JSON.stringify(r.scores));
});
