/**
 * LRP: defining properties on a small ReLU CNN without biases (LRP-epsilon with epsilon -> 0
 * is Input x Gradient; z+ conserves relevance exactly), conservation errors of every
 * composite reported, BatchNorm folding keeps the function, batched = unbatched, sessions
 * released. Agreement with Zennit and Captum: lrp.reference.test.ts.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { loadOnnxModel, openSessionCount } from '../../engine/onnx.js';
import { inputXGradient } from '../inputXGradient.js';
import { relativeL2 } from '../testing.js';
import { lrp } from './lrp.js';
import { COMPOSITES } from './composites.js';
import { GraphBuilder, int, ints, values } from './testModels.js';
import { loadOnnx } from '../../graph/onnx.js';
import { foldBatchNorm } from '../../graph/canonize.js';
import { saveOnnx } from '../../graph/onnx.js';

/** Conv-ReLU-MaxPool-Conv-ReLU-GlobalAveragePool-Flatten-Gemm, input [2, 8, 8]; biases and a BatchNorm optional. */
function reluCnn(opts: { bias: boolean; batchNorm?: boolean }): Uint8Array {
  const b = new GraphBuilder();
  const x = b.input([2, 8, 8]);
  const bias = (n: number, seed: number) => (opts.bias ? [b.floats(values(n, seed, -0.2, 0.2), [n])] : []);
  let h = b.op('Conv', [x, b.floats(values(4 * 2 * 9, 11), [4, 2, 3, 3]), ...bias(4, 12)], { pads: ints([1, 1, 1, 1]) });
  if (opts.batchNorm) {
    h = b.op('BatchNormalization', [h, b.floats(values(4, 21, 0.5, 1.5)), b.floats(values(4, 22, -0.3, 0.3)), b.floats(values(4, 23, -0.2, 0.2)), b.floats(values(4, 24, 0.5, 2))]);
  }
  h = b.op('MaxPool', [b.op('Relu', [h])], { kernel_shape: ints([2, 2]), strides: ints([2, 2]) });
  h = b.op('Relu', [b.op('Conv', [h, b.floats(values(6 * 4 * 9, 13), [6, 4, 3, 3]), ...bias(6, 14)], { pads: ints([1, 1, 1, 1]) })]);
  h = b.op('Flatten', [b.op('GlobalAveragePool', [h])], { axis: int(1) });
  return b.output(b.op('Gemm', [h, b.floats(values(3 * 6, 15), [3, 6]), ...bias(3, 16)], { transB: int(1) }));
}

/** Conv-ReLU-ConvTranspose(stride 2)-ReLU-AveragePool-Flatten-MatMul (no biases), and a Gemm + BatchNormalization head when asked. */
function otherLinearOps(opts: { gemmBatchNorm?: boolean } = {}): Uint8Array {
  const b = new GraphBuilder();
  const x = b.input([2, 8, 8]);
  let h = b.op('Relu', [b.op('Conv', [x, b.floats(values(3 * 2 * 9, 31), [3, 2, 3, 3])], { pads: ints([1, 1, 1, 1]), strides: ints([2, 2]) })]);
  h = b.op('Relu', [b.op('ConvTranspose', [h, b.floats(values(3 * 4 * 4, 32), [3, 4, 2, 2])], { strides: ints([2, 2]) })]);
  h = b.op('Flatten', [b.op('AveragePool', [h], { kernel_shape: ints([4, 4]), strides: ints([4, 4]) })], { axis: int(1) });
  if (opts.gemmBatchNorm) {
    h = b.op('Gemm', [h, b.floats(values(16 * 5, 35), [16, 5])], {});
    h = b.op('Relu', [b.op('BatchNormalization', [h, b.floats(values(5, 36, 0.5, 1.5)), b.floats(values(5, 37, -0.3, 0.3)), b.floats(values(5, 38, -0.2, 0.2)), b.floats(values(5, 39, 0.5, 2))])]);
    return b.output(b.op('Gemm', [h, b.floats(values(3 * 5, 40), [3, 5]), b.floats([0.1, -0.1, 0.2], [3])], { transB: int(1) }));
  }
  return b.output(b.op('MatMul', [h, b.floats(values(16 * 3, 33), [16, 3])]));
}

const X = Float32Array.from(values(3 * 2 * 64, 5, -1, 1));

