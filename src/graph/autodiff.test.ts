/**
 * The rewrite itself: swappable rule sets, zero gradients off the path, clear errors.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { makeGraph } from '../engine/gradcheck.js';
import { float32Tensor } from './ir.js';
import { buildGradientGraph, UnsupportedOpError, type BackwardRule } from './autodiff.js';
import { inferShapes } from './shapes.js';
import { gradientRules, registerRuleSet } from './rules/index.js';
import { OnnxModel } from '../engine/onnx.js';

// f(x) = W relu(x) + relu(x) . v  with a side branch t = Sigmoid(x) that never reaches the output.
const w = float32Tensor([1, 2, 3, -1, 0.5, 2], [3, 2]);
const graph = () =>
  makeGraph({
    inputs: { x: [1, 3] },
    initializers: { w },
    nodes: [
      { op: 'Relu', inputs: ['x'], outputs: ['r'] },
      { op: 'MatMul', inputs: ['r', 'w'], outputs: ['y'] },
      { op: 'Sigmoid', inputs: ['x'], outputs: ['side'] },
    ],
    outputs: ['y', 'side'],
  });

test('the plain gradient of W relu(x) masks negative inputs', async () => {
  const model = new OnnxModel(graph());
  try {
    const x = Float32Array.from([1, -2, 3]);
    const r = await model.run(x, { gradients: { seed: Float32Array.from([1, 1]), wrt: ['input'] } });
    // row sums of W, zero where x < 0
    assert.deepEqual(Array.from(r['grad:input']), [3, 0, 2.5]);
  } finally {
    await model.dispose();
  }
});

test('a rule set swaps one op backward without touching the rewrite (docs/engine.md example)', async () => {
  const passThrough: BackwardRule = (_node, [dY]) => [dY];
  registerRuleSet('test-relu-identity', { ...gradientRules, Relu: passThrough });
  const model = new OnnxModel(graph());
  try {
    const x = Float32Array.from([1, -2, 3]);
    const r = await model.run(x, { gradients: { seed: Float32Array.from([1, 1]), wrt: ['input'], rule: 'test-relu-identity' } });
    assert.deepEqual(Array.from(r['grad:input']), [3, 2, 2.5]);
    await assert.rejects(
      model.run(x, { gradients: { seed: Float32Array.from([1, 1]), wrt: ['input'], rule: 'nope' } }),
      /unknown backward rule set 'nope'/,
    );
  } finally {
    await model.dispose();
  }
});

test('a tensor off the path to the seed gets an explicit zero gradient', async () => {
  const g = graph();
  const model = new OnnxModel(g);
  try {
    const r = await model.run(Float32Array.from([1, -2, 3]), { gradients: { seed: Float32Array.from([1, 1]), wrt: ['side'] } });
    assert.deepEqual(Array.from(r['grad:side']), [0, 0, 0]);
  } finally {
    await model.dispose();
  }
});

test('unknown tensors and ops without a rule are named in the error', () => {
  const g = graph();
  const info = inferShapes(g, { x: [1, 3] });
  assert.throws(
    () => buildGradientGraph(g, info, { outputs: [], seeds: ['y'], wrt: ['nope'], rules: gradientRules }),
    /no tensor named 'nope'/,
  );
  const { Relu: _drop, ...withoutRelu } = gradientRules;
  assert.throws(
    () => buildGradientGraph(g, info, { outputs: [], seeds: ['y'], wrt: ['x'], rules: withoutRelu, ruleSetName: 'partial' }),
    (e: unknown) => e instanceof UnsupportedOpError && e.opType === 'Relu' && /node 'Relu_0'/.test(e.message) && /'partial'/.test(e.message),
  );
});
