import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { openSessionCount } from '../engine/onnx.js';
import { useBackend } from '../engine/tfjs/backend.js';
import { loadFashionMnist } from '../training/data.js';
import { tf } from '../training/train.js';
import { permuteLabels } from './dataRandomisation.js';
import { sanityCheck } from './sanity.js';

const MODEL = readFileSync(new URL('../../models/fashion-mnist/model.onnx', import.meta.url));

test('permuted labels: the same images and label counts, the labels moved', () => {
  const d = loadFashionMnist('train', { limit: 200, seed: 0 });
  const p = permuteLabels(d, 1);
  assert.equal(p.images, d.images);
  assert.deepEqual([...p.labels].sort(), [...d.labels].sort());
  const kept = p.labels.filter((l, i) => l === d.labels[i]).length;
  assert.ok(kept < 60, `${kept} of 200 labels unchanged (about 20 expected)`);
  assert.deepEqual(permuteLabels(d, 1).labels, p.labels);
});

test('data randomisation: the permuted-label model memorises, is at chance on test images, and the gradient maps change', async () => {
  await useBackend('wasm');
  const sessions = openSessionCount();
  const tensors = tf.memory().numTensors;
  const data = loadFashionMnist('test', { limit: 48, seed: 4 });
  const r = await sanityCheck(MODEL, data.images, {
    methods: ['gradient'], labels: data.labels, independent: false,
    dataRandomisation: { trainImages: 48, learningRate: 2e-2, epochs: 10 },
  });
  assert.equal(openSessionCount(), sessions);
  assert.equal(tf.memory().numTensors, tensors);
  const d = r.dataRandomisation!;
  assert.ok(d.memorised && d.memorisedAccuracy >= 0.95, `permuted-label training accuracy ${d.memorisedAccuracy} after ${d.permutedEpochs} epochs`);
  assert.ok(d.permutedAccuracy! < 0.3, `permuted-label model on test images: ${d.permutedAccuracy}`);
  assert.ok(d.trainedAccuracy! > d.permutedAccuracy! + 0.25, `true-label ${d.trainedAccuracy} vs permuted ${d.permutedAccuracy}`);
  assert.ok(Math.abs(d.similarity.sobel.spearmanAbs - 1) < 1e-12, 'the Sobel control ignores the model');
  const gradient = d.verdicts.find((v) => v.method === 'gradient')!;
  assert.ok(gradient.value < 0.5 && gradient.pass, `gradient Spearman |map| true vs permuted labels: ${gradient.value}`);
  assert.equal(d.verdicts.find((v) => v.method === 'sobel')!.pass, false);
});
