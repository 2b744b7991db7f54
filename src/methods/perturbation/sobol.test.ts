import test from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { functionModel } from '../../engine/function.js';
import { readNpy } from '../../io/npy.js';
import { sobolPoints } from './sobolSequence.js';
import { bicubicResize, sobolAttribution } from './sobol.js';

const DIR = new URL('../../../fixtures/perturbation/', import.meta.url).pathname;

test('Sobol sequence equals scipy.stats.qmc.Sobol(512, scramble=False), first 16 points', () => {
  const ref = readNpy(join(DIR, 'sobol_points.npy')).data as Float32Array;
  const ours = sobolPoints(16, 512);
  assert.equal(ours.length, ref.length);
  ours.forEach((v, i) => assert.equal(Math.fround(v), ref[i], `point ${Math.floor(i / 512)}, dimension ${i % 512}`));
  assert.throws(() => sobolPoints(4, 513), /1\.\.512/);
});

test('bicubic resize keeps constants and reproduces a linear ramp away from the borders', () => {
  const c = bicubicResize(new Float64Array(16).fill(2.5), 4, 4, 12, 12);
  assert.ok(c.every((v) => Math.abs(v - 2.5) < 1e-12));
  const ramp = Float64Array.from({ length: 64 }, (_, i) => i % 8);
  const r = bicubicResize(ramp, 8, 8, 32, 32);
  // output x samples the grid at (x + 0.5) / 4 - 0.5; interior samples (two cells from the edge) are exact
  for (let x = 10; x < 22; x++) assert.ok(Math.abs(r[5 * 32 + x] - ((x + 0.5) / 4 - 0.5)) < 1e-12);
});

test('Sobol indices of an additive model rank cells by |weight|, zero for a cell without effect', async () => {
  const size = 8;
  const weights = [3, -2, 1, 0]; // 2x2 grid of 4x4 cells
  const model = functionModel({
    inputShape: [1, size, size],
    outputShape: [1],
    forward: (x) => [x.reduce((s, v, k) => s + (weights[Math.floor(k / 32) * 2 + Math.floor((k % 8) / 4)] * v) / 16, 0)],
  });
  const x = new Float32Array(64).fill(1);
  const r = await sobolAttribution(model, x, { grid: 2, designs: 64, upsample: 'nearest' });
  const cell = (i: number) => r.values[Math.floor(i / 2) * 32 + (i % 2) * 4];
  assert.ok(cell(0) > cell(1) && cell(1) > cell(2) && cell(2) > 0, `${[0, 1, 2, 3].map(cell)}`);
  assert.equal(cell(3), 0);
  // for an additive model the total indices are w_i^2 Var(m) / Var(f): proportional to w_i^2 (QMC error aside)
  const total = cell(0) + cell(1) + cell(2);
  [9, 4, 1].forEach((w2, i) => assert.ok(Math.abs(cell(i) / total - w2 / 14) < 0.02, `cell ${i}: ${cell(i) / total}`));
  const smooth = await sobolAttribution(model, x, { grid: 2, designs: 64, batchSize: 5 });
  assert.ok(smooth.values[0] > smooth.values[63]);
});
