import test from 'node:test';
import assert from 'node:assert/strict';
import { gridMask } from '../../masks/grid.js';
import { load, pseudoRandom, relativeL2, smallCnnOnnx } from '../testing.js';
import { OnnxModel, openSessionCount } from '../../engine/onnx.js';
import { localConvNet } from '../../engine/testing.js';
import { relabel, type FeatureMask } from '../../masks/featureMask.js';
import { shapleySampling } from './shapleySampling.js';
import { allPermutations, exactShapley, interactionModel, interactions6, sameValues } from './testing.js';

const x = Float32Array.from([0.9, -1.2, 0.4, 1.5, 2.0, -0.7, /* second input */ 0.3, 0.8, -1.0, -0.2, 0.5, 1.1]);
const base = Float32Array.from([0.1, 0.2, -0.3, 0.0, -0.5, 0.4]);
const features = gridMask([1, 6], 1);
const exact = [0, 1].map((e) => exactShapley(interactions6, x.subarray(e * 6, e * 6 + 6), base));

test('Shapley sampling over every ordering equals the exact Shapley values (enumeration of 2^6 subsets)', async () => {
  const r = await shapleySampling(interactionModel(), x, { features, baseline: base, permutations: allPermutations(6) });
  for (let e = 0; e < 2; e++) for (let i = 0; i < 6; i++) assert.ok(Math.abs(r.values[e * 6 + i] - exact[e][i]) < 1e-5, `${e},${i}: ${r.values[e * 6 + i]} vs ${exact[e][i]}`);
  assert.equal(r.timings.forwardExamples, 2 * 2 + 2 * 720 * 5); // per input: baseline, all features, 5 steps per ordering
  await assert.rejects(shapleySampling(interactionModel(), x, { features, permutations: [[0, 1, 2, 3, 4, 4]] }), /not a permutation/);
});

test('Shapley sampling converges to the exact Shapley values as orderings are added; seeded', async () => {
  const errs: number[] = [];
  for (const samples of [20, 2000]) {
    const r = await shapleySampling(interactionModel(), x, { features, baseline: base, samples, seed: 3 });
    let err = 0;
    let norm = 0;
    for (let e = 0; e < 2; e++) for (let i = 0; i < 6; i++) (err += (r.values[e * 6 + i] - exact[e][i]) ** 2), (norm += exact[e][i] ** 2);
    errs.push(Math.sqrt(err / norm));
    // efficiency holds for every sample: sum phi = f(x) - f(baseline)
    for (let e = 0; e < 2; e++) {
      const sum = [...r.values.subarray(e * 6, e * 6 + 6)].reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(sum - (interactions6(x.subarray(e * 6)) - interactions6(base))) < 1e-4);
    }
  }
  console.log(`Shapley sampling, relative L2 to exact: ${errs.map((v) => v.toExponential(2)).join(' (20 orderings), ')} (2000)`);
  assert.ok(errs[1] < 0.02 && errs[1] < errs[0] / 3, `relative errors ${errs}`);
  const a = await shapleySampling(interactionModel(4), x, { features, baseline: base, samples: 30, seed: 9 });
  const b = await shapleySampling(interactionModel(1), x, { features, baseline: base, samples: 30, seed: 9 });
  const d = await shapleySampling(interactionModel(), x, { features, baseline: base, samples: 30, seed: 10 });
  assert.ok(sameValues(a.values, b.values), 'batched equals unbatched');
  assert.ok(!sameValues(a.values, d.values), 'another seed gives other orderings');
  // an input's orderings come from its own stream: alone or beside another input, the same numbers
  const alone = await shapleySampling(interactionModel(), x.subarray(0, 6), { features, baseline: base, samples: 30, seed: 9 });
  assert.ok(sameValues(alone.values, a.values.subarray(0, 6)));
});

test('Shapley sampling on a CNN with a grid: batch sizes agree', async () => {
  const cnn = await load(smallCnnOnnx(), { batchSize: 7 });
  const input = pseudoRandom(2 * 192, 4);
  const a = await shapleySampling(cnn, input, { samples: 3, batchSize: 7 });
  const b = await shapleySampling(cnn, input, { samples: 3, batchSize: 3 });
  assert.ok(sameValues(a.values, b.values));
  await cnn.dispose();
});

/** Irregular regions over [h, w]: nearest of 9 seeds under a wavy distance, two far regions merged into one (a disconnected feature). */
function irregularMask(h: number, w: number): FeatureMask {
  const seeds = Array.from({ length: 9 }, (_, i) => [((i * 7 + 3) % 9) * (h / 9) + 1.5, ((i * 4 + 1) % 9) * (w / 9) + 2]);
  const labels = Array.from({ length: h * w }, (_, p) => {
    const [y, x] = [Math.floor(p / w), p % w];
    const d = seeds.map(([sy, sx]) => Math.hypot(y - sy, x - sx) + 2.5 * Math.sin(0.9 * x + 0.4 * y));
    const k = d.indexOf(Math.min(...d));
    return k === 8 ? 0 : k;
  });
  return relabel(labels, [h, w]);
}

test('Shapley sampling through chained edits (runEdited) equals the plain path on a CNN with irregular regions; batched, seeded, sessions bounded', async () => {
  const shape = [3, 30, 32];
  const features = irregularMask(30, 32);
  assert.ok(features.count >= 7);
  const input = pseudoRandom(2 * 960 * 3, 8, -1, 2);
  const options = { features, samples: 3, seed: 4, target: [1, 6], baseline: 0.25 };
  const before = openSessionCount();
  for (const incremental of ['always', 'auto', { cut: 'add' }] as const) {
    const model = new OnnxModel(localConvNet(), { threads: 1, inputShape: shape, batchSize: 5, incremental });
    let chains = 0;
    const runEdited = model.runEdited.bind(model);
    model.runEdited = (base, edits, o) => {
      chains += o?.chained ? 1 : 0;
      return runEdited(base, edits, o);
    };
    try {
      const fast = await shapleySampling(model, input, options);
      assert.equal(chains, 2 * 3, 'one chained call per input and ordering');
      const plain = await shapleySampling(model, input, { ...options, incremental: false });
      assert.equal(chains, 2 * 3, 'incremental: false runs every point in full');
      const what = `incremental ${JSON.stringify(incremental)}`;
      assert.ok(relativeL2(fast.values, plain.values) <= 1e-5, `${what}: relative L2 ${relativeL2(fast.values, plain.values)}`);
      assert.ok(Math.hypot(...plain.values) > 1e-2, 'the attributions are not all zero');
      assert.equal(fast.timings.forwardExamples, plain.timings.forwardExamples);
      const small = await shapleySampling(model, input, { ...options, batchSize: 2 });
      assert.ok(relativeL2(small.values, fast.values) <= 1e-6, `${what}: chunks of 2 against 5: ${relativeL2(small.values, fast.values)}`);
      const alone = await shapleySampling(model, input.subarray(0, 2880), { ...options, target: 1 });
      assert.ok(relativeL2(alone.values, fast.values.subarray(0, 2880)) <= 1e-6, `${what}: the first input alone`);
      const sessions = openSessionCount();
      const again = await shapleySampling(model, input, options);
      assert.ok(sameValues(again.values, fast.values), 'same seed, same numbers');
      assert.ok(!sameValues((await shapleySampling(model, input, { ...options, seed: 5 })).values, fast.values), 'another seed, other orderings');
      assert.equal(openSessionCount(), sessions);
    } finally {
      await model.dispose();
    }
  }
  assert.equal(openSessionCount(), before);
});
