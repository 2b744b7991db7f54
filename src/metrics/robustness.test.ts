/**
 * Robustness metrics: the gradient of a linear model does not move, so its sensitivity is 0;
 * a nonlinear model's explanations move; the same seed gives the same numbers whatever the
 * batch size; every perturbed copy reaches the explain callback in chunks of one batch.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { gradient } from '../methods/gradient.js';
import { linearFunction, load, pseudoRandom, smallCnnOnnx } from '../methods/testing.js';
import type { Model } from '../engine/model.js';
import type { TargetSpec } from '../methods/attribution.js';
import { maxSensitivity } from './maxSensitivity.js';
import { avgSensitivity } from './avgSensitivity.js';
import { localLipschitz } from './localLipschitz.js';
import { relativeInputStability } from './relativeInputStability.js';
import { relativeOutputStability } from './relativeOutputStability.js';

const explain = async (model: Model, input: Float32Array, target: TargetSpec) => (await gradient(model, input, { target })).values;

test('max-sensitivity, avg-sensitivity and local Lipschitz of a linear model gradient are 0', async () => {
  const model = linearFunction([[1, -2, 3, 0.5], [0, 1, 1, 1]], [0.1, 0], 3);
  const x = pseudoRandom(3 * 4, 2);
  const a = await explain(model, x, [0, 1, 0]);
  for (const f of [maxSensitivity, avgSensitivity, localLipschitz]) {
    const r = await f(model, x, a, { target: [0, 1, 0], seed: 1, explain, samples: 7 });
    for (const s of r.scores) assert.equal(s, 0);
  }
});

test('a CNN gradient moves under noise; same seed same numbers at any batch size; max >= mean', async () => {
  const model = await load(smallCnnOnnx(), { batchSize: 16 });
  try {
    const x = pseudoRandom(2 * 192, 8);
    const a = await explain(model, x, [1, 2]);
    const calls: number[] = [];
    const spy = async (m: Model, input: Float32Array, t: TargetSpec) => {
      calls.push(input.length / 192);
      return explain(m, input, t);
    };
    const one = await maxSensitivity(model, x, a, { target: [1, 2], seed: 5, explain: spy, samples: 6, radius: 0.1, batchSize: 4 });
    assert.ok(Math.max(...calls) <= 4);
    const two = await maxSensitivity(model, x, a, { target: [1, 2], seed: 5, explain, samples: 6, radius: 0.1, batchSize: 5 });
    assert.deepEqual(one.scores, two.scores);
    const avg = await avgSensitivity(model, x, a, { target: [1, 2], seed: 5, explain, samples: 6, radius: 0.1 });
    for (let e = 0; e < 2; e++) assert.ok(one.scores[e] > 0 && avg.scores[e] > 0 && avg.scores[e] <= one.scores[e] + 1e-12);
    const ris = await relativeInputStability(model, x, a, { target: [1, 2], seed: 5, explain, samples: 4 });
    const ros = await relativeOutputStability(model, x, a, { target: [1, 2], seed: 5, explain, samples: 4 });
    for (const s of [...ris.scores, ...ros.scores]) assert.ok(Number.isFinite(s) && s > 0, `${s}`);
  } finally {
    await model.dispose();
  }
});

test('robustness metrics say what they need', async () => {
  const model = linearFunction([[1, 2]], [0]);
  await assert.rejects(maxSensitivity(model, new Float32Array(2), new Float32Array(2), { target: 0 }), /explain/);
});

test('fragility: a linear gradient cannot be moved; a CNN map moves within the budget, label kept, same seed same numbers', async () => {
  const { fragility, spearman } = await import('./fragility.js');
  const lin = linearFunction([[1, -2, 3, 0.5, 0.1, 2], [0, 1, 1, 1, -1, 0]], [0.1, 0], 3);
  const xl = pseudoRandom(2 * 6, 4);
  const al = await explain(lin, xl, [0, 1]);
  const fl = await fragility(lin, xl, al, { target: [0, 1], explain, iterations: 3, topk: 0.5 });
  assert.deepEqual(Array.from(fl.scores), [1, 1]);
  assert.equal(spearman([1, 2, 3], [1, 2, 3]), 1);
  assert.equal(spearman([1, 2, 3], [3, 2, 1]), -1);

  const model = await load(smallCnnOnnx(), { batchSize: 16 });
  try {
    const x = pseudoRandom(2 * 192, 8);
    const a = await explain(model, x, [1, 2]);
    const o = { target: [1, 2], explain, iterations: 4, candidates: 3, epsilon: 0.2, topk: 0.1, seed: 3 };
    const r = await fragility(model, x, a, { ...o, batchSize: 4 });
    const again = await fragility(model, x, a, { ...o, batchSize: 5 });
    assert.deepEqual(r.scores, again.scores);
    const inputs = (r.details!.inputs as Array<{ perturbed: number[]; spearman: number; centreShift: number }>);
    const before = (await model.run(x, { outputs: ['logits'] }))['logits'];
    for (let e = 0; e < 2; e++) {
      assert.ok(r.scores[e] < 1, `input ${e}: the attack found nothing (${r.scores[e]})`);
      const xp = Float32Array.from(inputs[e].perturbed);
      for (let j = 0; j < 192; j++) assert.ok(Math.abs(xp[j] - x[e * 192 + j]) <= 0.2 + 1e-6);
      const after = (await model.run(xp, { outputs: ['logits'] }))['logits'];
      const top = (v: Float32Array) => v.indexOf(Math.max(...v));
      assert.equal(top(after), top(before.subarray(e * 4, e * 4 + 4)));
      assert.ok(inputs[e].spearman < 1 && Number.isFinite(inputs[e].centreShift));
    }
  } finally {
    await model.dispose();
  }
});

test("fragility's SPSA attack lowers the original top-k pixels of a quadratic model's gradient map, beating random search at equal seeds", async () => {
  const { fragility } = await import('./fragility.js');
  const { functionModel } = await import('../engine/function.js');
  // f0 = sum x^2 / 2: the gradient map is x itself; class 1 never wins, so every step keeps the label
  const d = 16;
  const model = functionModel({ inputShape: [d], outputShape: [2], forward: (x) => [x.reduce((s, v) => s + 0.5 * v * v, 0), -100], vjp: (x, cot) => Array.from(x, (v) => cot[0] * v) });
  const x = Float32Array.from({ length: d }, (_, i) => 0.5 + i / 16); // top 4: pixels 12-15, 1/16 apart
  const a = await explain(model, x, 0);
  const o = { target: 0, explain, epsilon: 0.2, iterations: 8, candidates: 2, topk: 0.25 };
  let spsaSum = 0, randomSum = 0;
  for (const seed of [0, 1, 2]) {
    const r = await fragility(model, x, a, { ...o, seed });
    const moved = ((r.details!.inputs as Array<{ perturbed: number[] }>)[0].perturbed).map((v, i) => v - x[i]);
    assert.ok(moved.every((v) => Math.abs(v) <= 0.2 + 1e-6), 'within the budget');
    assert.ok(moved.slice(12).reduce((s, v) => s + v, 0) < -0.4, `seed ${seed}: the top-k pixels go down (${moved.slice(12)})`);
    assert.ok(r.scores[0] <= 0.5, `seed ${seed}: ${r.scores[0]}`);
    spsaSum += r.scores[0];
    randomSum += (await fragility(model, x, a, { ...o, seed, attack: 'random' })).scores[0];
  }
  assert.ok(spsaSum < randomSum, `spsa ${spsaSum / 3} against random ${randomSum / 3}`);
});
