/**
 * Gradient checks of every backward rule in gradientRules: the gradient graph run in
 * onnxruntime against central finite differences (float64 where onnxruntime has double
 * kernels; float32 islands otherwise, reported as 'mixed'). Plus exact tie-breaking tests
 * for max pooling and the error for ops without a rule.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import type { DType, Graph, Tensor } from '../ir.js';
import { float32Tensor, int64Tensor, sizeOf } from '../ir.js';
import type { AttrValue } from '../ir.js';
import { inferShapes } from '../shapes.js';
import { buildGradientGraph, UnsupportedOpError } from '../autodiff.js';
import { gradientRules, supportedOps } from './index.js';
import {
  checkGradient,
  computeGradients,
  float32Runner,
  makeGraph,
  makeRng,
  opGraph,
  randomData,
  type Feed,
  type GradCheckOptions,
  type GradCheckResult,
  type InputKind,
  type OpGraphOptions,
  type OpInput,
} from '../../engine/gradcheck.js';

// tf_half_pixel_for_nn is deprecated since opset 13 and onnxruntime warns each time it sees it
ort.env.logLevel = 'error';

const rng = makeRng(20240611);
const F = (value: number): AttrValue => ({ kind: 'float', value });
const FS = (value: number[]): AttrValue => ({ kind: 'floats', value });
/** A random float32 constant (weights). */
const W = (dims: number[], kind: InputKind = 'normal') => float32Tensor(randomData(sizeOf(dims), rng, kind), dims);

const covered = new Set<string>();
const worst = new Map<string, { relErr: number; precision: string; label: string }>();
const TOL = { float64: 1e-4, mixed: 1e-3, float32: 1e-2 } as const;

interface CheckOptions {
  /** How float inputs are drawn (one kind, or per input name). Default 'normal'. */
  kind?: InputKind | Record<string, InputKind>;
  /** Multiply the random inputs (to reach both sides of a kink, e.g. Clip(0, 6)). */
  scale?: number;
  /** The op is linear in its inputs: finite differences are exact, so islands can use a big step. */
  linear?: boolean;
  /** Inputs that are not random floats (indices ...). */
  feeds?: Record<string, Feed>;
  opts?: GradCheckOptions;
}

/** A seed from the label, so that adding a test does not change the inputs of the others. */
function labelSeed(label: string): number {
  let h = 2166136261;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 16777619);
  return h >>> 0;
}

async function check(group: string, label: string, graph: Graph, c: CheckOptions = {}): Promise<GradCheckResult> {
  for (const n of graph.nodes) covered.add(n.opType);
  const rng = makeRng(labelSeed(label));
  const feeds: Record<string, Feed> = { ...c.feeds };
  for (const input of graph.inputs) {
    if (feeds[input.name]) continue;
    const dims = input.shape as number[];
    const kind = typeof c.kind === 'object' ? (c.kind[input.name] ?? 'normal') : (c.kind ?? 'normal');
    const data = randomData(sizeOf(dims), rng, kind);
    if (c.scale) for (let i = 0; i < data.length; i++) data[i] *= c.scale;
    feeds[input.name] = { dims, data };
  }
  const big = c.linear ? { stepMixed: 0.25, step32: 0.25 } : {};
  const res = await checkGradient(graph, feeds, { seed: labelSeed(label), ...big, ...c.opts });
  const tol = TOL[res.precision];
  const detail = res.inputs.map((i) => `${i.name}(${i.mode}): ${i.relErr.toExponential(2)}`).join(', ');
  assert.ok(res.relErr < tol, `${label}: relative error ${res.relErr.toExponential(3)} in ${res.precision} exceeds ${tol} [${detail}]`);
  // the float32 gradient graph (what the engine runs) agrees with its float64 twin
  if (res.f32VsF64 !== undefined) assert.ok(res.f32VsF64 < 1e-4, `${label}: float32 and float64 gradient graphs differ by ${res.f32VsF64}`);
  const prev = worst.get(group);
  if (!prev || res.relErr > prev.relErr) worst.set(group, { relErr: res.relErr, precision: res.precision, label });
  return res;
}

/** Gradient check of a single-op graph. */
function op(group: string, label: string, opType: string, inputs: OpInput[], o: OpGraphOptions = {}, c: CheckOptions = {}) {
  return check(group, label, opGraph(opType, inputs, o), c);
}

