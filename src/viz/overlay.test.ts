import test from 'node:test';
import assert from 'node:assert/strict';
import { overlay } from './overlay.js';
import { maskedView, topMask } from './mask.js';
import { createRgba, pixelAt, upscale } from './rgba.js';
import { inputImage, toGrey } from './input.js';

function random(width: number, height: number, seed: number) {
  const img = createRgba(width, height);
  let s = seed;
  for (let i = 0; i < img.data.length; i++) img.data[i] = (s = (s * 1103515245 + 12345) % 2147483648) % 256;
  return img;
}

test('overlay at opacity 0 is the input, at 1 the heat map, in between a blend', () => {
  const base = random(7, 5, 1);
  const heat = random(7, 5, 2);
  assert.deepEqual(overlay(base, heat, { opacity: 0 }).data, base.data);
  assert.deepEqual(overlay(base, heat, { opacity: 1 }).data, heat.data);
  const half = overlay(base, heat, { opacity: 0.5 });
  assert.equal(half.data[3], Math.round((base.data[3] + heat.data[3]) / 2));
  // per-pixel weights: 0 keeps the base there
  const w = new Float32Array(35).fill(1);
  w[0] = 0;
  const weighted = overlay(base, heat, { opacity: 1, weight: w });
  assert.deepEqual(pixelAt(weighted, 0, 0), pixelAt(base, 0, 0));
  assert.deepEqual(pixelAt(weighted, 1, 0), pixelAt(heat, 1, 0));
  assert.throws(() => overlay(base, random(5, 7, 3)), /one size/);
  assert.throws(() => overlay(base, heat, { opacity: 2 }), /opacity/);
});

test('the masked view keeps exactly the top p% of pixels by magnitude', () => {
  const n = 200;
  const values = Float32Array.from({ length: n }, (_, i) => ((i * 37) % n) - 100); // a permutation of -100..99
  for (const p of [0, 5, 10, 33, 50, 100]) {
    const mask = topMask(values, p);
    const k = Math.round((p / 100) * n);
    assert.equal(mask.reduce((a, b) => a + b, 0), k);
    const kept = Array.from(values).filter((_, i) => mask[i]).map(Math.abs);
    const dropped = Array.from(values).filter((_, i) => !mask[i]).map(Math.abs);
    if (kept.length && dropped.length) assert.ok(Math.min(...kept) >= Math.max(...dropped));
  }
  // ties: the count stays exact
  assert.equal(topMask(new Float32Array(10).fill(1), 30).reduce((a, b) => a + b, 0), 3);
  const base = random(4, 2, 5);
  const view = maskedView(base, { width: 4, height: 2, data: Float32Array.from([0, 9, 0, 0, -8, 0, 0, 1]) }, 25);
  for (let p = 0; p < 8; p++) {
    const expect = p === 1 || p === 4 ? pixelAt(base, p % 4, Math.floor(p / 4)) : [0, 0, 0, 255];
    assert.deepEqual(pixelAt(view, p % 4, Math.floor(p / 4)), expect);
  }
});

test('inputs draw from their pixel range, grey or colour, and upscale by whole pixels', () => {
  const grey = inputImage([0, 0.5, 1, 2], [1, 2, 2]);
  assert.deepEqual(pixelAt(grey, 1, 0), [128, 128, 128, 255]);
  assert.deepEqual(pixelAt(grey, 1, 1), [255, 255, 255, 255]); // clamped
  const rgb = inputImage([255, 0, 0, 0, 0, 255], [1, 2, 3], { range: [0, 255], layout: 'NHWC' }); // [1, 2, 3] alone would read as 1 x 2 x 3 NCHW
  assert.deepEqual(pixelAt(rgb, 0, 0), [255, 0, 0, 255]);
  assert.deepEqual(pixelAt(inputImage([255, 0, 0, 0, 0, 255], [1, 2, 3], { range: [0, 255], layout: 'NHWC', order: 'BGR' }), 0, 0), [0, 0, 255, 255]);
  assert.deepEqual(pixelAt(toGrey(rgb), 0, 0), [76, 76, 76, 255]);
  const big = upscale(grey, 3);
  assert.equal(big.width, 6);
  assert.deepEqual(pixelAt(big, 5, 0), pixelAt(grey, 1, 0));
  assert.deepEqual(pixelAt(big, 2, 3), pixelAt(grey, 0, 1));
});
