/**
 * Implementation invariance (Sundararajan et al. 2017, section 2.2): two graphs computing the
 * same function, the paper's pair
 *   f(x1, x2) = ReLU(ReLU(x1) - 1 - ReLU(x2))   and   g(x1, x2) = ReLU(ReLU(x1 - 1) - ReLU(x2)),
 * must get identical gradients and Integrated Gradients (they depend on the function only),
 * while DeepLIFT and LRP, which propagate through the graph's units, may differ. At x = (3, 1)
 * with a zero baseline: DeepLIFT gives (1.5, -0.5) for f and (2, -1) for g (both complete:
 * f(x) - f(0) = 1); LRP-epsilon gives (1, -1) and (1.5, -1).
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { loadOnnxModel } from '../../engine/onnx.js';
import { gradient } from '../gradient.js';
import { integratedGradients } from '../integratedGradients.js';
import { deepLift } from './deepLift.js';
import { lrp } from './lrp.js';
import { GraphBuilder } from './testModels.js';

function unit(b: GraphBuilder, k: number, bias?: number): string {
  const w = b.floats(k === 0 ? [1, 0] : [0, 1], [2, 1]);
  return b.op('Gemm', bias === undefined ? ['input', w] : ['input', w, b.floats([bias], [1])], {});
}

/** f: ReLU(ReLU(x1) - 1 - ReLU(x2)) */
function paperF(): Uint8Array {
  const b = new GraphBuilder();
  b.input([2]);
  const h = b.op('Sub', [b.op('Sub', [b.op('Relu', [unit(b, 0)]), b.floats([1], [1])]), b.op('Relu', [unit(b, 1)])]);
  return b.output(b.op('Relu', [h]));
}

/** g: ReLU(ReLU(x1 - 1) - ReLU(x2)), the same function */
function paperG(): Uint8Array {
  const b = new GraphBuilder();
  b.input([2]);
  const k = b.op('Sub', [b.op('Relu', [unit(b, 0, -1)]), b.op('Relu', [unit(b, 1)])]);
  return b.output(b.op('Relu', [k]));
}

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-5) => Array.from(a).every((v, i) => Math.abs(v - b[i]) < tol);

test('implementation invariance: gradients and IG agree on two graphs of one function; DeepLIFT and LRP do not', async () => {
  const f = await loadOnnxModel(paperF(), { threads: 1, batchSize: 8 });
  const g = await loadOnnxModel(paperG(), { threads: 1, batchSize: 8 });
  try {
    const x = Float32Array.of(3, 1, 0.5, 2, -1, 4, 2.5, -0.5);
    const fx = (await f.run(x, { outputs: ['logits'] }))['logits'];
    const gx = (await g.run(x, { outputs: ['logits'] }))['logits'];
    assert.deepEqual(fx, gx, 'the two graphs compute the same function');
    const o = { target: 0 } as const;
    assert.deepEqual((await gradient(f, x, o)).values, (await gradient(g, x, o)).values);
    const igF = await integratedGradients(f, x, { ...o, baseline: 0, steps: 64 });
    const igG = await integratedGradients(g, x, { ...o, baseline: 0, steps: 64 });
    assert.ok(close(igF.values, igG.values, 1e-6), `IG: ${igF.values} vs ${igG.values}`);

    const one = Float32Array.of(3, 1);
    const dlF = await deepLift(f, one, { ...o, baseline: 0 });
    const dlG = await deepLift(g, one, { ...o, baseline: 0 });
    assert.ok(close(dlF.values, [1.5, -0.5]), `DeepLIFT f: ${dlF.values}`);
    assert.ok(close(dlG.values, [2, -1]), `DeepLIFT g: ${dlG.values}`);
    assert.ok(Math.abs(dlF.delta[0]) < 1e-6 && Math.abs(dlG.delta[0]) < 1e-6, 'both complete');
    const lrpF = await lrp(f, one, { ...o, rule: 'epsilon:1e-9' });
    const lrpG = await lrp(g, one, { ...o, rule: 'epsilon:1e-9' });
    assert.ok(close(lrpF.values, [1, -1]), `LRP f: ${lrpF.values}`);
    assert.ok(close(lrpG.values, [1.5, -1]), `LRP g: ${lrpG.values}`);
  } finally {
    await f.dispose();
    await g.dispose();
  }
});
