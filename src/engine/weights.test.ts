/**
 * Weight gradients (`wrt: ['weight:<initializer>']`): against PyTorch autograd on a tiny CNN
 * (fixtures/weight-gradients, scripts/make_weight_gradient_fixtures.py), against finite
 * differences of the forward pass, and summed over the batch whatever the call size.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { OnnxModel, openSessionCount } from './onnx.js';
import { relativeL2 } from './numeric.js';
import { tinyCnnGraph, type TinyCnnFixture } from './testing.js';
import { classLogit } from '../targets/index.js';
import { float32Tensor, initializerFromTensor } from '../graph/ir.js';
import { makeRng, normal } from './gradcheck.js';

const f: TinyCnnFixture = JSON.parse(readFileSync('fixtures/weight-gradients/tiny_cnn.json', 'utf8'));
const x = Float32Array.from(f.input.data);
const n = f.labels.length;
const names = Object.keys(f.params);
const wrt = names.map((p) => `weight:${p}`);
const seed = classLogit(f.labels, 4);


test('weight gradients agree with PyTorch autograd and sum over the batch for any call size', async () => {
  const sessions = openSessionCount();
  const whole = new OnnxModel(tinyCnnGraph(f), { batchSize: n });
  const pairs = new OnnxModel(tinyCnnGraph(f), { batchSize: 2 });
  try {
    assert.deepEqual(whole.inspect().weights?.map((w) => w.name).sort(), [...names].sort());
    assert.deepEqual(whole.shapeOf('weight:conv.weight'), [3, 2, 3, 3]);
    const a = await whole.run(x, { gradients: { seed, wrt } });
    const b = await pairs.run(x, { gradients: { seed, wrt } });
    for (const p of names) {
      const got = a[`grad:weight:${p}`];
      assert.equal(got.length, f.params[p].data.length, `${p}: one gradient per weight, not per example`);
      const err = relativeL2(got, f.labelLogitGradients[p]);
      assert.ok(err < 1e-5, `${p}: relative L2 error ${err} against PyTorch`);
      assert.ok(relativeL2(b[`grad:weight:${p}`], got) < 1e-6, `${p}: calls of 2, 2 and 1 examples sum to the whole batch`);
    }
    // per example, added up
    const sum = new Float32Array(f.params['conv.weight'].data.length);
    for (let i = 0; i < n; i++) {
      const one = await whole.run(x.subarray(i * 72, (i + 1) * 72), { gradients: { seed: classLogit([f.labels[i]], 4), wrt: ['weight:conv.weight'] } });
      one['grad:weight:conv.weight'].forEach((v, j) => (sum[j] += v));
    }
    assert.ok(relativeL2(sum, a['grad:weight:conv.weight']) < 1e-6);
    assert.throws(() => whole.resolve('weight:nope'), /no float32 initializer named 'nope'/);
  } finally {
    await whole.dispose();
    await pairs.dispose();
  }
  assert.equal(openSessionCount(), sessions);
});

test('weight gradients agree with finite differences of the forward pass (random directions)', async () => {
  const model = new OnnxModel(tinyCnnGraph(f), { batchSize: n });
  const g = await model.run(x, { gradients: { seed, wrt } });
  await model.dispose();
  const rng = makeRng(7);
  const objective = async (param: string, direction: Float32Array, step: number) => {
    const graph = tinyCnnGraph(f);
    const p = f.params[param];
    graph.initializers.set(param, initializerFromTensor(param, float32Tensor(p.data.map((v, i) => v + step * direction[i]), p.dims)));
    const m = new OnnxModel(graph, { batchSize: n });
    const r = await m.run(x, { gradients: { seed, wrt: ['input'] } });
    await m.dispose();
    return r.target.reduce((s, v) => s + v, 0);
  };
  for (const p of names) {
    const v = Float32Array.from(f.params[p].data, () => normal(rng));
    const norm = Math.hypot(...v);
    v.forEach((vi, i) => (v[i] = vi / norm));
    const h = 1e-2; // a unit direction: small enough to cross no ReLU or max-pool kink here
    const fd = ((await objective(p, v, h)) - (await objective(p, v, -h))) / (2 * h);
    const analytic = g[`grad:weight:${p}`].reduce((s, gi, i) => s + gi * v[i], 0);
    assert.ok(Math.abs(fd - analytic) <= 1e-3 * Math.max(1, Math.abs(analytic)), `${p}: directional derivative ${analytic}, finite differences ${fd}`);
  }
});