// ---------------------------------------------------------------------------
describe('linear ops', () => {
  const G = 'linear';
  test('Conv: bias, groups, depthwise, strides, dilations, asymmetric pads, auto_pad, 1-D/3-D, opsets', async () => {
    const L = { linear: true };
    await op(G, 'conv 3x3 pad 1 with bias', 'Conv', [[1, 2, 5, 5], W([3, 2, 3, 3]), [3]], { attrs: { pads: [1, 1, 1, 1] } }, L);
    await op(G, 'conv stride 2 asymmetric pads', 'Conv', [[1, 2, 7, 8], W([3, 2, 3, 3])], { attrs: { strides: [2, 2], pads: [0, 1, 2, 1] } }, L);
    await op(G, 'conv stride 2 dilation 2', 'Conv', [[1, 2, 7, 8], W([3, 2, 3, 2])], { attrs: { strides: [2, 2], dilations: [2, 1], pads: [0, 1, 2, 1] } }, L);
    await op(G, 'conv dilation 2 stride 1', 'Conv', [[1, 2, 7, 7], W([2, 2, 3, 3])], { attrs: { dilations: [2, 2], pads: [2, 1, 2, 1] } }, L);
    await op(G, 'conv groups 2', 'Conv', [[1, 4, 5, 5], W([6, 2, 3, 3]), [6]], { attrs: { group: 2, pads: [1, 1, 1, 1] } }, L);
    await op(G, 'depthwise stride 1', 'Conv', [[1, 3, 5, 5], W([3, 1, 3, 3])], { attrs: { group: 3, pads: [1, 1, 1, 1] } }, L);
    await op(G, 'depthwise stride 2', 'Conv', [[1, 3, 5, 5], W([3, 1, 3, 3])], { attrs: { group: 3, pads: [1, 1, 1, 1], strides: [2, 2] } }, L);
    await op(G, 'depthwise multiplier 2', 'Conv', [[1, 3, 5, 5], W([6, 1, 3, 3])], { attrs: { group: 3, pads: [1, 0, 1, 2] } }, L);
    await op(G, 'auto_pad SAME_UPPER stride 2', 'Conv', [[1, 2, 6, 7], W([3, 2, 3, 3])], { attrs: { auto_pad: 'SAME_UPPER', strides: [2, 2] } }, L);
    await op(G, 'auto_pad SAME_LOWER even kernel', 'Conv', [[1, 2, 6, 7], W([3, 2, 4, 4])], { attrs: { auto_pad: 'SAME_LOWER' } }, L);
    await op(G, 'auto_pad VALID', 'Conv', [[1, 2, 6, 7], W([3, 2, 3, 3])], { attrs: { auto_pad: 'VALID', strides: [2, 1] } }, L);
    await op(G, '1x1 kernel, pad 1', 'Conv', [[1, 2, 4, 4], W([3, 2, 1, 1])], { attrs: { pads: [1, 1, 1, 1] } }, L);
    await op(G, 'conv 1-D', 'Conv', [[2, 2, 9], W([3, 2, 3])], { attrs: { strides: [2], pads: [1, 0] } }, L);
    await op(G, 'conv 3-D', 'Conv', [[1, 2, 4, 4, 3], W([2, 2, 2, 2, 2])], { attrs: { strides: [1, 2, 1], pads: [1, 0, 1, 0, 1, 1] } }, L);
    await op(G, 'conv opset 9', 'Conv', [[1, 2, 5, 5], W([3, 2, 3, 3])], { attrs: { pads: [1, 1, 1, 1] }, opset: 9 }, L);
    await op(G, 'conv opset 11', 'Conv', [[1, 2, 5, 5], W([3, 2, 3, 3])], { attrs: { pads: [1, 1, 1, 1], strides: [2, 2] }, opset: 11 }, L);
    await op(G, 'conv bigger (directional)', 'Conv', [[2, 3, 8, 8], W([4, 3, 3, 3]), [4]], { attrs: { pads: [1, 1, 1, 1], strides: [2, 2] } }, L);
  });

  test('Conv weight gradients (weights as graph inputs): batch, strides, dilations, pads, groups, depthwise, auto_pad, 1-D/3-D', async () => {
    const L = { linear: false };
    await op(G, 'conv weight 3x3 pad 1, batch 2', 'Conv', [[2, 2, 5, 5], [3, 2, 3, 3], [3]], { attrs: { pads: [1, 1, 1, 1] } }, L);
    await op(G, 'conv weight stride 2 asymmetric pads', 'Conv', [[2, 2, 7, 8], [3, 2, 3, 3]], { attrs: { strides: [2, 2], pads: [0, 1, 2, 1] } }, L);
    await op(G, 'conv weight stride 2 dilation 2', 'Conv', [[1, 2, 7, 8], [3, 2, 3, 2]], { attrs: { strides: [2, 2], dilations: [2, 1], pads: [0, 1, 2, 1] } }, L);
    await op(G, 'conv weight groups 2', 'Conv', [[2, 4, 5, 5], [6, 2, 3, 3], [6]], { attrs: { group: 2, pads: [1, 1, 1, 1] } }, L);
    await op(G, 'conv weight depthwise stride 2', 'Conv', [[2, 3, 5, 5], [3, 1, 3, 3]], { attrs: { group: 3, pads: [1, 1, 1, 1], strides: [2, 2] } }, L);
    await op(G, 'conv weight auto_pad SAME_UPPER stride 2', 'Conv', [[1, 2, 6, 7], [3, 2, 3, 3]], { attrs: { auto_pad: 'SAME_UPPER', strides: [2, 2] } }, L);
    await op(G, 'conv weight 1-D', 'Conv', [[2, 2, 9], [3, 2, 3]], { attrs: { strides: [2], pads: [1, 0] } }, L);
    await op(G, 'conv weight 3-D', 'Conv', [[1, 2, 4, 4, 3], [2, 2, 2, 2, 2]], { attrs: { strides: [1, 2, 1], pads: [1, 0, 1, 0, 1, 1] } }, L);
  });

  test('ConvTranspose: stride, output_padding, groups, dilations, output_shape, auto_pad', async () => {
    const L = { linear: true };
    await op(G, 'convT stride 2 output_padding', 'ConvTranspose', [[1, 2, 3, 4], W([2, 3, 3, 3]), [3]], { attrs: { strides: [2, 2], output_padding: [1, 0], pads: [1, 0, 0, 1] } }, L);
    await op(G, 'convT groups 2 dilation', 'ConvTranspose', [[1, 4, 3, 3], W([4, 1, 2, 3])], { attrs: { group: 2, dilations: [2, 1], strides: [1, 2] } }, L);
    await op(G, 'convT dilation 2 kernel 3', 'ConvTranspose', [[1, 1, 3, 3], W([1, 2, 3, 3])], { attrs: { strides: [2, 2], dilations: [2, 2] } }, L);
    await op(G, 'convT output_shape (odd total pad)', 'ConvTranspose', [[1, 2, 3, 3], W([2, 3, 3, 3])], { attrs: { strides: [2, 2], output_shape: [6, 6] } }, L);
    await op(G, 'convT output_shape larger than natural', 'ConvTranspose', [[1, 2, 3, 3], W([2, 3, 3, 3])], { attrs: { strides: [2, 2], output_shape: [8, 7] } }, L);
    await op(G, 'convT SAME_UPPER', 'ConvTranspose', [[1, 2, 3, 3], W([2, 3, 3, 3])], { attrs: { strides: [2, 2], auto_pad: 'SAME_UPPER' } }, L);
    await op(G, 'convT SAME_LOWER', 'ConvTranspose', [[1, 2, 3, 3], W([2, 3, 4, 4])], { attrs: { strides: [2, 2], auto_pad: 'SAME_LOWER' } }, L);
    await op(G, 'convT 1-D stride 3', 'ConvTranspose', [[1, 2, 4], W([2, 2, 3])], { attrs: { strides: [3], output_padding: [2] } }, L);
  });

  test('Gemm: transA/transB, alpha/beta, bias broadcast, opset 9 and 13', async () => {
    for (const [ta, tb] of [[0, 0], [1, 0], [0, 1], [1, 1]]) {
      const a = ta ? [4, 3] : [3, 4];
      const b = tb ? [5, 4] : [4, 5];
      const attrs = { transA: ta, transB: tb, alpha: F(1.5), beta: F(0.5) };
      await op(G, `gemm t${ta}${tb} row bias`, 'Gemm', [a, b, [5]], { attrs }, { linear: true });
      await op(G, `gemm t${ta}${tb} column bias, opset 9`, 'Gemm', [a, b, [3, 1]], { attrs, opset: 9 }, { linear: true });
    }
    await op(G, 'gemm scalar bias', 'Gemm', [[3, 4], [4, 5], []], { attrs: { beta: F(2) } }, { linear: true });
    await op(G, 'gemm full bias', 'Gemm', [[3, 4], [4, 5], [3, 5]], {}, { linear: true });
    await op(G, 'gemm without C', 'Gemm', [[3, 4], [4, 5]], { opset: 13 }, { linear: true });
    await op(G, 'gemm constant weight (classifier head)', 'Gemm', [[2, 6], W([5, 6]), W([5])], { attrs: { transB: 1 }, opset: 9 }, { linear: true });
  });

  test('MatMul: 2-D, batched with broadcasting, 1-D operands', async () => {
    await op(G, 'matmul 2-D', 'MatMul', [[3, 4], [4, 5]]);
    await op(G, 'matmul batched broadcast', 'MatMul', [[2, 1, 3, 4], [5, 4, 2]]);
    await op(G, 'matmul batch vs 2-D', 'MatMul', [[2, 3, 4], [4, 2]]);
    await op(G, 'matmul 1-D x 3-D', 'MatMul', [[4], [2, 4, 5]]);
    await op(G, 'matmul 3-D x 1-D', 'MatMul', [[2, 3, 4], [4]]);
    await op(G, 'matmul 1-D x 1-D', 'MatMul', [[4], [4]]);
  });
});

