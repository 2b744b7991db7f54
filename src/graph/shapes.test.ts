import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import type { AttrValue, DType, Graph, Node, Tensor } from './ir.js';
import { float32Tensor, initializerFromTensor, int64Tensor, sizeOf, tensorNumbers } from './ir.js';
import { loadOnnx, saveOnnx, tensorFromProto } from './onnx.js';
import { inferShapes, ShapeInferenceError, type ShapeInfo } from './shapes.js';

const { onnx } = onnxProto;
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

// ---------------------------------------------------------------------------
// a tiny graph builder

const I = (value: number): AttrValue => ({ kind: 'int', value });
const IS = (value: number[]): AttrValue => ({ kind: 'ints', value });
const F = (value: number): AttrValue => ({ kind: 'float', value });
const S = (value: string): AttrValue => ({ kind: 'string', value });
const T = (value: Tensor): AttrValue => ({ kind: 'tensor', value });

class Builder {
  readonly graph: Graph;
  private n = 0;
  constructor(opset: number) {
    this.graph = {
      name: 'test',
      nodes: [],
      inputs: [],
      outputs: [],
      initializers: new Map(),
      valueInfo: new Map(),
      opset,
      otherOpsets: {},
      irVersion: 8,
      producer: 'test',
    };
  }
  input(name: string, shape: number[], dtype: DType = 'float32'): string {
    this.graph.inputs.push({ name, dtype, shape });
    return name;
  }
  init(name: string, t: Tensor): string {
    this.graph.initializers.set(name, initializerFromTensor(name, t));
    return name;
  }
  ints(name: string, values: number[], dims?: number[]): string {
    return this.init(name, int64Tensor(values, dims));
  }
  floats(name: string, values: number[], dims: number[] = [values.length]): string {
    return this.init(name, float32Tensor(values, dims));
  }
  /** A float32 weight filled with small pseudo-random values. */
  weight(name: string, dims: number[]): string {
    const n = sizeOf(dims);
    return this.init(name, float32Tensor(Array.from({ length: n }, (_, i) => Math.sin(i * 0.7) * 0.1), dims));
  }
  /** Add a node; returns its outputs (named `<name>_<i>` unless given). */
  node(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, outputs: number | string[] = 1, name?: string): string[] {
    const nodeName = name ?? `${opType.toLowerCase()}${this.n++}`;
    const outs = typeof outputs === 'number' ? Array.from({ length: outputs }, (_, i) => `${nodeName}_out${i}`) : outputs;
    this.graph.nodes.push({ name: nodeName, opType, domain: '', inputs, outputs: outs, attrs });
    return outs;
  }
  op(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}): string {
    return this.node(opType, inputs, attrs)[0];
  }
  output(name: string, dtype: DType = 'float32'): void {
    this.graph.outputs.push({ name, dtype, shape: null });
  }
}

function shapeOf(info: ShapeInfo, name: string): number[] | undefined {
  return info.shapes.get(name);
}

// ---------------------------------------------------------------------------
// 1. hand-built graphs

