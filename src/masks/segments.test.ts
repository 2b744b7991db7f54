import test from 'node:test';
import assert from 'node:assert/strict';
import { inputSpace } from '../engine/space.js';
import { parseSegments, segmentCount, segmenter } from './segments.js';
import { maskShape, positions } from './layout.js';

test('segment specs: grid fits the input, grid:size=N, clear errors', () => {
  const space = inputSpace([3, 224, 224]);
  assert.deepEqual(parseSegments('slic:n=50,compactness=10').params, { n: 50, compactness: 10 });
  const grid = segmenter(parseSegments('grid'), space);
  assert.ok(!(grid instanceof Function) && grid.count === 196);
  assert.equal(segmentCount(parseSegments('grid'), space), 196);
  const g32 = segmenter(parseSegments('grid:size=32'), space);
  assert.ok(!(g32 instanceof Function) && g32.count === 49);
  assert.equal(segmentCount(parseSegments('grid:size=30'), space), 64);
  assert.throws(() => segmenter(parseSegments('voronoi'), space), /unknown segments 'voronoi'/);
  assert.throws(() => segmenter(parseSegments('grid:n=4'), space), /size=N/);
  assert.throws(() => parseSegments('grid:size=big'), /key=number/);
});

test('mask layout: NCHW, NHWC and flat inputs share labels across channels', () => {
  assert.deepEqual(maskShape(inputSpace([10])), [1, 10]);
  assert.deepEqual([...positions(inputSpace([4, 4, 3]))], Array.from({ length: 48 }, (_, i) => Math.floor(i / 3))); // NHWC
  assert.deepEqual([...positions(inputSpace([2, 1, 3]))], [0, 1, 2, 0, 1, 2]); // NCHW
  assert.throws(() => maskShape(inputSpace([1, 4, 4, 4])), /1-d or 2-d/);
});

test('segment specs: slic and felzenszwalb segment each input from its pixels (no region crosses the edge between two flat halves)', () => {
  const space = inputSpace([3, 16, 16], { pixelRange: [0, 1] });
  const x = new Float32Array(3 * 16 * 16);
  for (let y = 0; y < 16; y++) for (let c = 0; c < 16; c++) x[(c < 8 ? 0 : 2) * 256 + y * 16 + c] = 1; // red left, blue right
  for (const text of ['slic:n=4,compactness=10', 'felzenszwalb:scale=100,sigma=0,min=10']) {
    const make = segmenter(parseSegments(text), space);
    assert.equal(typeof make, 'function', text);
    const mask = (make as (e: Float32Array, i: number) => import('./featureMask.js').FeatureMask)(x, 0);
    assert.ok(mask.count >= 2, `${text}: ${mask.count} regions`);
    const side = new Map<number, boolean>();
    for (let y = 0; y < 16; y++) {
      for (let c = 0; c < 16; c++) {
        const l = mask.labels[y * 16 + c];
        if (!side.has(l)) side.set(l, c < 8);
        assert.equal(side.get(l), c < 8, `${text}: region ${l} crosses the edge at ${y},${c}`);
      }
    }
  }
  assert.throws(() => segmenter(parseSegments('slic:bogus=1'), space), /no parameter 'bogus'/);
});
