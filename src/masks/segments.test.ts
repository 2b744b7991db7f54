import test from 'node:test';
import assert from 'node:assert/strict';
import { inputSpace } from '../baselines/space.js';
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