describe('shape rules on hand-built graphs', () => {
  test('Conv with pads, strides, dilations and groups', () => {
    const b = new Builder(13);
    const x = b.input('x', [1, 4, 10, 12]);
    const w = b.weight('w', [6, 2, 3, 3]);
    const y = b.op('Conv', [x, w], { group: I(2), pads: IS([1, 2, 1, 2]), strides: IS([2, 3]), dilations: IS([2, 1]) });
    const info = inferShapes(b.graph, { x: [1, 4, 10, 12] });
    // H: floor((10 + 2 - 5) / 2) + 1 = 4;  W: floor((12 + 4 - 3) / 3) + 1 = 5
    assert.deepEqual(shapeOf(info, y), [1, 6, 4, 5]);
    assert.equal(info.dtypes.get(y), 'float32');
  });

  test('Conv with auto_pad SAME_UPPER and a channel mismatch error', () => {
    const b = new Builder(13);
    const x = b.input('x', [2, 3, 11, 7]);
    const w = b.weight('w', [5, 3, 3, 3]);
    const y = b.op('Conv', [x, w], { auto_pad: S('SAME_UPPER'), strides: IS([2, 2]) });
    assert.deepEqual(shapeOf(inferShapes(b.graph, { x: [2, 3, 11, 7] }), y), [2, 5, 6, 4]);
    assert.throws(() => inferShapes(b.graph, { x: [2, 4, 11, 7] }), (e: Error) => e instanceof ShapeInferenceError && /channels/.test(e.message));
  });

  test('ConvTranspose with output_padding, and with output_shape', () => {
    const b = new Builder(13);
    const x = b.input('x', [1, 2, 5, 6]);
    const w = b.weight('w', [2, 3, 3, 3]);
    const y = b.op('ConvTranspose', [x, w], { strides: IS([2, 2]), pads: IS([1, 1, 1, 1]), output_padding: IS([1, 0]) });
    const y2 = b.op('ConvTranspose', [x, w], { strides: IS([2, 2]), output_shape: IS([10, 12]), group: I(1) });
    const w3 = b.weight('w3', [2, 2, 2, 2]);
    const y3 = b.op('ConvTranspose', [x, w3], { strides: IS([3, 3]), group: I(2), dilations: IS([2, 2]) });
    const info = inferShapes(b.graph, { x: [1, 2, 5, 6] });
    // H: 2 * 4 + 1 + 3 - 2 = 10;  W: 2 * 5 + 0 + 3 - 2 = 11
    assert.deepEqual(shapeOf(info, y), [1, 3, 10, 11]);
    assert.deepEqual(shapeOf(info, y2), [1, 3, 10, 12]);
    // channels = 2 * group; H: 3 * 4 + 3 = 15, W: 3 * 5 + 3 = 18
    assert.deepEqual(shapeOf(info, y3), [1, 4, 15, 18]);
  });

  test('MaxPool with ceil_mode (and its int64 Indices output)', () => {
    const b = new Builder(13);
    const x = b.input('x', [1, 1, 6, 6]);
    const [floorY] = b.node('MaxPool', [x], { kernel_shape: IS([3, 3]), strides: IS([2, 2]) });
    const [ceilY, ind] = b.node('MaxPool', [x], { kernel_shape: IS([3, 3]), strides: IS([2, 2]), ceil_mode: I(1) }, 2);
    // the last window would start in the right padding only: dropped
    const [edge] = b.node('MaxPool', [x], { kernel_shape: IS([2, 2]), strides: IS([2, 2]), pads: IS([1, 1, 1, 1]), ceil_mode: I(1) });
    const [avg] = b.node('AveragePool', [x], { kernel_shape: IS([3, 3]), pads: IS([1, 1, 1, 1]), count_include_pad: I(1), strides: IS([2, 2]) });
    const info = inferShapes(b.graph, { x: [1, 1, 6, 6] });
    assert.deepEqual(shapeOf(info, floorY), [1, 1, 2, 2]);
    assert.deepEqual(shapeOf(info, ceilY), [1, 1, 3, 3]);
    assert.deepEqual(shapeOf(info, ind), [1, 1, 3, 3]);
    assert.equal(info.dtypes.get(ind), 'int64');
    assert.deepEqual(shapeOf(info, edge), [1, 1, 4, 4]);
    assert.deepEqual(shapeOf(info, avg), [1, 1, 3, 3]);
    const b2 = new Builder(13);
    const x2 = b2.input('x', [1, 1, 5, 5]);
    const [e2] = b2.node('MaxPool', [x2], { kernel_shape: IS([2, 2]), strides: IS([2, 2]), pads: IS([1, 1, 1, 1]), ceil_mode: I(1) });
    // ceil((5 + 2 - 2) / 2) + 1 = 4, but window 4 would start at 6 >= 5 + 1: 3
    assert.deepEqual(shapeOf(inferShapes(b2.graph, { x: [1, 1, 5, 5] }), e2), [1, 1, 3, 3]);
  });

  test('Reshape with 0 and -1 (and allowzero), folded when constant', () => {
    const b = new Builder(14);
    const x = b.input('x', [2, 3, 4, 5]);
    const y = b.op('Reshape', [x, b.ints('s', [0, -1, 5])]);
    const y2 = b.op('Reshape', [x, b.ints('s2', [-1, 0, 2])]);
    const z = b.input('z', [0, 3]);
    const y3 = b.op('Reshape', [z, b.ints('s3', [3, 0])], { allowzero: I(1) });
    const c = b.ints('c', [1, 2, 3, 4, 5, 6], [2, 3]);
    const y4 = b.op('Reshape', [c, b.ints('s4', [0, -1, 1])]);
    const info = inferShapes(b.graph, { x: [2, 3, 4, 5], z: [0, 3] });
    assert.deepEqual(shapeOf(info, y), [2, 12, 5]);
    assert.deepEqual(shapeOf(info, y2), [20, 3, 2]);
    assert.deepEqual(shapeOf(info, y3), [3, 0]);
    assert.deepEqual(shapeOf(info, y4), [2, 3, 1]);
    assert.deepEqual(info.constants.get(y4)?.dims, [2, 3, 1]);
    const bad = new Builder(14);
    const bx = bad.input('x', [2, 3]);
    bad.op('Reshape', [bx, bad.ints('s', [4, -1])]);
    assert.throws(() => inferShapes(bad.graph, { x: [2, 3] }), ShapeInferenceError);
  });

  test('Slice with negative steps, clamping and default axes; folded on constants', () => {
    const b = new Builder(13);
    const x = b.input('x', [5, 6, 7]);
    const INT64_MIN = -(2 ** 63);
    const y = b.op('Slice', [x, b.ints('st', [-1, 4]), b.ints('en', [INT64_MIN, 0]), b.ints('ax', [0, 2]), b.ints('sp', [-2, -1])]);
    const y2 = b.op('Slice', [x, b.ints('st2', [1, -100]), b.ints('en2', [1000, -2])]);
    const c = b.ints('c', [10, 11, 12, 13, 14, 15]);
    const y3 = b.op('Slice', [c, b.ints('st3', [-2]), b.ints('en3', [0]), b.ints('ax3', [-1]), b.ints('sp3', [-2])]);
    const info = inferShapes(b.graph, { x: [5, 6, 7] });
    // axis 0: from 4 down to the start by 2 -> 4, 2, 0;  axis 2: 4, 3, 2, 1
    assert.deepEqual(shapeOf(info, y), [3, 6, 4]);
    assert.deepEqual(shapeOf(info, y2), [4, 4, 7]);
    assert.deepEqual(shapeOf(info, y3), [2]);
    assert.deepEqual(tensorNumbers(info.constants.get(y3)!), [14, 12]);
    // opset 9: attributes
    const b9 = new Builder(9);
    const x9 = b9.input('x', [5, 6]);
    const y9 = b9.op('Slice', [x9], { starts: IS([1]), ends: IS([-1]), axes: IS([1]) });
    assert.deepEqual(shapeOf(inferShapes(b9.graph, { x: [5, 6] }), y9), [5, 4]);
  });

  test('Shape -> Gather -> Unsqueeze -> Concat -> Reshape flatten chain is folded', () => {
    const b = new Builder(13);
    const x = b.input('x', [3, 2, 4, 4]);
    const shape = b.op('Shape', [x]);
    const batch = b.op('Gather', [shape, b.ints('zero', [0], [])], { axis: I(0) });
    const batch1 = b.op('Unsqueeze', [batch, b.ints('axes0', [0])]);
    const target = b.op('Concat', [batch1, b.ints('minus1', [-1])], { axis: I(0) });
    const flat = b.op('Reshape', [x, target]);
    const info = inferShapes(b.graph, { x: [3, 2, 4, 4] });
    assert.deepEqual(tensorNumbers(info.constants.get(shape)!), [3, 2, 4, 4]);
    assert.deepEqual(info.constants.get(batch)?.dims, []);
    assert.deepEqual(tensorNumbers(info.constants.get(batch)!), [3]);
    assert.deepEqual(tensorNumbers(info.constants.get(target)!), [3, -1]);
    assert.equal(info.constants.get(target)?.dtype, 'int64');
    assert.deepEqual(shapeOf(info, flat), [3, 32]);
    assert.ok(!info.constants.has(flat), 'a runtime value is not a constant');
    // the same graph with another batch size folds to another shape
    assert.deepEqual(shapeOf(inferShapes(b.graph, { x: [7, 2, 4, 4] }), flat), [7, 32]);
  });

  test('shape arithmetic folds: Div, Cast, Range, ConstantOfShape, Expand, Where, Equal', () => {
    const b = new Builder(13);
    const x = b.input('x', [2, 6, 8]);
    const shape = b.op('Shape', [x]);
    const half = b.op('Div', [shape, b.ints('two', [2], [])]);
    const asFloat = b.op('Cast', [half], { to: I(1) });
    const back = b.op('Cast', [asFloat], { to: I(7) });
    const r = b.op('Range', [b.ints('r0', [0], []), b.op('Gather', [back, b.ints('i2', [2], [])]), b.ints('r1', [1], [])]);
    const zeros = b.op('ConstantOfShape', [back], { value: T(int64Tensor([7], [1])) });
    const eq = b.op('Equal', [shape, b.ints('six', [6], [])]);
    const where = b.op('Where', [eq, b.ints('m1', [-1], []), shape]);
    const ex = b.op('Expand', [b.ints('col', [1, 2], [2, 1]), b.ints('es', [2, 3])]);
    const lastTwo = b.op('Gather', [shape, b.ints('neg', [-1, -2], [2])]);
    const info = inferShapes(b.graph, { x: [2, 6, 8] });
    assert.deepEqual(tensorNumbers(info.constants.get(lastTwo)!), [8, 6]);
    assert.deepEqual(tensorNumbers(info.constants.get(half)!), [1, 3, 4]);
    assert.equal(info.constants.get(asFloat)?.dtype, 'float32');
    assert.deepEqual(tensorNumbers(info.constants.get(r)!), [0, 1, 2, 3]);
    assert.deepEqual(shapeOf(info, zeros), [1, 3, 4]);
    assert.equal(info.dtypes.get(zeros), 'int64');
    assert.deepEqual(tensorNumbers(info.constants.get(zeros)!), new Array(12).fill(7));
    assert.equal(info.dtypes.get(eq), 'bool');
    assert.deepEqual(tensorNumbers(info.constants.get(where)!), [2, -1, 8]);
    assert.deepEqual(tensorNumbers(info.constants.get(ex)!), [1, 1, 1, 2, 2, 2]);
  });

  test('Squeeze / Unsqueeze: attribute at opset 11, input at opset 13', () => {
    const b11 = new Builder(11);
    const x = b11.input('x', [1, 3, 1, 5]);
    const sq = b11.op('Squeeze', [x], { axes: IS([0, -2]) });
    const sqAll = b11.op('Squeeze', [x]);
    const un = b11.op('Unsqueeze', [sq], { axes: IS([0, 3]) });
    const i11 = inferShapes(b11.graph, { x: [1, 3, 1, 5] });
    assert.deepEqual(shapeOf(i11, sq), [3, 5]);
    assert.deepEqual(shapeOf(i11, sqAll), [3, 5]);
    assert.deepEqual(shapeOf(i11, un), [1, 3, 5, 1]);

    const b13 = new Builder(13);
    const y = b13.input('x', [1, 3, 1, 5]);
    const sq13 = b13.op('Squeeze', [y, b13.ints('a', [2])]);
    const un13 = b13.op('Unsqueeze', [sq13, b13.ints('b', [-1, 1])]);
    const i13 = inferShapes(b13.graph, { x: [1, 3, 1, 5] });
    assert.deepEqual(shapeOf(i13, sq13), [1, 3, 5]);
    assert.deepEqual(shapeOf(i13, un13), [1, 1, 3, 5, 1]);
    // An opset-13 Unsqueeze with the axes as an attribute is malformed.
    const bad = new Builder(13);
    const z = bad.input('x', [3]);
    bad.op('Unsqueeze', [z], { axes: IS([0]) });
    assert.throws(() => inferShapes(bad.graph, { x: [3] }), ShapeInferenceError);
    // Squeezing a non-1 axis is an error.
    const bad2 = new Builder(11);
    bad2.op('Squeeze', [bad2.input('x', [2, 3])], { axes: IS([0]) });
    assert.throws(() => inferShapes(bad2.graph, { x: [2, 3] }), /cannot squeeze/);
  });

  test('Resize with scales (opsets 10, 13, 18) and sizes; Upsample', () => {
    const b13 = new Builder(13);
    const x = b13.input('x', [1, 3, 5, 7]);
    const y = b13.op('Resize', [x, '', b13.floats('sc', [1, 1, 1.5, 2])], { mode: S('nearest') });
    const y2 = b13.op('Resize', [x, '', '', b13.ints('sz', [1, 3, 9, 4])], { mode: S('linear') });
    const y3 = b13.op('Resize', [x, b13.floats('roi', []), b13.floats('sc2', [1, 1, 0.5, 1 / 3])]);
    const i13 = inferShapes(b13.graph, { x: [1, 3, 5, 7] });
    assert.deepEqual(shapeOf(i13, y), [1, 3, 7, 14]);
    assert.deepEqual(shapeOf(i13, y2), [1, 3, 9, 4]);
    assert.deepEqual(shapeOf(i13, y3), [1, 3, 2, 2]);

    const b10 = new Builder(10);
    const y10 = b10.op('Resize', [b10.input('x', [1, 3, 5, 7]), b10.floats('sc', [1, 1, 2.5, 1.5])]);
    assert.deepEqual(shapeOf(inferShapes(b10.graph, { x: [1, 3, 5, 7] }), y10), [1, 3, 12, 10]);

    const b18 = new Builder(18);
    const y18 = b18.op('Resize', [b18.input('x', [1, 3, 5, 7]), '', b18.floats('sc', [3, 2])], { axes: IS([2, 3]) });
    assert.deepEqual(shapeOf(inferShapes(b18.graph, { x: [1, 3, 5, 7] }), y18), [1, 3, 15, 14]);

    const b9 = new Builder(9);
    const u = b9.op('Upsample', [b9.input('x', [1, 2, 3, 4]), b9.floats('sc', [1, 1, 2, 3])]);
    assert.deepEqual(shapeOf(inferShapes(b9.graph, { x: [1, 2, 3, 4] }), u), [1, 2, 6, 12]);
  });

  test('Split: equal parts, sizes (attribute / input) and num_outputs', () => {
    const b11 = new Builder(11);
    const x = b11.input('x', [2, 6]);
    const eq = b11.node('Split', [x], { axis: I(1) }, 3);
    const var11 = b11.node('Split', [x], { axis: I(-1), split: IS([1, 5]) }, 2);
    const i11 = inferShapes(b11.graph, { x: [2, 6] });
    assert.deepEqual(eq.map((o) => shapeOf(i11, o)), [[2, 2], [2, 2], [2, 2]]);
    assert.deepEqual(var11.map((o) => shapeOf(i11, o)), [[2, 1], [2, 5]]);

    const b13 = new Builder(13);
    const x13 = b13.input('x', [2, 6]);
    const var13 = b13.node('Split', [x13, b13.ints('sp', [2, 4])], { axis: I(1) }, 2);
    const parts = b13.node('Split', [b13.ints('c', [1, 2, 3, 4, 5, 6]), b13.ints('sp2', [4, 2])], {}, 2);
    const i13 = inferShapes(b13.graph, { x: [2, 6] });
    assert.deepEqual(var13.map((o) => shapeOf(i13, o)), [[2, 2], [2, 4]]);
    assert.deepEqual(tensorNumbers(i13.constants.get(parts[1])!), [5, 6]);

    const b18 = new Builder(18);
    const x18 = b18.input('x', [10, 3]);
    const n18 = b18.node('Split', [x18], { num_outputs: I(4) }, 4);
    const i18 = inferShapes(b18.graph, { x: [10, 3] });
    assert.deepEqual(n18.map((o) => shapeOf(i18, o)), [[3, 3], [3, 3], [3, 3], [1, 3]]);

    const bad = new Builder(13);
    bad.node('Split', [bad.input('x', [2, 7])], { axis: I(1) }, 2);
    assert.throws(() => inferShapes(bad.graph, { x: [2, 7] }), /equal parts/);
  });

  test('MatMul broadcasting and 1-D operands; Gemm with transposes', () => {
    const b = new Builder(13);
    const a = b.input('a', [2, 1, 3, 4]);
    const m = b.input('m', [5, 4, 6]);
    const v = b.input('v', [4]);
    const y = b.op('MatMul', [a, m]);
    const y2 = b.op('MatMul', [v, m]);
    const y3 = b.op('MatMul', [a, v]);
    const y4 = b.op('MatMul', [v, v]);
    const g = b.op('Gemm', [b.input('p', [4, 3]), b.input('q', [5, 4]), b.floats('bias', [0, 0, 0, 0, 0])], { transA: I(1), transB: I(1) });
    const info = inferShapes(b.graph, { a: [2, 1, 3, 4], m: [5, 4, 6], v: [4], p: [4, 3], q: [5, 4] });
    assert.deepEqual(shapeOf(info, y), [2, 5, 3, 6]);
    assert.deepEqual(shapeOf(info, y2), [5, 6]);
    assert.deepEqual(shapeOf(info, y3), [2, 1, 3]);
    assert.deepEqual(shapeOf(info, y4), []);
    assert.deepEqual(shapeOf(info, g), [3, 5]);
    assert.throws(() => inferShapes(b.graph, { a: [2, 1, 3, 5], m: [5, 4, 6], v: [4], p: [4, 3], q: [5, 4] }), /inner dimensions/);
  });

  test('Reduce axes: attribute at opset 13, input at 18 (ReduceSum: input from 13); noop_with_empty_axes', () => {
    const b13 = new Builder(13);
    const x = b13.input('x', [2, 3, 4]);
    const mean = b13.op('ReduceMean', [x], { axes: IS([1]), keepdims: I(0) });
    const sum = b13.op('ReduceSum', [x, b13.ints('ax', [-1])]);
    const sumAll = b13.op('ReduceSum', [x], { keepdims: I(0) });
    const noop = b13.op('ReduceSum', [x], { noop_with_empty_axes: I(1) });
    const am = b13.op('ArgMax', [x], { axis: I(2), keepdims: I(0) });
    const i13 = inferShapes(b13.graph, { x: [2, 3, 4] });
    assert.deepEqual(shapeOf(i13, mean), [2, 4]);
    assert.deepEqual(shapeOf(i13, sum), [2, 3, 1]);
    assert.deepEqual(shapeOf(i13, sumAll), []);
    assert.deepEqual(shapeOf(i13, noop), [2, 3, 4]);
    assert.deepEqual(shapeOf(i13, am), [2, 3]);
    assert.equal(i13.dtypes.get(am), 'int64');

    const b18 = new Builder(18);
    const x18 = b18.input('x', [2, 3, 4]);
    const max18 = b18.op('ReduceMax', [x18, b18.ints('ax', [0, 2])]);
    assert.deepEqual(shapeOf(inferShapes(b18.graph, { x: [2, 3, 4] }), max18), [1, 3, 1]);
  });

  test('Pad, Clip and Softmax across opsets; LayerNormalization stats; TopK; Flatten; Transpose', () => {
    const b = new Builder(17);
    const x = b.input('x', [2, 3, 4]);
    const p = b.op('Pad', [x, b.ints('pads', [0, 1, 2, 0, 3, -1])], { mode: S('reflect') });
    const c = b.op('Clip', [x, b.floats('lo', [0], []), b.floats('hi', [6], [])]);
    const s = b.op('Softmax', [x]);
    const [ln, mu, inv] = b.node('LayerNormalization', [x, b.weight('g', [4]), b.weight('bb', [4])], { axis: I(-1) }, 3);
    const [tv, ti] = b.node('TopK', [x, b.ints('k', [2])], { axis: I(1) }, 2);
    const fl = b.op('Flatten', [x], { axis: I(-1) });
    const tr = b.op('Transpose', [x]);
    const info = inferShapes(b.graph, { x: [2, 3, 4] });
    assert.deepEqual(shapeOf(info, p), [2, 7, 5]);
    assert.deepEqual(shapeOf(info, c), [2, 3, 4]);
    assert.deepEqual(shapeOf(info, s), [2, 3, 4]);
    assert.deepEqual(shapeOf(info, ln), [2, 3, 4]);
    assert.deepEqual(shapeOf(info, mu), [2, 3, 1]);
    assert.deepEqual(shapeOf(info, inv), [2, 3, 1]);
    assert.deepEqual(shapeOf(info, tv), [2, 2, 4]);
    assert.equal(info.dtypes.get(ti), 'int64');
    assert.deepEqual(shapeOf(info, fl), [6, 4]);
    assert.deepEqual(shapeOf(info, tr), [4, 3, 2]);

    const b2 = new Builder(2);
    const x2 = b2.input('x', [2, 3]);
    const p2 = b2.op('Pad', [x2], { pads: IS([1, 0, 1, 2]) });
    assert.deepEqual(shapeOf(inferShapes(b2.graph, { x: [2, 3] }), p2), [4, 5]);
  });

  test('nodes out of topological order are sorted first', () => {
    const b = new Builder(13);
    const x = b.input('x', [2, 3]);
    b.node('Relu', ['mid'], {}, ['out'], 'second');
    b.node('Transpose', [x], {}, ['mid'], 'first');
    const info = inferShapes(b.graph, { x: [2, 3] });
    assert.deepEqual(shapeOf(info, 'out'), [3, 2]);
  });

  test('an op without a rule throws, naming the op and the node', () => {
    const b = new Builder(13);
    const x = b.input('x', [2, 3]);
    b.node('Foo', [x], {}, 1, 'bar');
    assert.throws(
      () => inferShapes(b.graph, { x: [2, 3] }),
      (e: Error) => e instanceof ShapeInferenceError && /'Foo'/.test(e.message) && /'bar'/.test(e.message) && /supported: .*Conv/.test(e.message),
    );
    const nz = new Builder(13);
    nz.node('NonZero', [nz.input('x', [4])], {}, 1, 'nz_node');
    assert.throws(
      () => inferShapes(nz.graph, { x: [4] }),
      (e: Error) => e instanceof ShapeInferenceError && /NonZero/.test(e.message) && /nz_node/.test(e.message) && /data-dependent/.test(e.message),
    );
    // A shape input that depends on runtime data is reported as such.
    const dyn = new Builder(13);
    const d = dyn.input('x', [2, 3]);
    dyn.node('Reshape', [d, dyn.input('s', [2], 'int64')], {}, 1, 'dynreshape');
    assert.throws(() => inferShapes(dyn.graph, { x: [2, 3], s: [2] }), /dynreshape.*compile-time constant/);
    // a missing input shape (declared symbolic)
    dyn.graph.inputs[1].shape = ['n'];
    assert.throws(() => inferShapes(dyn.graph, { x: [2, 3] }), /no shape given for graph input 's'/);
  });
});