// ---------------------------------------------------------------------------
describe('elementwise ops', () => {
  const G = 'arithmetic';
  test('Add/Sub/Mul/Div with broadcasting both ways', async () => {
    for (const o of ['Add', 'Sub', 'Mul', 'Div']) {
      await op(G, `${o} [2,3,4] . [3,1]`, o, [[2, 3, 4], [3, 1]], {}, { kind: 'away' });
      await op(G, `${o} [1,4] . [2,3,1]`, o, [[1, 4], [2, 3, 1]], {}, { kind: 'away' });
      await op(G, `${o} scalar . [2,3]`, o, [[], [2, 3]], {}, { kind: 'away' });
    }
    await op(G, 'Add with a constant', 'Add', [[2, 3], W([3])]);
  });

  test('Pow with constant exponents', async () => {
    await op(G, 'x^2', 'Pow', [[2, 3], float32Tensor([2], [])], {}, { kind: 'positive' });
    await op(G, 'x^3 (int64 exponent)', 'Pow', [[2, 3], int64Tensor([3], [])]);
    await op(G, 'x^0.5', 'Pow', [[2, 3], float32Tensor([0.5], [1])], {}, { kind: 'positive' });
    await op(G, 'x^1', 'Pow', [[2, 3], float32Tensor([1], [])]);
    await op(G, 'x^[1.5, 2, -1]', 'Pow', [[2, 3], float32Tensor([1.5, 2, -1], [3])], {}, { kind: 'positive' });
    await op(G, 'base broadcast against exponent', 'Pow', [[3], W([4, 3], 'positive')], {}, { kind: 'positive' });
  });

  test('Sum, Mean, Neg, Exp, Log, Sqrt, Reciprocal, Abs, Identity', async () => {
    await op(G, 'Sum of 3 with broadcasting', 'Sum', [[2, 3], [3], [1, 3]]);
    await op(G, 'Sum of 1', 'Sum', [[2, 3]]);
    await op(G, 'Mean of 3 with broadcasting', 'Mean', [[2, 3], [3], [2, 1]]);
    await op(G, 'Neg', 'Neg', [[2, 3]]);
    await op(G, 'Exp', 'Exp', [[2, 3]]);
    await op(G, 'Log', 'Log', [[2, 3]], {}, { kind: 'positive' });
    await op(G, 'Sqrt', 'Sqrt', [[2, 3]], {}, { kind: 'positive' });
    await op(G, 'Reciprocal', 'Reciprocal', [[2, 3]], {}, { kind: 'away' });
    await op(G, 'Abs', 'Abs', [[2, 3]], {}, { kind: 'away' });
    await op(G, 'Abs opset 7 (no Sign op)', 'Abs', [[2, 3]], { opset: 7 }, { kind: 'away' });
    await op(G, 'Identity', 'Identity', [[2, 3]]);
  });

  test('Dropout (inference) and Cast', async () => {
    await op(G, 'Dropout opset 13', 'Dropout', [[2, 3]], { opset: 13 });
    await op(G, 'Dropout with ratio input', 'Dropout', [[2, 3], float32Tensor([0.3], [])], { opset: 13 });
    await op(G, 'Dropout opset 7', 'Dropout', [[2, 3]], { attrs: { ratio: F(0.3) }, opset: 7 });
    await op(G, 'Cast to float64', 'Cast', [[2, 3]], { attrs: { to: 11 } });
    await op(G, 'Cast to float32 (no-op)', 'Cast', [[2, 3]], { attrs: { to: 1 } });
  });

  const A = 'activations';
  test('Relu, LeakyRelu, PRelu (also opset 7)', async () => {
    await op(A, 'Relu', 'Relu', [[3, 4]], {}, { kind: 'away' });
    await op(A, 'Relu opset 7', 'Relu', [[3, 4]], { opset: 7 }, { kind: 'away' });
    await op(A, 'LeakyRelu', 'LeakyRelu', [[3, 4]], { attrs: { alpha: F(0.1) } }, { kind: 'away' });
    await op(A, 'LeakyRelu opset 7', 'LeakyRelu', [[3, 4]], { attrs: { alpha: F(0.1) }, opset: 7 }, { kind: 'away' });
    await op(A, 'PRelu per channel', 'PRelu', [[2, 3, 2, 2], float32Tensor([0.1, -0.2, 0.3], [3, 1, 1])], {}, { kind: 'away' });
    await op(A, 'PRelu opset 9', 'PRelu', [[2, 3, 2, 2], float32Tensor([0.1, -0.2, 0.3], [3, 1, 1])], { opset: 9 }, { kind: 'away' });
  });

  test('Clip: (0, 6) as inputs (opset 11, 13) and attributes (opset 10), one-sided', async () => {
    // inputs in +-[1, 6] * 1.1: both sides of 0 and of 6, none near a bound
    const c = { kind: 'away' as const, scale: 5 };
    await op(A, 'Clip(0, 6) opset 11 inputs', 'Clip', [[3, 4], float32Tensor([0], []), float32Tensor([6], [])], { opset: 11 }, c);
    await op(A, 'Clip(0, 6) opset 13 inputs', 'Clip', [[3, 4], float32Tensor([0], []), float32Tensor([6], [])], { opset: 13 }, c);
    await op(A, 'Clip(0, 6) opset 10 attributes', 'Clip', [[3, 4]], { attrs: { min: F(0), max: F(6) }, opset: 10 }, c);
    await op(A, 'Clip max only', 'Clip', [[3, 4], null, float32Tensor([0.5], [])], { opset: 13 }, { kind: 'away' });
    await op(A, 'Clip min only', 'Clip', [[3, 4], float32Tensor([-0.5], [])], { opset: 13 }, { kind: 'away' });
    await op(A, 'Clip without bounds', 'Clip', [[3, 4]], { opset: 13 });
  });

  test('Sigmoid, Tanh, Softplus, Erf, Gelu (opset 20), HardSigmoid, HardSwish', async () => {
    await op(A, 'Sigmoid', 'Sigmoid', [[3, 4]]);
    await op(A, 'Tanh', 'Tanh', [[3, 4]]);
    await op(A, 'Softplus', 'Softplus', [[3, 4]]);
    await op(A, 'Erf', 'Erf', [[3, 4]]);
    await op(A, 'Gelu', 'Gelu', [[3, 4]], { opset: 20 });
    await op(A, 'Gelu tanh approximation', 'Gelu', [[3, 4]], { attrs: { approximate: 'tanh' }, opset: 20 });
    await op(A, 'HardSigmoid', 'HardSigmoid', [[3, 4]], {}, { scale: 3 });
    await op(A, 'HardSigmoid alpha/beta', 'HardSigmoid', [[3, 4]], { attrs: { alpha: F(0.5), beta: F(0.25) } }, { scale: 2 });
    await op(A, 'HardSigmoid opset 7', 'HardSigmoid', [[3, 4]], { opset: 7 }, { scale: 3 });
    await op(A, 'HardSwish', 'HardSwish', [[3, 4]], {}, { scale: 4 });
  });

  test('Softmax and LogSoftmax: opset 11 (2-D coercion) and 13', async () => {
    await op(A, 'Softmax opset 11 axis=1 on 4-D', 'Softmax', [[2, 3, 2, 2]], { attrs: { axis: 1 }, opset: 11 });
    await op(A, 'Softmax opset 11 default axis', 'Softmax', [[2, 3, 2]], { opset: 11 });
    await op(A, 'Softmax opset 13 axis=1', 'Softmax', [[2, 3, 2, 2]], { attrs: { axis: 1 }, opset: 13 });
    await op(A, 'Softmax opset 13 default axis', 'Softmax', [[2, 3, 4]], { opset: 13 });
    await op(A, 'LogSoftmax opset 11 axis=1 on 4-D', 'LogSoftmax', [[2, 3, 2, 2]], { attrs: { axis: 1 }, opset: 11 });
    await op(A, 'LogSoftmax opset 13 axis=-3', 'LogSoftmax', [[2, 3, 2, 2]], { attrs: { axis: -3 }, opset: 13 });
  });
});

// ---------------------------------------------------------------------------
/** Reference max-pool backward: each window's gradient to its FIRST maximum in row-major order. */
function referenceMaxPoolGrad(
  x: Float32Array,
  [n, c, h, w]: number[],
  k: number[],
  s: number[],
  pads: number[],
  [oh, ow]: number[],
  seed: Float32Array,
): { grad: number[]; windows: number[] } {
  const grad = new Array<number>(x.length).fill(0);
  const windows = new Array<number>(x.length).fill(0);
  for (let b = 0; b < n * c; b++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        let best = -Infinity;
        let arg = -1;
        for (let u = 0; u < k[0]; u++) {
          for (let v = 0; v < k[1]; v++) {
            const y = i * s[0] - pads[0] + u;
            const z = j * s[1] - pads[1] + v;
            if (y < 0 || y >= h || z < 0 || z >= w) continue;
            const p = b * h * w + y * w + z;
            if (x[p] > best) {
              best = x[p];
              arg = p;
            }
          }
        }
        grad[arg] += seed[b * oh * ow + i * ow + j];
        windows[arg]++;
      }
    }
  }
  return { grad, windows };
}

