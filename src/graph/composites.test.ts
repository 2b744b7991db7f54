/**
 * Cheaper backward passes for transformer graphs: GELU's Erf form differentiated as one
 * composite, pieces of a tensor (Gather of qkv[i], the Slices of a roll) assembled by one Concat,
 * LayerNormalization from its own statistics. Each against finite differences (gradcheck) and
 * against the per-node rules it replaces, and each checked to have taken the cheaper form.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Graph } from './ir.js';
import { float32Tensor, int64Tensor, sizeOf } from './ir.js';
import { inferShapes } from './shapes.js';
import { buildGradientGraph } from './autodiff.js';
import { gradientRules } from './rules/index.js';
import { checkGradient, computeGradients, makeGraph, makeRng, randomData, type Feed, type NodeSpec } from '../engine/gradcheck.js';
import { relativeL2 } from '../engine/numeric.js';

const rng = makeRng(16);
const weight = (dims: number[]) => float32Tensor(randomData(sizeOf(dims), rng), dims);
const scalar = (v: number) => float32Tensor([v], []);

function feedsOf(graph: Graph): Record<string, Feed> {
  const feeds: Record<string, Feed> = {};
  for (const i of graph.inputs) feeds[i.name] = { dims: i.shape as number[], data: randomData(sizeOf(i.shape as number[]), rng) };
  return feeds;
}

/** The backward nodes of the gradient graph of `graph`'s output with respect to 'x'. */
function backwardOps(graph: Graph, outputs: string[] = []): string[] {
  const info = inferShapes(graph, {});
  const built = buildGradientGraph(graph, info, { outputs, seeds: [graph.outputs[0].name], wrt: ['x'], rules: gradientRules });
  return built.graph.nodes.filter((n) => n.name.startsWith('grad/')).map((n) => n.opType);
}

async function assertGradcheck(graph: Graph, feeds: Record<string, Feed>, label: string): Promise<void> {
  const res = await checkGradient(graph, feeds, { wrt: ['x'], seedOutputs: [graph.outputs[0].name] });
  const tol = { float64: 1e-4, mixed: 1e-3, float32: 1e-2 }[res.precision];
  assert.ok(res.relErr < tol, `${label}: relative error ${res.relErr} (${res.precision})`);
}

/** x -> MatMul -> Add bias -> GELU as PyTorch exports it (operand order as given) -> MatMul. */
function geluGraph(order: { half: 'left' | 'right'; one: 'left' | 'right' }): Graph {
  const pair = (a: string, b: string, side: 'left' | 'right') => (side === 'left' ? [b, a] : [a, b]);
  const nodes: NodeSpec[] = [
    { op: 'MatMul', inputs: ['x', 'w1'], outputs: ['h0'] },
    { op: 'Add', inputs: ['h0', 'b1'], outputs: ['h'] },
    { op: 'Div', inputs: ['h', 'sqrt2'], outputs: ['u'] },
    { op: 'Erf', inputs: ['u'], outputs: ['e'] },
    { op: 'Add', inputs: pair('e', 'one', order.one), outputs: ['a'] },
    { op: 'Mul', inputs: ['h', 'a'], outputs: ['m'] },
    { op: 'Mul', inputs: pair('m', 'half', order.half), outputs: ['g'] },
    { op: 'MatMul', inputs: ['g', 'w2'], outputs: ['y'] },
  ];
  return makeGraph({
    inputs: { x: [2, 3, 4] },
    initializers: { w1: weight([4, 8]), b1: weight([8]), w2: weight([8, 3]), sqrt2: scalar(Math.SQRT2), one: scalar(1), half: scalar(0.5) },
    nodes,
    outputs: ['y'],
  });
}

test('GELU written with Erf is differentiated as one: seven passes instead of ten, same numbers', async () => {
  for (const order of [{ half: 'right', one: 'right' }, { half: 'left', one: 'left' }] as const) {
    const graph = geluGraph(order);
    const fused = backwardOps(graph);
    // asking for an inner tensor (a tap) keeps the per-node rules
    const perNode = backwardOps(graph, ['e']);
    assert.ok(!fused.includes('Neg') && fused.filter((o) => o === 'Exp').length === 1, `fused backward: ${fused.join(' ')}`);
    assert.ok(perNode.length - fused.length >= 3, `per-node ${perNode.length} ops, fused ${fused.length}`);
    const feeds = feedsOf(graph);
    const seed = { y: randomData(18, rng) };
    const a = await computeGradients(graph, feeds, seed, { wrt: ['x'] });
    const withTap = { ...graph, outputs: [...graph.outputs, { name: 'e', dtype: 'float32' as const, shape: [2, 3, 8] }] };
    const b = await computeGradients(withTap, feeds, seed, { wrt: ['x'] });
    assert.ok(relativeL2(a['x'], b['x']) < 1e-6, 'composite and per-node rules agree');
    await assertGradcheck(graph, feeds, `gelu ${JSON.stringify(order)}`);
  }
});