// ---------------------------------------------------------------------------
// 2. agreement with onnxruntime

const ORT_TYPES = new Set(['float32', 'float64', 'int64', 'int32', 'bool', 'uint8', 'int8']);

/** Expose every intermediate value as a graph output, run onnxruntime, compare dims and types. */
async function compareWithOrt(graph: Graph, inputShapes: Record<string, number[]>): Promise<number> {
  const info = inferShapes(graph, inputShapes);
  const outputs = [...graph.outputs];
  const names = new Set(outputs.map((o) => o.name));
  for (const n of graph.nodes) {
    for (const o of n.outputs) {
      const dtype = info.dtypes.get(o);
      if (!o || names.has(o) || !dtype || !ORT_TYPES.has(dtype)) continue;
      names.add(o);
      outputs.push({ name: o, dtype, shape: null });
    }
  }
  const exposed: Graph = { ...graph, outputs };
  // Graph optimisations off: onnxruntime's constant folding of Shape trusts ONNX's own static shape
  // inference, which (unlike the MaxPool kernel) does not drop a ceil_mode window that starts in the
  // padding, and would then feed a wrong sequence length into the mask below.
  const session = await ort.InferenceSession.create(saveOnnx(exposed), { graphOptimizationLevel: 'disabled', logSeverityLevel: 3 });
  const feeds: Record<string, ort.Tensor> = {};
  let seed = 1;
  for (const input of graph.inputs) {
    const dims = inputShapes[input.name];
    const n = sizeOf(dims);
    if (input.dtype === 'float32') {
      feeds[input.name] = new ort.Tensor('float32', Float32Array.from({ length: n }, () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1), dims);
    } else if (input.dtype === 'int64') {
      feeds[input.name] = new ort.Tensor('int64', new BigInt64Array(n), dims);
    } else {
      throw new Error(`test feeds do not support ${input.dtype}`);
    }
  }
  const results = await session.run(feeds);
  let compared = 0;
  for (const o of outputs) {
    const r = results[o.name];
    assert.ok(r, `onnxruntime returned no '${o.name}'`);
    assert.deepEqual([...r.dims], info.shapes.get(o.name), `shape of '${o.name}'`);
    assert.equal(r.type, info.dtypes.get(o.name), `type of '${o.name}'`);
    const folded = info.constants.get(o.name);
    if (folded && folded.dtype !== 'float32' && folded.dtype !== 'float64') {
      assert.deepEqual(tensorNumbers(folded), Array.from(r.data as ArrayLike<number | bigint>, Number), `folded value of '${o.name}'`);
    }
    compared++;
  }
  await session.release();
  return compared;
}

