import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allFinite } from './request.js';

test('allFinite: false for NaN, +Infinity or -Infinity at any position (each of the four accumulators and the tail), true for finite values of any size', () => {
  for (const length of [1, 3, 4, 7, 64, 1001]) {
    const finite = Float32Array.from({ length }, (_, i) => (i % 2 ? 3.4e38 : -3.4e38) * (i % 5 ? 1 : 1e-45));
    assert.equal(allFinite(finite), true, `length ${length}: the largest floats do not overflow the check`);
    for (const bad of [NaN, Infinity, -Infinity]) {
      for (const at of new Set([0, 1, 2, 3, length - 1, Math.floor(length / 2)].filter((i) => i < length))) {
        const v = finite.slice();
        v[at] = bad;
        assert.equal(allFinite(v), false, `length ${length}, ${bad} at ${at}`);
      }
    }
  }
  assert.equal(allFinite(new Float32Array(0)), true);
});