describe('pooling and reductions', () => {
  const G = 'pooling';
  test('MaxPool: 1-D/2-D/3-D, strides, pads, dilations, ceil_mode, auto_pad, Indices output', async () => {
    const d = { kind: 'distinct' as const };
    await op(G, 'maxpool 3x3 s2 p1', 'MaxPool', [[2, 3, 5, 5]], { attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] } }, d);
    await op(G, 'maxpool ceil_mode', 'MaxPool', [[1, 2, 6, 6]], { attrs: { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 1 } }, d);
    await op(G, 'maxpool dilations', 'MaxPool', [[1, 2, 7, 7]], { attrs: { kernel_shape: [2, 2], dilations: [2, 2] } }, d);
    await op(G, 'maxpool asymmetric pads', 'MaxPool', [[1, 2, 6, 5]], { attrs: { kernel_shape: [2, 3], pads: [0, 1, 1, 2], strides: [2, 1] } }, d);
    await op(G, 'maxpool SAME_UPPER', 'MaxPool', [[1, 2, 5, 5]], { attrs: { kernel_shape: [3, 3], strides: [2, 2], auto_pad: 'SAME_UPPER' } }, d);
    await op(G, 'maxpool 1-D', 'MaxPool', [[1, 2, 9]], { attrs: { kernel_shape: [3], strides: [2] } }, d);
    await op(G, 'maxpool 3-D', 'MaxPool', [[1, 1, 4, 4, 4]], { attrs: { kernel_shape: [2, 2, 2], strides: [2, 2, 2] } }, d);
    await op(G, 'maxpool opset 13 (raised to 16)', 'MaxPool', [[1, 2, 5, 5]], { attrs: { kernel_shape: [3, 3] }, opset: 13 }, d);
    await op(G, 'maxpool with Indices output', 'MaxPool', [[1, 2, 4, 4]], { attrs: { kernel_shape: [2, 2], strides: [2, 2] }, outputs: 2 }, d);
    // disjoint windows (MaxUnpool) that leave inputs uncovered or run past the edge
    await op(G, 'maxpool 2x2 stride 2, odd size', 'MaxPool', [[2, 2, 7, 7]], { attrs: { kernel_shape: [2, 2], strides: [2, 2] } }, d);
    await op(G, 'maxpool 2x2 stride 2, ceil_mode', 'MaxPool', [[1, 2, 7, 5]], { attrs: { kernel_shape: [2, 2], strides: [2, 2], ceil_mode: 1 } }, d);
    await op(G, 'maxpool 2x2 stride 3, pads', 'MaxPool', [[1, 2, 8, 8]], { attrs: { kernel_shape: [2, 2], strides: [3, 3], pads: [1, 0, 1, 1] } }, d);
    // unnamed nodes (as many exporters write them): each MaxPool gives its own Indices
    const unnamed = makeGraph({
      inputs: { x: [1, 2, 8, 8] },
      nodes: [
        { op: 'MaxPool', inputs: ['x'], outputs: ['p1'], attrs: { kernel_shape: [2, 2], strides: [2, 2] }, name: '' },
        { op: 'MaxPool', inputs: ['p1'], outputs: ['p2'], attrs: { kernel_shape: [2, 2], strides: [2, 2] }, name: '' },
      ],
      outputs: ['p2'],
    });
    await check(G, 'two unnamed maxpools', unnamed, d);
    await op(G, 'maxpool storage_order=1', 'MaxPool', [[1, 2, 4, 4]], { attrs: { kernel_shape: [2, 2], strides: [2, 2], storage_order: 1 }, outputs: 2 }, d);
    await op(G, 'maxpool bigger (directional)', 'MaxPool', [[2, 4, 8, 8]], { attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] } }, d);
    await op(G, 'GlobalMaxPool', 'GlobalMaxPool', [[2, 3, 4, 4]], {}, d);
  });

  test('MaxPool ties: the gradient goes to the first maximum of each window, overlapping windows accumulate', async () => {
    const cases = [
      { k: [2, 2], s: [2, 2], p: [0, 0, 0, 0], shape: [1, 3, 6, 6] },
      { k: [3, 3], s: [2, 2], p: [1, 1, 1, 1], shape: [2, 2, 7, 7] },
      { k: [3, 3], s: [1, 1], p: [1, 1, 1, 1], shape: [1, 2, 5, 5] },
      { k: [3, 2], s: [2, 1], p: [0, 1, 1, 0], shape: [1, 2, 6, 5] },
    ];
    for (const { k, s, p, shape } of cases) {
      const graph = opGraph('MaxPool', [shape], { attrs: { kernel_shape: k, strides: s, pads: p } });
      covered.add('MaxPool');
      const n = sizeOf(shape);
      const x = new Float32Array(n);
      const plane = shape[2] * shape[3];
      for (let i = 0; i < n; i++) {
        const ch = Math.floor(i / plane);
        // plane 0: all zeros (the usual background); others: values from {0, 1, 2} (many tied maxima)
        x[i] = ch === 0 ? 0 : Math.floor(rng() * 3);
      }
      const yShape = graph.outputs[0].shape as number[];
      const seed = Float32Array.from({ length: sizeOf(yShape) }, (_, i) => i + 1);
      const grads = await computeGradients(graph, { x0: { dims: shape, data: x } }, { y0: seed });
      const { grad: expected, windows } = referenceMaxPoolGrad(x, shape, k, s, p, yShape.slice(2), seed);
      assert.deepEqual(Array.from(grads.x0), expected, `first-max routing for kernel ${k} stride ${s} pads ${p}`);
      // the all-zero plane sends every window to its first in-bounds position
      const firstOfWindows = expected.slice(0, plane).filter((v) => v !== 0).length;
      assert.ok(firstOfWindows > 0 && firstOfWindows <= sizeOf(yShape.slice(2)));
      // with overlapping windows, some input is the first maximum of several windows and accumulates
      if (k[0] > s[0] || k[1] > s[1]) assert.ok(Math.max(...windows) > 1, 'overlapping windows accumulate');
    }
  });

  test('MaxPool backward: one pooling pass (the forward node gives its Indices), MaxUnpool for disjoint windows', () => {
    const ops = (k: number[], s: number[]) => {
      const graph = opGraph('MaxPool', [[1, 2, 6, 6]], { attrs: { kernel_shape: k, strides: s } });
      const built = buildGradientGraph(graph, inferShapes(graph, {}), { outputs: [], seeds: ['y0'], wrt: ['x0'], rules: gradientRules });
      // the forward graph is left as it was
      assert.equal(graph.nodes[0].outputs.length, 1);
      return built.graph.nodes.map((n) => n.opType);
    };
    const disjoint = ops([2, 2], [2, 2]);
    assert.equal(disjoint.filter((o) => o === 'MaxPool').length, 1, disjoint.join(' '));
    assert.ok(disjoint.includes('MaxUnpool') && !disjoint.includes('ScatterElements'), disjoint.join(' '));
    const overlapping = ops([3, 3], [2, 2]);
    assert.equal(overlapping.filter((o) => o === 'MaxPool').length, 1, overlapping.join(' '));
    assert.ok(overlapping.includes('ScatterElements') && !overlapping.includes('MaxUnpool'), overlapping.join(' '));
  });

  test("onnxruntime's MaxPool Indices are flat over N*C*spatial and pick the first maximum", async () => {
    // what the MaxPool rule relies on (ONNX spec: indices over the flattened NCHW tensor)
    const shape = [2, 3, 4, 4];
    const graph = opGraph('MaxPool', [shape], { attrs: { kernel_shape: [2, 2], strides: [2, 2] }, outputs: 2 });
    const x = new Float32Array(sizeOf(shape)); // all zeros: every window ties
    const runner = await float32Runner(graph);
    try {
      const [, indices] = await runner.run({ x0: { dims: shape, data: x } }, ['y0', 'y1']);
      const expected: number[] = [];
      for (let b = 0; b < 6; b++) for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) expected.push(b * 16 + i * 8 + j * 2);
      assert.deepEqual(Array.from(indices), expected);
    } finally {
      await runner.release();
    }
  });

  test('GlobalMaxPool ties: first maximum', async () => {
    const shape = [1, 2, 3, 4];
    const graph = opGraph('GlobalMaxPool', [shape]);
    const x = Float32Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 0, 2, 2, 1, 0, 0, 2, 0, 0, 0]);
    const grads = await computeGradients(graph, { x0: { dims: shape, data: x } }, { y0: Float32Array.from([3, 5]) });
    const expected = new Array(24).fill(0);
    expected[0] = 3;
    expected[12 + 1] = 5;
    assert.deepEqual(Array.from(grads.x0), expected);
  });

  test('MaxPool before opset 13 is refused with a clear message', () => {
    const graph = opGraph('MaxPool', [[1, 1, 4, 4]], { attrs: { kernel_shape: [2, 2] }, opset: 11 });
    const info = inferShapes(graph, {});
    assert.throws(
      () => buildGradientGraph(graph, info, { outputs: [], seeds: ['y0'], wrt: ['x0'], rules: gradientRules }),
      /opset >= 13/,
    );
  });

  test('AveragePool: count_include_pad 0/1, pads, ceil_mode, strides, dilations, auto_pad', async () => {
    const L = { linear: true };
    const base = { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] };
    await op(G, 'avgpool exclude pad', 'AveragePool', [[2, 3, 5, 5]], { attrs: base }, L);
    await op(G, 'avgpool include pad', 'AveragePool', [[2, 3, 5, 5]], { attrs: { ...base, count_include_pad: 1 } }, L);
    await op(G, 'avgpool ceil_mode', 'AveragePool', [[1, 2, 6, 6]], { attrs: { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 1 } }, L);
    await op(G, 'avgpool ceil_mode include pad', 'AveragePool', [[1, 2, 6, 7]], { attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 0, 1, 0], ceil_mode: 1, count_include_pad: 1 } }, L);
    await op(G, 'avgpool asymmetric', 'AveragePool', [[1, 2, 6, 7]], { attrs: { kernel_shape: [2, 3], strides: [1, 2], pads: [0, 1, 1, 2] } }, L);
    await op(G, 'avgpool uncovered tail', 'AveragePool', [[1, 2, 7, 7]], { attrs: { kernel_shape: [2, 2], strides: [3, 3] } }, L);
    await op(G, 'avgpool SAME_LOWER', 'AveragePool', [[1, 2, 6, 7]], { attrs: { kernel_shape: [3, 3], strides: [2, 2], auto_pad: 'SAME_LOWER' } }, L);
    await op(G, 'avgpool 1-D', 'AveragePool', [[1, 2, 9]], { attrs: { kernel_shape: [4], strides: [3] } }, L);
    await op(G, 'avgpool 3-D', 'AveragePool', [[1, 2, 4, 5, 3]], { attrs: { kernel_shape: [2, 2, 2], strides: [2, 1, 2], pads: [0, 1, 1, 1, 0, 1] } }, L);
    await op(G, 'avgpool dilations (opset 19)', 'AveragePool', [[1, 2, 7, 7]], { attrs: { kernel_shape: [2, 2], dilations: [2, 2], pads: [1, 1, 1, 1], count_include_pad: 1 }, opset: 19 }, L);
    await op(G, 'avgpool opset 9', 'AveragePool', [[1, 2, 6, 6]], { attrs: { ...base }, opset: 9 }, L);
    await op(G, 'GlobalAveragePool', 'GlobalAveragePool', [[2, 3, 4, 5]], {}, L);
  });

  const R = 'reductions';
  test('ReduceSum, ReduceMean: axes attribute/input, keepdims, noop_with_empty_axes, all axes', async () => {
    await op(R, 'ReduceSum axes input, keepdims 0', 'ReduceSum', [[2, 3, 4], int64Tensor([1, -1])], { attrs: { keepdims: 0 } });
    await op(R, 'ReduceSum opset 11 axes attribute', 'ReduceSum', [[2, 3, 4]], { attrs: { keepdims: 0, axes: [0, 2] }, opset: 11 });
    await op(R, 'ReduceSum all axes', 'ReduceSum', [[2, 3, 4]]);
    await op(R, 'ReduceSum empty axes, noop', 'ReduceSum', [[2, 3, 4]], { attrs: { noop_with_empty_axes: 1 } });
    await op(R, 'ReduceMean opset 17 axes attribute', 'ReduceMean', [[2, 3, 4]], { attrs: { keepdims: 0, axes: [1] } });
    await op(R, 'ReduceMean opset 18 axes input', 'ReduceMean', [[2, 3, 4], int64Tensor([-2])], { attrs: { keepdims: 0 }, opset: 18 });
    await op(R, 'ReduceMean all axes keepdims', 'ReduceMean', [[2, 3, 4]], { opset: 18 });
  });

  test('ReduceMax, ReduceMin, ReduceL1, ReduceL2, ReduceSumSquare, ReduceLogSumExp', async () => {
    await op(R, 'ReduceMax', 'ReduceMax', [[2, 3, 4]], { attrs: { keepdims: 0, axes: [1] } }, { kind: 'distinct' });
    await op(R, 'ReduceMax opset 9', 'ReduceMax', [[2, 3, 4]], { attrs: { axes: [0, 2] }, opset: 9 }, { kind: 'distinct' });
    await op(R, 'ReduceMin opset 18', 'ReduceMin', [[2, 3, 4], int64Tensor([0, 2])], { opset: 18 }, { kind: 'distinct' });
    await op(R, 'ReduceL1 opset 7', 'ReduceL1', [[2, 3, 4]], { attrs: { axes: [1] }, opset: 7 }, { kind: 'away' });
    await op(R, 'ReduceL1', 'ReduceL1', [[2, 3, 4]], { attrs: { keepdims: 0, axes: [2] } }, { kind: 'away' });
    await op(R, 'ReduceL2', 'ReduceL2', [[2, 3, 4]], { attrs: { keepdims: 0, axes: [2] } });
    await op(R, 'ReduceSumSquare', 'ReduceSumSquare', [[2, 3, 4]], { attrs: { axes: [0, 2] } });
    await op(R, 'ReduceLogSumExp', 'ReduceLogSumExp', [[2, 3, 4]], { attrs: { keepdims: 0, axes: [1] } });
  });

  test('ReduceMax ties share the gradient evenly', async () => {
    const graph = opGraph('ReduceMax', [[1, 4]], { attrs: { keepdims: 0, axes: [1] } });
    const grads = await computeGradients(graph, { x0: { dims: [1, 4], data: Float32Array.from([1, 3, 3, 2]) } }, { y0: Float32Array.from([4]) });
    assert.deepEqual(Array.from(grads.x0), [0, 2, 2, 0]);
  });
});

