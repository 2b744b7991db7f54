import test from 'node:test';
import assert from 'node:assert/strict';
import { capMagnitude, percentile, scaleMagnitude, scaleSigned } from './normalize.js';

test('percentile matches numpy linear interpolation on a known array', () => {
  const v = Array.from({ length: 101 }, (_, i) => 100 - i); // 0..100, shuffled order irrelevant
  assert.equal(percentile(v, 99), 99);
  assert.equal(percentile(v, 50), 50);
  assert.ok(Math.abs(percentile([1, 2, 3, 4], 99) - 3.97) < 1e-12); // np.percentile([1,2,3,4], 99) = 3.97 (rank 2.97)
  assert.equal(percentile([5], 99), 5);
  assert.throws(() => percentile([1], 101), /\[0, 100\]/);
  assert.throws(() => percentile([1, NaN], 50), /NaN/);
});

test('magnitude maps are capped at the 99th percentile exactly', () => {
  // 0..99 and one outlier of 10000: p99 of 101 values = value at rank 99 = 99
  const v = [...Array.from({ length: 100 }, (_, i) => -i), 10000];
  const { values, cap } = scaleMagnitude(v);
  assert.equal(cap, 99);
  assert.equal(values[100], 1); // the outlier is capped, not dominant
  assert.equal(values[99], 1);
  assert.ok(Math.abs(values[50] - 50 / 99) < 1e-7);
  assert.equal(values[0], 0);
});

test('signed scaling keeps the sign and zero', () => {
  const { values, cap } = scaleSigned([-2, -1, 0, 1, 2], 100);
  assert.equal(cap, 2);
  assert.deepEqual(Array.from(values), [-1, -0.5, 0, 0.5, 1]);
});

test('an all-zero map stays zero, and a shared cap applies as given', () => {
  assert.deepEqual(Array.from(scaleMagnitude([0, 0, 0]).values), [0, 0, 0]);
  assert.deepEqual(Array.from(capMagnitude([1, -4, 2], 2).values), [0.5, 1, 1]);
});
