import test from 'node:test';
import assert from 'node:assert/strict';
import { checkFeatureMask } from './featureMask.js';
import { defaultPatch, gridMask } from './grid.js';

test('grid mask: patches numbered row by row, cut off at the edges', () => {
  const m = gridMask([3, 5], 2);
  checkFeatureMask(m);
  assert.equal(m.count, 6);
  assert.deepEqual([...m.labels], [0, 0, 1, 1, 2, 0, 0, 1, 1, 2, 3, 3, 4, 4, 5]);
  const r = gridMask([4, 4], [1, 4]);
  assert.deepEqual([...r.labels], [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3]);
});

test('default patch fits the input: 4 at 28x28, 16 at 224x224, 1 at tiny maps', () => {
  assert.equal(defaultPatch(28, 28), 4);
  assert.equal(defaultPatch(224, 224), 16);
  assert.equal(defaultPatch(2, 2), 1);
  assert.equal(gridMask([28, 28]).count, 49);
  assert.equal(gridMask([224, 224]).count, 196);
  assert.throws(() => gridMask([4, 4], 0), /positive integer/);
});
