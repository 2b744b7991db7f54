/**
 * Every method of issue 12 (perturbation, sampling, regions, Blur/Guided/GG IG), run from its
 * registry entry with its defaults on a small smooth RGB model: the same seed gives the same
 * map, whatever the batch size (batched equals unbatched), and the methods that draw at
 * random give another map under another seed.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { functionModel } from '../../engine/function.js';
import { getMethod } from '../registry.js';
import type { OptionSpec } from '../descriptor.js';
import { pseudoRandom } from '../testing.js';

const NAMES = ['occlusion', 'featureablation', 'featurepermutation', 'shapleysampling', 'kernelshap', 'lime', 'rise', 'sobol', 'xrai', 'blurig', 'guidedig', 'ggig'];
const SHAPE = [3, 10, 10];
const PER = 300;

/** f_k(x) = tanh(w_k . x) + 0.1 v_k . x^2 for two classes, with its exact gradient. */
function smoothModel(batchSize: number) {
  const w = [pseudoRandom(PER, 1, -0.2, 0.2), pseudoRandom(PER, 2, -0.2, 0.2)];
  const v = [pseudoRandom(PER, 3, -1, 1), pseudoRandom(PER, 4, -1, 1)];
  const dot = (a: Float32Array, x: Float32Array) => a.reduce((s, ai, i) => s + ai * x[i], 0);
  return functionModel({
    inputShape: SHAPE,
    outputShape: [2],
    inputRange: [0, 1],
    batchSize,
    forward: (x) => [0, 1].map((k) => Math.tanh(dot(w[k], x)) + 0.1 * v[k].reduce((s, vi, i) => s + vi * x[i] * x[i], 0)),
    vjp: (x, c) => {
      const g = new Float64Array(PER);
      for (const k of [0, 1]) {
        const t = Math.tanh(dot(w[k], x));
        for (let i = 0; i < PER; i++) g[i] += c[k] * ((1 - t * t) * w[k][i] + 0.2 * v[k][i] * x[i]);
      }
      return g;
    },
  });
}

test('each method of the perturbation and region families: same seed same map, batched equals unbatched, another seed another map when random', async () => {
  const x = pseudoRandom(3 * PER, 9); // three inputs: with two, feature permutation's only derangement is the swap
  for (const name of NAMES) {
    const d = getMethod(name);
    const options = Object.fromEntries(Object.entries(d.options as Record<string, OptionSpec>).map(([k, o]) => [k, o.default]));
    const run = (batchSize: number, seed: number) => d.run(smoothModel(batchSize), x, options, { target: 1, seed, batchSize });
    const a = await run(7, 3);
    const b = await run(1, 3);
    assert.ok(a.values.every(Number.isFinite), `${name}: finite`);
    assert.ok(a.values.some((v) => v !== 0), `${name}: not all zero`);
    assert.deepEqual(Array.from(b.values), Array.from(a.values), `${name}: batch 1 gives the values of batch 7`);
    const random = typeof d.random === 'function' ? d.random(options, { randomBaseline: false, inputShape: SHAPE }) : d.random;
    if (random) {
      const c = await run(7, 4);
      assert.notDeepEqual(Array.from(c.values), Array.from(a.values), `${name}: another seed, another map`);
    }
  }
});
