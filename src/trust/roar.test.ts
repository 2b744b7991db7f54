import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../random.js';
import { roarCurves, randomRanker, removePixels, type Ranker } from './roar.js';
import { syntheticShapes } from './synthetic.js';

test('ROAR removes exactly the top-ranked share of pixels (KAR the rest)', () => {
  const { data } = syntheticShapes(2, 0);
  const scores = Float32Array.from({ length: 2 * 784 }, (_, i) => i % 784);
  const roar = removePixels(data, scores, 0.25, 'roar', [-1]);
  const kar = removePixels(data, scores, 0.25, 'kar', [-1]);
  assert.equal(roar.images.filter((v) => v === -1).length, 2 * 196);
  assert.equal(kar.images.filter((v) => v === -1).length, 2 * 588);
  assert.equal(roar.images[783], -1);
  assert.notEqual(roar.images[0], -1);
});

test('on synthetic shapes, ROAR with the true ranking degrades accuracy far faster than a random ranking', async () => {
  const train = syntheticShapes(400, 1);
  const testSet = syntheticShapes(200, 2);
  const truth: Ranker = async (_d, split) => {
    const masks = split === 'train' ? train.masks : testSet.masks;
    const jitter = new Rng(3, split === 'train' ? 1 : 2);
    return Float32Array.from(masks, (m) => m + 0.5 * jitter.float());
  };
  const points = await roarCurves(train.data, testSet.data, { truth, random: randomRanker(0) }, { fractions: [0.1], training: { architecture: 'small', epochs: 5, learningRate: 5e-3 } });
  const at = (name: string) => points.find((p) => p.ranking === name)!.mean;
  assert.ok(at('random') > 0.6, `random removal of 10% keeps accuracy: ${at('random')}`);
  assert.ok(at('truth') < 0.4, `removing the shape leaves chance (0.25): ${at('truth')}`);
});
