/**
 * Vanilla gradient: the gradient of a linear model is its weights; absolute values;
 * per-input targets; batching.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { gradient } from './gradient.js';
import { linearFunction, linearOnnx, load, pseudoRandom, relativeL2, smallCnnOnnx } from './testing.js';

const W = [
  [1, -2, 3],
  [-0.5, 0.25, 4],
];

test('linear model: the gradient is the weight row of each input\'s class (ONNX and function model)', async () => {
  for (const model of [await load(linearOnnx(W, [1, 2])), linearFunction(W, [1, 2])]) {
    try {
      const x = Float32Array.of(3, 1, 4, 1, 5, 9);
      const g = await gradient(model, x, { target: [1, 0] });
      assert.deepEqual(Array.from(g.values), [...W[1], ...W[0]]);
      assert.deepEqual(g.shape, [2, 3]);
      assert.equal(g.method, 'gradient');
      const abs = await gradient(model, x, { target: 1, absolute: true });
      assert.deepEqual(Array.from(abs.values), [...W[1], ...W[1]].map(Math.abs));
      assert.equal(abs.params['absolute'], true);
      assert.equal(g.delta, undefined);
    } finally {
      await model.dispose();
    }
  }
});

test('batched equals unbatched on a CNN', async () => {
  const x = pseudoRandom(5 * 3 * 8 * 8, 2);
  const a = await load(smallCnnOnnx(), { batchSize: 2 });
  const b = await load(smallCnnOnnx(), { batchSize: 16 });
  try {
    const ga = await gradient(a, x, { target: [0, 1, 2, 3, 0] });
    const gb = await gradient(b, x, { target: [0, 1, 2, 3, 0], batchSize: 1 });
    assert.ok(relativeL2(ga.values, gb.values) < 1e-6);
    assert.equal(gb.timings.modelCalls, 5);
  } finally {
    await a.dispose();
    await b.dispose();
  }
});