// ---------------------------------------------------------------------------
describe('normalization', () => {
  const G = 'normalization';
  test('BatchNormalization (inference): constant statistics, every input, 2-D input, opset 9', async () => {
    const C = 3;
    const stats = [float32Tensor([1, 2, 0.5], [C]), float32Tensor([0.1, 0.2, 0.3], [C]), float32Tensor([0.3, -0.2, 0.1], [C]), float32Tensor([0.5, 1.5, 2], [C])];
    await op(G, 'batchnorm constant stats', 'BatchNormalization', [[2, C, 4, 4], ...stats]);
    await op(G, 'batchnorm all inputs differentiated', 'BatchNormalization', [[2, C, 3], [C], [C], [C], [C]], {}, { kind: { x4: 'positive' } });
    await op(G, 'batchnorm 2-D, opset 9', 'BatchNormalization', [[4, C], [C], [C], [C], [C]], { attrs: { epsilon: F(0.01) }, opset: 9 }, { kind: { x4: 'positive' } });
  });

  test('BatchNormalization fed with its batch statistics: the closed-form backward, checked by finite differences', async () => {
    // training-mode batch norm as src/training writes it: mean and biased variance from ReduceMean of x itself
    const spec = (stats: 'batch' | 'shifted') =>
      makeGraph({
        inputs: { x: [3, 2, 3, 3], scale: [2], bias: [2] },
        initializers: { shape: int64Tensor([-1]), shift: float32Tensor([0.25], [1]) },
        nodes: [
          { op: 'ReduceMean', inputs: ['x'], outputs: ['kept'], attrs: { axes: [0, 2, 3], keepdims: 1 } },
          { op: 'Reshape', inputs: ['kept', 'shape'], outputs: ['mean'] },
          { op: 'Sub', inputs: ['x', 'kept'], outputs: ['centred'] },
          // 'shifted': the square of something else than x - mean, which must not take the closed form
          ...(stats === 'batch' ? [] : [{ op: 'Add', inputs: ['centred', 'shift'], outputs: ['moved'] }]),
          { op: 'Mul', inputs: stats === 'batch' ? ['centred', 'centred'] : ['moved', 'moved'], outputs: ['sq'] },
          { op: 'ReduceMean', inputs: ['sq'], outputs: ['var'], attrs: { axes: [0, 2, 3], keepdims: 0 } },
          { op: 'BatchNormalization', inputs: ['x', 'scale', 'bias', 'mean', 'var'], outputs: ['y'], attrs: { epsilon: 0.01 } },
        ],
        outputs: ['y'],
      });
    const closed = spec('batch');
    await check(G, 'batchnorm with batch statistics', closed);
    await check(G, 'batchnorm with other statistics', spec('shifted'));
    // the closed form leaves the statistics' ReduceMeans undifferentiated: no Expand, no backward ReduceMean
    const info = inferShapes(closed, {});
    const built = buildGradientGraph(closed, info, { outputs: [], seeds: ['y'], wrt: ['x', 'scale', 'bias'], rules: gradientRules });
    const backwardOps = built.graph.nodes.filter((n) => n.name.startsWith('grad/')).map((n) => n.opType);
    assert.ok(!backwardOps.includes('Expand') && !backwardOps.includes('ReduceMean'), `backward ops: ${backwardOps.join(' ')}`);
    // asking for the gradient of a statistic itself falls back to the chain through the ReduceMeans
    const both = buildGradientGraph(closed, info, { outputs: [], seeds: ['y'], wrt: ['x', 'mean'], rules: gradientRules });
    assert.ok(both.graph.nodes.some((n) => n.name.startsWith('grad/') && n.opType === 'Expand'));
  });

  test('BatchNormalization in training mode is refused', () => {
    const graph = opGraph('BatchNormalization', [[2, 3, 2, 2], W([3]), W([3]), W([3]), W([3], 'positive')], { attrs: { training_mode: 1 }, opset: 15 });
    const info = inferShapes(graph, {});
    assert.throws(() => buildGradientGraph(graph, info, { outputs: [], seeds: ['y0'], wrt: ['x0'], rules: gradientRules }), /training mode/);
  });

  test('LayerNormalization: axis, epsilon, scale/bias gradients, Mean/InvStdDev outputs', async () => {
    await op(G, 'layernorm axis 1', 'LayerNormalization', [[2, 3, 4], [3, 4], [3, 4]], { attrs: { axis: 1 } });
    await op(G, 'layernorm last axis, no bias', 'LayerNormalization', [[2, 3, 5], [5]], { attrs: { epsilon: F(1e-3) } });
    await op(G, 'layernorm broadcast scale', 'LayerNormalization', [[2, 3, 4], [1, 4], [4]], { attrs: { axis: -2 } });
    await op(G, 'layernorm with Mean and InvStdDev outputs', 'LayerNormalization', [[2, 3, 5], [5], [5]], { outputs: 3 });
    await op(G, 'layernorm constant affine (transformer block)', 'LayerNormalization', [[2, 4, 8], W([8]), W([8])]);
  });

  test('InstanceNormalization: 2-D and 1-D spatial', async () => {
    // onnxruntime has no float64 InstanceNormalization, and its float32 kernel's rounding (~1e-6 relative)
    // swamps finite differences: difference the same function written with ops that have float64 kernels.
    const decomposed = (shape: number[], eps: number, opset: number) => {
      const axes = shape.slice(2).map((_, i) => i + 2);
      const cShape = [shape[1], ...axes.map(() => 1)];
      return makeGraph({
        opset,
        inputs: { x0: shape, x1: [shape[1]], x2: [shape[1]] },
        initializers: { eps: float32Tensor([eps], []), cshape: int64Tensor(cShape) },
        nodes: [
          { op: 'ReduceMean', inputs: ['x0'], outputs: ['mean'], attrs: { axes } },
          { op: 'Sub', inputs: ['x0', 'mean'], outputs: ['d'] },
          { op: 'Mul', inputs: ['d', 'd'], outputs: ['d2'] },
          { op: 'ReduceMean', inputs: ['d2'], outputs: ['var'], attrs: { axes } },
          { op: 'Add', inputs: ['var', 'eps'], outputs: ['ve'] },
          { op: 'Sqrt', inputs: ['ve'], outputs: ['std'] },
          { op: 'Div', inputs: ['d', 'std'], outputs: ['xhat'] },
          { op: 'Reshape', inputs: ['x1', 'cshape'], outputs: ['s'] },
          { op: 'Reshape', inputs: ['x2', 'cshape'], outputs: ['b'] },
          { op: 'Mul', inputs: ['xhat', 's'], outputs: ['ys'] },
          { op: 'Add', inputs: ['ys', 'b'], outputs: ['y0'] },
        ],
        outputs: ['y0'],
      });
    };
    await op(G, 'instancenorm 2-D', 'InstanceNormalization', [[2, 3, 3, 4], [3], [3]], {}, { opts: { forward: decomposed([2, 3, 3, 4], 1e-5, 17) } });
    await op(G, 'instancenorm 1-D, opset 11', 'InstanceNormalization', [[2, 3, 5], [3], [3]], { attrs: { epsilon: F(0.1) }, opset: 11 }, { opts: { forward: decomposed([2, 3, 5], 0.1, 11) } });
  });
});

