/**
 * Random and input-dependent baselines: maximum distance, uniform, gaussian, dataset.
 * Samplers stay in the valid range and are reproducible from the seed.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { maxDistanceBaseline } from './maxDistance.js';
import { uniformBaseline } from './uniform.js';
import { gaussianBaseline } from './gaussian.js';
import { datasetBaseline } from './dataset.js';
import { drawBaselines } from './baseline.js';
import { inputSpace } from '../engine/space.js';
import { Rng, rngFor } from '../random.js';

const pre = { pixelRange: [0, 1] as [number, number], mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
const space = inputSpace([3, 8, 8], pre);
const x = Float32Array.from({ length: 192 }, (_, i) => space.toModelValue(((i * 37) % 101) / 100, space.channelOf(i)));

test('maximum distance: per element the farther end of the range; the L1 distance is maximal', () => {
  const b = maxDistanceBaseline(space).sample(x, new Rng(0));
  for (let i = 0; i < x.length; i++) {
    const far = Math.max(x[i] - space.lower[i], space.upper[i] - x[i]);
    assert.ok(Math.abs(Math.abs(b[i] - x[i]) - far) < 1e-6);
    assert.ok(b[i] === space.lower[i] || b[i] === space.upper[i]);
  }
  assert.throws(() => maxDistanceBaseline([3, 8, 8]), /valid input range/);
});

test('uniform and gaussian samplers stay in range, are reproducible from the seed, and differ across seeds', () => {
  for (const sampler of [uniformBaseline(space), gaussianBaseline(space, { sigma: 0.5 })]) {
    const a = sampler.sample(x, rngFor(1, 0));
    const b = sampler.sample(x, rngFor(1, 0));
    const c = sampler.sample(x, rngFor(2, 0));
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
    for (let i = 0; i < a.length; i++) assert.ok(a[i] >= space.lower[i] && a[i] <= space.upper[i], `${sampler.label} ${i}`);
    assert.equal(sampler.random, true);
  }
  // uniform covers the range: per-channel means near the middle
  const u = uniformBaseline(space);
  const rng = new Rng(3);
  let mean = 0;
  for (let k = 0; k < 200; k++) mean += u.sample(x, rng)[0] / 200;
  assert.ok(Math.abs(mean - (space.lower[0] + space.upper[0]) / 2) < 0.15);
});

test('gaussian: sigma in pixel units (sigma / std per channel), truncated not clipped', () => {
  const flat = inputSpace([4000], { pixelRange: [0, 1], std: 0.5 });
  const mid = new Float32Array(4000).fill(0); // pixel 0 = model 0; range [0, 2]
  const g = gaussianBaseline(flat, { sigma: 0.1 }).sample(mid, new Rng(5));
  // half-normal with sd 0.2 in model space: mean 0.2 * sqrt(2 / pi), no mass piled at 0
  const m = g.reduce((a, b) => a + b, 0) / g.length;
  assert.ok(Math.abs(m - 0.2 * Math.sqrt(2 / Math.PI)) < 0.01, `${m}`);
  assert.ok(g.filter((v) => v === 0).length < 5);
  // unknown range: plain noise around the input
  const free = gaussianBaseline([1000], { sigma: 1 }).sample(new Float32Array(1000).fill(5), new Rng(1));
  assert.ok(free.some((v) => v > 6) && free.some((v) => v < 4));
});

test('dataset: draws whole examples from the set; drawBaselines broadcasts, passes through, samples', () => {
  const data = Float32Array.of(1, 1, 2, 2, 3, 3);
  const d = datasetBaseline(data, 2);
  const seen = new Set<string>();
  const rng = new Rng(0);
  for (let k = 0; k < 50; k++) seen.add(Array.from(d.sample(Float32Array.of(0, 0), rng)).join(','));
  assert.deepEqual([...seen].sort(), ['1,1', '2,2', '3,3']);
  assert.throws(() => datasetBaseline(Float32Array.of(1, 2, 3), 2), /whole number/);
  const inputs = Float32Array.of(9, 9, 8, 8);
  assert.deepEqual(Array.from(drawBaselines(Float32Array.of(1, 2), inputs, 2, () => new Rng(0))), [1, 2, 1, 2]);
  assert.deepEqual(Array.from(drawBaselines(0.5, inputs, 2, () => new Rng(0))), [0.5, 0.5, 0.5, 0.5]);
  const drawn = drawBaselines(d, inputs, 2, (e) => rngFor(3, e));
  assert.deepEqual(drawn, drawBaselines(d, inputs, 2, (e) => rngFor(3, e)));
  assert.throws(() => drawBaselines(Float32Array.of(1, 2, 3), inputs, 2, () => new Rng(0)), /datasetBaseline/);
});
