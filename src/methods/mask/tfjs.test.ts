/**
 * The mask family on a TensorFlow.js LayersModel (NHWC, 12x10x3, wasm backend): I-GOS, I-GOS++ and
 * Meaningful Perturbation lower the target's probability when their mask deletes, deterministically;
 * SAG roots are sufficient and minimal under the model's own scores.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTfjsModel, type TfjsModel } from '../../engine/tfjs/model.js';
import { writeTestLayersModel, seededValues, LAYERS_INPUT } from '../../engine/tfjs/testing.js';
import { useBackend } from '../../engine/tfjs/backend.js';
import { igos } from './igos.js';
import { igospp } from './igospp.js';
import { meaningfulPerturbation } from './meaningfulPerturbation.js';
import { structuredAttentionGraph } from './sag.js';
import { Upsampler } from './upsample.js';

const dir = mkdtempSync(join(tmpdir(), 'saliency-tfjs-mask-'));
let model: TfjsModel;
const [H, W, C] = LAYERS_INPUT;
const x = seededValues(H * W * C, 11, 0, 1);
before(async () => {
  await useBackend('wasm');
  model = await loadTfjsModel(await writeTestLayersModel(join(dir, 'layers')), { inputRange: [0, 1] });
});
after(async () => {
  await model.dispose();
  rmSync(dir, { recursive: true, force: true });
});

/** Softmax probability of `target` (the model's outputs are the logits read by the methods). */
async function probability(input: Float32Array, target: number): Promise<number> {
  const z = (await model.run(input, { outputs: ['logits'] }))['logits'];
  const max = Math.max(...z);
  const e = Array.from(z, (v) => Math.exp(v - max));
  return e[target] / e.reduce((a, b) => a + b, 0);
}

/** The input with the (NHWC) map's top `frac` pixels replaced by the baseline 0. */
function deleteTop(map: Float32Array, frac: number): Float32Array {
  const per = new Float64Array(H * W);
  for (let q = 0; q < H * W; q++) for (let c = 0; c < C; c++) per[q] += map[q * C + c];
  const order = Array.from(per.keys()).sort((a, b) => per[b] - per[a]).slice(0, Math.round(frac * H * W));
  const out = Float32Array.from(x);
  for (const q of order) for (let c = 0; c < C; c++) out[q * C + c] = 0;
  return out;
}

const settings = { size: 4, iterations: 6, steps: 4, baseline: 0, target: 2, seed: 3, curveSteps: 8 } as const;

for (const [name, run] of [
  ['igos', () => igos(model, x, settings)],
  ['igospp', () => igospp(model, x, settings)],
  ['meaningfulperturbation', () => meaningfulPerturbation(model, x, { ...settings, size: 4, iterations: 30 })],
] as const) {
  test(`tfjs: ${name} runs on a LayersModel (NHWC), deterministic, and deleting its top pixels lowers the target`, async () => {
    const a = await run();
    const b = await run();
    assert.deepEqual(a.shape, [1, H, W, C]);
    assert.deepEqual(a.values, b.values, 'same seed, same map');
    assert.ok(a.values.every(Number.isFinite));
    assert.ok(a.values.some((v) => v > 0), 'the mask deleted something');
    const full = await probability(x, 2);
    assert.ok((await probability(deleteTop(a.values, 0.3), 2)) < full, 'deleting the top 30% lowers the probability');
    if (name !== 'meaningfulperturbation') assert.ok(a.deletionAuc && a.insertionAuc && Number.isFinite(a.deletionAuc[0]) && Number.isFinite(a.insertionAuc[0]));
  });
}

test('tfjs: SAG roots on a LayersModel are sufficient and minimal under the model', async () => {
  const g = await structuredAttentionGraph(model, x, { patches: 3, target: 2, threshold: 0.95, baseline: 0 });
  assert.equal(g.baselineSufficient, false);
  assert.ok(g.allRoots.length >= 1);
  const up = new Upsampler(3, 3, H, W);
  const keep = async (patches: number[]) => {
    const cells = new Float64Array(9);
    for (const p of patches) cells[p] = 1;
    const u = up.up(cells);
    return probability(x.map((v, i) => v * u[Math.floor(i / C)]), 2);
  };
  const enough = g.threshold * g.fullScore;
  for (const r of g.allRoots) {
    assert.ok((await keep(r)) >= enough - 1e-6, `root ${r} is sufficient`);
    for (const p of r) assert.ok((await keep(r.filter((q) => q !== p))) < enough + 1e-6, `root ${r} without ${p} is not`);
  }
  for (const n of g.nodes) assert.ok(Math.abs(n.score - (await keep(n.patches))) < 1e-5);
});