// ---------------------------------------------------------------------------
describe('data movement', () => {
  const G = 'shape';
  test('Concat and Split (opsets 11, 13, 18; pieces without a gradient)', async () => {
    await op(G, 'concat 3 inputs', 'Concat', [[2, 3], [2, 1], [2, 4]], { attrs: { axis: 1 } });
    await op(G, 'concat with a constant', 'Concat', [[2, 3], W([2, 1]), [2, 4]], { attrs: { axis: -1 } });
    await op(G, 'concat opset 11', 'Concat', [[2, 3], [1, 3]], { attrs: { axis: 0 }, opset: 11 });
    await op(G, 'split sizes input', 'Split', [[2, 6], int64Tensor([1, 2, 3])], { attrs: { axis: 1 }, outputs: 3 });
    await op(G, 'split opset 11 attribute', 'Split', [[6, 2]], { attrs: { axis: 0, split: [4, 2] }, opset: 11, outputs: 2 });
    await op(G, 'split opset 18 num_outputs', 'Split', [[2, 6, 2]], { attrs: { axis: 1, num_outputs: 3 }, opset: 18, outputs: 3 });
    await op(G, 'split, one piece unused', 'Split', [[2, 6], int64Tensor([1, 2, 3])], { attrs: { axis: 1 }, outputs: 3, graphOutputs: [0, 2] });
  });

  test('Slice: steps 1, strided, negative steps, clamped ends, opset 9 attributes', async () => {
    await op(G, 'slice steps 1', 'Slice', [[3, 5, 4], int64Tensor([1, 0]), int64Tensor([3, -1]), int64Tensor([0, 2])]);
    await op(G, 'slice strided', 'Slice', [[3, 7, 6], int64Tensor([0, 1, -1]), int64Tensor([3, 7, -100]), int64Tensor([0, 1, 2]), int64Tensor([2, 3, -2])]);
    await op(G, 'slice reversed', 'Slice', [[5, 4], int64Tensor([-1, 3]), int64Tensor([-1000, 0]), int64Tensor([0, 1]), int64Tensor([-1, -2])]);
    await op(G, 'slice huge end', 'Slice', [[2, 10], int64Tensor([1]), int64Tensor([2 ** 53])], { opset: 13 });
    await op(G, 'slice opset 9 attributes', 'Slice', [[3, 5, 4]], { attrs: { starts: [1, 0], ends: [3, -1], axes: [0, 2] }, opset: 9 });
  });

  test('Flatten, Reshape, Squeeze, Unsqueeze, Transpose', async () => {
    await op(G, 'flatten', 'Flatten', [[2, 3, 4]], { attrs: { axis: 2 } });
    await op(G, 'reshape', 'Reshape', [[2, 3, 4], int64Tensor([4, -1])]);
    await op(G, 'squeeze', 'Squeeze', [[2, 1, 4], int64Tensor([1])]);
    await op(G, 'squeeze opset 11', 'Squeeze', [[2, 1, 4]], { attrs: { axes: [1] }, opset: 11 });
    await op(G, 'unsqueeze', 'Unsqueeze', [[2, 4], int64Tensor([0, 3])]);
    await op(G, 'unsqueeze opset 11', 'Unsqueeze', [[2, 4]], { attrs: { axes: [1] }, opset: 11 });
    await op(G, 'transpose perm', 'Transpose', [[2, 3, 4]], { attrs: { perm: [1, 2, 0] } });
    await op(G, 'transpose default', 'Transpose', [[2, 3, 4]]);
  });

  test('Pad: constant (negative pads, constant_value input, opset 9), reflect, edge, wrap, axes', async () => {
    await op(G, 'pad constant', 'Pad', [[2, 3, 4], int64Tensor([0, 1, 2, 0, 2, 1])]);
    await op(G, 'pad negative pads', 'Pad', [[2, 5, 4], int64Tensor([0, -1, 2, 0, 2, -2]), float32Tensor([0.5], [])]);
    await op(G, 'pad constant_value differentiated', 'Pad', [[2, 5, 4], int64Tensor([0, -1, 2, 0, 2, -2]), []]);
    await op(G, 'pad opset 9 attributes', 'Pad', [[2, 3, 4]], { attrs: { pads: [0, 1, 2, 0, 2, 1], value: F(1.5) }, opset: 9 });
    await op(G, 'pad reflect', 'Pad', [[1, 2, 4, 5], int64Tensor([0, 0, 2, 3, 0, 0, 3, 4])], { attrs: { mode: 'reflect' } });
    await op(G, 'pad edge', 'Pad', [[1, 2, 4, 5], int64Tensor([0, 1, 2, 3, 0, 0, 3, 4])], { attrs: { mode: 'edge' } });
    await op(G, 'pad wrap (opset 19)', 'Pad', [[1, 2, 4, 5], int64Tensor([0, 0, 2, 3, 0, 0, 3, 4])], { attrs: { mode: 'wrap' }, opset: 19 });
    await op(G, 'pad reflect with axes (opset 18)', 'Pad', [[1, 2, 4, 5], int64Tensor([2, 1, 3, 2]), null, int64Tensor([-1, 2])], { attrs: { mode: 'reflect' }, opset: 18 });
    await op(G, 'pad reflect 3-D', 'Pad', [[2, 4, 5], int64Tensor([1, 2, 3, 0, 3, 4])], { attrs: { mode: 'reflect' } });
  });

  test('Gather (constant indices, negative, repeated, scalar; opset 11 and 13+), Expand, Tile', async () => {
    await op(G, 'gather axis 0, 2-D indices', 'Gather', [[5, 3], int64Tensor([4, 0, -1, 2], [2, 2])]);
    await op(G, 'gather axis 1, repeated', 'Gather', [[2, 5, 3], int64Tensor([1, 1, 3])], { attrs: { axis: 1 } });
    await op(G, 'gather scalar index', 'Gather', [[2, 5, 3], int64Tensor([-2], [])], { attrs: { axis: 2 } });
    await op(G, 'gather opset 11', 'Gather', [[2, 5, 3], int64Tensor([1, 1, 3])], { attrs: { axis: 1 }, opset: 11 });
    await op(G, 'gather runtime indices', 'Gather', [[4, 3], { dims: [3], dtype: 'int64' as DType }], {}, { feeds: { x1: { dims: [3], data: BigInt64Array.from([3n, -4n, 3n]) } } });
    await op(G, 'expand', 'Expand', [[3, 1], int64Tensor([2, 3, 4])]);
    await op(G, 'tile', 'Tile', [[2, 3], int64Tensor([2, 3])]);
  });

  test('DepthToSpace (DCR, CRD) and SpaceToDepth', async () => {
    await op(G, 'depth to space DCR', 'DepthToSpace', [[1, 8, 2, 3]], { attrs: { blocksize: 2 } });
    await op(G, 'depth to space CRD', 'DepthToSpace', [[1, 8, 2, 3]], { attrs: { blocksize: 2, mode: 'CRD' } });
    await op(G, 'space to depth', 'SpaceToDepth', [[1, 2, 4, 6]], { attrs: { blocksize: 2 } });
  });

  const Z = 'resize';
  const E: Tensor = float32Tensor([], [0]);
  const L = { linear: true };
  test('Resize: every mode x coordinate transform x nearest mode, scales and sizes', async () => {
    const transforms = ['half_pixel', 'asymmetric', 'pytorch_half_pixel', 'align_corners', 'tf_half_pixel_for_nn', 'half_pixel_symmetric', 'tf_crop_and_resize'];
    const roi = float32Tensor([0, 0, 0.1, 0.3, 1, 1, 0.8, 1.2], [8]);
    for (const ctm of transforms) {
      const r = ctm === 'tf_crop_and_resize' ? roi : E;
      for (const [mode, nearest] of [['nearest', 'round_prefer_floor'], ['nearest', 'round_prefer_ceil'], ['nearest', 'floor'], ['nearest', 'ceil'], ['linear', ''], ['cubic', '']]) {
        const attrs: Record<string, string> = { mode, coordinate_transformation_mode: ctm };
        if (nearest) attrs.nearest_mode = nearest;
        const tag = `${mode}${nearest ? `/${nearest}` : ''} ${ctm}`;
        await op(Z, `${tag} scales x1.7 x0.6`, 'Resize', [[1, 2, 4, 5], r, float32Tensor([1, 1, 1.7, 0.6], [4])], { attrs, opset: 19 }, L);
        await op(Z, `${tag} sizes 9x7`, 'Resize', [[1, 2, 4, 5], r, null, int64Tensor([1, 2, 9, 7])], { attrs, opset: 19 }, L);
      }
    }
  });

  test('Resize: cubic options, antialias, axes, aspect-ratio policy, layouts, ranks, opsets 10/11/13', async () => {
    const cubic = { mode: 'cubic', cubic_coeff_a: F(-0.5), exclude_outside: 1 };
    await op(Z, 'cubic a=-0.5 exclude_outside', 'Resize', [[1, 2, 4, 5], E, float32Tensor([1, 1, 2, 0.75], [4])], { attrs: cubic, opset: 19 }, L);
    for (const mode of ['linear', 'cubic']) {
      for (const exclude of [0, 1]) {
        const attrs = { mode, antialias: 1, exclude_outside: exclude };
        await op(Z, `${mode} antialias exclude=${exclude} down`, 'Resize', [[1, 2, 6, 7], E, float32Tensor([1, 1, 0.5, 0.6], [4])], { attrs, opset: 19 }, L);
        await op(Z, `${mode} antialias exclude=${exclude} sizes up/down`, 'Resize', [[1, 2, 6, 7], E, null, int64Tensor([1, 2, 9, 3])], { attrs, opset: 19 }, L);
      }
    }
    await op(Z, 'antialias tf_crop_and_resize', 'Resize', [[1, 2, 6, 7], float32Tensor([0, 0, 0.1, 0.3, 1, 1, 0.8, 1.2], [8]), float32Tensor([1, 1, 0.5, 0.6], [4])], { attrs: { mode: 'linear', antialias: 1, exclude_outside: 1, coordinate_transformation_mode: 'tf_crop_and_resize' }, opset: 19 }, L);
    await op(Z, 'axes with scales', 'Resize', [[1, 2, 3, 4], null, float32Tensor([2, 1.5], [2])], { attrs: { mode: 'linear', axes: [2, 3] }, opset: 18 }, L);
    await op(Z, 'axes with sizes', 'Resize', [[1, 2, 3, 4], null, null, int64Tensor([5, 7])], { attrs: { mode: 'cubic', axes: [-2, -1] }, opset: 18 }, L);
    await op(Z, 'keep_aspect_ratio_policy not_smaller', 'Resize', [[1, 2, 3, 5], null, null, int64Tensor([5, 6])], { attrs: { mode: 'linear', keep_aspect_ratio_policy: 'not_smaller', axes: [2, 3] }, opset: 18 }, L);
    await op(Z, 'keep_aspect_ratio_policy not_larger', 'Resize', [[1, 2, 3, 5], null, null, int64Tensor([5, 6])], { attrs: { mode: 'nearest', keep_aspect_ratio_policy: 'not_larger', axes: [2, 3] }, opset: 18 }, L);
    await op(Z, 'tf_crop_and_resize with axes', 'Resize', [[1, 2, 5, 4], float32Tensor([0.2, -0.1, 0.9, 1.1], [4]), float32Tensor([1.5, 2], [2])], { attrs: { mode: 'linear', axes: [2, 3], coordinate_transformation_mode: 'tf_crop_and_resize' }, opset: 19 }, L);
    await op(Z, 'NHWC linear', 'Resize', [[1, 3, 4, 2], null, float32Tensor([1, 2, 1.5, 1], [4])], { attrs: { mode: 'linear' }, opset: 13 }, L);
    await op(Z, 'NHWC cubic', 'Resize', [[1, 3, 4, 2], null, float32Tensor([1, 2, 1.5, 1], [4])], { attrs: { mode: 'cubic' }, opset: 13 }, L);
    await op(Z, '2-D linear', 'Resize', [[3, 4], null, float32Tensor([2, 0.75], [2])], { attrs: { mode: 'linear' }, opset: 13 }, L);
    await op(Z, '3-D linear', 'Resize', [[3, 4, 2], null, float32Tensor([2, 0.5, 1.5], [3])], { attrs: { mode: 'linear' }, opset: 13 }, L);
    await op(Z, 'trilinear 5-D', 'Resize', [[1, 2, 3, 4, 2], null, float32Tensor([1, 1, 2, 0.5, 1.5], [5])], { attrs: { mode: 'linear' }, opset: 13 }, L);
    await op(Z, 'nearest 5-D', 'Resize', [[1, 2, 3, 4, 2], null, float32Tensor([1, 1, 2, 0.5, 1.5], [5])], { attrs: { mode: 'nearest' }, opset: 13 }, L);
    await op(Z, 'nearest on N and C', 'Resize', [[2, 3, 2, 2], null, float32Tensor([2, 1.5, 1, 1], [4])], { attrs: { mode: 'nearest' }, opset: 13 }, L);
    await op(Z, 'same size (copy)', 'Resize', [[1, 2, 3, 4], null, float32Tensor([1, 1, 1.2, 1.1], [4])], { attrs: { mode: 'linear' }, opset: 13 }, L);
    await op(Z, 'opset 11 sizes align_corners', 'Resize', [[1, 2, 3, 4], E, E, int64Tensor([1, 2, 7, 9])], { attrs: { mode: 'linear', coordinate_transformation_mode: 'align_corners' }, opset: 11 }, L);
    await op(Z, 'opset 10 nearest x2', 'Resize', [[1, 2, 3, 4], float32Tensor([1, 1, 2, 2], [4])], { opset: 10 }, L);
    await op(Z, 'opset 10 nearest down', 'Resize', [[1, 2, 6, 5], float32Tensor([1, 1, 0.5, 0.7], [4])], { opset: 10 }, L);
    await op(Z, 'opset 10 linear', 'Resize', [[1, 2, 3, 4], float32Tensor([1, 1, 1.5, 2.5], [4])], { attrs: { mode: 'linear' }, opset: 10 }, L);
    await op(Z, 'bilinear x2 (directional)', 'Resize', [[1, 3, 16, 16], null, float32Tensor([1, 1, 2, 2], [4])], { attrs: { mode: 'linear' }, opset: 13 }, L);
  });

  test('Upsample (opsets 7 and 9)', async () => {
    await op(Z, 'upsample 7 nearest', 'Upsample', [[1, 2, 3, 4]], { attrs: { scales: FS([1, 1, 2, 3]) }, opset: 7 }, L);
    await op(Z, 'upsample 7 nearest fractional', 'Upsample', [[1, 2, 3, 4]], { attrs: { scales: FS([1, 1, 1.5, 2.5]) }, opset: 8 }, L);
    await op(Z, 'upsample 7 linear', 'Upsample', [[1, 2, 3, 4]], { attrs: { scales: FS([1, 1, 2, 1.5]), mode: 'linear' }, opset: 7 }, L);
    await op(Z, 'upsample 9 nearest', 'Upsample', [[1, 2, 3, 4], float32Tensor([1, 1, 2, 2], [4])], { opset: 9 }, L);
    await op(Z, 'upsample 9 linear', 'Upsample', [[1, 2, 3, 4], float32Tensor([1, 1, 2.5, 1.5], [4])], { attrs: { mode: 'linear' }, opset: 9 }, L);
  });
});

