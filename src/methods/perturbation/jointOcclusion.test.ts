import test from 'node:test';
import assert from 'node:assert/strict';
import { functionModel } from '../../engine/function.js';
import { load, pseudoRandom, smallCnnOnnx } from '../testing.js';
import { openSessionCount } from '../../engine/onnx.js';
import { rngFor } from '../../random.js';
import { eraseRectangle, jointOcclusion, type Rect } from './jointOcclusion.js';

// the constructed embedding model of pairwiseOcclusion.test.ts: 4 squared linear features of a [1, 4, 4] image
const shape = [1, 4, 4];
const W = Array.from({ length: 4 }, (_, r) => Float64Array.from({ length: 16 }, (_, i) => Math.sin(i * 0.9 + r * 2.1 + 0.3)));
const embed = (x: ArrayLike<number>) => W.map((w) => { const s = w.reduce((t, wi, i) => t + wi * x[i], 0.2); return s * s + 0.1 * s; });
const norm = (u: number[]) => Math.sqrt(u.reduce((s, x) => s + x * x, 0));
const cos = (u: number[], v: number[]) => u.reduce((s, ui, i) => s + ui * v[i], 0) / (norm(u) * norm(v));
const model = functionModel({ inputShape: shape, outputShape: [4], batchSize: 8, forward: (x) => embed(x) });

const erased = (x: ArrayLike<number>, r: Rect) =>
  Float64Array.from(x, (v, i) => (Math.floor(i / 4) >= r.top && Math.floor(i / 4) < r.top + r.height && i % 4 >= r.left && i % 4 < r.left + r.width ? 0 : v));

test('joint occlusion: softmax of the similarity drops, credited to the image with the smaller occluded embedding, by hand', async () => {
  const a = pseudoRandom(16, 3, -1, 1);
  const b = pseudoRandom(16, 4, -1, 1);
  const rects = {
    a: [{ top: 0, left: 0, height: 2, width: 2 }, { top: 1, left: 1, height: 3, width: 2 }, { top: 0, left: 1, height: 2, width: 2 }],
    b: [{ top: 2, left: 2, height: 2, width: 2 }, { top: 0, left: 0, height: 0, width: 0 }, { top: 0, left: 0, height: 2, width: 2 }],
  };
  const r = await jointOcclusion(model, a, b, { rectangles: rects, batchSize: 2 });
  const base = cos(embed(a), embed(b));
  assert.ok(Math.abs(r.similarity - base) < 1e-6);
  const pairs = rects.a.map((ra, n) => [embed(erased(a, ra)), embed(erased(b, rects.b[n]))]);
  const drops = pairs.map(([u, v]) => base - cos(u, v));
  const z = drops.reduce((s, d) => s + Math.exp(d), 0);
  const mapA = new Float64Array(16);
  const mapB = new Float64Array(16);
  pairs.forEach(([u, v], n) => {
    const toA = norm(u) < norm(v);
    const rect = toA ? rects.a[n] : rects.b[n];
    const map = toA ? mapA : mapB;
    for (let i = 0; i < 16; i++) if (erased([...Array(16)].map(() => 1), rect)[i] === 0) map[i] += Math.exp(drops[n]) / z;
    assert.equal(r.draws[n].credited, toA ? 'a' : 'b');
    assert.ok(Math.abs(r.draws[n].similarity - cos(u, v)) < 1e-6);
  });
  assert.ok(mapA.some((v) => v > 0) && mapB.some((v) => v > 0), 'the example credits both images');
  for (let i = 0; i < 16; i++) {
    assert.ok(Math.abs(r.a[i] - mapA[i]) < 1e-6, `A pixel ${i}: ${r.a[i]} vs ${mapA[i]}`);
    assert.ok(Math.abs(r.b[i] - mapB[i]) < 1e-6, `B pixel ${i}: ${r.b[i]} vs ${mapB[i]}`);
  }
  // the weights are a softmax: they sum to 1 over the draws
  assert.ok(Math.abs(r.draws.reduce((s, d) => s + d.weight, 0) - 1) < 1e-9);
});

test('joint occlusion draws: torchvision RandomErasing rectangles within the scale, the same seed gives the same maps', async () => {
  for (let n = 0; n < 200; n++) {
    const r = eraseRectangle(224, 224, [0.02, 0.33], [0.3, 3.3], rngFor(7, n));
    assert.ok(r.height > 0 && r.top + r.height <= 224 && r.left + r.width <= 224);
    const area = (r.height * r.width) / (224 * 224);
    assert.ok(area > 0.015 && area < 0.345, `area fraction ${area}`);
  }
  // nothing fits a 2 x 2 image with a 90% area: no erase
  assert.deepEqual(eraseRectangle(2, 2, [0.9, 0.95], [1, 1], rngFor(1)), { top: 0, left: 0, height: 0, width: 0 });
  const a = pseudoRandom(16, 5, -1, 1);
  const b = pseudoRandom(16, 6, -1, 1);
  const one = await jointOcclusion(model, a, b, { erases: 12, seed: 3, scale: [0.1, 0.4] });
  const two = await jointOcclusion(model, a, b, { erases: 12, seed: 3, scale: [0.1, 0.4] });
  assert.deepEqual(one.a, two.a);
  assert.deepEqual(one.b, two.b);
  const other = await jointOcclusion(model, a, b, { erases: 12, seed: 4, scale: [0.1, 0.4] });
  assert.notDeepEqual(other.draws.map((d) => d.a), one.draws.map((d) => d.a));
  await assert.rejects(jointOcclusion(model, pseudoRandom(32, 1), b), /one image A and one image B; image A holds 2 examples/);
});

test('joint occlusion on an ONNX model leaves no session open', async () => {
  const before = openSessionCount();
  const cnn = await load(smallCnnOnnx(), { batchSize: 4 });
  try {
    for (let k = 0; k < 3; k++) {
      const r = await jointOcclusion(cnn, pseudoRandom(192, 1), pseudoRandom(192, 2), { erases: 6, batchSize: 4, scale: [0.1, 0.3] });
      assert.equal(r.draws.length, 6);
    }
  } finally {
    await cnn.dispose();
  }
  assert.equal(openSessionCount(), before);
});
