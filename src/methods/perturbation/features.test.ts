/**
 * The feature index's runs of consecutive elements, and applyCoalition (which copies those
 * runs) against the element-by-element definition, channels first and last.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { inputSpace } from '../../engine/space.js';
import { Rng } from '../../random.js';
import { applyCoalition, featureIndex, positions } from './features.js';

test('applyCoalition keeps the features a coalition holds and takes the baseline elsewhere (NCHW and NHWC)', () => {
  const [h, w] = [7, 9];
  const labels = Int32Array.from({ length: h * w }, (_, i) => (Math.floor(i / w) < 3 ? (i % w < 4 ? 0 : 1) : (i * 7) % 3 === 0 ? 2 : 3));
  const mask = { labels, shape: [h, w] as [number, number], count: 4 };
  const rng = new Rng(3);
  for (const shape of [[3, h, w], [h, w, 3]]) {
    const space = inputSpace(shape);
    const f = featureIndex(mask, positions(space));
    // the runs cover each feature's elements exactly once, in order
    for (let k = 0; k < f.count; k++) {
      const covered: number[] = [];
      for (let s = f.spanOffsets[k]; s < f.spanOffsets[k + 1]; s++) for (let j = f.spans[2 * s]; j < f.spans[2 * s + 1]; j++) covered.push(j);
      assert.deepEqual(covered, Array.from(f.order.subarray(f.offsets[k], f.offsets[k + 1])));
    }
    const x = Float32Array.from({ length: space.size }, () => rng.float());
    const b = Float32Array.from({ length: space.size }, () => -rng.float());
    for (const z of [[1, 0, 1, 0], [0, 1, 1, 1], [0, 0, 0, 0], [1, 1, 1, 1]]) {
      const dest = new Float32Array(space.size).fill(Number.NaN);
      applyCoalition(dest, x, b, z, f);
      assert.deepEqual(dest, Float32Array.from({ length: space.size }, (_, j) => (z[f.labels[j]] ? x[j] : b[j])), `[${shape}] coalition ${z}`);
    }
  }
});
