/**
 * DeepLIFT: completeness with any baseline (zero, uniform, blur-like, random sampler) on
 * analytic and CNN models, DeepLIFT-SHAP's delta, batched = unbatched, and agreement with
 * Captum's DeepLift and DeepLiftShap (fixed draws) within 1e-4 relative L2.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadOnnxModel, openSessionCount } from '../../engine/onnx.js';
import { readNpy } from '../../io/npy.js';
import { uniformBaseline } from '../../baselines/uniform.js';
import { relativeL2 } from '../testing.js';
import { deepLift } from './deepLift.js';
import { deepLiftShap } from './deepLiftShap.js';

const DIR = new URL('../../../fixtures/propagation/', import.meta.url).pathname;
const npy = (file: string) => readNpy(join(DIR, file)).data as Float32Array;
const manifest = JSON.parse(readFileSync(join(DIR, 'manifest.json'), 'utf8')) as {
  targets: number[];
  deeplift: Record<string, { reference: boolean; captumDelta: Record<string, number[]> }>;
};

for (const [name, { reference, captumDelta: deltas }] of Object.entries(manifest.deeplift)) {
  const what = reference ? 'agree with Captum (1e-4 relative L2) and' : 'are complete where Captum is not (a ReLU feeding a MaxPool);';
  test(`${name}: DeepLift and DeepLiftShap ${what} completeness holds, batched = unbatched`, async () => {
    const sessions = openSessionCount();
    const model = await loadOnnxModel(join(DIR, `${name}.onnx`), { threads: 1 });
    try {
      const x = npy(`${name}.input.npy`);
      const target = manifest.targets;
      for (const [b, baseline] of [['zero', 0], ['uniform', npy(`${name}.baseline_uniform.npy`)]] as const) {
        const r = await deepLift(model, x, { target, baseline });
        const err = reference ? relativeL2(r.values, npy(`${name}.deeplift_${b}.npy`)) : NaN;
        console.log(`# ${name} DeepLift(${b}): ${err.toExponential(2)} relative L2 vs Captum; delta ${Array.from(r.delta, (d) => d.toExponential(1))} (Captum ${deltas[`deeplift_${b}`].map((d) => d.toExponential(1))})`);
        if (reference) assert.ok(err < 1e-4, `${b}: ${err}`);
        r.delta.forEach((d) => assert.ok(Math.abs(d) < 1e-4, `completeness: delta ${d}`));
        const one = await deepLift(model, x, { target, baseline, batchSize: 2 });
        assert.ok(relativeL2(one.values, r.values) < 1e-6, 'batched = unbatched');
      }
      const shap = await deepLiftShap(model, x, { target, baseline: npy(`${name}.baseline_draws.npy`) });
      const err = reference ? relativeL2(shap.values, npy(`${name}.deepliftshap.npy`)) : NaN;
      console.log(`# ${name} DeepLiftShap (4 draws): ${err.toExponential(2)} relative L2 vs Captum; delta ${Array.from(shap.delta, (d) => d.toExponential(1))}`);
      if (reference) assert.ok(err < 1e-4, `shap: ${err}`);
      else assert.ok(Math.max(...deltas['deeplift_uniform'].map(Math.abs)) > 1e-4, 'Captum is incomplete on this model');
      shap.delta.forEach((d) => assert.ok(Math.abs(d) < 1e-4, `shap completeness: ${d}`));
      // a sampler baseline: completeness per draw, same seed same numbers
      const u = uniformBaseline(model, { pixelRange: [0, 1] });
      const s1 = await deepLiftShap(model, x, { target, baseline: u, samples: 3, seed: 4 });
      const s2 = await deepLiftShap(model, x, { target, baseline: u, samples: 3, seed: 4 });
      assert.deepEqual(s1.values, s2.values);
      s1.delta.forEach((d) => assert.ok(Math.abs(d) < 1e-4, `sampler completeness: ${d}`));
    } finally {
      await model.dispose();
    }
    assert.equal(openSessionCount(), sessions);
  });
}
