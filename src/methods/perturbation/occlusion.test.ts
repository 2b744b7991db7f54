import test from 'node:test';
import assert from 'node:assert/strict';
import { OnnxModel, openSessionCount } from '../../engine/onnx.js';
import { localConvNet } from '../../engine/testing.js';
import { maxAbsDiff, relativeL2 } from '../../engine/numeric.js';
import { load, pseudoRandom, smallCnnOnnx, spyModel } from '../testing.js';
import { descriptor, occlusion } from './occlusion.js';
import { featureAblation } from './featureAblation.js';
import { gridMask } from '../../masks/grid.js';
import { linearImageModel, sameValues } from './testing.js';

const shape = [2, 7, 7];
const x = pseudoRandom(2 * 98, 5, -1, 1);
const base = pseudoRandom(98, 9, -0.5, 0.5);

test('occlusion is exact on a linear model: the mean over covering windows of sum w (x - b)', async () => {
  const { model, weights } = linearImageModel(shape, 3);
  for (const [stride, starts] of [[2, [0, 2, 4]], [3, [0, 3, 6]]] as const) {
    // Captum: ceil((7 - 3) / stride) + 1 windows per side, the last one cut off at the border
    const r = await occlusion(model, x, { window: 3, stride, baseline: base, target: [1, 2] });
    assert.deepEqual(r.params.window, [2, 3, 3]);
    for (let e = 0; e < 2; e++) {
      const w = weights[e + 1];
      const sum = new Float64Array(98);
      const cnt = new Float64Array(98);
      for (const y0 of starts) for (const x0 of starts) {
        const cells: number[] = [];
        for (let c = 0; c < 2; c++) for (let y = y0; y < Math.min(y0 + 3, 7); y++) for (let xx = x0; xx < Math.min(x0 + 3, 7); xx++) cells.push(c * 49 + y * 7 + xx);
        const drop = cells.reduce((s, j) => s + w[j] * (x[e * 98 + j] - base[j]), 0);
        for (const j of cells) { sum[j] += drop; cnt[j]++; }
      }
      for (let j = 0; j < 98; j++) assert.ok(Math.abs(r.values[e * 98 + j] - sum[j] / cnt[j]) < 1e-5, `element ${j}: ${r.values[e * 98 + j]} vs ${sum[j] / cnt[j]}`);
  }
  assert.equal(r.timings.forwardExamples, 2 + 2 * 9);
  }
  // a 1-pixel, 1-channel window is w * (x - b) exactly
  const one = await occlusion(model, x, { window: [1, 1, 1], stride: 1, baseline: base, target: 0 });
  for (let j = 0; j < 196; j++) assert.ok(Math.abs(one.values[j] - weights[0][j % 98] * (x[j] - base[j % 98])) < 1e-5);
});

test('feature ablation is exact on a linear model, over any mask', async () => {
  const { model, weights } = linearImageModel(shape, 3);
  const mask = gridMask([7, 7], [3, 2]);
  const r = await featureAblation(model, x, { features: mask, baseline: base, target: [0, 2] });
  for (let e = 0; e < 2; e++) {
    const w = weights[e * 2];
    const drops = new Float64Array(mask.count);
    for (let j = 0; j < 98; j++) drops[mask.labels[j % 49]] += w[j] * (x[e * 98 + j] - base[j]);
    for (let j = 0; j < 98; j++) assert.ok(Math.abs(r.values[e * 98 + j] - drops[mask.labels[j % 49]]) < 1e-5);
  }
  assert.equal(r.timings.forwardExamples, 2 + 2 * mask.count);
});

