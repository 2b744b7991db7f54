/**
 * Attention rollout and Chefer's gradient-weighted rollout: a hand-built two-layer attention
 * model through the engine (rollout = product of row-normalised attention + identity), and the
 * tiny ViT fixture against PyTorch float64 references (scripts/make_arch_fixtures.py).
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Builder, load } from '../testing.js';
import { loadOnnxModel, openSessionCount } from '../../engine/onnx.js';
import { readNpy } from '../../io/npy.js';
import { relativeL2 } from '../../engine/numeric.js';
import { int64Tensor } from '../../graph/ir.js';
import { attentionRollout, gradientRollout, findAttentionTaps } from './index.js';

const T = 5, D = 3; // a class token + a 2 x 2 grid, 3 features

/** A1 = softmax(x x^T), y = A1 x, A2 = softmax(y y^T / 2), out = sum over tokens of dropout(A2) y; a decoy softmax on the output. */
function twoLayerOnnx(): { bytes: Uint8Array; attention: string[] } {
  const b = new Builder();
  const x = b.input([T, D]);
  const perm = { kind: 'ints' as const, value: [0, 2, 1] };
  const a1 = b.op('Softmax', [b.op('MatMul', [x, b.op('Transpose', [x], { perm })])], { axis: { kind: 'int', value: -1 } });
  const y = b.op('MatMul', [a1, x]);
  const s2 = b.op('Mul', [b.op('MatMul', [y, b.op('Transpose', [y], { perm })]), b.floats([0.5], [1])]);
  const a2 = b.op('Softmax', [s2], { axis: { kind: 'int', value: -1 } });
  // the second map reaches its MatMul through an inference Dropout (as in torchvision's Swin)
  const z = b.op('ReduceSum', [b.op('MatMul', [b.op('Dropout', [a2]), y]), b.init(int64Tensor([1]))], { keepdims: { kind: 'int', value: 0 } });
  const bytes = b.output(b.op('Softmax', [z], { axis: { kind: 'int', value: -1 } }));
  return { bytes, attention: [a1, a2] };
}

const softmaxRows = (s: number[][]) => s.map((r) => { const m = Math.max(...r); const e = r.map((v) => Math.exp(v - m)); const z = e.reduce((a, v) => a + v, 0); return e.map((v) => v / z); });
const mm = (a: number[][], b: number[][]) => a.map((r) => b[0].map((_, j) => r.reduce((s, v, k) => s + v * b[k][j], 0)));
const tr = (a: number[][]) => a[0].map((_, j) => a.map((r) => r[j]));
const plusIdentityRowNormalised = (a: number[][]) => a.map((r, i) => { const q = r.map((v, j) => v + (i === j ? 1 : 0)); const s = q.reduce((u, v) => u + v, 0); return q.map((v) => v / s); });

test('rollout on a hand-built two-layer model = (A2 + I)~ (A1 + I)~, class token row over the patches', async () => {
  const sessions = openSessionCount();
  const { bytes, attention } = twoLayerOnnx();
  const model = await load(bytes);
  try {
    assert.deepEqual(findAttentionTaps(model), attention, 'the two attention softmaxes, not the decoy on the output');
    const xs = Array.from({ length: T }, (_, i) => Array.from({ length: D }, (_, j) => Math.sin(1.3 * i + 0.7 * j + 0.2)));
    const a1 = softmaxRows(mm(xs, tr(xs)));
    const y = mm(a1, xs);
    const a2 = softmaxRows(mm(y, tr(y)).map((r) => r.map((v) => v / 2)));
    const r = mm(plusIdentityRowNormalised(a2), plusIdentityRowNormalised(a1));
    const expected = r[0].slice(1);
    const got = await attentionRollout(model, Float32Array.from(xs.flat()), { upsample: 'none', target: 0 });
    assert.deepEqual(got.shape, [1, 2, 2]);
    assert.ok(relativeL2(got.values, expected) < 1e-6, `${Array.from(got.values)} vs ${expected}`);
    assert.ok(Math.abs(expected[0] - expected[3]) > 1e-3, 'a map that does not vary proves little');
  } finally {
    await model.dispose();
  }
  assert.equal(openSessionCount(), sessions);
});

const VIT = new URL('../../../fixtures/arch/', import.meta.url).pathname;
const npy = (what: string) => readNpy(join(VIT, `tiny_vit_tokens.${what}.npy`)).data as Float32Array;

test('tiny ViT: rollout and Chefer maps match PyTorch float64; batched equals unbatched; upsampled to 32 x 32', async () => {
  const sessions = openSessionCount();
  const model = await loadOnnxModel(join(VIT, 'tiny_vit_tokens.onnx'));
  try {
    const x = npy('input');
    assert.equal(findAttentionTaps(model).length, 2);
    const roll = await attentionRollout(model, x, { upsample: 'none', target: 3 });
    const chefer = await gradientRollout(model, x, { upsample: 'none', target: 3 });
    const eRoll = relativeL2(roll.values, npy('rollout'));
    const eChefer = relativeL2(chefer.values, npy('chefer'));
    console.log(`tiny ViT vs PyTorch: rollout ${eRoll.toExponential(2)}, chefer ${eChefer.toExponential(2)}`);
    assert.ok(eRoll < 1e-5 && eChefer < 1e-4, `rollout ${eRoll}, chefer ${eChefer}`);
    const single = await gradientRollout(model, x, { upsample: 'none', target: 3, batchSize: 1 });
    assert.ok(relativeL2(single.values, chefer.values) < 1e-6);
    const up = await gradientRollout(model, x, { target: 3 });
    assert.deepEqual(up.shape, [2, 32, 32]);
    // bilinear, half-pixel centres: pixel (3.5, 3.5)'s neighbours average the first token's cell
    assert.ok(Math.abs(up.values[0] - chefer.values[0]) < 1e-6, 'the corner keeps the corner token');
  } finally {
    await model.dispose();
  }
  assert.equal(openSessionCount(), sessions);
});

test('Swin window attention: found by pattern, refused by rollout with the reason', async () => {
  const model = await loadOnnxModel(join(VIT, 'tiny_swin.onnx'));
  try {
    assert.equal(findAttentionTaps(model).length, 2);
    const x = readNpy(join(VIT, 'tiny_swin.input.npy')).data as Float32Array;
    await assert.rejects(attentionRollout(model, x, { target: 0 }), /windows per input \(window attention/);
  } finally {
    await model.dispose();
  }
});