test('Gathers of qkv[0], qkv[1], qkv[2] are assembled by one Concat, not scattered and summed', async () => {
  const graph = makeGraph({
    inputs: { x: [2, 5] },
    initializers: { w: weight([5, 12]), shape: int64Tensor([2, 3, 4]), i0: int64Tensor([0], []), i1: int64Tensor([1], []), i2: int64Tensor([2], []) },
    nodes: [
      { op: 'MatMul', inputs: ['x', 'w'], outputs: ['qkv0'] },
      { op: 'Reshape', inputs: ['qkv0', 'shape'], outputs: ['qkv1'] },
      { op: 'Transpose', inputs: ['qkv1'], outputs: ['qkv'], attrs: { perm: [1, 0, 2] } },
      { op: 'Gather', inputs: ['qkv', 'i0'], outputs: ['q'], attrs: { axis: 0 } },
      { op: 'Gather', inputs: ['qkv', 'i1'], outputs: ['k'], attrs: { axis: 0 } },
      { op: 'Gather', inputs: ['qkv', 'i2'], outputs: ['v'], attrs: { axis: 0 } },
      { op: 'Mul', inputs: ['q', 'k'], outputs: ['qk'] },
      { op: 'Add', inputs: ['qk', 'v'], outputs: ['y'] },
    ],
    outputs: ['y'],
  });
  const ops = backwardOps(graph);
  assert.ok(!ops.includes('ScatterND') && ops.filter((o) => o === 'Concat').length === 1, ops.join(' '));
  await assertGradcheck(graph, feedsOf(graph), 'qkv gathers');
});

test('a roll (two Slices and a Concat) goes back with Concats; a gap is zero-filled, overlapping pieces are padded and summed', async () => {
  const sliced = (ranges: Array<[number, number]>) =>
    makeGraph({
      inputs: { x: [2, 6, 3] },
      initializers: {
        w: weight([3, 3]),
        ...Object.fromEntries(ranges.flatMap(([s, e], i) => [[`s${i}`, int64Tensor([s])], [`e${i}`, int64Tensor([e])]])),
        axis: int64Tensor([1]),
      },
      nodes: [
        { op: 'MatMul', inputs: ['x', 'w'], outputs: ['h'] },
        ...ranges.map((_, i) => ({ op: 'Slice', inputs: ['h', `s${i}`, `e${i}`, 'axis'], outputs: [`p${i}`] })),
        { op: 'Concat', inputs: ranges.map((_, i) => `p${i}`), outputs: ['r'], attrs: { axis: 1 } },
        { op: 'Mul', inputs: ['r', 'r'], outputs: ['y'] },
      ],
      outputs: ['y'],
    });
  const roll = sliced([[4, 6], [0, 4]]);
  assert.ok(!backwardOps(roll).includes('Pad'), backwardOps(roll).join(' '));
  await assertGradcheck(roll, feedsOf(roll), 'roll');
  const gap = sliced([[0, 1], [3, 6]]);
  assert.ok(!backwardOps(gap).includes('Pad') && backwardOps(gap).includes('ConstantOfShape'), backwardOps(gap).join(' '));
  await assertGradcheck(gap, feedsOf(gap), 'slices with a gap');
  const overlap = sliced([[0, 4], [2, 6]]);
  assert.equal(backwardOps(overlap).filter((o) => o === 'Pad').length, 2);
  await assertGradcheck(overlap, feedsOf(overlap), 'overlapping slices');
});

