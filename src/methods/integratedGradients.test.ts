/**
 * Integrated Gradients: the axioms on analytic models (through the real ONNX engine and
 * through plain-function models), completeness on CNNs, autoSteps, batching, targets,
 * and the black-baseline blindness the baselines article is about.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { integratedGradients } from './integratedGradients.js';
import { gradient } from './gradient.js';
import { QUADRATURES, quadrature } from './quadrature.js';
import {
  load,
  linearFunction,
  linearOnnx,
  polynomialFunction,
  polynomialOnnx,
  pseudoRandom,
  relativeL2,
  saturatingReluOnnx,
  smallCnnOnnx,
} from './testing.js';
import { loadOnnxModel } from '../engine/onnx.js';
import { classProbability } from '../targets/index.js';
import { maxDistanceBaseline } from '../baselines/maxDistance.js';
import { uniformBaseline } from '../baselines/uniform.js';
import { constantBaseline } from '../baselines/constant.js';

const FIXTURES = new URL('../../fixtures/torch/', import.meta.url).pathname;

test('sensitivity: f(x) = 1 - ReLU(1 - x) at x = 2, baseline 0: gradient 0, IG 1', async () => {
  const model = await load(saturatingReluOnnx());
  try {
    const x = Float32Array.of(2);
    const g = await gradient(model, x);
    assert.equal(g.values[0] + 0, 0); // + 0: either signed zero (the Sub rule negates after its reduction)
    // riemann_middle with an even step count puts exactly half the points below the kink
    const ig = await integratedGradients(model, x, { baseline: 0, method: 'riemann_middle', steps: 50 });
    assert.equal(ig.values[0], 1);
    assert.equal(ig.delta![0], 0);
    assert.deepEqual([ig.outputs!.input[0], ig.outputs!.baseline[0]], [1, 0]);
    // Gauss-Legendre (Captum's default) on the kink: close, and the delta says how close
    const gl = await integratedGradients(model, x, { baseline: 0 });
    assert.ok(Math.abs(gl.values[0] - 1) < 0.05, `${gl.values[0]}`);
    assert.ok(Math.abs(gl.delta![0] - (gl.values[0] - 1)) < 1e-6);
  } finally {
    await model.dispose();
  }
});

const W = [
  [0.5, -2, 1.5, 3],
  [-1, 0.25, 2, -0.5],
];
const BIAS = [0.3, -0.7];

for (const [kind, make] of [
  ['ONNX Gemm', () => load(linearOnnx(W, BIAS), { batchSize: 8 })],
  ['function model', async () => linearFunction(W, BIAS, 8)],
] as const) {
  test(`linear model (${kind}): gradient = w, IG = w * (x - x') for every quadrature`, async () => {
    const model = await make();
    try {
      const x = Float32Array.of(1, 2, -3, 0.5, -1, 0.25, 4, 2);
      const xb = Float32Array.of(0.5, -1, 1, 2);
      const target = [0, 1];
      const g = await gradient(model, x, { target });
      assert.deepEqual(Array.from(g.values), [...W[0], ...W[1]]);
      for (const method of [...QUADRATURES, 'trapezoid' as const]) {
        for (const steps of [2, 7, 50]) {
          const ig = await integratedGradients(model, x, { target, baseline: xb, method, steps });
          const scale = quadrature(method, steps).weights.reduce((a, b) => a + b, 0); // Captum's trapezoid: (n-1)/n
          const expected = Array.from(x, (v, i) => W[target[Math.floor(i / 4)]][i % 4] * (v - xb[i % 4]) * scale);
          for (let i = 0; i < 8; i++) {
            assert.ok(Math.abs(ig.values[i] - expected[i]) <= 1e-6 * Math.max(1, Math.abs(expected[i])), `${method} ${steps}: ${ig.values[i]} vs ${expected[i]}`);
          }
          if (scale === 1) for (const d of ig.delta!) assert.ok(Math.abs(d) < 1e-5, `${method} delta ${d}`);
        }
      }
    } finally {
      await model.dispose();
    }
  });
}

test('analytic f = 5x + y^2 + tanh z (ONNX) and 5x + y^2 + sin z (function): IG_i = f_i(x_i) - f_i(x\'_i)', async () => {
  const x = Float32Array.of(1.5, -2, 0.8, 0.3, 1.2, -1.1);
  const b = Float32Array.of(-0.5, 0.5, -0.4);
  for (const [model, third] of [
    [await load(polynomialOnnx()), Math.tanh],
    [polynomialFunction(), Math.sin],
  ] as const) {
    try {
      const ig = await integratedGradients(model, x, { baseline: b, steps: 20 });
      for (let e = 0; e < 2; e++) {
        const [p, q, r] = x.subarray(3 * e, 3 * e + 3);
        const expected = [5 * (p - b[0]), q * q - b[1] * b[1], third(r) - third(b[2])];
        for (let i = 0; i < 3; i++) assert.ok(Math.abs(ig.values[3 * e + i] - expected[i]) < 2e-5, `${ig.values[3 * e + i]} vs ${expected[i]}`);
        assert.ok(Math.abs(ig.delta![e]) < 5e-5);
      }
    } finally {
      await model.dispose();
    }
  }
});

async function completenessAndAutoSteps(model: Awaited<ReturnType<typeof loadOnnxModel>>, x: Float32Array): Promise<void> {
  const rel: number[] = [];
  for (const steps of [4, 16, 64, 256]) {
    const ig = await integratedGradients(model, x, { steps, method: 'riemann_middle' });
    const scale = ig.outputs!.input.map((v, e) => Math.abs(v - ig.outputs!.baseline[e]));
    rel.push(Math.max(...Array.from(ig.delta!, (d, e) => Math.abs(d) / scale[e])));
  }
  assert.ok(rel[3] < rel[0] / 4 && rel[3] < 0.02, `relative delta should shrink with steps: ${rel.map((r) => r.toExponential(2))}`);
  const auto = await integratedGradients(model, x, { steps: 4, method: 'riemann_middle', autoSteps: { tolerance: 0.01 } });
  const c = auto.convergence!;
  assert.ok(c.converged.every(Boolean), JSON.stringify(c.curve));
  auto.delta!.forEach((d, e) => assert.ok(Math.abs(d) <= 0.01 * Math.abs(auto.outputs!.input[e] - auto.outputs!.baseline[e])));
  assert.equal(c.curve[0].steps, 4);
  assert.ok(c.curve.length >= 2 && c.curve.every((p, i) => i === 0 || p.steps === 2 * c.curve[i - 1].steps));
  // each input's steps: the last count at which it was computed
  c.steps.forEach((s, e) => assert.equal(s, Math.max(...c.curve.filter((p) => !Number.isNaN(p.delta[e])).map((p) => p.steps))));
}

test('completeness on a small CNN: delta shrinks as steps grow; autoSteps meets its tolerance', async () => {
  const model = await load(smallCnnOnnx());
  try {
    await completenessAndAutoSteps(model, pseudoRandom(3 * 3 * 8 * 8, 3, 0, 1));
  } finally {
    await model.dispose();
  }
});

test('completeness on a PyTorch fixture CNN (tiny_resnet): delta shrinks; autoSteps meets its tolerance', async () => {
  const model = await loadOnnxModel(join(FIXTURES, 'tiny_resnet.onnx'), { threads: 1 });
  try {
    await completenessAndAutoSteps(model, pseudoRandom(2 * 3 * 32 * 32, 5, -1, 1));
  } finally {
    await model.dispose();
  }
});

test('black-baseline blindness: pixels equal to the baseline get exactly zero; max-distance and uniform do not', async () => {
  const model = await load(smallCnnOnnx(), { inputRange: [0, 1] });
  try {
    const x = pseudoRandom(3 * 8 * 8, 7, 0, 1);
    const black: number[] = [];
    for (let i = 0; i < x.length; i += 5) {
      x[i] = 0;
      black.push(i);
    }
    const ig = await integratedGradients(model, x, { steps: 16 });
    assert.equal(ig.params['baseline'], 'tensor[192]');
    for (const i of black) assert.ok(ig.values[i] === 0, `pixel ${i}: ${ig.values[i]}`); // 0 or -0
    for (const baseline of [maxDistanceBaseline(model), uniformBaseline(model)]) {
      const other = await integratedGradients(model, x, { steps: 16, baseline });
      const nonzero = black.filter((i) => other.values[i] !== 0).length;
      assert.ok(nonzero >= 0.9 * black.length, `${baseline.label}: ${nonzero} of ${black.length} black pixels attributed`);
    }
  } finally {
    await model.dispose();
  }
});

test('batched equals unbatched; each input alone equals the input in a batch', async () => {
  const x = pseudoRandom(3 * 3 * 8 * 8, 11, 0, 1);
  const per = 3 * 8 * 8;
  const results = [];
  for (const batchSize of [1, 5, 16]) {
    const model = await load(smallCnnOnnx(), { batchSize });
    try {
      results.push(await integratedGradients(model, x, { steps: 10, target: [0, 2, 3] }));
      if (batchSize === 5) {
        const alone = await integratedGradients(model, x.subarray(per, 2 * per), { steps: 10, target: 2 });
        assert.ok(relativeL2(alone.values, results[1].values.subarray(per, 2 * per)) < 1e-6);
      }
    } finally {
      await model.dispose();
    }
  }
  assert.ok(relativeL2(results[0].values, results[1].values) < 1e-6);
  assert.ok(relativeL2(results[0].values, results[2].values) < 1e-6);
  assert.equal(results[0].timings.backwardExamples, 30);
});

test('targets: a probability target, and the default (top class) target', async () => {
  const model = await load(smallCnnOnnx());
  try {
    const x = pseudoRandom(2 * 3 * 8 * 8, 13, 0, 1);
    const ig = await integratedGradients(model, x, { target: classProbability([1, 2], 4), method: 'riemann_middle', steps: 64 });
    ig.delta!.forEach((d, e) => assert.ok(Math.abs(d) < 0.02 * Math.abs(ig.outputs!.input[e] - ig.outputs!.baseline[e]) + 1e-6));
    assert.match(ig.target, /probability/);
    const top = await integratedGradients(model, x, { steps: 8 });
    const logits = (await model.run(x, { outputs: ['logits'] }))['logits'];
    const classes = [0, 1].map((e) => Array.from(logits.subarray(4 * e, 4 * e + 4)).reduce((b, v, k, a) => (v > a[b] ? k : b), 0));
    const explicit = await integratedGradients(model, x, { steps: 8, target: classes });
    assert.deepEqual(top.values, explicit.values);
  } finally {
    await model.dispose();
  }
});

test('the default black baseline respects preprocessing (black in pixel space, not zero)', async () => {
  const model = await load(smallCnnOnnx());
  try {
    const preprocessing = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
    const x = pseudoRandom(3 * 8 * 8, 17, -2, 2);
    const ig = await integratedGradients(model, x, { preprocessing, steps: 8, target: 1 });
    const black = constantBaseline(model, 'black', preprocessing);
    assert.ok(Math.abs(black[0] - -0.485 / 0.229) < 1e-6 && Math.abs(black[3 * 8 * 8 - 1] - -0.406 / 0.225) < 1e-6);
    const explicit = await integratedGradients(model, x, { baseline: black, steps: 8, target: 1 });
    assert.deepEqual(ig.values, explicit.values);
    const zero = await integratedGradients(model, x, { baseline: 0, steps: 8, target: 1 });
    assert.notDeepEqual(ig.values, zero.values);
  } finally {
    await model.dispose();
  }
});
