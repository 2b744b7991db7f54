/**
 * Blurred baseline: a constant image blurs to itself; blur is a proper normalised
 * Gaussian smoothing over the spatial axes only, for both layouts.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { blurBaseline, blurImage, gaussianKernel } from './blur.js';
import { inputSpace } from '../engine/space.js';
import { Rng } from '../random.js';

test('a constant image blurs to itself (per channel, both layouts, any sigma)', () => {
  for (const shape of [[3, 9, 7], [9, 7, 3]]) {
    const space = inputSpace(shape);
    const img = new Float32Array(3 * 9 * 7);
    for (let i = 0; i < img.length; i++) img[i] = [0.2, -1.7, 3.25][space.channelOf(i)];
    for (const sigma of [0.5, 2, 10]) {
      const out = blurBaseline(space, { sigma }).sample(img, new Rng(0));
      for (let i = 0; i < img.length; i++) assert.ok(Math.abs(out[i] - img[i]) < 1e-6, `${shape} sigma ${sigma} at ${i}: ${out[i]}`);
    }
  }
});

test('an impulse spreads as the normalised kernel, separably, without mixing channels', () => {
  const space = inputSpace([2, 15, 15]);
  const img = new Float32Array(2 * 15 * 15);
  img[7 * 15 + 7] = 1; // channel 0, centre
  const out = blurImage(img, space, { sigma: 1.5 });
  const k = gaussianKernel(1.5);
  const r = (k.length - 1) / 2;
  assert.ok(Math.abs(out[7 * 15 + 7] - k[r] * k[r]) < 1e-7);
  assert.ok(Math.abs(out[7 * 15 + 9] - k[r] * k[r + 2]) < 1e-7);
  let total = 0;
  for (let i = 0; i < 225; i++) total += out[i];
  assert.ok(Math.abs(total - 1) < 1e-5);
  for (let i = 225; i < 450; i++) assert.equal(out[i], 0);
  assert.equal(k.length, 2 * Math.floor(4 * 1.5 + 0.5) + 1);
  assert.deepEqual(blurImage(img, space, { sigma: 0 }), img);
  assert.throws(() => blurBaseline([10], { sigma: 1 }), /image layout/);
});
