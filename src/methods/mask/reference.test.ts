/**
 * Agreement with the official research code (scripts/make_mask_fixtures.py ran
 * khorrams/IGOS_pp and viv92/structured-attention-graphs on fixtures/mask/tiny.onnx, with
 * the path noise off and the same black baseline on both sides), and bounded sessions.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { loadOnnxModel, openSessionCount } from '../../engine/onnx.js';
import { readNpy } from '../../io/npy.js';
import { igos } from './igos.js';
import { igospp } from './igospp.js';
import { structuredAttentionGraph } from './sag.js';
import { pearson } from '../../metrics/faithfulnessCorrelation.js';

const DIR = new URL('../../../fixtures/mask/', import.meta.url).pathname;
const manifest = JSON.parse(readFileSync(DIR + 'manifest.json', 'utf8'));
const image = readNpy(DIR + 'image.npy').data as Float32Array;
const baseline = readNpy(DIR + 'baseline.npy').data as Float32Array;


for (const [name, method] of [['igos', igos], ['igospp', igospp]] as const) {
  // the issue asks >= 0.95; with masks held at float32 as the reference's (common.ts maskValue) they agree to float32 rounding
  test(`${name}: the coarse mask matches the official code's from the same start (correlation >= 0.9999, max |difference| < 1e-4)`, async () => {
    const s = manifest.igos;
    const model = await loadOnnxModel(DIR + 'tiny.onnx', { threads: 1 });
    try {
      const a = await method(model, image, { size: s.size, iterations: s.iterations, steps: s.steps, l1: s.l1, tv: s.tv, alpha: s.alpha, noise: 0, baseline, target: s.label, curveSteps: 0 });
      const ref = readNpy(DIR + `${name}_mask.npy`).data as Float32Array;
      const r = pearson(a.masks, ref);
      let maxDiff = 0;
      for (let i = 0; i < ref.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a.masks[i] - ref[i]));
      console.log(`${name}: correlation ${r.toFixed(5)}, max |difference| ${maxDiff.toExponential(2)}`);
      assert.ok(r >= 0.9999, `correlation ${r}`);
      assert.ok(maxDiff < 1e-4, `max |difference| ${maxDiff}`);
    } finally {
      await model.dispose();
    }
  });
}

test('SAG: the beam search finds the same roots as the official code from the same priority map', { skip: !existsSync(DIR + 'sag_roots.json') }, async () => {
  const ref = JSON.parse(readFileSync(DIR + 'sag_roots.json', 'utf8'));
  const priority = readNpy(DIR + 'sag_priority.npy').data as Float64Array;
  const model = await loadOnnxModel(DIR + 'tiny.onnx', { threads: 1 });
  try {
    const s = manifest.sag;
    // the reference keeps beam_width + 1 beams (it appends before testing the length) and inserts lowest ref-mask values first
    const g = await structuredAttentionGraph(model, image, {
      target: manifest.igos.label, baseline, threshold: s.threshold, beamWidth: s.beam_width + 1, successors: s.successors,
      maxRoots: s.max_roots, maxSize: s.max_size, priority: Array.from(priority, (v) => -v),
    });
    const key = (r: number[]) => r.join(',');
    console.log(`SAG roots: ours ${g.allRoots.length}, reference ${ref.roots.length}`);
    assert.deepEqual(new Set(g.allRoots.map(key)), new Set(ref.roots.map(key)));
  } finally {
    await model.dispose();
  }
});

test('mask methods and SAG leave the session count unchanged over repeated runs', async () => {
  const before = openSessionCount();
  const model = await loadOnnxModel(DIR + 'tiny.onnx', { threads: 1, maxSessions: 4 });
  let after = 0;
  for (let round = 0; round < 3; round++) {
    await igos(model, image, { size: 4, iterations: 2, steps: 3, curveSteps: 4 });
    await structuredAttentionGraph(model, image, { patches: 3, maxSize: 3 });
    if (round === 0) after = openSessionCount();
    assert.equal(openSessionCount(), after);
  }
  await model.dispose();
  assert.equal(openSessionCount(), before);
});
