/**
 * Agreement with Quantus and Captum on the models of fixtures/metrics/ (written by
 * scripts/make_metric_fixtures.py), the random draws fixed on both sides: the perturbations
 * are read from the fixtures and passed through the metrics' test hooks. Relative L2 below
 * 1e-4 wherever the definitions agree; where they differ (scores Quantus leaves unnormalised,
 * ROAD's per-input curves) the conversion is spelled out.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readNpy } from '../io/npy.js';
import { gradient } from '../methods/gradient.js';
import { load, relativeL2 } from '../methods/testing.js';
import type { Model } from '../engine/model.js';
import type { TargetSpec } from '../methods/attribution.js';
import { pixelFlipping } from './pixelFlipping.js';
import { regionPerturbation } from './regionPerturbation.js';
import { road } from './road.js';
import { irof } from './irof.js';
import { faithfulnessCorrelation } from './faithfulnessCorrelation.js';
import { infidelity } from './infidelity.js';
import { maxSensitivity } from './maxSensitivity.js';
import { avgSensitivity } from './avgSensitivity.js';
import { localLipschitz } from './localLipschitz.js';
import { relativeInputStability } from './relativeInputStability.js';
import { relativeOutputStability } from './relativeOutputStability.js';
import { sparseness } from './sparseness.js';
import { complexity } from './complexity.js';
import { effectiveComplexity } from './effectiveComplexity.js';
import { pointingGame } from './pointingGame.js';
import { energyPointingGame } from './energyPointingGame.js';
import { relevanceMass } from './relevanceMass.js';
import { relevanceRank } from './relevanceRank.js';
import { topkIntersection } from './topkIntersection.js';
import { sufficiency } from './sufficiency.js';
import { geometry, patchMask } from './features.js';
import { noisyLinearImputation } from './imputation.js';

const DIR = new URL('../../fixtures/metrics/', import.meta.url).pathname;
const npy = (f: string) => readNpy(DIR + f).data as Float32Array | Float64Array | Int32Array;
const f32 = (f: string) => npy(f) as Float32Array;
const manifest = JSON.parse(readFileSync(DIR + 'manifest.json', 'utf8')) as { models: Record<string, { targets: number[] }>; roadTargets: number[] };
const gray = { x: f32('tiny_gray.input.npy'), a: f32('tiny_gray.attr.npy'), target: manifest.models.tiny_gray.targets };
const TOL = 1e-4;
const close = (actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, tol = TOL) => {
  const r = relativeL2(actual, expected);
  assert.ok(r < tol, `${what}: relative L2 ${r.toExponential(2)}`);
  return r;
};
const flat = (rows: number[][]) => rows.flat();
const report: Record<string, number> = {};

async function withModel(name: string, fn: (m: Model) => Promise<void>) {
  const m = await load(readFileSync(DIR + name + '.onnx'), { batchSize: 16 });
  try {
    await fn(m);
  } finally {
    await m.dispose();
  }
}

test('Quantus faithfulness curves: pixel flipping, region perturbation MoRF/LeRF (grey and padded colour patches), ROAD, IROF', async () => {
  await withModel('tiny_gray', async (m) => {
    const o = { target: gray.target, substrate: 'zero' as const, output: 'probability' as const };
    const pf = await pixelFlipping(m, gray.x, gray.a, { ...o, featuresInStep: 4 });
    report.pixelFlipping = close(flat(pf.curves!.y), npy('quantus.pixel_flipping.npy'), 'pixel flipping');
    for (const order of ['morf', 'lerf'] as const) {
      const r = await regionPerturbation(m, gray.x, gray.a, { ...o, patchSize: 4, regions: 9, order, control: false });
      report[`region_${order}`] = close(flat(r.curves!.y), npy(`quantus.region_${order}.npy`), `region perturbation ${order}`);
    }
    const rd = await road(m, gray.x, gray.a, { target: manifest.roadTargets, noise: 0 });
    const expected = Array.from(npy('quantus.road.npy'));
    assert.ok(expected.includes(0) && expected.includes(1), 'the ROAD fixture flips predictions');
    assert.deepEqual(flat(rd.curves!.y), expected);
    // Quantus' IROF: N - trapz(curve, dx=1); ours 1 - AUC on [0, 1]: Quantus = N - (N - 1)(1 - ours)
    const ir = await irof(m, gray.x, gray.a, { ...o, segments: patchMask(12, 12, 4) });
    report.irof = close(Array.from(ir.scores, (s) => 9 - 8 * (1 - s)), npy('quantus.irof.npy'), 'IROF');
  });
  await withModel('tiny_colour', async (m) => {
    const r = await regionPerturbation(m, f32('tiny_colour.input.npy'), f32('tiny_colour.attr.npy'), {
      target: manifest.models.tiny_colour.targets, substrate: 'zero', patchSize: 5, regions: 9, control: false,
    });
    report.colourRegion = close(flat(r.curves!.y), npy('quantus.colour_region_morf.npy'), 'colour region perturbation (padded 5x5 patches)');
  });
});

test("ROAD's noisy linear imputation equals Quantus' sparse solve (noise 0), per channel of a colour image", () => {
  const removed = new Uint8Array(144);
  for (const p of npy('imputation.removed.npy')) removed[p] = 1;
  for (const solver of ['envelope', 'nested', 'cg'] as const) {
    const x = f32('tiny_colour.input.npy').slice(0, 432);
    noisyLinearImputation(x, removed, geometry([3, 12, 12]), 0, undefined, solver);
    report[`imputation_${solver}`] = close(x, npy('quantus.imputation.npy'), `imputation (${solver})`, 1e-6);
  }
});

test('faithfulness correlation with the subsets Quantus drew', async () => {
  const subsets = npy('faithfulness_correlation.subsets.npy') as Int32Array; // [run, input, 20]
  await withModel('tiny_gray', async (m) => {
    const r = await faithfulnessCorrelation(m, gray.x, gray.a, {
      target: gray.target, substrate: 'zero', runs: 30, subsetSize: 20,
      subsets: (e, run) => subsets.subarray((run * 4 + e) * 20, (run * 4 + e + 1) * 20),
    });
    report.faithfulnessCorrelation = close(r.scores, npy('quantus.faithfulness_correlation.npy'), 'faithfulness correlation');
  });
});

test("Captum's infidelity (plain and multiply-by-inputs perturbations) and sensitivity_max with the same noise", async () => {
  const noise = f32('infidelity.noise.npy');
  const S = 5;
  await withModel('tiny_gray', async (m) => {
    const perturbation = (e: number, s: number) => noise.subarray((e * S + s) * 144, (e * S + s + 1) * 144);
    const plain = await infidelity(m, gray.x, gray.a, { target: gray.target, samples: S, multiplyByInputs: false, perturbation });
    report.infidelityPlain = close(plain.scores, npy('captum.infidelity_plain.npy'), 'infidelity');
    const mbi = await infidelity(m, gray.x, gray.a, { target: gray.target, samples: S, perturbation });
    report.infidelityMbi = close(mbi.scores, npy('captum.infidelity_mbi.npy'), 'infidelity, multiply_by_inputs');
    const nrm = await infidelity(m, gray.x, gray.a, { target: gray.target, samples: S, perturbation, normalize: true });
    report.infidelityNormalized = close(nrm.scores, npy('captum.infidelity_mbi_normalized.npy'), 'infidelity, normalize');

    const u = f32('sensitivity.noise.npy');
    const perturb = (x: Float32Array, e: number, s: number) => Float32Array.from(x, (v, j) => v + u[(e * S + s) * 144 + j]);
    const explain = async (mm: Model, input: Float32Array, target: TargetSpec) => (await gradient(mm, input, { target })).values;
    const a = (await gradient(m, gray.x, { target: gray.target })).values;
    close(a, npy('tiny_gray.saliency.npy'), 'saliency', 1e-5);
    const o = { target: gray.target, explain, samples: S, perturb };
    report.sensitivityMax = close((await maxSensitivity(m, gray.x, a, o)).scores, npy('captum.sensitivity_max.npy'), 'sensitivity_max');
    report.avgSensitivity = close((await avgSensitivity(m, gray.x, a, o)).scores, npy('quantus.avg_sensitivity.npy'), 'avg sensitivity');
    report.localLipschitz = close((await localLipschitz(m, gray.x, a, o)).scores, npy('quantus.local_lipschitz.npy'), 'local Lipschitz');
    // RIS and ROS divide element-wise by the saliency map: its near-zero elements amplify the
    // float32 rounding of two engines' gradients (agreeing to ~1e-6), hence the looser bound
    report.ris = close((await relativeInputStability(m, gray.x, a, o)).scores, npy('quantus.ris.npy'), 'RIS', 2e-3);
    report.ros = close((await relativeOutputStability(m, gray.x, a, o)).scores, npy('quantus.ros.npy'), 'ROS', 2e-3);
  });
});

test('Quantus complexity (abs, per-input normalisation) and localisation', async () => {
  await withModel('tiny_gray', async (m) => {
    report.sparseness = close((await sparseness(m, gray.x, gray.a)).scores, npy('quantus.sparseness.npy'), 'sparseness');
    report.complexity = close((await complexity(m, gray.x, gray.a)).scores, npy('quantus.complexity.npy'), 'complexity');
    assert.deepEqual(Array.from((await effectiveComplexity(m, gray.x, gray.a, { eps: 0.5 })).scores), Array.from(npy('quantus.effective_complexity.npy')));
    const suff = await sufficiency(m, f32('sufficiency.input.npy'), f32('sufficiency.attr.npy'), { target: 0, threshold: 0.9, normalise: false });
    assert.deepEqual(Array.from(suff.scores), Array.from(npy('quantus.sufficiency.npy')));
    const peak = f32('tiny_gray.attr_peak.npy');
    const o = { groundTruth: f32('tiny_gray.masks.npy'), absolute: false, normalise: false };
    assert.deepEqual(Array.from((await pointingGame(m, gray.x, peak, o)).scores), Array.from(npy('quantus.pointing_game.npy')));
    report.energyPointingGame = close((await energyPointingGame(m, gray.x, peak, o)).scores, npy('quantus.energy_pointing_game.npy'), 'energy pointing game');
    report.relevanceMass = close((await relevanceMass(m, gray.x, peak, { ...o, signed: true })).scores, npy('quantus.relevance_mass.npy'), 'relevance mass');
    assert.deepEqual(Array.from((await relevanceRank(m, gray.x, peak, o)).scores), Array.from(npy('quantus.relevance_rank.npy')));
    assert.deepEqual(Array.from((await topkIntersection(m, gray.x, peak, { ...o, k: 20 })).scores), Array.from(npy('quantus.topk_intersection.npy')));
  });
});

test.after(() => console.log('relative L2 against the references:', JSON.stringify(Object.fromEntries(Object.entries(report).map(([k, v]) => [k, Number(v.toExponential(2))])))));