test('ConvTranspose, AveragePool and MatMul: LRP-epsilon -> Input x Gradient and z+ conservation hold there too', async () => {
  const model = await loadOnnxModel(otherLinearOps(), { threads: 1 });
  try {
    const ixg = await inputXGradient(model, X, { target: 2 });
    const eps = await lrp(model, X, { target: 2, rule: 'epsilon:1e-12', stabilizer: 1e-12 });
    assert.ok(relativeL2(eps.values, ixg.values) < 1e-5, `${relativeL2(eps.values, ixg.values)}`);
    const zplus = await lrp(model, X, { target: 2, rule: 'zplus' });
    const f = (await model.run(X, { outputs: ['logits'] }))['logits'];
    for (let e = 0; e < 3; e++) assert.ok(Math.abs(zplus.delta[e]) < 1e-4 * Math.abs(f[e * 3 + 2]), `z+ delta ${zplus.delta[e]}`);
    for (const rule of ['flat', 'wsquare', 'alphabeta:2,1', 'gamma:0.5', 'zbox:-1,1']) {
      const r = await lrp(model, X, { target: 2, rule });
      assert.ok(r.values.every(Number.isFinite) && r.delta.every(Number.isFinite), rule);
    }
  } finally {
    await model.dispose();
  }
});

test('no biases: LRP-epsilon with epsilon -> 0 equals Input x Gradient, and z+ conserves relevance exactly', async () => {
  const model = await loadOnnxModel(reluCnn({ bias: false }), { threads: 1 });
  try {
    const ixg = await inputXGradient(model, X, { target: 1 });
    const eps = await lrp(model, X, { target: 1, rule: 'epsilon:1e-12', stabilizer: 1e-12 });
    const err = relativeL2(eps.values, ixg.values);
    console.log(`# LRP-epsilon(1e-12) vs Input x Gradient: ${err.toExponential(2)} relative L2; deltas ${Array.from(eps.delta, (d) => d.toExponential(1))}`);
    assert.ok(err < 1e-5, `${err}`);
    const zplus = await lrp(model, X, { target: 1, rule: 'zplus' });
    const f = await model.run(X, { outputs: ['logits'] });
    for (let e = 0; e < 3; e++) {
      const fx = f['logits'][e * 3 + 1];
      assert.ok(Math.abs(zplus.delta[e]) < 1e-4 * Math.abs(fx), `z+ conservation error ${zplus.delta[e]} for f(x) = ${fx}`);
    }
    // and z+ is not Input x Gradient (the test could tell them apart)
    assert.ok(relativeL2(zplus.values, ixg.values) > 1e-2);
  } finally {
    await model.dispose();
  }
});

test('every composite reports its conservation error; with biases epsilon leaks, and batched = unbatched', async () => {
  const sessions = openSessionCount();
  const model = await loadOnnxModel(reluCnn({ bias: true, batchNorm: true }), { threads: 1, batchSize: 3 });
  try {
    for (const composite of COMPOSITES) {
      const r = await lrp(model, X, { target: 2, composite, low: -1, high: 1 });
      assert.equal(r.delta.length, 3);
      assert.ok(r.delta.every(Number.isFinite), `${composite}: ${r.delta}`);
      console.log(`# ${composite}: conservation error sum(R) - f(x) = ${Array.from(r.delta, (d) => d.toExponential(2)).join(', ')}`);
      const one = await lrp(model, X, { target: 2, composite, low: -1, high: 1, batchSize: 1 });
      assert.ok(relativeL2(one.values, r.values) < 1e-6, composite);
    }
  } finally {
    await model.dispose();
  }
  assert.equal(openSessionCount(), sessions);
});

test('BatchNorm folding keeps the function (logits equal) and removes the BatchNormalization node', async () => {
  for (const graph of [loadOnnx(reluCnn({ bias: true, batchNorm: true })), loadOnnx(otherLinearOps({ gemmBatchNorm: true }))]) await checkFold(graph);
});

async function checkFold(graph: ReturnType<typeof loadOnnx>): Promise<void> {
  const folded = foldBatchNorm(graph);
  assert.equal(folded.nodes.filter((n) => n.opType === 'BatchNormalization').length, 0);
  assert.equal(graph.nodes.filter((n) => n.opType === 'BatchNormalization').length, 1);
  const a = await loadOnnxModel(saveOnnx(graph), { threads: 1 });
  const b = await loadOnnxModel(saveOnnx(folded), { threads: 1 });
  try {
    const ya = (await a.run(X, { outputs: ['logits'] }))['logits'];
    const yb = (await b.run(X, { outputs: ['logits'] }))['logits'];
    assert.ok(relativeL2(yb, ya) < 1e-6);
  } finally {
    await a.dispose();
    await b.dispose();
  }
}
