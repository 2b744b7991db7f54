/**
 * narrowToGathered on a small ViT tail (attention, residual, LayerNorm, MLP with GELU, a layer
 * scale with a size-1 token axis, a position table, the final LayerNorm, x[:, 1], a head): the
 * token-wise nodes run on the kept row, outputs and input gradients stay those of the full graph,
 * and a tensor asked for (a tap) is computed in full.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Graph } from './ir.js';
import { float32Tensor, int64Tensor, sizeOf } from './ir.js';
import { inferShapes } from './shapes.js';
import { narrowToGathered } from './narrow.js';
import { computeGradients, float32Runner, makeGraph, makeRng, randomData, type Feed } from '../engine/gradcheck.js';
import { relativeL2 } from '../engine/numeric.js';

const rng = makeRng(23);
const weight = (dims: number[]) => float32Tensor(randomData(sizeOf(dims), rng), dims);

function vitTail(gatherAxis = 1): Graph {
  return makeGraph({
    inputs: { x: [2, 5, 4] },
    initializers: {
      wq: weight([4, 4]), g: weight([4]), b: weight([4]), w1: weight([4, 8]), b1: weight([8]), w2: weight([8, 4]), b2: weight([4]),
      ls: weight([1, 1, 4]), pos: weight([5, 4]), g2: weight([4]), bn: weight([4]), head: weight([3, gatherAxis === 1 ? 4 : 5]),
      sqrt2: float32Tensor([Math.SQRT2], []), one: float32Tensor([1], []), half: float32Tensor([0.5], []), cls: int64Tensor([1], []),
    },
    nodes: [
      { op: 'MatMul', inputs: ['x', 'wq'], outputs: ['q'] },
      { op: 'Transpose', inputs: ['q'], outputs: ['qt'], attrs: { perm: [0, 2, 1] } },
      { op: 'MatMul', inputs: ['q', 'qt'], outputs: ['s'] },
      { op: 'Softmax', inputs: ['s'], outputs: ['p'], attrs: { axis: -1 } },
      { op: 'MatMul', inputs: ['p', 'x'], outputs: ['att'] },
      { op: 'Add', inputs: ['att', 'x'], outputs: ['r1'] },
      { op: 'LayerNormalization', inputs: ['r1', 'g', 'b'], outputs: ['n1'], attrs: { axis: -1 } },
      { op: 'MatMul', inputs: ['n1', 'w1'], outputs: ['h0'] },
      { op: 'Add', inputs: ['b1', 'h0'], outputs: ['h'] },
      { op: 'Div', inputs: ['h', 'sqrt2'], outputs: ['u'] },
      { op: 'Erf', inputs: ['u'], outputs: ['e'] },
      { op: 'Add', inputs: ['e', 'one'], outputs: ['a'] },
      { op: 'Mul', inputs: ['h', 'a'], outputs: ['m'] },
      { op: 'Mul', inputs: ['m', 'half'], outputs: ['gl'] },
      { op: 'MatMul', inputs: ['gl', 'w2'], outputs: ['f0'] },
      { op: 'Add', inputs: ['f0', 'b2'], outputs: ['f'] },
      { op: 'Add', inputs: ['r1', 'f'], outputs: ['r2'] },
      { op: 'Mul', inputs: ['r2', 'ls'], outputs: ['r3'] },
      { op: 'Add', inputs: ['r3', 'pos'], outputs: ['r4'] },
      { op: 'LayerNormalization', inputs: ['r4', 'g2', 'bn'], outputs: ['n2'], attrs: { axis: 2 } },
      { op: 'Gather', inputs: ['n2', 'cls'], outputs: ['c'], attrs: { axis: gatherAxis } },
      { op: 'Gemm', inputs: ['c', 'head'], outputs: ['y'], attrs: { transB: 1 } },
    ],
    outputs: ['y'],
  });
}

const feeds: Record<string, Feed> = { x: { dims: [2, 5, 4], data: randomData(40, rng) } };
const seed = { y: randomData(6, rng) };

async function forward(graph: Graph): Promise<Float64Array> {
  const runner = await float32Runner(graph);
  try {
    return (await runner.run(feeds, ['y']))[0];
  } finally {
    await runner.release();
  }
}

async function assertSameFunction(full: Graph, narrowed: Graph, label: string): Promise<void> {
  assert.ok(relativeL2(await forward(narrowed), await forward(full)) < 1e-6, `${label}: outputs`);
  const want = (await computeGradients(full, feeds, seed, { wrt: ['x'] })).x;
  const got = (await computeGradients(narrowed, feeds, seed, { wrt: ['x'] })).x;
  assert.ok(want.some((v) => v !== 0));
  assert.ok(relativeL2(got, want) < 1e-6, `${label}: input gradients, relative L2 ${relativeL2(got, want)}`);
}

test('narrowToGathered: the MLP, LayerNorms and residual Adds after attention run on the gathered row; same outputs and gradients', async () => {
  const full = vitTail();
  const info = inferShapes(full, {});
  const narrowed = narrowToGathered(full, info, new Set(['y']));
  const shapes = inferShapes(narrowed, {}).shapes;
  const inputOf = (w: string) => shapes.get(narrowed.nodes.find((n) => n.opType === 'MatMul' && n.inputs[1] === w)!.inputs[0]);
  assert.deepEqual(inputOf('w1'), [2, 4], 'fc1 runs on one row per example');
  assert.deepEqual(inputOf('w2'), [2, 8], 'fc2 too');
  assert.deepEqual(inputOf('wq'), [2, 5, 4], 'attention (mixes tokens) stays full');
  // rows taken where the full tensors enter: attention output, the residual input, the layer scale
  // (size-1 token axis) and the position table (rank 2)
  const taken = narrowed.nodes.filter((n) => n.opType === 'Gather').map((n) => n.inputs[0]);
  assert.deepEqual(taken.sort(), ['att', 'ls', 'pos', 'x']);
  assert.equal(narrowed.nodes.find((n) => n.outputs[0] === 'c')?.opType, 'Identity');
  await assertSameFunction(full, narrowed, 'narrowed');
});

test('narrowToGathered computes a tensor asked for in full, and leaves a Gather across the normalised axis alone', async () => {
  const full = vitTail();
  const info = inferShapes(full, {});
  const tapped = narrowToGathered(full, info, new Set(['y', 'h']));
  const shapes = inferShapes(tapped, {}).shapes;
  assert.deepEqual(shapes.get('h'), [2, 5, 8], 'the tap keeps every token');
  const fc2 = tapped.nodes.find((n) => n.opType === 'MatMul' && n.inputs[1] === 'w2')!;
  assert.deepEqual(shapes.get(fc2.inputs[0]), [2, 8], 'what follows the tap is narrowed');
  await assertSameFunction(full, tapped, 'tapped');
  // x[:, :, 1] picks a channel: LayerNorm mixes channels, nothing is narrowed
  const channel = vitTail(2);
  assert.equal(narrowToGathered(channel, inferShapes(channel, {}), new Set(['y'])), channel);
});
