import { test } from 'node:test';
import assert from 'node:assert/strict';
import { igos } from './igos.js';
import { igospp } from './igospp.js';
import { meaningfulPerturbation } from './meaningfulPerturbation.js';
import { Upsampler } from './upsample.js';
import { bilateralTvPenalty, bilateralWeights, l1Penalty, tvPenalty } from './regularizers.js';
import { iou, regionModel, squareMap, texturedImage, topK } from './synthetic.js';
import { geometry } from '../../metrics/features.js';
import { auc, deletionCurve, evenSteps, insertionCurve } from '../../metrics/curve.js';
import { referenceBlur } from './common.js';
import { Rng } from '../../random.js';

const H = 16, W = 16;
const R = { top: 4, left: 8, size: 6 };
const fast = { size: 8, iterations: 10, steps: 8, curveSteps: 16, target: 0 } as const;

test('upsampling: corners aligned, a constant stays constant, down is the transpose of up', () => {
  const up = new Upsampler(3, 4, 7, 9);
  assert.ok(up.up(new Float64Array(12).fill(2)).every((v) => Math.abs(v - 2) < 1e-12));
  const c = Float64Array.from({ length: 12 }, (_, i) => Math.sin(i));
  const u = up.up(c);
  assert.equal(u[0], c[0]);
  assert.ok(Math.abs(u[62] - c[11]) < 1e-12);
  const f = Float64Array.from({ length: 63 }, (_, i) => Math.cos(i));
  const lhs = u.reduce((s, v, i) => s + v * f[i], 0);
  const rhs = up.down(f).reduce((s, v, i) => s + v * c[i], 0);
  assert.ok(Math.abs(lhs - rhs) < 1e-9, `<Uc, f> ${lhs} vs <c, U'f> ${rhs}`);
});

test('regulariser gradients match finite differences', () => {
  const g = geometry([3, 9, 9]);
  const up = new Upsampler(4, 4, 9, 9);
  const img = texturedImage(9, 9, 3);
  const w = bilateralWeights(img, g, 0.5);
  const rng = new Rng(5);
  const m = Float64Array.from({ length: 16 }, () => 0.2 + 0.6 * rng.float());
  const terms = [(x: Float64Array) => l1Penalty(x, 1.5), (x: Float64Array) => tvPenalty(x, 4, 4, 20, 3), (x: Float64Array) => bilateralTvPenalty(x, up, w, 20)];
  for (const term of terms) {
    const { grad } = term(m);
    for (const i of [0, 5, 10, 15]) {
      const h = 1e-6, a = m.slice(), b = m.slice();
      a[i] += h, (b[i] -= h);
      const fd = (term(a).value - term(b).value) / (2 * h);
      assert.ok(Math.abs(fd - grad[i]) < 1e-5 * Math.max(1, Math.abs(fd)), `cell ${i}: ${grad[i]} vs finite difference ${fd}`);
    }
  }
});

async function randomMaskScores(model: ReturnType<typeof regionModel>, x: Float32Array, area: number) {
  const g = geometry(model);
  const b = referenceBlur(g)(x);
  const rng = new Rng(11);
  const substrate = { label: 'blur', random: false, replacement: () => b };
  const base = { target: (await import('../../targets/index.js')).classProbability(0, 2), geometry: g, steps: evenSteps(g.positions, 16), substrate };
  const del: number[] = [], ins: number[] = [];
  for (let k = 0; k < 5; k++) {
    const order = Int32Array.from({ length: g.positions }, (_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
    del.push(auc((await deletionCurve(model, x, [order], base)).y[0]));
    ins.push(auc((await insertionCurve(model, x, [order], base)).y[0]));
  }
  void area;
  return { del: Math.min(...del), ins: Math.max(...ins) };
}

for (const [name, method] of [['igos', igos], ['igospp', igospp], ['meaningfulPerturbation', meaningfulPerturbation]] as const) {
  test(`${name} recovers the one region the model reads (IoU >= 0.8) and beats random orders on deletion and insertion`, async () => {
    const model = regionModel(H, W, [R]);
    const x = texturedImage(H, W);
    const opts = name === 'meaningfulPerturbation' ? { size: 8, iterations: 60, curveSteps: 16, target: 0 } : fast;
    const a = await method(model, x, opts);
    assert.deepEqual(a.shape, [1, 3, H, W]);
    const map = a.values.subarray(0, H * W).map((v, p) => v + a.values[H * W + p] + a.values[2 * H * W + p]);
    const overlap = iou(topK(map, R.size * R.size), squareMap(H, W, R));
    assert.ok(overlap >= 0.8, `IoU ${overlap}`);
    const random = await randomMaskScores(model, x, R.size * R.size);
    assert.ok(a.deletionAuc![0] < random.del, `deletion AUC ${a.deletionAuc![0]} vs best random ${random.del}`);
    assert.ok(a.insertionAuc![0] > random.ins, `insertion AUC ${a.insertionAuc![0]} vs best random ${random.ins}`);
  });
}

test('igos: same seed same mask, another seed another; batched equals one by one', async () => {
  const model = regionModel(H, W, [R]);
  const x1 = texturedImage(H, W, 1), x2 = texturedImage(H, W, 2);
  const both = new Float32Array([...x1, ...x2]);
  const opts = { ...fast, iterations: 4, curveSteps: 0, seed: 3 };
  const a = await igos(model, both, opts);
  const b = await igos(model, both, { ...opts, batchSize: 3 });
  assert.deepEqual(a.values, b.values);
  const one = await igos(model, x2, opts);
  // the noise of input e is drawn from (seed, e, ...): input 1 alone is input 0 of its own call
  const alone = await igos(model, both, { ...opts, noise: 0 });
  const alone2 = await igos(model, x2, { ...opts, noise: 0 });
  assert.deepEqual(alone.values.subarray(3 * H * W), alone2.values);
  const other = await igos(model, both, { ...opts, seed: 4 });
  assert.notDeepEqual(a.values, other.values);
  assert.equal(one.values.length, 3 * H * W);
});

test('igospp: each model call holds at most batchSize examples', async () => {
  const model = regionModel(H, W, [R]);
  const x = texturedImage(H, W);
  const before = model.calls;
  let max = 0;
  const spy = Object.create(model);
  spy.run = async (batch: Float32Array, ask: never) => ((max = Math.max(max, batch.length / (3 * H * W))), model.run(batch, ask));
  await igospp(spy, x, { ...fast, iterations: 2, batchSize: 3 });
  assert.ok(model.calls > before);
  assert.ok(max <= 3, `a call held ${max} examples`);
});
