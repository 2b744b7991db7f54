/**
 * Guided backprop and deconvnet: the defining rules on analytic graphs for every ReLU-like
 * op (y = v . act(W x): guided = W^T relu(v * act'(Wx)), deconvnet = W^T relu(v)), the plain
 * gradient untouched elsewhere, and agreement with Captum's GuidedBackprop / Deconvolution
 * (fixtures/propagation, scripts/make_propagation_fixtures.py) within 1e-4 relative L2.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadOnnxModel, openSessionCount } from '../../engine/onnx.js';
import { readNpy } from '../../io/npy.js';
import { gradient } from '../gradient.js';
import { relativeL2 } from '../testing.js';
import { guidedBackprop } from './guidedBackprop.js';
import { deconvnet } from './deconvnet.js';
import { GraphBuilder, float, int, values } from './testModels.js';
import { gradientRules, registerRuleSet } from '../../graph/rules/index.js';
import { classLogit } from '../../targets/index.js';

const D = 6;
const K = 5;
const W = values(K * D, 1);
const V = values(K, 2, -1, 1);

type Act = { op: string; f: (z: number) => number; d: (z: number) => number; extra?: (b: GraphBuilder) => string[]; attrs?: Record<string, ReturnType<typeof float>> };
const ACTS: Act[] = [
  { op: 'Relu', f: (z) => Math.max(z, 0), d: (z) => (z > 0 ? 1 : 0) },
  { op: 'Clip', f: (z) => Math.min(Math.max(z, 0), 6), d: (z) => (z > 0 && z < 6 ? 1 : 0), extra: (b) => [b.floats([0], []), b.floats([6], [])] },
  { op: 'LeakyRelu', f: (z) => (z > 0 ? z : 0.1 * z), d: (z) => (z > 0 ? 1 : 0.1), attrs: { alpha: float(0.1) } },
  { op: 'HardSwish', f: (z) => z * Math.min(Math.max(z / 6 + 0.5, 0), 1), d: (z) => (z < -3 ? 0 : z > 3 ? 1 : z / 3 + 0.5) },
  { op: 'HardSigmoid', f: (z) => Math.min(Math.max(0.2 * z + 0.5, 0), 1), d: (z) => (z > -2.5 && z < 2.5 ? 0.2 : 0) },
];

function actModel(act: Act): Uint8Array {
  const b = new GraphBuilder();
  const x = b.input([D]);
  const z = b.op('Gemm', [x, b.floats(W, [K, D])], { transB: int(1) });
  const a = b.op(act.op, [z, ...(act.extra?.(b) ?? [])], act.attrs ?? {});
  return b.output(b.op('Gemm', [a, b.floats(V, [1, K])], { transB: int(1) }));
}

for (const act of ACTS) {
  test(`${act.op} is ReLU-like: guided = W^T relu(v act'(Wx)), deconvnet = W^T relu(v), gradient unchanged`, async () => {
    const model = await loadOnnxModel(actModel(act), { threads: 1 });
    try {
      // inputs spread so that every branch of the activation is visited
      const x = Float32Array.from(values(4 * D, 3, -4, 4));
      const guided = (await guidedBackprop(model, x, { target: 0 })).values;
      const deconv = (await deconvnet(model, x, { target: 0 })).values;
      const plain = (await gradient(model, x, { target: 0 })).values;
      for (let e = 0; e < 4; e++) {
        const z = Array.from({ length: K }, (_, k) => W.slice(k * D, (k + 1) * D).reduce((s, w, j) => s + w * x[e * D + j], 0));
        for (let j = 0; j < D; j++) {
          let g = 0;
          let gd = 0;
          let gp = 0;
          for (let k = 0; k < K; k++) {
            g += W[k * D + j] * Math.max(0, V[k] * act.d(z[k]));
            gd += W[k * D + j] * Math.max(0, V[k]);
            gp += W[k * D + j] * V[k] * act.d(z[k]);
          }
          assert.ok(Math.abs(guided[e * D + j] - g) < 1e-5, `guided ${act.op} [${e},${j}]: ${guided[e * D + j]} vs ${g}`);
          assert.ok(Math.abs(deconv[e * D + j] - gd) < 1e-5, `deconvnet ${act.op} [${e},${j}]: ${deconv[e * D + j]} vs ${gd}`);
          assert.ok(Math.abs(plain[e * D + j] - gp) < 1e-5, `gradient ${act.op} [${e},${j}]`);
        }
      }
      // the guided map differs from the gradient here (a negative gradient was stopped)
      assert.ok(relativeL2(guided, plain) > 1e-2);
    } finally {
      await model.dispose();
    }
  });
}

const FIX = new URL('../../../fixtures/', import.meta.url).pathname;
const npy = (file: string) => readNpy(file).data as Float32Array;

for (const [name, files] of [
  ['tiny_vgg', { guided: 'guided', deconvnet: 'deconvnet' }],
  ['tiny_resnet', { guided: 'guided', deconvnet: 'deconvnet' }],
  ['tiny_mobilenet', { guided: 'guided_relu6', deconvnet: 'deconvnet_relu6' }],
] as const) {
  test(`${name}: guided backprop and deconvnet agree with Captum (1e-4 relative L2), batched = unbatched`, async () => {
    const sessions = openSessionCount();
    const model = await loadOnnxModel(join(FIX, 'torch', `${name}.onnx`), { threads: 1 });
    try {
      const x = npy(join(FIX, 'torch', `${name}.input.npy`));
      const target = [3, 7];
      const guided = await guidedBackprop(model, x, { target });
      const deconv = await deconvnet(model, x, { target });
      const eg = relativeL2(guided.values, npy(join(FIX, 'propagation', `${name}.${files.guided}.npy`)));
      const ed = relativeL2(deconv.values, npy(join(FIX, 'propagation', `${name}.${files.deconvnet}.npy`)));
      console.log(`# ${name}: guided ${eg.toExponential(2)}, deconvnet ${ed.toExponential(2)} relative L2 vs Captum`);
      assert.ok(eg < 1e-4, `guided: ${eg}`);
      assert.ok(ed < 1e-4, `deconvnet: ${ed}`);
      if (name === 'tiny_mobilenet') {
        // Captum's own GuidedBackprop skips nn.ReLU6: ours does not, so the maps differ
        const captum = relativeL2(guided.values, npy(join(FIX, 'propagation', `${name}.guided_captum.npy`)));
        console.log(`# ${name}: plain Captum GuidedBackprop (ReLU6 ignored) differs by ${captum.toExponential(2)}`);
        assert.ok(captum > 1e-2);
      }
      const one = await guidedBackprop(model, x, { target, batchSize: 1 });
      assert.ok(relativeL2(one.values, guided.values) < 1e-6);
    } finally {
      await model.dispose();
    }
    assert.equal(openSessionCount(), sessions);
  });
}

test('a rule set registered by a user is usable by name through model.run', async () => {
  registerRuleSet('test-abs-relu', { ...gradientRules, Relu: (_node, [dY], ctx) => [ctx.op('Abs', [dY!])] });
  const model = await loadOnnxModel(actModel(ACTS[0]), { threads: 1 });
  try {
    const x = Float32Array.from(values(D, 7, -4, 4));
    const r = await model.run(x, { gradients: { seed: classLogit(0, 1), wrt: ['input'], rule: 'test-abs-relu' } });
    for (let j = 0; j < D; j++) {
      const expected = Array.from({ length: K }, (_, k) => W[k * D + j] * Math.abs(V[k])).reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(r['grad:input'][j] - expected) < 1e-5);
    }
  } finally {
    await model.dispose();
  }
});
