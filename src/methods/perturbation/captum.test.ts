/**
 * Agreement with Captum v0.8.0 on the fixture CNNs (fixtures/torch/*.onnx), from
 * fixtures/perturbation/ written by scripts/make_perturbation_fixtures.py: Occlusion (with
 * a cut-off last window and a tensor baseline), FeatureAblation, FeaturePermutation (the
 * permutations fixed), ShapleyValueSampling (the orderings fixed), KernelShap and Lime (the
 * coalitions fixed; scikit-learn least squares), within 1e-4 relative L2; and RISE against
 * the authors' recipe (eclique/RISE) with the grids and shifts fixed, and Sobol attribution
 * against Xplique's algorithm (scipy's unscrambled Sobol design, Jansen estimator), per cell.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadOnnxModel } from '../../engine/onnx.js';
import { readNpy } from '../../io/npy.js';
import { gridMask } from '../../masks/grid.js';
import { relativeL2 } from '../testing.js';
import { occlusion } from './occlusion.js';
import { featureAblation } from './featureAblation.js';
import { featurePermutation } from './featurePermutation.js';
import { shapleySampling } from './shapleySampling.js';
import { kernelShap } from './kernelShap.js';
import { lime } from './lime.js';
import { rise } from './rise.js';
import { sobolAttribution } from './sobol.js';

const ROOT = new URL('../../../fixtures/', import.meta.url).pathname;
const DIR = join(ROOT, 'perturbation');
const manifest = JSON.parse(readFileSync(join(DIR, 'manifest.json'), 'utf8')) as {
  targets: number[];
  models: string[];
  occlusion: { window: number[]; stride: number };
  occlusion_cut: { window: number[]; stride: number };
  ablationPatch: number;
  gridPatch: number;
  permutations: number[][];
  orderings: number[][];
  kernelCoalitions: number[][];
  limeCoalitions: number[][];
  rise: { cell: number; p: number; grids: number[][]; shifts: [number, number][] };
  sobol: { grid: number; designs: number };
};
const npy = (file: string) => readNpy(file).data as Float32Array;

for (const name of manifest.models) {
  test(`${name}: occlusion, ablation, permutation, Shapley sampling, KernelSHAP and LIME agree with Captum (1e-4 relative L2)`, async () => {
    const model = await loadOnnxModel(join(ROOT, 'torch', `${name}.onnx`), { threads: 1, batchSize: 16 });
    try {
      const x = npy(join(ROOT, 'torch', `${name}.input.npy`));
      const baseline = npy(join(DIR, `${name}.baseline.npy`));
      const target = manifest.targets;
      const errors: string[] = [];
      const check = (run: string, values: Float32Array, tolerance = 1e-4) => {
        const err = relativeL2(values, npy(join(DIR, `${name}.${run}.npy`)));
        errors.push(`${run} ${err.toExponential(2)}`);
        assert.ok(err < tolerance, `${name} ${run}: relative L2 ${err.toExponential(2)}`);
      };
      const o = manifest.occlusion;
      check('occlusion', (await occlusion(model, x, { window: o.window, stride: o.stride, target })).values);
      const c = manifest.occlusion_cut;
      check('occlusion_cut', (await occlusion(model, x, { window: c.window, stride: c.stride, baseline, target })).values);
      const grid4 = gridMask([32, 32], manifest.ablationPatch);
      check('ablation', (await featureAblation(model, x, { features: grid4, target })).values);
      check('ablation_base', (await featureAblation(model, x, { features: grid4, baseline, target })).values);
      const features = gridMask([32, 32], manifest.gridPatch);
      const x4 = new Float32Array(2 * x.length); // the inputs, then their left-right mirrors
      x4.set(x);
      for (let i = 0; i < x.length; i++) x4[x.length + i] = x[i - (i % 32) + 31 - (i % 32)];
      check('permutation', (await featurePermutation(model, x4, { features, permutations: manifest.permutations, target: [...target, ...target] })).values);
      check('shapley', (await shapleySampling(model, x, { features, permutations: manifest.orderings, target })).values);
      check('kernelshap', (await kernelShap(model, x, { features, coalitions: manifest.kernelCoalitions, target })).values);
      check('lime', (await lime(model, x, { features, coalitions: manifest.limeCoalitions, target })).values);
      if (name === 'tiny_resnet') {
        const r = manifest.rise;
        const draws = r.grids.map((grid, i) => ({ grid, shift: r.shifts[i] }));
        check('rise', (await rise(model, x, { cell: r.cell, p: r.p, draws, target })).values);
        const { grid, designs } = manifest.sobol;
        check('sobol', (await sobolAttribution(model, x, { grid, designs, upsample: 'nearest', target })).values);
      }
      console.log(`${name} vs Captum / RISE authors / Xplique: ${errors.join(', ')}`);
    } finally {
      await model.dispose();
    }
  });
}

test('Shapley sampling through chained edits on a forced cut (the cost model keeps these 32x32 nets on full runs) agrees with Captum', async () => {
  const errors: string[] = [];
  for (const name of manifest.models) {
    const model = await loadOnnxModel(join(ROOT, 'torch', `${name}.onnx`), { threads: 1, batchSize: 16, incremental: 'always' });
    try {
      const x = npy(join(ROOT, 'torch', `${name}.input.npy`));
      const features = gridMask([32, 32], manifest.gridPatch);
      const r = await shapleySampling(model, x, { features, permutations: manifest.orderings, target: manifest.targets });
      const err = relativeL2(r.values, npy(join(DIR, `${name}.shapley.npy`)));
      errors.push(`${name} ${err.toExponential(2)}`);
      assert.ok(err < 1e-4, `${name}: relative L2 ${err.toExponential(2)}`);
    } finally {
      await model.dispose();
    }
  }
  console.log(`Shapley sampling, chained edits through a cut, vs Captum: ${errors.join(', ')}`);
});
