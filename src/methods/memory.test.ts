/**
 * Memory: methods run many times do not grow onnxruntime sessions; a model call never
 * receives more than one batch, so IG with 2,000 steps runs in the memory of 50.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { openSessionCount } from '../engine/onnx.js';
import { integratedGradients } from './integratedGradients.js';
import { expectedGradients } from './expectedGradients.js';
import { smoothGrad } from './smooth.js';
import { gradient } from './gradient.js';
import { integratedGradientsPath } from './integratedGradientsPath.js';
import { load, pseudoRandom, smallCnnOnnx, spyModel } from './testing.js';

test('repeated runs of every method keep the session count bounded, and dispose releases all', async () => {
  const before = openSessionCount();
  const model = await load(smallCnnOnnx(), { batchSize: 8, maxSessions: 6 });
  const x = pseudoRandom(3 * 3 * 8 * 8, 61);
  const data = pseudoRandom(4 * 3 * 8 * 8, 62);
  let afterFirst = 0;
  for (let round = 0; round < 6; round++) {
    await gradient(model, x);
    await integratedGradients(model, x, { steps: 13 });
    await expectedGradients(model, x, { baseline: data, samples: 5 });
    await smoothGrad(model, x, { samples: 3, method: integratedGradients, methodOptions: { steps: 5 } });
    await integratedGradientsPath(model, x.subarray(0, 192), { steps: 10 });
    if (round === 0) afterFirst = openSessionCount();
    assert.equal(openSessionCount(), afterFirst, `round ${round}: sessions grew`);
  }
  assert.ok(afterFirst - before <= 6, `${afterFirst - before} sessions for one model (LRU bound 6)`);
  await model.dispose();
  assert.equal(openSessionCount(), before);
});

test('IG with 2,000 steps streams: no model call holds more than one batch, and it converges', async () => {
  const model = spyModel(await load(smallCnnOnnx(), { batchSize: 16 }));
  try {
    const x = pseudoRandom(2 * 3 * 8 * 8, 63);
    const ig = await integratedGradients(model, x, { steps: 2000, method: 'riemann_middle', target: [0, 1] });
    assert.ok(model.maxExamples <= 16, `a call received ${model.maxExamples} examples`);
    assert.equal(ig.timings.backwardExamples, 4000);
    ig.delta!.forEach((d, e) => assert.ok(Math.abs(d) < 1e-3 * Math.abs(ig.outputs!.input[e] - ig.outputs!.baseline[e]) + 1e-6, `delta ${d}`));
  } finally {
    await model.dispose();
  }
});
