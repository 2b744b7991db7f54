/**
 * Blur IG's matrix-product blurs (onnxruntime GEMMs) against the float64 JavaScript filter
 * (scipy's gaussian_filter, checked against scipy in gaussian tests): the blurred points and
 * the forward-difference derivatives agree to float32 rounding, channels first or last,
 * non-square and square images (one set of matrices for both axes), sigma 0 (the identity) and kernels wider than the image.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { openSessionCount } from '../../engine/onnx.js';
import { inputSpace } from '../../engine/space.js';
import { relativeL2 } from '../testing.js';
import { gaussianFilterPair } from './gaussian.js';
import { MatrixBlur } from './matrixBlur.js';

test('matrix blurs and blur derivatives equal the JavaScript filter (NCHW and NHWC, 20 x 28; square 24 x 24)', async () => {
  const before = openSessionCount();
  const [c, h, w] = [3, 20, 28];
  const sigmas = [0, 0.3, 1.7, 6, 25];
  const gradStep = 0.01;
  for (const shape of [[c, h, w], [h, w, c], [2, 24, 24]]) {
    const space = inputSpace(shape);
    const blur = (await MatrixBlur.open(space, gradStep))!;
    assert.ok(blur, 'the ONNX engine is loaded, so a kernel opens');
    try {
      const images = sigmas.map((_, k) => Float64Array.from({ length: space.size }, (_, i) => Math.sin(i * 0.37 + k) + 0.3 * Math.cos(i * 1.91)));
      const { at, slope } = await blur.pairs(images, sigmas);
      sigmas.forEach((s, j) => {
        const [a, b] = gaussianFilterPair(images[j], space, s, s + gradStep);
        const d = a.map((v, i) => (b[i] - v) / gradStep);
        const range = (j: number) => [j * space.size, (j + 1) * space.size] as const;
        const errAt = relativeL2(at.subarray(...range(j)), Float32Array.from(a));
        const errSlope = relativeL2(slope.subarray(...range(j)), Float32Array.from(d));
        console.log(`  [${shape}] sigma ${s}: blur ${errAt.toExponential(1)}, derivative ${errSlope.toExponential(1)}`);
        assert.ok(errAt < 1e-5, `[${shape}] sigma ${s}: blur relative L2 ${errAt}`);
        assert.ok(s === 0 ? slope.subarray(...range(j)).every((v) => v === 0) : errSlope < 1e-5, `[${shape}] sigma ${s}: derivative relative L2 ${errSlope}`);
      });
    } finally {
      await blur.dispose();
    }
  }
  assert.equal(openSessionCount(), before);
});

test('no matrix blur for inputs that are not 2-d images', async () => {
  assert.equal(await MatrixBlur.open(inputSpace([12]), 0.01), undefined);
});
