import test from 'node:test';
import assert from 'node:assert/strict';
import { mergeDetectionMaps } from './detections.js';

test('merged detection maps: each map scaled by its maximum, each pixel owned by the largest', () => {
  const a = Float32Array.from([2, 1, 0, -1]);   // max 2 -> 1, 0.5, 0, -0.5
  const b = Float32Array.from([0, 10, 5, -3]);  // max 10 -> 0, 1, 0.5, -0.3
  const c = Float32Array.from([-1, -1, -1, -1]); // never positive: owns nothing
  const m = mergeDetectionMaps([a, b, c]);
  assert.deepEqual(Array.from(m.value), [1, 1, 0.5, 0]);
  assert.deepEqual(Array.from(m.owner), [0, 1, 1, -1]);
  assert.throws(() => mergeDetectionMaps([a, new Float32Array(3)]), /differ in size/);
});
