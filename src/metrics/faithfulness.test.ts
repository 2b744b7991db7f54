/**
 * Defining properties of the faithfulness metrics on a linear model y = w.x + b, where the
 * perfect attribution is w * x (exact contributions against a zero substrate): it removes the
 * most output first, its reverse the least, random rankings sit between.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { integratedGradients } from '../methods/integratedGradients.js';
import { linearFunction, pseudoRandom } from '../methods/testing.js';
import { deletion } from './deletion.js';
import { insertion } from './insertion.js';
import { pixelFlipping } from './pixelFlipping.js';
import { regionPerturbation } from './regionPerturbation.js';
import { road } from './road.js';
import { irof } from './irof.js';
import { faithfulnessCorrelation } from './faithfulnessCorrelation.js';
import { infidelity } from './infidelity.js';
import { topkAblation } from './topkAblation.js';
import { boxRanking, centreOfMass, massCentreAblation } from './massCentreAblation.js';
import { geometry } from './features.js';
import { functionModel } from '../engine/function.js';

const d = 36;
const w = Array.from({ length: d }, (_, i) => Math.sin(i * 1.3 + 0.2) * 2);
const x = pseudoRandom(2 * d, 4, 0.2, 1);
const lin = () => linearFunction([w], [0.3], 8);
const perfect = Float32Array.from(x, (v, i) => v * w[i % d]);
const reversed = Float32Array.from(perfect, (v) => -v);
const base = { target: 0, seed: 3 };
const controls = (r: { details?: Record<string, unknown> }) => r.details!.controlScores as number[];

test('deletion and insertion: perfect beats its random control, which beats the reversed map', async () => {
  const o = { ...base, output: 'logit' as const, steps: 12 };
  const good = await deletion(lin(), x, perfect, o);
  const bad = await deletion(lin(), x, reversed, o);
  for (let e = 0; e < 2; e++) assert.ok(good.scores[e] < controls(good)[e] && controls(good)[e] < bad.scores[e]);
  const io = { ...o, substrate: 'zero' as const };
  const gi = await insertion(lin(), x, perfect, io);
  const bi = await insertion(lin(), x, reversed, io);
  for (let e = 0; e < 2; e++) assert.ok(gi.scores[e] > controls(gi)[e] && controls(gi)[e] > bi.scores[e]);
  assert.equal(good.curves!.y[0].length, 13);
});

test('pixel flipping and region perturbation (AOPC): MoRF order on a linear model', async () => {
  const o = { ...base, output: 'logit' as const, substrate: 'zero' as const };
  const pf = await pixelFlipping(lin(), x, perfect, { ...o, featuresInStep: 3 });
  const pr = await pixelFlipping(lin(), x, reversed, { ...o, featuresInStep: 3 });
  assert.equal(pf.curves!.y[0].length, 12);
  for (let e = 0; e < 2; e++) assert.ok(pf.scores[e] < pr.scores[e]);
  const a = await regionPerturbation(lin(), x, perfect, { ...o, patchSize: 1, regions: 10 });
  const b = await regionPerturbation(lin(), x, reversed, { ...o, patchSize: 1, regions: 10 });
  for (let e = 0; e < 2; e++) assert.ok(a.scores[e] > controls(a)[e] && controls(a)[e] > b.scores[e], `input ${e}`);
  // the first drop of the perfect map is the largest single contribution
  const top = Math.max(...Array.from(perfect.subarray(0, d)));
  assert.ok(Math.abs(a.curves!.y[0][0] - top) < 1e-5);
  // LeRF of the perfect map = MoRF of the reversed one
  const lerf = await regionPerturbation(lin(), x, perfect, { ...o, patchSize: 1, regions: 10, order: 'lerf', control: false });
  assert.deepEqual(lerf.scores, b.scores);
});

test('ROAD: removing the most relevant pixels lowers the output more than the least relevant', async () => {
  const o = { ...base, output: 'logit' as const, noise: 0, percentStep: 10 };
  const morf = await road(lin(), x, perfect, o);
  const lerf = await road(lin(), x, perfect, { ...o, order: 'lerf' });
  for (let e = 0; e < 2; e++) assert.ok(morf.scores[e] < lerf.scores[e]);
  assert.deepEqual(morf.curves!.x, [1, 11, 21, 31, 41, 51, 61, 71, 81, 91]);
});

test('IROF: a perfect map has the larger area over the curve', async () => {
  // positive model and inputs so the relative curve is well defined
  const wp = w.map((v) => Math.abs(v) + 0.1);
  const model = linearFunction([wp], [0.5], 8);
  const good = Float32Array.from(x, (v, i) => v * wp[i % d]);
  const o = { ...base, output: 'logit' as const, substrate: 'zero' as const, segments: { labels: Int32Array.from({ length: d }, (_, i) => Math.floor(i / 4)), count: 9, shape: [d, 1] as [number, number] } };
  const a = await irof(model, x, good, o);
  const b = await irof(model, x, Float32Array.from(good, (v) => -v), o);
  for (let e = 0; e < 2; e++) assert.ok(a.scores[e] > b.scores[e]);
});

test('faithfulness correlation of the exact contributions is 1', async () => {
  const r = await faithfulnessCorrelation(lin(), x, perfect, { ...base, runs: 20, subsetSize: 5, substrate: 'zero' });
  for (const s of r.scores) assert.ok(Math.abs(s - 1) < 1e-6, `${s}`);
  const rand = await faithfulnessCorrelation(lin(), x, pseudoRandom(2 * d, 9, -1, 1), { ...base, runs: 20, subsetSize: 5, substrate: 'zero' });
  for (const s of rand.scores) assert.ok(s < 0.9);
});

test('infidelity of IG on a linear model is 0; of a wrong map it is not', async () => {
  const ig = await integratedGradients(lin(), x, { target: 0, steps: 8 });
  const r = await infidelity(lin(), x, ig.values, { ...base, samples: 6 });
  for (const s of r.scores) assert.ok(s < 1e-9, `${s}`);
  const grad = Float32Array.from(x, (_, i) => w[i % d]);
  const g = await infidelity(lin(), x, grad, { ...base, samples: 6, multiplyByInputs: false });
  for (const s of g.scores) assert.ok(s < 1e-9, `gradient without multiplyByInputs: ${s}`);
  const bad = await infidelity(lin(), x, reversed, { ...base, samples: 6 });
  for (const s of bad.scores) assert.ok(s > 1e-3);
});

test('top-k and mass-centre ablation: relative curves start at 1, perfect below the random control', async () => {
  const wp = w.map((v) => Math.abs(v) + 0.1);
  const model = linearFunction([wp], [0.5], 8);
  const good = Float32Array.from(x, (v, i) => v * wp[i % d]);
  const t = await topkAblation(model, x, good, { ...base, substrate: 'zero', steps: 6 });
  for (let e = 0; e < 2; e++) {
    assert.ok(Math.abs(t.curves!.y[e][0] - 1) < 1e-6);
    assert.ok(t.scores[e] < controls(t)[e]);
  }
  // mass-centre on a 6x6 image model: the box around a hot corner kills the output first
  const img = functionModel({ inputShape: [1, 6, 6], outputShape: [1], forward: (v) => [v.reduce((s, a, i) => s + a * (i < 8 ? 5 : 0.1), 0)] });
  const xs = new Float32Array(36).fill(1);
  const hot = Float32Array.from({ length: 36 }, (_, i) => (i === 0 ? 1 : 0));
  const m = await massCentreAblation(img, xs, hot, { ...base, substrate: 'zero', steps: 6 });
  assert.ok(m.scores[0] < controls(m)[0], `${m.scores[0]} vs control ${controls(m)[0]}`);
  assert.deepEqual(centreOfMass(hot, 6, 6), [0, 0]);
  const { steps } = boxRanking(geometry([1, 6, 6]), 0, 0, 6);
  assert.deepEqual(steps, [0, 1, 4, 9, 16, 25, 36]);
});

test('subset draws: a reused scratch array gives the same subsets and is left in order', async () => {
  const { sampleWithoutReplacement } = await import('./faithfulnessCorrelation.js');
  const { Rng } = await import('../random.js');
  const scratch = Int32Array.from({ length: 50 }, (_, i) => i);
  for (let seed = 0; seed < 5; seed++) {
    const fresh = sampleWithoutReplacement(50, 12, new Rng(seed));
    assert.deepEqual(sampleWithoutReplacement(50, 12, new Rng(seed), scratch), fresh);
    assert.deepEqual(sampleWithoutReplacement(50, 12, new Rng(seed), scratch, new Int32Array(12)), fresh);
    assert.equal(new Set(fresh).size, 12);
    assert.deepEqual(Array.from(scratch), Array.from({ length: 50 }, (_, i) => i));
  }
});
