/**
 * localPrefix on graphs built here: the jump / offset / receptive field of tensors after
 * strided, padded, dilated and depthwise convolutions, a residual Add and pools equal the
 * values computed by hand; GlobalAveragePool and Reshape end the prefix; a branch that
 * bypasses a tensor means that tensor is not a cut.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { float32Tensor, int64Tensor, sizeOf } from './ir.js';
import { inferShapes } from './shapes.js';
import { ELEMENT_WORK, localPrefix, prefixGraph, suffixGraph } from './localPrefix.js';
import { makeGraph, type NodeSpec } from '../engine/gradcheck.js';

const w = (dims: number[]) => float32Tensor(new Float32Array(sizeOf(dims)).fill(0.1), dims);
const initializers = {
  w1: w([4, 3, 3, 3]), wd: w([4, 1, 3, 3]), wp: w([4, 4, 1, 1]), w3: w([4, 4, 3, 3]), wf: w([5, 4]),
  s: w([4]), b: w([4]), m: w([4]), v: w([4]), lo: float32Tensor([0], []), hi: float32Tensor([6], []),
  shape: int64Tensor([1, -1]),
};
const stem: NodeSpec[] = [
  { op: 'Conv', inputs: ['x', 'w1'], outputs: ['c1'], attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] } },
  { op: 'BatchNormalization', inputs: ['c1', 's', 'b', 'm', 'v'], outputs: ['bn'] },
  { op: 'Clip', inputs: ['bn', 'lo', 'hi'], outputs: ['clip'] },
  { op: 'Conv', inputs: ['clip', 'wd'], outputs: ['dw'], attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1], group: 4 } },
  { op: 'Conv', inputs: ['dw', 'wp'], outputs: ['pw'] },
  { op: 'Add', inputs: ['pw', 'clip'], outputs: ['add'] },
  { op: 'Conv', inputs: ['add', 'w3'], outputs: ['c3'], attrs: { kernel_shape: [3, 3], strides: [2, 2], dilations: [2, 2] } },
  { op: 'MaxPool', inputs: ['c3'], outputs: ['mp'], attrs: { kernel_shape: [2, 2], strides: [2, 2] } },
];
const head = (from: string): NodeSpec[] => [
  { op: 'GlobalAveragePool', inputs: [from], outputs: ['gap'] },
  { op: 'Flatten', inputs: ['gap'], outputs: ['flat'] },
  { op: 'Gemm', inputs: ['flat', 'wf'], outputs: ['y'], attrs: { transB: 1 } },
];

function analyse(nodes: NodeSpec[]) {
  const graph = makeGraph({ inputs: { x: [1, 3, 32, 32] }, initializers, nodes, outputs: ['y'] });
  const info = inferShapes(graph, {});
  return { graph, info, prefix: localPrefix(graph, info, 'x') };
}

test('jump, offset and receptive field of each tensor are the hand-computed ones', () => {
  const { prefix, info } = analyse([...stem, ...head('mp')]);
  const rows = (t: string) => prefix.geometry.get(t)?.rows;
  assert.deepEqual(rows('c1'), { jump: 2, offset: -1, field: 3 });
  assert.deepEqual(rows('dw'), { jump: 2, offset: -3, field: 7 }); // 3 + 2 * 2, pad 1 at jump 2
  assert.deepEqual(rows('add'), { jump: 2, offset: -3, field: 7 }); // union of (-1, 3) and (-3, 7)
  assert.deepEqual(rows('c3'), { jump: 4, offset: -3, field: 15 }); // dilation 2: 7 + 2 * 2 * 2
  assert.deepEqual(prefix.geometry.get('mp'), { rows: { jump: 8, offset: -3, field: 19 }, cols: { jump: 8, offset: -3, field: 19 } });
  assert.equal(prefix.geometry.has('gap'), false); // a global pool ends the prefix
  // the residual branch re-joins at 'add': dw and pw are not cuts, clip (read by both) is
  assert.deepEqual(prefix.cuts.map((c) => c.tensor), ['c1', 'bn', 'clip', 'add', 'c3', 'mp']);
  assert.equal(prefix.cuts[0].prefixCost, 16 * 16 * 4 * (27 + ELEMENT_WORK)); // MACs and output elements of c1
  assert.deepEqual(prefix.cuts[5].shape, info.shapes.get('mp')!.slice(1));
});

test('a branch bypassing a tensor stops it being a cut; Reshape ends the prefix', () => {
  const bypass = analyse([
    ...stem,
    { op: 'GlobalAveragePool', inputs: ['mp'], outputs: ['g1'] },
    { op: 'GlobalAveragePool', inputs: ['clip'], outputs: ['g2'] },
    { op: 'Add', inputs: ['g1', 'g2'], outputs: ['gap'] },
    ...head('mp').slice(1),
  ]);
  assert.deepEqual(bypass.prefix.cuts.map((c) => c.tensor), ['c1', 'bn', 'clip']);
  const reshaped = analyse([
    ...stem.slice(0, 3),
    { op: 'Reshape', inputs: ['clip', 'shape'], outputs: ['r'] },
    { op: 'ReduceMean', inputs: ['r'], outputs: ['y'], attrs: { axes: [1], keepdims: 0 } },
  ]);
  assert.deepEqual(reshaped.prefix.cuts.map((c) => c.tensor), ['c1', 'bn', 'clip']);
  assert.equal(reshaped.prefix.geometry.has('r'), false);
});

test('prefix and suffix graphs split the model at a cut', () => {
  const { graph } = analyse([...stem, ...head('mp')]);
  const prefix = prefixGraph(graph, 'x', 'add');
  assert.deepEqual(prefix.nodes.map((n) => n.outputs[0]), ['c1', 'bn', 'clip', 'dw', 'pw', 'add']);
  const suffix = suffixGraph(graph, 'add', [4, 16, 16], ['y']);
  assert.deepEqual(suffix.nodes.map((n) => n.outputs[0]), ['c3', 'mp', 'gap', 'flat', 'y']);
  assert.throws(() => suffixGraph(graph, 'dw', [4, 16, 16], ['y']), /'dw' does not cut the graph.*reads 'x'/);
});
