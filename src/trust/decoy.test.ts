import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openSessionCount } from '../engine/onnx.js';
import { tf } from '../training/train.js';
import { useBackend } from '../engine/tfjs/backend.js';
import { loadFashionMnist } from '../training/data.js';
import { addDecoy, decoyTest, patchIntensity } from './decoy.js';

test('the decoy patch covers 2% of the pixels and its intensity encodes the class', () => {
  const d = loadFashionMnist('test', { limit: 20, seed: 0 });
  const { data, masks } = addDecoy(d, 1);
  for (let i = 0; i < 20; i++) {
    const m = masks.subarray(i * 784, (i + 1) * 784);
    assert.equal(m.reduce((a, b) => a + b, 0), 16);
    const p = m.indexOf(1);
    assert.equal(data.images[i * 784 + p], Math.fround(patchIntensity(d.labels[i], 10)));
  }
});

test('the decoy model relies on the patch and IG puts more |attribution| there than on the clean model; the tag artifact too, with false alarm rates reported', async () => {
  await useBackend('wasm');
  const sessions = openSessionCount();
  const tensors = tf.memory().numTensors;
  const r = await decoyTest({ trainImages: 512, testImages: 200, explained: 16, epochs: 4, methods: ['gradient', 'ig'], methodOptions: { ig: { steps: 16 } }, artifacts: ['tag'] });
  assert.equal(openSessionCount(), sessions);
  assert.equal(tf.memory().numTensors, tensors);
  assert.ok(r.relies, `accuracy ${JSON.stringify(r.accuracy)}`);
  assert.ok(r.accuracy.decoyWithPatch - r.accuracy.decoyPatchOfAnotherClass > 0.2);
  assert.ok(Math.abs(r.accuracy.cleanWithPatch - r.accuracy.cleanOnPlain) < 0.1, 'the clean model ignores the patch');
  const ig = r.methods.find((m) => m.method === 'ig')!;
  assert.ok(ig.decoyShare > 1.3 * ig.cleanShare, `IG patch share: decoy ${ig.decoyShare}, clean ${ig.cleanShare}`);
  assert.ok(ig.decoyShare > 2 * r.areaShare);
  for (const m of r.methods) assert.ok(m.falseAlarmRate !== null && m.falseAlarmRate >= 0 && m.falseAlarmRate <= 1 && Number.isFinite(m.kssd + m.ccm + m.fam), `${m.method}: measures reported`);
  // Adebayo et al. 2022's tag, marking every Shirt in training: the tag model sends tagged other garments to Shirt
  const [tag] = r.artifacts;
  assert.equal(tag.artifact, 'tag');
  assert.ok(tag.relies && tag.reliance.spuriousModel > tag.reliance.normalModel + 0.2, JSON.stringify(tag.reliance));
  const igTag = tag.methods.find((m) => m.method === 'ig')!;
  assert.ok(igTag.spuriousShare > 1.3 * igTag.cleanShare, `IG tag share: spurious model ${igTag.spuriousShare}, normal ${igTag.cleanShare}`);
  assert.ok(igTag.detectionRate! > igTag.falseAlarmRate!, `IG on the tag: detection rate ${igTag.detectionRate}, false alarm rate ${igTag.falseAlarmRate}`);
});
