import test from 'node:test';
import assert from 'node:assert/strict';
import { openSessionCount } from '../../engine/onnx.js';
import { functionModel } from '../../engine/function.js';
import { load, pseudoRandom, smallCnnOnnx } from '../testing.js';
import { pairwiseOcclusion } from './pairwiseOcclusion.js';

// a constructed embedding model: 4 linear features of a [1, 4, 4] image, then squared (not linear, so
// the cosine of two embeddings is not a function of the pixel differences alone)
const shape = [1, 4, 4];
const W = Array.from({ length: 4 }, (_, r) => Float64Array.from({ length: 16 }, (_, i) => Math.sin(i * 0.9 + r * 2.1 + 0.3)));
const embed = (x: ArrayLike<number>) => W.map((w) => { const s = w.reduce((t, wi, i) => t + wi * x[i], 0.2); return s * s + 0.1 * s; });
const cos = (u: number[], v: number[]) => {
  const dot = u.reduce((s, ui, i) => s + ui * v[i], 0);
  return dot / Math.sqrt(u.reduce((s, x) => s + x * x, 0) * v.reduce((s, x) => s + x * x, 0));
};
const model = functionModel({ inputShape: shape, outputShape: [4], batchSize: 8, forward: (x) => embed(x) });

test('pairwise occlusion: the drop of cos(f(A), f(B)) per 2x2 window, by hand, both ways', async () => {
  const a = pseudoRandom(16, 3, -1, 1);
  const b = pseudoRandom(16, 4, -1, 1);
  const r = await pairwiseOcclusion(model, a, b, { window: [1, 2, 2], stride: [1, 2, 2] });
  assert.ok(Math.abs(r.similarity - cos(embed(a), embed(b))) < 1e-6);
  for (const [x, other, map] of [[a, b, r.a], [b, a, r.b]] as const) {
    const ref = embed(other);
    const whole = cos(embed(x), ref);
    for (let j = 0; j < 16; j++) {
      const [y0, x0] = [Math.floor(j / 8) * 2, Math.floor((j % 4) / 2) * 2];
      const occluded = Float64Array.from(x, (v, i) => (Math.floor(i / 4) >= y0 && Math.floor(i / 4) < y0 + 2 && i % 4 >= x0 && i % 4 < x0 + 2 ? 0 : v));
      const expected = whole - cos(embed(occluded), ref);
      assert.ok(Math.abs(map.values[j] - expected) < 1e-5, `pixel ${j}: ${map.values[j]} vs ${expected}`);
    }
  }
  assert.equal(r.a.target, 'cosine similarity to image B');
  assert.equal(r.b.target, 'cosine similarity to image A');
});

test('pairwise occlusion of an image with itself: similarity 1, and occluding can only lower it (maps >= 0)', async () => {
  const a = pseudoRandom(16, 5, -1, 1);
  const r = await pairwiseOcclusion(model, a, a, { window: [1, 2, 2], stride: [1, 1, 1] });
  assert.ok(Math.abs(r.similarity - 1) < 1e-6);
  assert.ok(r.a.values.every((v) => v >= -1e-6) && r.a.values.some((v) => v > 1e-4));
  assert.deepEqual(r.a.values, r.b.values);
});

test('pairwise occlusion refuses a batch for A; leaves no session open', async () => {
  await assert.rejects(pairwiseOcclusion(model, pseudoRandom(32, 1), pseudoRandom(16, 2)), /one image A and one image B; image A holds 2 examples/);
  const before = openSessionCount();
  const cnn = await load(smallCnnOnnx(), { batchSize: 4 });
  try {
    const per = 192;
    await pairwiseOcclusion(cnn, pseudoRandom(per, 1), pseudoRandom(per, 2), { window: 4, stride: 4 });
  } finally {
    await cnn.dispose();
  }
  assert.equal(openSessionCount(), before);
});
