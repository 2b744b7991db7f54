/**
 * evaluate(): every registered metric runs through its descriptor on a small CNN for two
 * methods, giving a methods x metrics table; repeated evaluations keep the session count;
 * names are those of the issue; missing needs fail with a message naming the fix.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { openSessionCount } from '../engine/onnx.js';
import { gradient } from '../methods/gradient.js';
import { integratedGradients } from '../methods/integratedGradients.js';
import { load, pseudoRandom, smallCnnOnnx } from '../methods/testing.js';
import type { Model } from '../engine/model.js';
import type { TargetSpec } from '../methods/attribution.js';
import type { OptionSchema } from '../methods/descriptor.js';
import { evaluate, formatEvaluation, spread } from './evaluate.js';
import { getMetric, listMetrics } from './registry.js';

const NAMES = ['deletion', 'insertion', 'pixel-flipping', 'aopc', 'road', 'irof', 'faithfulness-correlation', 'infidelity', 'max-sensitivity', 'avg-sensitivity', 'local-lipschitz', 'ris', 'ros', 'fragility', 'sufficiency', 'sparseness', 'complexity', 'effective-complexity', 'pointing-game', 'energy-pointing-game', 'relevance-mass', 'relevance-rank', 'topk-intersection', 'topk-ablation', 'masscentre-ablation'];

test('the catalog holds the issue\'s metric names; lookup ignores case and dashes', () => {
  const names = listMetrics().map((d) => d.name);
  for (const n of NAMES) assert.ok(names.includes(n), n);
  assert.equal(getMetric('Pixel_Flipping').name, 'pixel-flipping');
  assert.equal(getMetric('region-perturbation').name, 'aopc');
  assert.throws(() => getMetric('nope'), /unknown metric 'nope'/);
  for (const d of listMetrics()) assert.ok(d.cost(2, Object.fromEntries(Object.entries(d.options as OptionSchema).map(([k, v]) => [k, v.default])), [3, 8, 8]) >= 0, d.name);
});

test('evaluate: every metric x two methods, plain data, sessions bounded', async () => {
  const before = openSessionCount();
  const model = await load(smallCnnOnnx(), { batchSize: 16, maxSessions: 6 });
  const x = pseudoRandom(2 * 192, 21);
  const target = [1, 3];
  const explainIg = async (m: Model, input: Float32Array, t: TargetSpec) => (await integratedGradients(m, input, { target: t, steps: 4 })).values;
  const explainGrad = async (m: Model, input: Float32Array, t: TargetSpec) => (await gradient(m, input, { target: t })).values;
  const attributions = { gradient: await explainGrad(model, x, target), ig: await explainIg(model, x, target) };
  const mask = Float32Array.from({ length: 128 }, (_, i) => ((i % 64) < 24 ? 1 : 0));
  const options = {
    target, seed: 2, groundTruth: mask,
    explain: { gradient: explainGrad, ig: explainIg },
    metricOptions: {
      'faithfulness-correlation': { runs: 8, subsetSize: 6 }, deletion: { steps: 8 }, insertion: { steps: 8, sigma: 1 },
      'pixel-flipping': { featuresInStep: 8 }, aopc: { patchSize: 2, regions: 6 }, road: { percentStep: 20 }, irof: { patchSize: 4 },
      'max-sensitivity': { samples: 2 }, 'avg-sensitivity': { samples: 2 }, 'local-lipschitz': { samples: 2 }, ris: { samples: 2 }, ros: { samples: 2 },
      'topk-ablation': { steps: 4 }, fragility: { iterations: 2, candidates: 2 }, 'masscentre-ablation': { steps: 4 }, 'topk-intersection': { k: 10 },
    },
  };
  let sessions = 0;
  try {
    for (let round = 0; round < 2; round++) {
      const e = await evaluate(model, x, attributions, NAMES, options);
      assert.equal(e.rows.length, 2 * NAMES.length);
      assert.deepEqual(e.methods, ['gradient', 'ig']);
      for (const r of e.rows) assert.equal(r.scores.length, 2, `${r.method} ${r.metric}`);
      for (const r of e.rows) if (r.metric !== 'pointing-game') assert.ok(r.count >= 1, `${r.method} ${r.metric}: no finite score`);
      assert.ok(e.results.ig.deletion.curves!.y.length === 2);
      const table = formatEvaluation(e);
      assert.match(table, /^method\s+deletion ↓/);
      JSON.stringify(e.rows); // plain data
      if (round === 0) sessions = openSessionCount();
      assert.equal(openSessionCount(), sessions);
    }
    const seen: string[] = [];
    await evaluate(model, x, { ig: attributions.ig }, ['deletion'], { target, progress: (m, k, done, total) => seen.push(`${m} ${k} ${done}/${total}`) });
    assert.equal(seen[seen.length - 1], 'ig deletion 130/130'); // 2 inputs x 65 distinct points (64 pixels)
    await assert.rejects(evaluate(model, x, attributions, ['max-sensitivity'], { target }), /explain\['gradient'\]/);
    await assert.rejects(evaluate(model, x, attributions, ['pointing-game'], { target }), /ground-truth/);
    await assert.rejects(evaluate(model, x, attributions, ['deletion'], { target, metricOptions: { deletion: { stepz: 3 } } }), /no option 'stepz'/);
  } finally {
    await model.dispose();
  }
  assert.equal(openSessionCount(), before);
});

test('spread ignores NaN scores', () => {
  const s = spread([1, NaN, 3, 2]);
  assert.deepEqual([s.mean, s.median, s.min, s.max, s.count], [2, 2, 1, 3, 3]);
  assert.equal(s.sd, 1);
});
