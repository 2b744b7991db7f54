/**
 * Agreement with Captum v0.8.0 on the fixture CNNs (same weights: the ONNX files of
 * fixtures/torch/), from fixtures/captum/ written by scripts/make_captum_fixtures.py:
 * Saliency (abs and signed), InputXGradient, and IntegratedGradients with each
 * quadrature and baseline, within 1e-4 relative L2; Captum's convergence delta too.
 *
 * Float32 ties: an IG run whose interpolated points come within 1e-6 (float64) of a
 * ReLU/ReLU6/MaxPool kink (recorded by the generator in igTies) can see PyTorch and
 * onnxruntime take different branches at that point even though the interpolated inputs
 * are bit-identical (IG forms them in float32 exactly as Captum does): a few percent of
 * one point's gradient, up to ~1e-3 of the map. Such runs are held to 5e-3 (a wrong
 * alpha grid or weight is off by 1e-2 or more); tie-free runs (every run of the smooth
 * model: the full baseline x quadrature matrix) to 1e-4. Worst and median are printed.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadOnnxModel } from '../engine/onnx.js';
import { readNpy } from '../io/npy.js';
import { blurImage } from '../baselines/blur.js';
import { inputSpace } from '../engine/space.js';
import { gradient } from './gradient.js';
import { inputXGradient } from './inputXGradient.js';
import { integratedGradients } from './integratedGradients.js';
import type { QuadratureName } from './quadrature.js';
import { relativeL2 } from './testing.js';

const ROOT = new URL('../../fixtures/', import.meta.url).pathname;
const CAPTUM = join(ROOT, 'captum');
interface Manifest {
  targets: number[];
  n_steps: number;
  models: {
    name: string;
    baselines: string[];
    methods: QuadratureName[];
    igDelta: Record<string, number[]>;
    igTies: Record<string, { count: number; smallest: number | null }>;
  }[];
}
const manifest = JSON.parse(readFileSync(join(CAPTUM, 'manifest.json'), 'utf8')) as Manifest;
const npy = (file: string) => readNpy(file).data as Float32Array;

/** Errors found, printed at the end (the figures quoted in the README). */
const report: Record<string, number> = {};

for (const m of manifest.models) {
  test(`${m.name}: Saliency, InputXGradient and IntegratedGradients agree with Captum (1e-4 relative L2)`, async () => {
    const dir = existsSync(join(CAPTUM, `${m.name}.onnx`)) ? CAPTUM : join(ROOT, 'torch');
    const model = await loadOnnxModel(join(dir, `${m.name}.onnx`), { threads: 1 });
    try {
      const x = npy(join(dir, `${m.name}.input.npy`));
      const target = manifest.targets;
      const check = (what: string, actual: Float32Array, file: string, tolerance = 1e-4) => {
        const err = relativeL2(actual, npy(join(CAPTUM, `${m.name}.${file}.npy`)));
        report[`${m.name} ${what}`] = err;
        assert.ok(err < tolerance, `${m.name} ${what}: relative L2 ${err.toExponential(2)} (tolerance ${tolerance})`);
      };
      check('saliency(abs)', (await gradient(model, x, { target, absolute: true })).values, 'saliency_abs');
      check('saliency', (await gradient(model, x, { target })).values, 'saliency');
      check('inputXGradient', (await inputXGradient(model, x, { target })).values, 'ixg');
      for (const b of m.baselines) {
        const baseline = b === 'black' ? 0 : npy(join(CAPTUM, `${m.name}.baseline_${b}.npy`));
        for (const method of m.methods) {
          const ig = await integratedGradients(model, x, { target, baseline, method, steps: manifest.n_steps });
          const ties = m.igTies[`ig_${b}_${method}`].count;
          check(`IG ${b} ${method}${ties ? ` (${ties} near-tie points)` : ''}`, ig.values, `ig_${b}_${method}`, ties ? 5e-3 : 1e-4);
          const ref = m.igDelta[`ig_${b}_${method}`];
          ig.delta!.forEach((d, e) => {
            // deltas are differences of nearly equal float32 sums: compare on the scale of the map (L1)
            const half = ig.values.length / 2;
            const scale = ig.values.subarray(e * half, (e + 1) * half).reduce((a, v) => a + Math.abs(v), 0);
            assert.ok(Math.abs(d - ref[e]) < (ties ? 5e-3 : 1e-4) * scale + 1e-5, `${m.name} IG ${b} ${method} delta ${d} vs Captum ${ref[e]}`);
          });
        }
      }
    } finally {
      await model.dispose();
    }
  });
}

test('the blurred baseline of the Captum fixtures equals blurImage (scipy reflect borders)', () => {
  for (const m of manifest.models.filter((mm) => mm.baselines.includes('blur'))) {
    const dir = existsSync(join(CAPTUM, `${m.name}.input.npy`)) ? CAPTUM : join(ROOT, 'torch');
    const x = npy(join(dir, `${m.name}.input.npy`));
    const blurred = blurImage(x, inputSpace([3, x.length === 6144 ? 32 : 16, x.length === 6144 ? 32 : 16]), { sigma: 2 });
    const err = relativeL2(blurred, npy(join(CAPTUM, `${m.name}.baseline_blur.npy`)));
    assert.ok(err < 1e-6, `blur: ${err}`);
  }
});

test.after(() => {
  const worst = Object.entries(report).sort((a, b) => b[1] - a[1]);
  if (!worst.length) return;
  const tieFree = worst.filter(([k]) => !k.includes('near-tie'));
  console.log(
    `# Captum agreement (relative L2) over ${worst.length} arrays: median ${worst[Math.floor(worst.length / 2)][1].toExponential(2)}, ` +
      `worst ${worst[0][0]} ${worst[0][1].toExponential(2)}; worst tie-free ${tieFree[0]?.[0]} ${tieFree[0]?.[1].toExponential(2)}`,
  );
});