/** A small CNN + attention model at opset 17 exercising most rules (and the folded shape chains). */
function buildOrtModel(): { graph: Graph; shapes: Record<string, number[]> } {
  const b = new Builder(17);
  const x = b.input('x', [2, 3, 17, 17]);
  let h = b.op('Conv', [x, b.weight('w1', [8, 3, 3, 3]), b.weight('b1', [8])], { pads: IS([1, 1, 1, 1]), strides: IS([2, 2]) });
  h = b.op('BatchNormalization', [h, b.weight('g', [8]), b.weight('be', [8]), b.weight('mu', [8]), b.floats('var', new Array(8).fill(1))]);
  h = b.op('Relu', [h]);
  const [mp] = b.node('MaxPool', [h], { kernel_shape: IS([2, 2]), strides: IS([2, 2]), pads: IS([1, 1, 1, 1]), ceil_mode: I(1) }, 1);
  const [mp2, mpi] = b.node('MaxPool', [h], { kernel_shape: IS([3, 3]), strides: IS([2, 2]), dilations: IS([1, 2]), ceil_mode: I(1) }, 2);
  void mp2;
  void mpi;
  h = b.op('Conv', [mp, b.weight('w2', [8, 4, 3, 3])], { group: I(2), dilations: IS([2, 2]), pads: IS([2, 1, 1, 2]) });
  h = b.op('Conv', [h, b.weight('w2u', [8, 1, 3, 2])], { group: I(8), auto_pad: S('SAME_UPPER'), strides: IS([1, 2]) });
  h = b.op('Conv', [h, b.weight('w2b', [8, 8, 2, 3])], { auto_pad: S('SAME_LOWER'), strides: IS([2, 1]) });
  h = b.op('ConvTranspose', [h, b.weight('wt', [8, 4, 3, 3])], { strides: IS([2, 2]), pads: IS([1, 1, 1, 1]), output_padding: IS([1, 1]) });
  h = b.op('Resize', [h, '', b.floats('scales', [1, 1, 1.5, 2])], { mode: S('nearest') });
  h = b.op('Resize', [h, '', '', b.ints('sizes', [2, 4, 9, 7])], { mode: S('linear') });
  h = b.op('AveragePool', [h, ], { kernel_shape: IS([3, 3]), pads: IS([1, 1, 1, 1]), strides: IS([2, 2]), count_include_pad: I(1), ceil_mode: I(1) });
  h = b.op('InstanceNormalization', [h, b.weight('ig', [4]), b.weight('ib', [4])]);
  h = b.op('Pad', [h, b.ints('pads', [0, 0, 1, 0, 0, 0, 2, 1])], { mode: S('reflect') });
  h = b.op('DepthToSpace', [b.op('SpaceToDepth', [b.op('Slice', [h, b.ints('s0', [0, 0]), b.ints('s1', [8, 4]), b.ints('s2', [2, 3])]), ], { blocksize: I(2) })], { blocksize: I(2), mode: S('CRD') });
  const gap = b.op('GlobalAveragePool', [h]);
  // flatten via a shape chain
  const shape = b.op('Shape', [gap]);
  const batch = b.op('Unsqueeze', [b.op('Gather', [shape, b.ints('zero', [0], [])]), b.ints('ax0', [0])]);
  const flat = b.op('Reshape', [gap, b.op('Concat', [batch, b.ints('m1', [-1])], { axis: I(0) })]);
  const logits = b.op('Gemm', [flat, b.weight('fc', [5, 4]), b.weight('fcb', [5])], { transB: I(1) });
  b.op('Softmax', [logits]);
  b.op('ArgMax', [logits], { axis: I(1) });
  b.node('TopK', [logits, b.ints('k', [3])], {}, 2);

  // attention over the conv map's rows: tokens [2, T, 8]
  const tokens = b.op('Transpose', [b.op('Reshape', [mp, b.op('Concat', [batch, b.ints('c8', [8, -1])], { axis: I(0) })])], { perm: IS([0, 2, 1]) });
  const ln = b.op('LayerNormalization', [tokens, b.weight('lg', [8]), b.weight('lb', [8])], { axis: I(-1) });
  const qkv = b.op('MatMul', [ln, b.weight('wqkv', [8, 24])]);
  const [q, k, v] = b.node('Split', [qkv, b.ints('split', [8, 8, 8])], { axis: I(-1) }, 3);
  const heads = (t: string) =>
    b.op('Transpose', [b.op('Reshape', [t, b.ints(`hs_${t}`, [0, 0, 2, 4])])], { perm: IS([0, 2, 1, 3]) });
  const [qh, kh, vh] = [q, k, v].map(heads);
  const scores = b.op('Div', [b.op('MatMul', [qh, b.op('Transpose', [kh], { perm: IS([0, 1, 3, 2]) })]), b.floats('sqrtd', [2], [])]);
  // a causal mask built from the folded sequence length
  const tlen = b.op('Gather', [b.op('Shape', [scores]), b.ints('idx3', [3], [])]);
  const ar = b.op('Range', [b.ints('r0', [0], []), tlen, b.ints('r1', [1], [])]);
  const mask = b.op('Less', [b.op('Unsqueeze', [ar, b.ints('ax1', [1])]), b.op('Unsqueeze', [ar, b.ints('ax0b', [0])])]);
  const masked = b.op('Where', [mask, b.floats('neg', [-1e4], []), scores]);
  const att = b.op('MatMul', [b.op('Softmax', [masked]), vh]);
  const merged = b.op('Reshape', [b.op('Transpose', [att], { perm: IS([0, 2, 1, 3]) }), b.ints('mshape', [0, 0, -1])]);
  const erf = b.op('Erf', [b.op('Mul', [merged, b.floats('isq2', [Math.SQRT1_2], [])])]);
  const gelu = b.op('Mul', [merged, b.op('Add', [erf, b.floats('one', [1], [])])]);
  const reversed = b.op('Slice', [gelu, b.ints('rs', [-1]), b.ints('re', [-(2 ** 63)]), b.ints('ra', [1]), b.ints('rst', [-2])]);
  const pooled = b.op('ReduceMean', [reversed], { axes: IS([1]), keepdims: I(0) });
  const tiled = b.op('Tile', [pooled, b.ints('reps', [1, 3])]);
  const ex = b.op('Expand', [b.op('Unsqueeze', [tiled, b.ints('ax1b', [1])]), b.ints('eshape', [2, 5, 1])]);
  b.op('CumSum', [ex, b.ints('cax', [1], [])]);
  const zeros = b.op('ConstantOfShape', [b.op('Shape', [pooled])], { value: T(float32Tensor([0.5], [1])) });
  b.op('Sub', [b.op('Sqrt', [b.op('Abs', [pooled])]), zeros]);
  const fl = b.op('Flatten', [b.op('Cast', [mask], { to: I(1) })], { axis: I(0) });
  b.op('Clip', [fl, b.floats('clo', [0], []), b.floats('chi', [0.5], [])]);
  b.op('Squeeze', [b.op('Unsqueeze', [gelu, b.ints('ax0c', [0])]), b.ints('ax0d', [0])]);
  b.op('GatherElements', [gelu, b.op('Cast', [b.op('ConstantOfShape', [b.ints('ges', [2, 1, 8])], { value: T(int64Tensor([0], [1])) })], { to: I(7) })], { axis: I(1) });
  b.output(logits);
  return { graph: b.graph, shapes: { x: [2, 3, 17, 17] } };
}

