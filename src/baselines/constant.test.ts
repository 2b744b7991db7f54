/**
 * Constant baselines are colours in pixel space: black stays black after normalisation.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { constantBaseline } from './constant.js';
import { inputSpace } from '../engine/space.js';

test('black is the pixel minimum per channel after normalisation, not zero', () => {
  const pre = { layout: 'NCHW' as const, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
  const black = constantBaseline([3, 2, 2], 'black', pre);
  assert.deepEqual(Array.from(black), [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2].map((c) => Math.fround(-pre.mean[c] / pre.std[c])));
  const space = inputSpace([3, 2, 2], pre);
  assert.deepEqual(Array.from(space.toPixels(black)).map((v) => Math.abs(v) < 1e-6), new Array(12).fill(true));
  const white = constantBaseline(space, 'white');
  assert.ok(Math.abs(white[0] - (1 - 0.485) / 0.229) < 1e-6);
  const red = constantBaseline(inputSpace([2, 2, 3], { layout: 'NHWC', pixelRange: [0, 255] }), [255, 0, 0]);
  assert.deepEqual(Array.from(red), [255, 0, 0, 255, 0, 0, 255, 0, 0, 255, 0, 0]);
  assert.deepEqual(Array.from(constantBaseline([4], 'gray')), [0.5, 0.5, 0.5, 0.5]);
  assert.deepEqual(Array.from(constantBaseline([4])), [0, 0, 0, 0]);
  assert.throws(() => constantBaseline([3, 4, 4], [1, 2]), /2 values/);
});
