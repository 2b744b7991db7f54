/**
 * Completeness and soundness (Gupta & Arora 2022) on a linear 3-class model over 8
 * features, x = ones: class 0 reads features 0-3 (weight 2), class 1 features 4-7, class 2
 * nothing, so logits are [8, 4, 0]. A perfect map's certificate keeps the label's evidence,
 * a reversed one loses it; a method that can certify a wrong label (the gradient, which
 * points at class 1's features when asked for class 1) is less sound than one that cannot.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { linearFunction, pseudoRandom } from '../methods/testing.js';
import { gradient } from '../methods/gradient.js';
import type { Model } from '../engine/model.js';
import type { TargetSpec } from '../methods/attribution.js';
import { completeness } from './completeness.js';
import { soundness } from './soundness.js';

const model = linearFunction([[2, 2, 2, 2, 0, 0, 0, 0], [0, 0, 0, 0, 1, 1, 1, 1], new Array(8).fill(0)], [0, 0, 0]);
const x = new Float32Array(8).fill(1);
const perfect = Float32Array.from([1, 1, 1, 1, 0, 0, 0, 0]);
const reversed = Float32Array.from(perfect, (v) => 1 - v);
const softmax = (l: number[], c: number) => Math.exp(l[c]) / l.reduce((s, v) => s + Math.exp(v), 0);
const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-9, `${a} vs ${b}`);

test("completeness: a perfect map's certificate keeps the label's probability, a reversed one loses it; random maps between", async () => {
  const o = { target: 0, fraction: 0.5 };
  close((await completeness(model, x, perfect, o)).scores[0], softmax([8, 0, 0], 0));
  close((await completeness(model, x, reversed, o)).scores[0], softmax([0, 4, 0], 0));
  assert.equal((await completeness(model, x, perfect, { ...o, output: 'accuracy' })).scores[0], 1);
  assert.equal((await completeness(model, x, reversed, { ...o, output: 'accuracy' })).scores[0], 0);
  const n = 6;
  const random = await completeness(model, new Float32Array(8 * n).fill(1), pseudoRandom(8 * n, 4), { ...o, batchSize: 4 });
  for (const s of random.scores) assert.ok(s >= softmax([0, 4, 0], 0) - 1e-12 && s <= softmax([8, 0, 0], 0) + 1e-12);
  assert.ok(random.scores.some((s) => s > softmax([0, 4, 0], 0) + 1e-6 && s < softmax([8, 0, 0], 0) - 1e-6), 'some random map keeps part of the evidence');
  await assert.rejects(completeness(model, x, perfect, { target: { label: 'custom', dependsOnOutput: true, value: () => 0, cotangent: () => new Float32Array(3) } }), /class labels/);
});

test('soundness: the gradient certifies a wrong label (unsound); a method that always shows the true evidence cannot', async () => {
  const targets: TargetSpec[] = [];
  const grad = async (m: Model, input: Float32Array, t: TargetSpec) => (targets.push(t), (await gradient(m, input, { target: t })).values);
  const o = { target: 0, fraction: 0.5, labels: 2 };
  const r = await soundness(model, x, perfect, { ...o, explain: grad });
  // wrong labels by score: 1 (logit 4) then 2 (logit 0); class 1's gradient keeps features 4-7, class 2's is flat (ties keep 0-3)
  assert.deepEqual(targets, [[1, 2]]);
  assert.deepEqual(r.details!['wrongLabels'], [[1, 2]]);
  close(r.scores[0], 1 - (softmax([0, 4, 0], 1) + softmax([8, 0, 0], 2)) / 2);
  const fixed = async (_m: Model, input: Float32Array) => Float32Array.from({ length: input.length }, (_, i) => perfect[i % 8]);
  const sound = await soundness(model, x, perfect, { ...o, explain: fixed });
  close(sound.scores[0], 1 - (softmax([8, 0, 0], 1) + softmax([8, 0, 0], 2)) / 2);
  assert.ok(sound.scores[0] > r.scores[0] + 0.4);
  const acc = await soundness(model, x, perfect, { ...o, explain: grad, output: 'accuracy' });
  assert.equal(acc.scores[0], 0.5, "class 1's certificate makes the model predict class 1");
  await assert.rejects(soundness(model, x, perfect, o), /explain/);
});

test('soundness: batched equals unbatched; the method is asked only for wrong labels, a batch at a time', async () => {
  const n = 5;
  const xs = pseudoRandom(8 * n, 9, 0, 1);
  const a = pseudoRandom(8 * n, 10);
  const seen: number[] = [];
  const grad = async (m: Model, input: Float32Array, t: TargetSpec) => {
    seen.push(input.length / 8);
    for (const c of t as number[]) assert.notEqual(c, 0);
    return (await gradient(m, input, { target: t })).values;
  };
  const one = await soundness(model, xs, a, { target: 0, fraction: 0.25, explain: grad, batchSize: 1 });
  assert.deepEqual(seen, new Array(2 * n).fill(1));
  seen.length = 0;
  const many = await soundness(model, xs, a, { target: 0, fraction: 0.25, explain: grad, batchSize: 4 });
  assert.deepEqual(seen, [4, 4, 2]);
  assert.deepEqual(Array.from(many.scores), Array.from(one.scores));
  for (const s of one.scores) assert.ok(s >= 0 && s <= 1);
});