// ---------------------------------------------------------------------------
describe('graphs', () => {
  test('a small CNN: Conv -> BatchNorm -> Relu -> MaxPool -> Flatten -> Gemm -> Softmax', async () => {
    const graph = makeGraph({
      opset: 13,
      inputs: { x: [2, 2, 6, 6] },
      initializers: {
        w: W([4, 2, 3, 3]),
        b: W([4]),
        scale: W([4]),
        bias: W([4]),
        mean: W([4]),
        var: W([4], 'positive'),
        // small logits: a saturated softmax makes its float32 backward lose digits to cancellation
        // (y (dY - <dY, y>) with y near one-hot), in PyTorch as here, which is not what this test is about
        fc: float32Tensor(randomData(108, rng).map((v) => v * 0.1), [3, 36]),
        fcb: W([3]),
      },
      nodes: [
        { op: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['c'], attrs: { pads: [1, 1, 1, 1] } },
        { op: 'BatchNormalization', inputs: ['c', 'scale', 'bias', 'mean', 'var'], outputs: ['n'] },
        { op: 'Relu', inputs: ['n'], outputs: ['r'] },
        { op: 'MaxPool', inputs: ['r'], outputs: ['p'], attrs: { kernel_shape: [2, 2], strides: [2, 2] } },
        { op: 'Flatten', inputs: ['p'], outputs: ['f'] },
        { op: 'Gemm', inputs: ['f', 'fc', 'fcb'], outputs: ['logits'], attrs: { transB: 1 } },
        { op: 'Softmax', inputs: ['logits'], outputs: ['probs'], attrs: { axis: 1 } },
      ],
      outputs: ['probs'],
    });
    await check('graphs', 'small CNN', graph, { opts: { stepMixed: 1e-3 } });
  });
});

