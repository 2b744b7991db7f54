/**
 * Nested trapezoid refinement: after refining 5 -> 9 -> 17 points, phi equals the
 * trapezoid rule at 17 points computed afresh, with 17 gradients per input instead of
 * 5 + 9 + 17; IG's steps 'auto' with 'trapezoid' uses it and meets its tolerance.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { integratedGradients } from './integratedGradients.js';
import { NestedTrapezoid } from './nestedTrapezoid.js';
import { Runner } from './runner.js';
import { load, maxAbsDiff, pseudoRandom, smallCnnOnnx } from './testing.js';

test('refining 5 -> 9 -> 17 points equals the 17-point trapezoid rule, at 17 gradients per input', async () => {
  const model = await load(smallCnnOnnx(), { batchSize: 8 });
  try {
    const x = pseudoRandom(2 * 3 * 8 * 8, 21, 0, 1);
    const baselines = new Float32Array(x.length);
    const runner = new Runner(model, {});
    await runner.resolveTarget([1, 2], x);
    const nested = new NestedTrapezoid(runner, x, baselines);
    await nested.refine([0, 1], 5);
    await nested.refine([0, 1], 9);
    const phi = await nested.refine([0, 1], 17);
    assert.equal(runner.timings.backwardExamples, 2 * 17);
    const direct = await integratedGradients(model, x, { target: [1, 2], baseline: 0, steps: 17, method: 'trapezoid', delta: false });
    const diff = maxAbsDiff(phi, direct.values);
    assert.ok(diff < 1e-5 * Math.max(...Array.from(direct.values, Math.abs)), `max difference ${diff}`);
    await assert.rejects(nested.refine([0], 20), /refine to 33/);
  } finally {
    await model.dispose();
  }
});

test("IG steps 'auto' with the trapezoid rule: nested steps 16, 31, 61 ... and the tolerance met", async () => {
  const model = await load(smallCnnOnnx());
  try {
    const x = pseudoRandom(3 * 3 * 8 * 8, 3, 0, 1);
    const ig = await integratedGradients(model, x, { steps: 'auto', method: 'trapezoid', autoSteps: { tolerance: 0.01 } });
    const c = ig.convergence!;
    assert.ok(c.converged.every(Boolean), JSON.stringify(c.curve.map((p) => p.steps)));
    assert.ok(c.curve.every((p, i) => p.steps === (i === 0 ? 16 : 2 * c.curve[i - 1].steps - 1)));
    ig.delta!.forEach((d, e) => assert.ok(Math.abs(d) <= 0.01 * Math.abs(ig.outputs!.input[e] - ig.outputs!.baseline[e])));
    // every gradient is computed once: the steps of the input that needed most, plus f(x) and f(x') of each input
    assert.equal(ig.timings.backwardExamples, c.curve.reduce((t, p, i) => t + (i === 0 ? 3 * p.steps : (p.steps - 1) / 2 * p.delta.filter((d) => !Number.isNaN(d)).length), 0));
  } finally {
    await model.dispose();
  }
});
