/**
 * The engine training route (backend 'engine'): seeded and reproducible, learns, resumes
 * from a checkpoint to the weights of an uninterrupted run, computes the gradients
 * PyTorch autograd computes for the same step (batch norm in training mode included), and
 * leaves no onnxruntime session open.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFashionMnist } from './data.js';
import { accuracy, train } from './train.js';
import { EngineStepper } from './engineForward.js';
import { bnCnnCase } from './testing.js';
import { openSessionCount } from '../engine/onnx.js';

const data = loadFashionMnist('train', { limit: 256, seed: 0 });
const test1 = loadFashionMnist('test', { limit: 200, seed: 1 });
const same = (a: { params: { data: Float32Array }[] }, b: { params: { data: Float32Array }[] }) =>
  a.params.every((p, i) => p.data.every((v, j) => v === b.params[i].data[j]));

test('engine training: the same seed gives the same weights, the loss falls, no session stays open', async () => {
  const sessions = openSessionCount();
  const a = await train(data, { backend: 'engine', architecture: 'small', epochs: 2, seed: 3 });
  const b = await train(data, { backend: 'engine', architecture: 'small', epochs: 2, seed: 3, threads: 1 });
  const c = await train(data, { backend: 'engine', architecture: 'small', epochs: 2, seed: 4 });
  assert.equal(openSessionCount(), sessions);
  assert.ok(same(a, b), 'same seed, same weights (whatever the thread count)');
  assert.ok(!same(a, c), 'another seed, other weights');
  assert.ok(a.history[1].loss < a.history[0].loss, `loss ${a.history.map((h) => h.loss).join(' -> ')}`);
  const acc = accuracy(a, test1);
  assert.ok(acc > 0.4, `test accuracy after 2 epochs on 256 images is ${acc}; chance is 0.1`);
  const sgd = await train(data, { backend: 'engine', architecture: 'fashion', epochs: 2, seed: 3, optimizer: 'sgd', learningRate: 0.02 });
  assert.ok(sgd.history[1].loss < sgd.history[0].loss, `SGD loss ${sgd.history.map((h) => h.loss).join(' -> ')}`);
  assert.ok(sgd.params.find((p) => p.name === 'bn1.mean')!.data.some((v) => v !== 0), 'running statistics are updated');
  await assert.rejects(train(data, { backend: 'gpu' as 'engine' }), /unknown training backend 'gpu'/);
});

test('engine training resumes from its checkpoint to the weights of an uninterrupted run', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'saliency-engine-train-'));
  try {
    const o = { backend: 'engine' as const, architecture: 'fashion', seed: 5, optimizer: 'sgd' as const, learningRate: 0.02 };
    const straight = await train(data, { ...o, epochs: 2 });
    const first = await train(data, { ...o, epochs: 1, checkpoint: dir });
    assert.equal(first.history.length, 1);
    const resumed = await train(data, { ...o, epochs: 2, checkpoint: dir });
    assert.deepEqual(resumed.history.map((h) => h.epoch), [1, 2]);
    assert.ok(same(straight, resumed));
    await assert.rejects(train(data, { ...o, epochs: 2, checkpoint: dir, optimizer: 'adam' }), /another training run/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('one engine step (batch norm in training mode) gives the loss, weight gradients and batch statistics of PyTorch autograd', async () => {
  const { fixture: f, images, arch, params } = bnCnnCase(); // fixtures/weight-gradients/bn_cnn.json
  const sessions = openSessionCount();
  const stepper = new EngineStepper(arch, params, [1, 28, 28], 10, f.normalisation);
  const ours = await stepper.step(images, Int32Array.from(f.labels));
  await stepper.dispose();
  assert.equal(openSessionCount(), sessions);
  assert.ok(Math.abs(ours.loss - f.loss) < 1e-5, `loss ${ours.loss}, PyTorch ${f.loss}`);
  const rel = (a: ArrayLike<number>, b: number[]) => Math.sqrt(b.reduce((s, v, i) => s + (a[i] - v) ** 2, 0) / b.reduce((s, v) => s + v * v, 0));
  const trainable = params.filter((p) => p.trainable);
  ours.gradients.forEach((g, k) => {
    const err = rel(g, f.gradients[trainable[k].name]);
    assert.ok(err < 1e-4, `${trainable[k].name}: relative L2 error ${err} against PyTorch`);
  });
  ours.stats.forEach((s, k) => assert.ok(rel(s, f.stats[k]) < 1e-5, `batch statistic ${k}: ${rel(s, f.stats[k])}`));
});
