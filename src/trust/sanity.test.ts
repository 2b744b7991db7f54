import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { loadFashionMnist } from '../training/data.js';
import { openSessionCount } from '../engine/onnx.js';
import { sanityCheck } from './sanity.js';
import { mapSimilarity, ranks, spearman, ssim } from './similarity.js';

const MODEL = readFileSync(new URL('../../models/fashion-mnist/model.onnx', import.meta.url));

test('similarities: identical maps give 1, reversed ranks -1, ties averaged', () => {
  assert.deepEqual([...ranks([3, 1, 3, 2])], [3.5, 1, 3.5, 2]);
  assert.equal(spearman([1, 2, 3, 4], [10, 20, 30, 40]), 1);
  assert.equal(spearman([1, 2, 3, 4], [4, 3, 2, 1]), -1);
  const a = Float32Array.from({ length: 100 }, (_, i) => Math.sin(i));
  const s = mapSimilarity(a, a, 10, 10);
  assert.ok(Math.abs(s.ssim - 1) < 1e-9 && Math.abs(s.hog - 1) < 1e-9 && s.spearmanAbs === 1);
  assert.ok(ssim(a.map(Math.abs), a.map((v) => 1 - Math.abs(v)), 10, 10) < 0.5);
});

test('cascading randomisation: accuracy falls to chance, gradient similarity falls, the Sobel control stays at 1', async () => {
  const data = loadFashionMnist('test', { limit: 40, seed: 2 });
  const sessions = openSessionCount();
  const r = await sanityCheck(MODEL, data.images, { methods: ['gradient'], labels: data.labels, independent: true, noise: [0.05, 1] });
  assert.equal(openSessionCount(), sessions);
  assert.deepEqual(r.layers, ['/fc/Gemm', '/conv2/Conv', '/conv1/Conv'], 'layers from the output down');
  const cascading = r.levels.filter((l) => l.kind === 'cascading');
  assert.equal(cascading.length, r.layers.length);
  assert.ok(r.levels[0].accuracy! > 0.8, `trained accuracy ${r.levels[0].accuracy}`);
  assert.ok(cascading.at(-1)!.accuracy! < 0.3, `fully randomised accuracy ${cascading.at(-1)!.accuracy}`);
  const g = cascading.map((l) => l.similarity.gradient.spearmanAbs);
  assert.ok(g.at(-1)! < 0.5 && g.at(-1)! < g[0], `gradient |map| Spearman along the cascade: ${g}`);
  for (const l of r.levels) assert.ok(Math.abs(l.similarity.sobel.spearmanAbs - 1) < 1e-12 && Math.abs(l.similarity.sobel.ssim - 1) < 1e-9);
  assert.equal(r.verdicts.find((v) => v.method === 'gradient')!.pass, true);
  assert.equal(r.verdicts.find((v) => v.method === 'sobel')!.pass, false);
  assert.equal(r.levels.filter((l) => l.kind === 'independent').length, r.layers.length);
  // model perturbation (Geometrically Guided IG): small weight noise keeps accuracy and the maps; large noise changes both
  const [small, large] = r.levels.filter((l) => l.kind === 'noise');
  assert.ok(small.accuracy! > r.levels[0].accuracy! - 0.1 && small.similarity.gradient.spearmanAbs > 0.6, `noise 0.05: accuracy ${small.accuracy}, gradient ${small.similarity.gradient.spearmanAbs}`);
  assert.ok(large.similarity.gradient.spearmanAbs < small.similarity.gradient.spearmanAbs - 0.2, `noise 1: gradient ${large.similarity.gradient.spearmanAbs}`);
});

test('same seed, same randomised models and numbers', async () => {
  const data = loadFashionMnist('test', { limit: 8, seed: 3 });
  const a = await sanityCheck(MODEL, data.images, { methods: ['gradient'], independent: false, seed: 7 });
  const b = await sanityCheck(MODEL, data.images, { methods: ['gradient'], independent: false, seed: 7 });
  assert.deepEqual(a.levels.map((l) => l.similarity), b.levels.map((l) => l.similarity));
});
