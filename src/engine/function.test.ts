/**
 * Plain-function models behind the Model contract.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { functionModel } from './function.js';
import { classLogit, classProbability } from '../targets/index.js';

const model = functionModel({
  inputShape: [2],
  outputShape: [2],
  forward: (x) => [x[0] * x[1], x[0] + 2 * x[1]],
  vjp: (x, c) => [c[0] * x[1] + c[1], c[0] * x[0] + 2 * c[1]],
});

test('forward, gradients of a target and of explicit cotangents, target values', async () => {
  const x = Float32Array.of(2, 3, -1, 4);
  const r = await model.run(x, { outputs: ['logits'], gradients: { seed: classLogit([0, 1], 2), wrt: ['input'] } });
  assert.deepEqual(Array.from(r['logits']), [6, 8, -4, 7]);
  assert.deepEqual(Array.from(r['grad:input']), [3, 2, 1, 2]);
  assert.deepEqual(Array.from(r['target']), [6, 7]);
  const s = await model.run(x, { gradients: { seed: Float32Array.of(1, 1, 0, 1), wrt: ['input'] } });
  assert.deepEqual(Array.from(s['grad:input']), [4, 4, 1, 2]);
  assert.equal(s['logits'], undefined);
  const p = await model.run(x.subarray(0, 2), { gradients: { seed: classProbability(1, 2), wrt: ['input'] } });
  // p1 = sigmoid(z1 - z0): d p1 / d z = p1 (1 - p1) [-1, 1]
  const p1 = 1 / (1 + Math.exp(6 - 8));
  const d = p1 * (1 - p1);
  assert.ok(Math.abs(p['grad:input'][0] - d * (-3 + 1)) < 1e-6 && Math.abs(p['grad:input'][1] - d * (-2 + 2)) < 1e-6);
  assert.equal(model.inspect().format, 'function');
});

test('clear errors: taps, rule sets, sizes', async () => {
  await assert.rejects(model.run(Float32Array.of(1, 2, 3), { outputs: ['logits'] }), /whole number of examples/);
  await assert.rejects(model.run(Float32Array.of(1, 2), { gradients: { seed: classLogit(0, 2), wrt: ['conv1'] } }), /'input' only/);
  await assert.rejects(model.run(Float32Array.of(1, 2), { gradients: { seed: classLogit(0, 2), wrt: ['input'], rule: 'guided' } }), /plain gradient/);
  assert.throws(() => model.shapeOf('conv1'), /no tap/);
});