/** The same kind of ops at opset 11 and 9, where several inputs are still attributes. */
function buildOldOpsetModels(): Array<{ graph: Graph; shapes: Record<string, number[]> }> {
  const b11 = new Builder(11);
  const x = b11.input('x', [2, 6, 5, 1]);
  const sq = b11.op('Squeeze', [x], { axes: IS([3]) });
  const [p1, p2] = b11.node('Split', [sq], { axis: I(1), split: IS([2, 4]) }, 2);
  const u = b11.op('Unsqueeze', [p1], { axes: IS([0, 4]) });
  b11.op('ReduceSum', [u], { axes: IS([2]), keepdims: I(1) });
  b11.op('Clip', [p2, b11.floats('lo', [-0.5], []), b11.floats('hi', [0.5], [])]);
  b11.op('Pad', [p2, b11.ints('pads', [0, 0, 1, 0, 0, 2])]);
  b11.op('Resize', [b11.op('Unsqueeze', [p2], { axes: IS([1]) }), b11.floats('roi', []), b11.floats('scales', [1, 1, 1.7, 2.6])], { mode: S('nearest') });
  b11.op('Softmax', [p2]);
  b11.op('LogSoftmax', [p2], { axis: I(2) });
  b11.op('Slice', [sq, b11.ints('st', [4, 1]), b11.ints('en', [0, 100]), b11.ints('ax', [1, 2]), b11.ints('sp', [-3, 2])]);
  b11.op('Flatten', [sq], { axis: I(2) });
  b11.op('Gather', [sq, b11.ints('gi', [0, 2, -1, 1], [2, 2])], { axis: I(1) });

  const b9 = new Builder(9);
  const y = b9.input('x', [1, 2, 3, 4]);
  const up = b9.op('Upsample', [y, b9.floats('scales', [1, 1, 2, 1.5])], { mode: S('nearest') });
  b9.op('Slice', [up], { starts: IS([1, -3]), ends: IS([5, 100]), axes: IS([2, 3]) });
  b9.op('Pad', [up], { pads: IS([0, 0, 1, 2, 0, 0, 0, 1]) });
  b9.op('Clip', [up], { min: F(-0.1), max: F(0.1) });
  b9.op('Unsqueeze', [b9.op('Squeeze', [y], { axes: IS([0]) })], { axes: IS([3]) });
  b9.op('MaxPool', [up], { kernel_shape: IS([2, 2]), strides: IS([2, 2]) });
  b9.op('Reshape', [up, b9.ints('shape', [0, -1])]);
  return [
    { graph: b11.graph, shapes: { x: [2, 6, 5, 1] } },
    { graph: b9.graph, shapes: { x: [1, 2, 3, 4] } },
  ];
}

