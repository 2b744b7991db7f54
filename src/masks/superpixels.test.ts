/**
 * SLIC and Felzenszwalb against scikit-image 0.19.3 on the demo photographs
 * (fixtures/regions, scripts/make_region_fixtures.py segments): label maps equal up to
 * relabelling; the adjusted Rand index is reported when they are not.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readNpy } from '../io/npy.js';
import { checkFeatureMask } from './featureMask.js';
import { adjustedRandIndex, sameLabelling } from './compare.js';
import { parseSegmentation, felzenszwalb, slic, segmentInput } from './segmentation.js';
import { inputSpace } from '../engine/space.js';
import { numpyArgsort } from './numeric.js';

const DIR = 'fixtures/regions';
const manifest = JSON.parse(readFileSync(`${DIR}/segments.json`, 'utf8'));
const SPECS: Record<string, string> = {
  slic_default: 'slic',
  slic_n50_c20: 'slic:n=50,compactness=20',
  slic_n30_s1: 'slic:n=30,compactness=10,sigma=1',
  felz_default: 'felzenszwalb',
  felz_s100_m50: 'felzenszwalb:scale=100,sigma=0.5,min=50',
};

function photo(name: string): { pixels: Float64Array; shape: number[] } {
  const a = readNpy(`${DIR}/${name}.image.npy`);
  return { pixels: Float64Array.from(a.data as Int32Array, (v) => v / 255), shape: a.shape };
}

for (const [key, spec] of Object.entries(SPECS)) {
  test(`${spec} equals scikit-image ${manifest.skimage} on the demo photographs`, () => {
    for (const name of Object.keys(manifest.images)) {
      const { pixels, shape } = photo(name);
      const mask = parseSegmentation(spec)(pixels, shape);
      checkFeatureMask(mask);
      const expected = readNpy(`${DIR}/${name}.${key}.npy`).data as Int32Array;
      const ari = adjustedRandIndex(mask.labels, expected);
      assert.ok(sameLabelling(mask.labels, expected), `${name}: labels differ from skimage's (ARI ${ari.toFixed(4)}, ${mask.count} segments)`);
    }
  });
}

test('channels-first and channels-last images give the same superpixels', () => {
  const { pixels, shape } = photo('chelsea');
  const [h, w, c] = shape;
  const chw = new Float64Array(pixels.length);
  for (let p = 0; p < h * w; p++) for (let k = 0; k < c; k++) chw[k * h * w + p] = pixels[p * c + k];
  assert.deepEqual(slic(chw, [c, h, w]).labels, slic(pixels, shape).labels);
  assert.deepEqual(felzenszwalb(chw, [c, h, w], { scale: 50 }).labels, felzenszwalb(pixels, shape, { scale: 50 }).labels);
});

test('segmentation specs: defaults spelled out, errors name the problem', () => {
  assert.equal(parseSegmentation('slic:n=50').spec, 'slic:n=50,compactness=10,sigma=0,iter=10');
  assert.equal(parseSegmentation('felzenszwalb:scale=100,sigma=0.5,min=50').spec, 'felzenszwalb:scale=100,sigma=0.5,min=50');
  assert.throws(() => parseSegmentation('watershed'), /unknown segmentation 'watershed'/);
  assert.throws(() => parseSegmentation('slic:k=3'), /no parameter 'k'/);
  assert.throws(() => parseSegmentation('slic:n=many'), /needs a number/);
});

test('adjusted Rand index: 1 for a relabelling, near 0 for unrelated maps', () => {
  assert.equal(adjustedRandIndex([0, 0, 1, 1, 2], [5, 5, 3, 3, 9]), 1);
  assert.ok(adjustedRandIndex([0, 0, 1, 1], [0, 1, 0, 1]) < 0);
  assert.ok(!sameLabelling([0, 0, 1], [0, 1, 1]));
});

test("numpyArgsort reproduces numpy's order of tied keys", () => {
  const keys = readNpy(`${DIR}/argsort.keys.npy`).data as Float64Array;
  const expected = readNpy(`${DIR}/argsort.order.npy`).data as Int32Array;
  const order = numpyArgsort(keys);
  assert.deepEqual(Array.from(order), Array.from(expected));
  const stable = Array.from(order).sort((a, b) => keys[a] - keys[b] || a - b);
  assert.notDeepEqual(Array.from(order), stable, 'the fixture has ties out of index order');
});

test('segmentInput: a normalised model input segments like its photograph', () => {
  const { pixels, shape } = photo('chelsea');
  const [h, w, c] = shape;
  const mean = [0.485, 0.456, 0.406];
  const std = [0.229, 0.224, 0.225];
  const space = inputSpace([c, h, w], { mean, std });
  const chw = new Float32Array(pixels.length);
  for (let p = 0; p < h * w; p++) for (let k = 0; k < c; k++) chw[k * h * w + p] = (pixels[p * c + k] - mean[k]) / std[k];
  const fromInput = segmentInput('felzenszwalb:scale=100,sigma=0.5,min=50', space, chw);
  const expected = readNpy(`${DIR}/chelsea.felz_s100_m50.npy`).data as Int32Array;
  assert.ok(adjustedRandIndex(fromInput, expected) > 0.99, `ARI ${adjustedRandIndex(fromInput, expected)}`);
  assert.throws(() => segmentInput('slic', inputSpace([10]), new Float32Array(10)), /image layout/);
});
