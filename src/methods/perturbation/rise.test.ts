import test from 'node:test';
import assert from 'node:assert/strict';
import { functionModel } from '../../engine/function.js';
import { riseMask, rise } from './rise.js';
import { sameValues } from './testing.js';

test('RISE mask: bilinear upsampling of the grid, cropped at the shift; a full grid is all ones', () => {
  const ones = riseMask({ grid: [1, 1, 1, 1], shift: [3, 1] }, 2, 8, 8);
  assert.ok(ones.every((v) => Math.abs(v - 1) < 1e-7));
  // one kept cell out of 2x2 on 8x8: upsampled to 12x12 with half-pixel centres and mirrored borders
  // (scikit-image order 1, 'reflect'): sample o reads the grid at (o + 0.5) / 6 - 0.5
  const m = riseMask({ grid: [1, 0, 0, 0], shift: [0, 0] }, 2, 8, 8);
  const at = (o: number) => {
    const c = (o + 0.5) / 6 - 0.5;
    return c < 0 ? 1 + c : c > 1 ? 0 : 1 - c; // the kept cell is index 0; mirror: index -1 reads index 1 (0)
  };
  for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) assert.ok(Math.abs(m[y * 8 + x] - at(y) * at(x)) < 1e-6, `${y},${x}`);
  const shifted = riseMask({ grid: [1, 0, 0, 0], shift: [2, 3] }, 2, 8, 8);
  assert.ok(Math.abs(shifted[0] - at(2) * at(3)) < 1e-6);
});

test('RISE ranks first the region a model scores (mean over the top-left quarter); seeded; batched equals unbatched', async () => {
  const size = 16;
  const inRegion = (k: number) => Math.floor(k / size) < 8 && k % size < 8;
  const model = (batchSize = 16) =>
    functionModel({ inputShape: [1, size, size], outputShape: [1], batchSize, forward: (x) => [x.reduce((s, v, k) => s + (inRegion(k) ? v : 0), 0) / 64] });
  const x = new Float32Array(size * size).fill(1);
  const r = await rise(model(), x, { masks: 500, cell: 4, seed: 1 });
  const ranked = [...r.values.keys()].sort((a, b) => r.values[b] - r.values[a]);
  assert.ok(ranked.slice(0, 32).every(inRegion), 'the 32 highest pixels lie in the scored region');
  assert.ok(ranked.slice(0, 64).filter(inRegion).length >= 56, 'and most of the top quarter');
  const mean = (pred: (k: number) => boolean) => [...r.values].filter((_, k) => pred(k)).reduce((a, b) => a + b, 0) / 64;
  // the map is E[score x mask] / p: 0.5 (mean score) where the mask does not matter, more inside
  const far = mean((k) => Math.floor(k / size) >= 8 && k % size >= 8);
  assert.ok(mean(inRegion) - far > 0.08 && Math.abs(far - 0.5) < 0.05, `inside ${mean(inRegion)}, far corner ${far}`);
  const a = await rise(model(7), x, { masks: 50, cell: 4, seed: 2 });
  const b = await rise(model(1), x, { masks: 50, cell: 4, seed: 2 });
  const c = await rise(model(7), x, { masks: 50, cell: 4, seed: 3 });
  assert.ok(sameValues(a.values, b.values));
  assert.ok(!sameValues(a.values, c.values));
});