test('LayerNormalization goes back from the statistics of its own kernel (no recomputed mean or variance)', async () => {
  const graph = makeGraph({
    inputs: { x: [2, 5, 8] },
    initializers: { w: weight([8, 8]), g: weight([8]), b: weight([8]), w2: weight([8, 2]) },
    nodes: [
      { op: 'MatMul', inputs: ['x', 'w'], outputs: ['h'] },
      { op: 'LayerNormalization', inputs: ['h', 'g', 'b'], outputs: ['n'], attrs: { axis: -1 } },
      { op: 'MatMul', inputs: ['n', 'w2'], outputs: ['y'] },
    ],
    outputs: ['y'],
  });
  const info = inferShapes(graph, {});
  const built = buildGradientGraph(graph, info, { outputs: [], seeds: ['y'], wrt: ['x'], rules: gradientRules });
  const ln = built.graph.nodes.find((n) => n.opType === 'LayerNormalization')!;
  assert.equal(ln.outputs.filter(Boolean).length, 3, 'the forward node gives its Mean and InvStdDev');
  assert.ok(!built.graph.nodes.some((n) => n.opType === 'ReduceMean'), 'no statistics recomputed');
  assert.equal(graph.nodes[1].outputs.length, 1, 'the forward graph itself is not touched');
  await assertGradcheck(graph, feedsOf(graph), 'layernorm in a block');
});

test("attention's q @ Transpose(k) goes back to k itself for dq (no transpose of the transpose)", async () => {
  const graph = makeGraph({
    inputs: { x: [2, 3, 5, 4] },
    initializers: { wq: weight([4, 4]), wk: weight([4, 4]) },
    nodes: [
      { op: 'MatMul', inputs: ['x', 'wq'], outputs: ['q'] },
      { op: 'MatMul', inputs: ['x', 'wk'], outputs: ['k'] },
      { op: 'Transpose', inputs: ['k'], outputs: ['kt'], attrs: { perm: [0, 1, 3, 2] } },
      { op: 'MatMul', inputs: ['q', 'kt'], outputs: ['s'] },
      { op: 'Softmax', inputs: ['s'], outputs: ['y'], attrs: { axis: -1 } },
    ],
    outputs: ['y'],
  });
  const info = inferShapes(graph, {});
  const built = buildGradientGraph(graph, info, { outputs: [], seeds: ['y'], wrt: ['x'], rules: gradientRules });
  const readsKt = built.graph.nodes.filter((n) => n.name.startsWith('grad/') && n.opType === 'Transpose' && n.inputs[0] === 'kt');
  assert.equal(readsKt.length, 0, 'dq = ds @ k');
  assert.ok(built.graph.nodes.some((n) => n.opType === 'MatMul' && n.name.startsWith('grad/') && n.inputs[1] === 'k'));
  await assertGradcheck(graph, feedsOf(graph), 'attention scores');
});

test("patch merging's x[0::2, 0::2] ... x[1::2, 1::2] go back by stacking on a split axis (no Pad); odd lengths keep the padded form", async () => {
  const merging = (h: number) => {
    const ints = (name: string, v: number) => [name, int64Tensor([v])] as const;
    return makeGraph({
      inputs: { x: [2, h, 4, 3] },
      initializers: {
        w: weight([3, 3]),
        ...Object.fromEntries([ints('z', 0), ints('o', 1), ints('big', 1000), ints('two', 2), ints('a1', 1), ints('a2', 2)]),
      },
      nodes: [
        { op: 'MatMul', inputs: ['x', 'w'], outputs: ['h'] },
        { op: 'Slice', inputs: ['h', 'z', 'big', 'a1', 'two'], outputs: ['r0'] },
        { op: 'Slice', inputs: ['h', 'o', 'big', 'a1', 'two'], outputs: ['r1'] },
        { op: 'Slice', inputs: ['r0', 'z', 'big', 'a2', 'two'], outputs: ['p0'] },
        { op: 'Slice', inputs: ['r1', 'z', 'big', 'a2', 'two'], outputs: ['p1'] },
        { op: 'Slice', inputs: ['r0', 'o', 'big', 'a2', 'two'], outputs: ['p2'] },
        { op: 'Slice', inputs: ['r1', 'o', 'big', 'a2', 'two'], outputs: ['p3'] },
        { op: 'Concat', inputs: ['p0', 'p1', 'p2', 'p3'], outputs: ['c'], attrs: { axis: -1 } },
        { op: 'Mul', inputs: ['c', 'c'], outputs: ['y'] },
      ],
      outputs: ['y'],
    });
  };
  const even = merging(4);
  assert.ok(!backwardOps(even).includes('Pad'), backwardOps(even).join(' '));
  await assertGradcheck(even, feedsOf(even), 'patch merging');
  const odd = makeGraph({
    inputs: { x: [2, 5, 3] },
    initializers: { w: weight([3, 3]), z: int64Tensor([0]), big: int64Tensor([1000]), a1: int64Tensor([1]), two: int64Tensor([2]) },
    nodes: [
      { op: 'MatMul', inputs: ['x', 'w'], outputs: ['h'] },
      { op: 'Slice', inputs: ['h', 'z', 'big', 'a1', 'two'], outputs: ['r'] },
      { op: 'Mul', inputs: ['r', 'r'], outputs: ['y'] },
    ],
    outputs: ['y'],
  });
  assert.ok(backwardOps(odd).includes('Pad'), 'an odd length is not a whole number of steps: padded as before');
  await assertGradcheck(odd, feedsOf(odd), 'every other row of 5');
});