/** The reduction and Split inputs introduced at opset 18. */
function buildOpset18Model(): { graph: Graph; shapes: Record<string, number[]> } {
  const b = new Builder(18);
  const x = b.input('x', [2, 7, 4]);
  b.node('Split', [x], { axis: I(1), num_outputs: I(3) }, 3);
  b.op('ReduceMax', [x, b.ints('axes', [0, -1])], { keepdims: I(1) });
  b.op('ReduceMean', [x, b.ints('axes2', [1])], { keepdims: I(0) });
  b.op('Resize', [x, '', b.floats('scales', [2.5])], { axes: IS([2]), mode: S('nearest') });
  b.op('Shape', [x], { start: I(-2) });
  b.op('Pad', [x, b.ints('pads', [1, 2]), '', b.ints('padaxes', [2])]);
  return { graph: b.graph, shapes: { x: [2, 7, 4] } };
}

describe('agreement with onnxruntime', () => {
  test('hand-built CNN + attention model (opset 17): every intermediate value', async () => {
    const { graph, shapes } = buildOrtModel();
    const n = await compareWithOrt(graph, shapes);
    assert.ok(n >= 75, `compared ${n} values`);
    console.log(`# hand-built model: ${n} values agree with onnxruntime`);
  });

  test('opset 9, 11 and 18 models (attributes vs inputs)', async () => {
    for (const { graph, shapes } of [...buildOldOpsetModels(), buildOpset18Model()]) {
      const n = await compareWithOrt(graph, shapes);
      assert.ok(n >= 6, `opset ${graph.opset}: compared ${n} values`);
    }
  });

  const manifestPath = join(repoRoot, 'fixtures', 'torch', 'manifest.json');
  test('torch fixtures listed in fixtures/torch/manifest.json', { skip: !existsSync(manifestPath) && 'no fixtures/torch/manifest.json yet' }, async () => {
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as unknown;
    const entries = manifestEntries(manifest);
    assert.ok(entries.length > 0, 'the manifest lists no models');
    for (const e of entries) {
      const graph = loadOnnx(join(dirname(manifestPath), e.file));
      const shapes = { [graph.inputs[0].name]: e.inputShape };
      const n = await compareWithOrt(graph, shapes);
      if (e.outputShape) assert.deepEqual(inferShapes(graph, shapes).shapes.get(graph.outputs[0].name), e.outputShape, e.file);
      console.log(`# ${e.file}: ${n} values agree with onnxruntime`);
    }
  });
});

