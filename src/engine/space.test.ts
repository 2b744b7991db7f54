/**
 * Input spaces: layouts, per-channel normalisation and valid ranges.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { inputSpace } from './space.js';

test('layout inference and channels', () => {
  assert.equal(inputSpace([3, 32, 32]).layout, 'NCHW');
  assert.equal(inputSpace([32, 32, 3]).layout, 'NHWC');
  assert.equal(inputSpace([1, 28, 28]).layout, 'NCHW');
  assert.equal(inputSpace([10]).layout, 'flat');
  assert.equal(inputSpace([28, 28, 1], { layout: 'NHWC' }).channels, 1);
});

test('normalisation: ranges per channel in model space, round trip pixels <-> model', () => {
  const s = inputSpace([2, 2, 2], { pixelRange: [0, 255], mean: [100, 50], std: [50, 25] });
  assert.equal(s.rangeKnown, true);
  assert.deepEqual(Array.from(s.lower), [-2, -2, -2, -2, -2, -2, -2, -2]);
  assert.deepEqual(Array.from(s.upper.subarray(0, 4)), [3.1, 3.1, 3.1, 3.1].map(Math.fround));
  assert.deepEqual(Array.from(s.upper.subarray(4)), [8.2, 8.2, 8.2, 8.2].map(Math.fround));
  const pixels = Float32Array.of(0, 10, 20, 255, 0, 10, 20, 255);
  const model = s.toModel(pixels);
  assert.equal(model[0], -2);
  assert.equal(model[4], -2);
  assert.deepEqual(Array.from(s.toPixels(model)).map(Math.round), Array.from(pixels));
  const hwc = inputSpace([2, 2, 2], { layout: 'NHWC', mean: [0, 1], std: [1, 2] });
  assert.deepEqual([0, 1, 2, 3].map(hwc.channelOf), [0, 1, 0, 1]);
  // per-element ranges follow the channel of each element, channels last and flat too
  assert.deepEqual(Array.from(hwc.lower), [0, -0.5, 0, -0.5, 0, -0.5, 0, -0.5]);
  assert.deepEqual(Array.from(hwc.upper), [1, 0, 1, 0, 1, 0, 1, 0]);
  assert.deepEqual(Array.from(inputSpace([3], { layout: 'flat', pixelRange: [-1, 2] }).upper), [2, 2, 2]);
  assert.equal(inputSpace([3, 4, 4]).rangeKnown, false);
  assert.throws(() => inputSpace([3, 4, 4], { mean: [1, 2] }), /2 values but the input has 3 channels/);
  assert.throws(() => inputSpace([3, 4, 4], { std: 0 }), /std/);
});
