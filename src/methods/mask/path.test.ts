import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadOnnxModel } from '../../engine/onnx.js';
import { readNpy } from '../../io/npy.js';
import { geometry } from '../../metrics/features.js';
import { classProbability } from '../../targets/index.js';
import { rngFor } from '../../random.js';
import { Runner } from '../runner.js';
import { PathCache, pathGradient, pathScore, type PathSpec } from './path.js';

const DIR = new URL('../../../fixtures/mask/', import.meta.url).pathname;

test('PathCache: a repeated mask without noise costs no model call and gives the same numbers, a scored path\'s gradient no forward pass; with noise every call runs', async () => {
  const model = await loadOnnxModel(DIR + 'tiny.onnx', { threads: 1 });
  try {
    const image = readNpy(DIR + 'image.npy').data as Float32Array;
    const baseline = readNpy(DIR + 'baseline.npy').data as Float32Array;
    const g = geometry(model);
    const runner = new Runner(model, {});
    runner.target = classProbability(0, runner.outSize);
    const mask = Float64Array.from({ length: g.positions }, (_, p) => (p % 7) / 7);
    const other = Float64Array.from(mask, (v) => 1 - v);
    const spec: PathSpec = { runner, g, example: 0, steps: 3, noise: 0 };
    const cache = new PathCache(spec);
    const calls = () => runner.timings.modelCalls;
    const s1 = await cache.score(image, baseline, mask);
    const c1 = calls();
    assert.equal(await cache.score(image, baseline, Float64Array.from(mask)), s1);
    assert.equal(calls(), c1, 'a repeated mask ran the model');
    assert.equal(s1, await pathScore(spec, image, baseline, mask));
    const c2 = calls();
    const s2 = await cache.score(image, baseline, other);
    assert.ok(calls() > c2 && s2 !== s1, 'another mask must run the model');
    const c3 = calls();
    await cache.score(baseline, image, mask); // the other direction is another path
    assert.ok(calls() > c3);
    const gr = await cache.gradient(image, baseline, mask);
    const c4 = calls();
    assert.deepEqual((await cache.gradient(image, baseline, mask)).grad, gr.grad);
    assert.equal(calls(), c4);
    assert.deepEqual(gr.grad, (await pathGradient(spec, image, baseline, mask)).grad);
    // a scored path's gradient runs no forward pass (its outputs are kept), with the same numbers
    const third = Float64Array.from(mask, (v, p) => (v + (p % 3) / 3) / 2);
    const s3 = await cache.score(image, baseline, third);
    const f3 = runner.timings.forwardExamples, b3 = runner.timings.backwardExamples;
    const g3 = await cache.gradient(image, baseline, third);
    assert.equal(runner.timings.forwardExamples, f3, 'the gradient of a scored path ran a forward pass');
    assert.equal(runner.timings.backwardExamples, b3 + spec.steps);
    assert.deepEqual(g3.grad, (await pathGradient(spec, image, baseline, third)).grad);
    assert.equal(g3.value, s3);
    // and a gradient leaves its path's score
    const fourth = Float64Array.from(third, (v) => v / 2);
    await cache.gradient(image, baseline, fourth);
    const c6 = calls();
    assert.equal(await cache.score(image, baseline, fourth), await pathScore(spec, image, baseline, fourth));
    assert.equal(calls(), c6 + 1, 'the score of a path whose gradient was taken ran the model');
    const noisy = new PathCache({ ...spec, noise: 0.1 });
    await noisy.score(image, baseline, mask, rngFor(1, 0, 0));
    const c5 = calls();
    await noisy.score(image, baseline, mask, rngFor(1, 0, 1));
    assert.ok(calls() > c5, 'with noise every call must run the model');
  } finally {
    await model.dispose();
  }
});