/** Read the manifest leniently: an array of entries or { models: [...] } / { name: entry }. */
function manifestEntries(m: unknown): Array<{ file: string; inputShape: number[]; outputShape?: number[] }> {
  const list: unknown[] = Array.isArray(m)
    ? m
    : m && typeof m === 'object' && Array.isArray((m as { models?: unknown }).models)
      ? (m as { models: unknown[] }).models
      : m && typeof m === 'object'
        ? Object.entries(m as Record<string, unknown>).map(([k, v]) => ({ name: k, ...(v as object) }))
        : [];
  return list.map((raw) => {
    const e = raw as Record<string, unknown>;
    const file = (e.file ?? e.path ?? e.onnx ?? e.model ?? (e.name ? `${String(e.name)}.onnx` : undefined)) as string | undefined;
    const inputShape = (e.inputShape ?? e.input_shape) as number[] | undefined;
    if (!file || !Array.isArray(inputShape)) throw new Error(`manifest entry without a file or inputShape: ${JSON.stringify(e)}`);
    const outputShape = Array.isArray(e.outputShape) ? (e.outputShape as number[]) : undefined;
    return { file: String(file).replace(/^fixtures\/torch\//, ''), inputShape, outputShape };
  });
}

// ---------------------------------------------------------------------------
// 3. ONNX's own operator test cases (Debian's libonnx-testdata)

const TESTDATA = '/usr/share/libonnx-testdata/data';
/** Node test cases whose ops are all covered (prefix match on the case name). */
const NODE_CASES = [
  'test_conv_', 'test_basic_conv_', 'test_convtranspose', 'test_maxpool_', 'test_averagepool_', 'test_globalaveragepool',
  'test_globalmaxpool', 'test_reshape_', 'test_slice', 'test_resize_', 'test_upsample_', 'test_gemm_', 'test_matmul_',
  'test_flatten_', 'test_squeeze', 'test_unsqueeze_', 'test_transpose_', 'test_concat_', 'test_split_', 'test_pad', 'test_constant_pad',
  'test_edge_pad', 'test_reflect_pad', 'test_softmax_', 'test_logsoftmax_', 'test_gather_', 'test_expand_', 'test_tile', 'test_shape',
  'test_size', 'test_range_', 'test_constantofshape_', 'test_cast_', 'test_castlike_', 'test_where_', 'test_topk', 'test_cumsum_',
  'test_depthtospace_', 'test_spacetodepth', 'test_scatter_elements_', 'test_scatternd', 'test_batchnorm_', 'test_instancenorm_',
  'test_layer_normalization_', 'test_reduce_', 'test_argmax_', 'test_argmin_', 'test_add', 'test_sub', 'test_mul', 'test_div',
  'test_pow', 'test_max_', 'test_min_', 'test_sum_', 'test_mean_', 'test_equal', 'test_greater', 'test_less', 'test_and', 'test_or',
  'test_not', 'test_relu', 'test_leakyrelu', 'test_prelu_', 'test_clip', 'test_sigmoid', 'test_tanh', 'test_erf', 'test_hardsigmoid',
  'test_hardswish', 'test_exp', 'test_log', 'test_sqrt', 'test_neg', 'test_abs', 'test_reciprocal', 'test_sign', 'test_identity',
  'test_dropout_', 'test_softplus', 'test_elu', 'test_selu', 'test_mish', 'test_floor', 'test_ceil', 'test_round', 'test_constant',
  'test_gemm', 'test_nonzero',
];
/**
 * Cases whose test data cannot be compared (onnx 1.12 stores bfloat16 as uint16; string tensors;
 * sequences/optionals; the expanded Range cases run a Loop).
 */
const NOT_COMPARABLE = /BFLOAT16|STRING|_opt|_sequence|test_range_.*_expanded/;

interface CaseResult {
  ran: boolean;
  reason?: string;
}

function runTestdataCase(dir: string): CaseResult {
  const graph = loadOnnx(join(dir, 'model.onnx'));
  const ds = join(dir, 'test_data_set_0');
  const read = (f: string) => tensorFromProto(onnx.TensorProto.decode(readFileSync(join(ds, f))));
  const shapes: Record<string, number[]> = {};
  for (const [i, input] of [...graph.inputs].entries()) {
    const t = read(`input_${i}.pb`);
    // Inputs that drive shapes (integer tensors, Resize/Upsample scales, Range bounds) are baked in as constants.
    const drivesShape =
      !['float32', 'float64', 'float16'].includes(t.dtype) ||
      graph.nodes.some((n: Node) =>
        n.inputs.some((x, k) => x === input.name && ((k >= 1 && (n.opType === 'Resize' || n.opType === 'Upsample')) || n.opType === 'Range')),
      );
    if (drivesShape) {
      graph.initializers.set(input.name, initializerFromTensor(input.name, t));
      graph.inputs = graph.inputs.filter((v) => v.name !== input.name);
    } else {
      shapes[input.name] = t.dims;
    }
  }
  const info = inferShapes(graph, shapes);
  graph.outputs.forEach((o, i) => {
    const expected = read(`output_${i}.pb`);
    assert.deepEqual(info.shapes.get(o.name), expected.dims, `${dir}: shape of output '${o.name}'`);
    assert.equal(info.dtypes.get(o.name), expected.dtype, `${dir}: type of output '${o.name}'`);
  });
  return { ran: true };
}

describe('ONNX operator test cases (libonnx-testdata)', () => {
  const available = existsSync(join(TESTDATA, 'node'));
  test('node cases for the supported ops', { skip: !available && 'libonnx-testdata is not installed' }, () => {
    const ran: string[] = [];
    const skipped: string[] = [];
    for (const name of readdirSync(join(TESTDATA, 'node')).sort()) {
      if (!NODE_CASES.some((p) => name.startsWith(p))) continue;
      const dir = join(TESTDATA, 'node', name);
      if (!existsSync(join(dir, 'model.onnx')) || NOT_COMPARABLE.test(name)) {
        skipped.push(name);
        continue;
      }
      runTestdataCase(dir);
      ran.push(name);
    }
    console.log(`# libonnx-testdata node cases: ${ran.length} ran, ${skipped.length} skipped (${skipped.join(', ')})`);
    assert.ok(ran.length >= 40, `only ${ran.length} cases ran`);
  });

  test('pytorch-exported cases (old opsets)', { skip: !available && 'libonnx-testdata is not installed' }, () => {
    const ran: string[] = [];
    for (const sub of ['pytorch-converted', 'pytorch-operator']) {
      for (const name of readdirSync(join(TESTDATA, sub)).sort()) {
        const dir = join(TESTDATA, sub, name);
        if (!existsSync(join(dir, 'model.onnx'))) continue;
        runTestdataCase(dir);
        ran.push(`${sub}/${name}`);
      }
    }
    console.log(`# libonnx-testdata pytorch cases: ${ran.length} ran`);
    assert.ok(ran.length >= 40, `only ${ran.length} cases ran`);
  });
});
