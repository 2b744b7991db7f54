import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { loadOnnxModel } from '../../engine/onnx.js';
import { readNpy } from '../../io/npy.js';
import { classProbability } from '../../targets/index.js';
import { Rng } from '../../random.js';
import { igos } from './igos.js';
import { igospp } from './igospp.js';
import { boundedLoss, lineSearch, Orbit, type ScoreTerm } from './lineSearch.js';
import { l1Penalty, tvPenalty } from './regularizers.js';

const DIR = new URL('../../../fixtures/mask/', import.meta.url).pathname;

test('boundedLoss: the full loss in the order given, or a number above the limit only when the loss is above it', async () => {
  const rng = new Rng(3);
  for (let trial = 0; trial < 400; trial++) {
    const scores = Array.from({ length: 1 + rng.int(4) }, () => (rng.int(5) === 0 ? rng.int(2) : rng.float()));
    const signs = scores.map((_, j) => (j === 0 || rng.int(2) ? 1 : -1) as 1 | -1);
    let asked = 0;
    const terms: ScoreTerm[] = scores.map((s, j) => ({ sign: signs[j], score: async () => (asked++, s) }));
    const penalty = rng.float() * 3;
    let full = 0;
    scores.forEach((s, j) => (full = signs[j] > 0 ? full + s : full - s));
    full += penalty;
    const limit = full + (rng.float() - 0.5) * (trial % 2 ? 4 : 1e-12) * (rng.int(3) === 0 ? 0 : 1);
    const l = await boundedLoss(terms, penalty, limit, [0, 1]);
    assert.equal(l > limit, full > limit, `trial ${trial}: decision changed (loss ${full}, limit ${limit}, returned ${l})`);
    if (asked === scores.length) assert.equal(l, full);
    asked = 0;
    assert.equal(await boundedLoss(terms, penalty, Infinity, [0, 1]), full);
    assert.equal(asked, scores.length);
    asked = 0;
    assert.equal(await boundedLoss(terms, penalty, -Infinity, [-Infinity, Infinity]), full, 'an unbounded score must be computed');
  }
});

test('lineSearch: the bounded loss takes the same step as the full one, with fewer scores', async () => {
  const rng = new Rng(8);
  let full = 0, bounded = 0;
  for (let trial = 0; trial < 60; trial++) {
    const n = 16;
    const m = Float64Array.from({ length: n }, () => (rng.int(3) ? 1 : Math.fround(rng.float())));
    const grad = Float64Array.from({ length: n }, () => (rng.float() - 0.3) * 10 ** (-4 * rng.float()));
    const w = Float64Array.from({ length: n }, () => rng.float());
    // a probability-like score of the mask, and L1 + TV on it
    const score = (c: Float64Array) => 1 / (1 + Math.exp(-4 * c.reduce((s, v, i) => s + v * w[i], -n / 4)));
    const penalty = (c: Float64Array) => l1Penalty(c, 1).value + tvPenalty(c, 4, 4, 20).value;
    const a1 = await lineSearch(m, grad, async (c) => (full++, score(c)) + penalty(c), 1000);
    const a2 = await lineSearch(m, grad, (c, limit) => boundedLoss([{ sign: 1, score: async () => (bounded++, score(c)) }], penalty(c), limit, [0, 1]), 1000);
    assert.equal(a2, a1, `trial ${trial}`);
  }
  assert.ok(bounded < full, `scores asked: bounded ${bounded}, full ${full}`);
});

test('I-GOS and I-GOS++ on the fixture model: bound, cache and cycle stop give bit-identical masks to the plain search, with fewer model calls', async () => {
  const manifest = JSON.parse(readFileSync(DIR + 'manifest.json', 'utf8'));
  const image = readNpy(DIR + 'image.npy').data as Float32Array;
  const baseline = readNpy(DIR + 'baseline.npy').data as Float32Array;
  const model = await loadOnnxModel(DIR + 'tiny.onnx', { threads: 1 });
  try {
    const s = manifest.igos;
    // the plain search: a caller's own Target has no known range (every score is computed), and a path noise
    // too small to change any float32 pixel (1e-300) turns off the path cache and the cycle stop
    const own = classProbability(s.label, model.outputShape[0]);
    const cases = [
      { label: 'moving mask', noise: 0, plainNoise: 1e-300, l1: s.l1 },
      { label: 'mask in a cycle (L1 100)', noise: 0, plainNoise: 1e-300, l1: 100 },
      { label: 'path noise 0.2 (bound only)', noise: 0.2, plainNoise: 0.2, l1: s.l1 },
    ];
    for (const [name, method] of [['igos', igos], ['igospp', igospp]] as const) {
      for (const c of cases) {
        const o = { size: s.size, iterations: 7, steps: 4, tv: s.tv, alpha: s.alpha, l1: c.l1, seed: 5, baseline, curveSteps: 0 };
        const fast = await method(model, image, { ...o, noise: c.noise, target: s.label });
        const plain = await method(model, image, { ...o, noise: c.plainNoise, target: own });
        assert.deepEqual(fast.masks, plain.masks, `${name}, ${c.label}: masks differ`);
        const calls = [fast.timings.modelCalls, plain.timings.modelCalls];
        console.log(`${name}, ${c.label}: model calls ${calls[0]}, plain search ${calls[1]}`);
        assert.ok(calls[0] < calls[1], `${name}, ${c.label}: model calls ${calls[0]}, plain search ${calls[1]}`);
      }
    }
  } finally {
    await model.dispose();
  }
});

test('Orbit: the final state from a detected cycle is the state reached by running every iteration', () => {
  const rng = new Rng(2);
  for (let trial = 0; trial < 200; trial++) {
    // a deterministic map on a few states that falls into a cycle after a tail
    const states = 2 + rng.int(10);
    const next = Array.from({ length: states }, () => rng.int(states));
    const mask = (k: number) => Float64Array.from({ length: 5 }, (_, i) => Math.fround((k * 7 + i) / 100));
    const iterations = 1 + rng.int(30);
    const orbit = new Orbit(iterations, 0, 1 + rng.int(12));
    let k = 0;
    let early: Float64Array | undefined = orbit.visit(mask(k));
    let run = 0;
    for (let it = 0; it < iterations && !early; it++, run++) early = orbit.visit(mask((k = next[k])));
    let truth = 0;
    for (let it = 0; it < iterations; it++) truth = next[truth];
    assert.deepEqual(early ?? mask(k), mask(truth), `trial ${trial}`);
    assert.equal(new Orbit(iterations, 0.1).visit(mask(0)), undefined);
  }
});
