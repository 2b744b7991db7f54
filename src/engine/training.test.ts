/**
 * The engine's training session: mean softmax cross-entropy and its weight gradients
 * against PyTorch (fixtures/weight-gradients), batch by batch, no session left open.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { TrainingSession } from './training.js';
import { openSessionCount } from './onnx.js';
import { relativeL2 } from './numeric.js';
import { tinyCnnGraph, type TinyCnnFixture } from './testing.js';

const f: TinyCnnFixture = JSON.parse(readFileSync('fixtures/weight-gradients/tiny_cnn.json', 'utf8'));


test('the training session returns the cross-entropy and its weight gradients as PyTorch does', async () => {
  const sessions = openSessionCount();
  const names = Object.keys(f.params);
  const params = names.map((p) => Float32Array.from(f.params[p].data));
  const session = new TrainingSession(tinyCnnGraph(f), { params: names, classes: 4, outputs: ['relu'] });
  try {
    const x = Float32Array.from(f.input.data);
    const out = await session.step(x, f.labels, params);
    assert.ok(Math.abs(out.loss - f.loss) < 1e-5, `loss ${out.loss}, PyTorch ${f.loss}`);
    assert.ok(relativeL2(out.logits, f.logits) < 1e-6);
    assert.equal(out.outputs.relu.length, 5 * 3 * 36);
    names.forEach((p, k) => {
      const err = relativeL2(out.gradients[k], f.lossGradients[p]);
      assert.ok(err < 1e-5, `${p}: relative L2 error ${err} against PyTorch`);
    });
    // a smaller batch compiles its own session; the weights are fed, so changing them changes the loss
    const first = await session.step(x.subarray(0, 2 * 72), f.labels.slice(0, 2), params);
    params[2].fill(0);
    const zeroed = await session.step(x.subarray(0, 2 * 72), f.labels.slice(0, 2), params);
    assert.notEqual(first.loss, zeroed.loss);
    await assert.rejects(session.step(x.subarray(0, 72), [7], params), /label 7 of example 0 is outside 0..3/);
    assert.equal(openSessionCount(), sessions + 2);
  } finally {
    await session.dispose();
  }
  assert.equal(openSessionCount(), sessions);
});