test("attention's Softmax and MatMul with V go back with row sums over O's head width, not over P's keys", async () => {
  // O used as it is, and O transposed (ViT's heads back to sequence-first: the sums are taken in that layout)
  for (const transposed of [false, true]) await attentionCase(transposed);
});

async function attentionCase(transposed: boolean): Promise<void> {
  const graph = makeGraph({
    inputs: { x: [2, 3, 6, 4] },
    initializers: { wq: weight([4, 4]), wk: weight([4, 4]), wv: weight([4, 3]), wo: weight([3, 2]), scale: scalar(0.5) },
    nodes: [
      { op: 'MatMul', inputs: ['x', 'wq'], outputs: ['q'] },
      { op: 'MatMul', inputs: ['x', 'wk'], outputs: ['k'] },
      { op: 'Transpose', inputs: ['k'], outputs: ['kt'], attrs: { perm: [0, 1, 3, 2] } },
      { op: 'MatMul', inputs: ['q', 'kt'], outputs: ['s0'] },
      { op: 'Mul', inputs: ['s0', 'scale'], outputs: ['s'] },
      { op: 'Softmax', inputs: ['s'], outputs: ['p'], attrs: { axis: -1 } },
      { op: 'MatMul', inputs: ['x', 'wv'], outputs: ['v'] },
      { op: 'MatMul', inputs: ['p', 'v'], outputs: ['o'] },
      ...(transposed ? [{ op: 'Transpose', inputs: ['o'], outputs: ['ot'], attrs: { perm: [2, 0, 1, 3] } }] : []),
      { op: 'MatMul', inputs: [transposed ? 'ot' : 'o', 'wo'], outputs: ['y'] },
    ],
    outputs: ['y'],
  });
  const build = (outputs: string[]) =>
    buildGradientGraph(graph, inferShapes(graph, {}), { outputs, seeds: ['y'], wrt: ['x'], rules: gradientRules }).graph;
  const readsO = (g: Graph) => g.nodes.filter((n) => n.name.startsWith('grad/') && n.opType === 'Mul' && n.inputs.includes(transposed ? 'ot' : 'o'));
  const readsP = (g: Graph) => g.nodes.filter((n) => n.name.startsWith('grad/') && n.opType === 'Mul' && n.inputs.includes('p'));
  assert.equal(readsO(build([])).length, 1, 'rowsum(dO * O)');
  assert.equal(readsP(build([])).length, 1, 'only P * (dP - rows)');
  // asking for P (a tap) keeps the Softmax rule: rowsum(dP * P)
  assert.equal(readsO(build(['p'])).length, 0);
  assert.equal(readsP(build(['p'])).length, 2);
  const feeds = feedsOf(graph);
  const seed = { y: randomData(2 * 3 * 6 * 2, rng) };
  const a = await computeGradients(graph, feeds, seed, { wrt: ['x'] });
  const withTap = { ...graph, outputs: [...graph.outputs, { name: 'p', dtype: 'float32' as const, shape: [2, 3, 6, 6] }] };
  const b = await computeGradients(withTap, feeds, seed, { wrt: ['x'] });
  assert.ok(a['x'].some((v) => v !== 0));
  assert.ok(relativeL2(a['x'], b['x']) < 1e-6, `composite and per-node rules agree: ${relativeL2(a['x'], b['x'])}`);
  await assertGradcheck(graph, feeds, `attention softmax @ v${transposed ? ', O transposed' : ''}`);
}