test('occlusion and ablation: batched equals unbatched, streamed in chunks, sessions bounded', async () => {
  const before = openSessionCount();
  const cnn = spyModel(await load(smallCnnOnnx(), { batchSize: 5 }));
  const input = pseudoRandom(3 * 192, 7);
  const a = await occlusion(cnn, input, { window: 3, stride: 2, batchSize: 5 });
  const b = await occlusion(cnn, input, { window: 3, stride: 2, batchSize: 1 });
  assert.ok(cnn.maxExamples <= 5);
  assert.ok(sameValues(a.values, b.values));
  const c = await featureAblation(cnn, input, { batchSize: 5 });
  const d = await featureAblation(cnn, input, { batchSize: 2 });
  assert.ok(sameValues(c.values, d.values));
  await occlusion(cnn, input, { window: 4 }); // its sessions (chunk sizes, the cut it picks) are opened once
  const sessions = openSessionCount();
  for (let i = 0; i < 3; i++) await occlusion(cnn, input, { window: 4 });
  assert.equal(openSessionCount(), sessions);
  await cnn.dispose();
  assert.equal(openSessionCount(), before);
});

test('occlusion defaults fit the input; the descriptor counts its windows', () => {
  const cost = descriptor.cost(1, { window: 'auto', stride: 'auto', incremental: true }, { randomBaseline: false, inputShape: [3, 224, 224] });
  assert.equal(cost, 1 + 27 * 27); // window 16, stride 8
  const small = descriptor.cost(1, { window: 0, stride: 0, incremental: true }, { randomBaseline: false, inputShape: [1, 28, 28] });
  assert.equal(small, 1 + 13 * 13); // window 4, stride 2
  assert.throws(() => descriptor.cost(1, { window: 4, stride: 5, incremental: true }, { randomBaseline: false, inputShape: [1, 28, 28] }), /skip pixels/);
});

test('incremental occlusion (runPatched) equals the plain path; batched equals unbatched; sessions bounded', async () => {
  const before = openSessionCount();
  const model = new OnnxModel(localConvNet(), { threads: 1, batchSize: 8, inputShape: [3, 32, 32], incremental: 'always' });
  let patchedCalls = 0;
  const runPatched = model.runPatched.bind(model);
  model.runPatched = (...a) => (patchedCalls++, runPatched(...a));
  try {
    const input = pseudoRandom(2 * 3072, 11, -2, 2);
    const baseline = pseudoRandom(2 * 3072, 12, -0.5, 0.5);
    for (const [window, stride] of [[4, 2], [6, 4], [3, 3]]) {
      const options = { window, stride, baseline, target: [1, 7] };
      const plain = await occlusion(model, input, { ...options, incremental: false });
      assert.equal(patchedCalls, 0);
      const fast = await occlusion(model, input, options);
      assert.ok(patchedCalls > 0);
      assert.ok(relativeL2(fast.values, plain.values) <= 1e-5, `window ${window}: ${relativeL2(fast.values, plain.values)}`);
      assert.ok(maxAbsDiff(plain.values, new Float32Array(plain.values.length)) > 1e-3); // not vacuous
      const unbatched = await occlusion(model, input, { ...options, batchSize: 1 });
      assert.ok(relativeL2(unbatched.values, fast.values) <= 1e-6);
      assert.equal(fast.timings.forwardExamples, plain.timings.forwardExamples);
      patchedCalls = 0;
    }
    // grid cells are boxes: feature ablation takes the same route; a mask with a non-box feature does not
    const grid = gridMask([32, 32], 5);
    const plainAblation = await featureAblation(model, input, { features: grid, baseline, target: [1, 7], incremental: false });
    assert.equal(patchedCalls, 0);
    const fastAblation = await featureAblation(model, input, { features: grid, baseline, target: [1, 7] });
    assert.ok(patchedCalls > 0);
    assert.ok(relativeL2(fastAblation.values, plainAblation.values) <= 1e-5, `ablation: ${relativeL2(fastAblation.values, plainAblation.values)}`);
    patchedCalls = 0;
    const labels = Int32Array.from(grid.labels);
    labels[0] = 1; // feature 0 loses a corner: no longer a box
    await featureAblation(model, input, { features: { ...grid, labels }, baseline, target: 0 });
    assert.equal(patchedCalls, 0);
    const sessions = openSessionCount();
    for (let i = 0; i < 3; i++) await occlusion(model, input, { window: 4, stride: 2 });
    assert.equal(openSessionCount(), sessions);
  } finally {
    await model.dispose();
  }
  assert.equal(openSessionCount(), before);
});