// ---------------------------------------------------------------------------
describe('errors and coverage', () => {
  test('an op without a rule fails with UnsupportedOpError naming the op and the node', () => {
    const graph = makeGraph({
      inputs: { x: [2, 3] },
      nodes: [
        { op: 'Relu', inputs: ['x'], outputs: ['r'] },
        { op: 'Sin', inputs: ['r'], outputs: ['s'], name: 'my_sine' },
        { op: 'Cos', inputs: ['x'], outputs: ['unused'], name: 'off_path' },
      ],
      outputs: ['s', 'unused'],
    });
    const info = inferShapes(graph, {});
    assert.throws(
      () => buildGradientGraph(graph, info, { outputs: [], seeds: ['s'], wrt: ['x'], rules: gradientRules }),
      (e: unknown) => {
        assert.ok(e instanceof UnsupportedOpError, `expected UnsupportedOpError, got ${String(e)}`);
        assert.equal(e.opType, 'Sin');
        assert.equal(e.nodeName, 'my_sine');
        assert.match(e.message, /'Sin'/);
        assert.match(e.message, /'my_sine'/);
        return true;
      },
    );
    // an op off the path from the input to the seeded output needs no rule
    const g2 = makeGraph({
      inputs: { x: [2, 3] },
      nodes: [
        { op: 'Relu', inputs: ['x'], outputs: ['r'] },
        { op: 'Cos', inputs: ['x'], outputs: ['c'], name: 'off_path' },
      ],
      outputs: ['r', 'c'],
    });
    assert.doesNotThrow(() => buildGradientGraph(g2, inferShapes(g2, {}), { outputs: [], seeds: ['r'], wrt: ['x'], rules: gradientRules }));
  });

  test('every op in gradientRules is covered by a gradient check above', (t) => {
    const missing = supportedOps().filter((o) => !covered.has(o));
    assert.deepEqual(missing, [], `ops without a test: ${missing.join(', ')}`);
    for (const [group, w] of worst) t.diagnostic(`${group}: worst relative error ${w.relErr.toExponential(2)} (${w.precision}, ${w.label})`);
  });
});
