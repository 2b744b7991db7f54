import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../random.js';
import { useBackend } from '../engine/tfjs/backend.js';
import { loadFashionMnist } from './data.js';
import { accuracy, train, tf } from './train.js';
import { maskedKl, maskLowestSaliency, trainSaliencyGuided } from './saliencyGuided.js';

test('masking replaces exactly the lowest-|saliency| share of each input by values in the range', () => {
  const x = Float32Array.from({ length: 20 }, (_, i) => 100 + i);
  const saliency = Float32Array.from([5, -1, 0.5, 3, -4, 2, 0, 9, -8, 1, /* second input */ 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  const out = maskLowestSaliency(x, saliency, 2, 0.4, -1, 1, new Rng(0));
  const changed = [...out].map((v, i) => (v !== x[i] ? i : -1)).filter((i) => i >= 0);
  assert.deepEqual(changed, [1, 2, 6, 9, 10, 11, 12, 13], 'the 4 smallest |saliency| of each input');
  for (const i of changed) assert.ok(out[i] >= -1 && out[i] <= 1);
});

test('saliency-guided training: outputs keep under masking (lower masked KL than plain training), reproducible, no tensors left', async () => {
  await useBackend('wasm');
  const data = loadFashionMnist('train', { limit: 256, seed: 0 });
  const testSet = loadFashionMnist('test', { limit: 200, seed: 1 });
  const tensors = tf.memory().numTensors;
  const o = { architecture: 'small', epochs: 2, learningRate: 5e-3, seed: 1 };
  const plain = await train(data, o);
  const guided = await trainSaliencyGuided(data, o);
  const again = await trainSaliencyGuided(loadFashionMnist('train', { limit: 64, seed: 0 }), { ...o, epochs: 1 });
  const again2 = await trainSaliencyGuided(loadFashionMnist('train', { limit: 64, seed: 0 }), { ...o, epochs: 1 });
  assert.ok(again.params.every((p, i) => p.data.every((v, j) => v === again2.params[i].data[j])), 'same seed, same weights');
  const [klPlain, klGuided] = [maskedKl(plain, testSet), maskedKl(guided, testSet)];
  assert.equal(tf.memory().numTensors, tensors);
  assert.ok(klGuided < 0.5 * klPlain, `KL(f(x) || f(masked x)): plain ${klPlain}, saliency-guided ${klGuided}`);
  const acc = accuracy(guided, testSet);
  assert.ok(acc > 0.3, `saliency-guided test accuracy ${acc} (plain ${accuracy(plain, testSet)})`);
});

test('saliency-guided training interrupted after epoch 1 of 2 resumes from its checkpoint to the weights of an uninterrupted run; another run is refused', async () => {
  await useBackend('wasm');
  const data = loadFashionMnist('train', { limit: 128, seed: 0 });
  const dir = mkdtempSync(join(tmpdir(), 'sgt-checkpoint-'));
  try {
    const tensors = tf.memory().numTensors;
    const o = { architecture: 'small', epochs: 2, learningRate: 5e-3, seed: 2, maskFraction: 0.4 };
    const whole = await trainSaliencyGuided(data, o);
    const stop = new Error('stopped');
    await assert.rejects(trainSaliencyGuided(data, { ...o, checkpoint: dir, onEpoch: (r) => { if (r.epoch === 1) throw stop; } }), (e) => e === stop);
    const epochs: number[] = [];
    const resumed = await trainSaliencyGuided(data, { ...o, checkpoint: dir, onEpoch: (r) => epochs.push(r.epoch) });
    assert.deepEqual(epochs, [2], 'only epoch 2 is trained again');
    assert.equal(resumed.history.length, 2);
    assert.equal(resumed.params.length, whole.params.length);
    resumed.params.forEach((p, i) => assert.ok(p.data.every((v, j) => v === whole.params[i].data[j]), `${p.name}: bitwise equal`));
    await assert.rejects(trainSaliencyGuided(data, { ...o, maskFraction: 0.3, checkpoint: dir }), /belongs to another training run/);
    await assert.rejects(train(data, { ...o, backend: 'wasm', checkpoint: dir }), /belongs to another training run/, 'a plain run does not resume a saliency-guided checkpoint');
    assert.equal(tf.memory().numTensors, tensors);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
