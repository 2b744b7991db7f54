/**
 * The ONNX engine against PyTorch autograd (fixtures written by scripts/make_torch_fixtures.py),
 * plus batching, targets, memory and bad-input behaviour.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import onnxProto from 'onnx-proto';
import { loadOnnxModel, openSessionCount, OnnxModel } from './onnx.js';
import { loadOnnx } from '../graph/onnx.js';
import { initializerFromTensor } from '../graph/ir.js';
import { readNpy } from '../io/npy.js';
import { classLogit, classProbability } from '../targets/index.js';
import { relativeL2 } from './numeric.js';

const { onnx } = onnxProto;
const FIXTURES = new URL('../../fixtures/torch/', import.meta.url).pathname;
interface FixtureModel {
  name: string;
  file: string;
  opset: number;
  inputShape: number[];
  tap: { tensor: string; node: string; shape: number[] };
}
const manifest = JSON.parse(readFileSync(join(FIXTURES, 'manifest.json'), 'utf8')) as { models: FixtureModel[] };
const npy = (model: string, what: string) => readNpy(join(FIXTURES, `${model}.${what}.npy`)).data as Float32Array;


for (const m of manifest.models) {
  test(`${m.name} (opset ${m.opset}): logits, input gradient and tap gradient match PyTorch autograd`, async () => {
    const model = await loadOnnxModel(join(FIXTURES, m.file));
    try {
      const x = npy(m.name, 'input');
      const seed = npy(m.name, 'seed');
      const r = await model.run(x, {
        outputs: ['logits', m.tap.tensor],
        gradients: { seed, wrt: ['input', m.tap.tensor] },
      });
      const errors = {
        logits: relativeL2(r['logits'], npy(m.name, 'logits')),
        grad: relativeL2(r['grad:input'], npy(m.name, 'grad_input')),
        tap: relativeL2(r[m.tap.tensor], npy(m.name, 'tap_act')),
        tapGrad: relativeL2(r[`grad:${m.tap.tensor}`], npy(m.name, 'tap_grad')),
      };
      for (const [what, err] of Object.entries(errors)) {
        assert.ok(err < 1e-4, `${m.name} ${what}: relative L2 error ${err.toExponential(2)} >= 1e-4`);
      }
      // A tap can be named by its node as well as by its tensor.
      const byNode = await model.run(x, { outputs: [m.tap.node] });
      // (onnxruntime may fuse differently in the forward-only graph: equal to float32 rounding)
      assert.ok(relativeL2(byNode[m.tap.node], r[m.tap.tensor]) < 1e-6);
    } finally {
      await model.dispose();
    }
  });
}

test('batched equals unbatched, and a class target equals a one-hot seed', async () => {
  const m = manifest.models[0];
  const x = npy(m.name, 'input');
  const one = await loadOnnxModel(join(FIXTURES, m.file), { batchSize: 1 });
  const two = await loadOnnxModel(join(FIXTURES, m.file), { batchSize: 2 });
  try {
    const target = classLogit([3, 7], 10);
    const a = await one.run(x, { gradients: { seed: target, wrt: ['input'] } });
    const b = await two.run(x, { gradients: { seed: target, wrt: ['input'] } });
    assert.ok(relativeL2(a['grad:input'], b['grad:input']) < 1e-6);
    const oneHot = new Float32Array(20);
    oneHot[3] = 1;
    oneHot[10 + 7] = 1;
    const c = await two.run(x, { outputs: ['logits'], gradients: { seed: oneHot, wrt: ['input'] } });
    assert.ok(relativeL2(c['grad:input'], b['grad:input']) < 1e-6);
    // The target value is the logit of each example's class.
    assert.equal(b['target'][0], c['logits'][3]);
    assert.equal(b['target'][1], c['logits'][17]);
  } finally {
    await one.dispose();
    await two.dispose();
  }
});

test('a probability target: gradient equals p_c (grad z_c - sum_k p_k grad z_k)', async () => {
  const m = manifest.models[1];
  const model = await loadOnnxModel(join(FIXTURES, m.file));
  try {
    const x = npy(m.name, 'input');
    const logits = (await model.run(x, { outputs: ['logits'] }))['logits'];
    const prob = await model.run(x, { gradients: { seed: classProbability(2, 10), wrt: ['input'] } });
    // same thing through an explicit cotangent
    const seed = new Float32Array(20);
    for (let i = 0; i < 2; i++) {
      const z = logits.subarray(i * 10, i * 10 + 10);
      const mx = Math.max(...z);
      const e = Array.from(z, (v) => Math.exp(v - mx));
      const s = e.reduce((a, b) => a + b, 0);
      const p = e.map((v) => v / s);
      for (let k = 0; k < 10; k++) seed[i * 10 + k] = p[2] * ((k === 2 ? 1 : 0) - p[k]);
      assert.ok(Math.abs(prob['target'][i] - p[2]) < 1e-6);
    }
    const explicit = await model.run(x, { gradients: { seed, wrt: ['input'] } });
    assert.ok(relativeL2(prob['grad:input'], explicit['grad:input']) < 1e-5);
  } finally {
    await model.dispose();
  }
});

test('1,000 calls leave no sessions behind and memory bounded', async () => {
  const m = manifest.models[0];
  const x = npy(m.name, 'input');
  const before = openSessionCount();
  const model = await loadOnnxModel(join(FIXTURES, m.file), { maxSessions: 3 });
  const target = classLogit(1, 10);
  // warm up, then measure
  for (let i = 0; i < 50; i++) await model.run(x, { gradients: { seed: target, wrt: ['input'] } });
  global.gc?.();
  const rss0 = process.memoryUsage().rss;
  for (let i = 0; i < 1000; i++) {
    const ask = i % 3 === 0 ? { outputs: ['logits'] } : { gradients: { seed: target, wrt: ['input', m.tap.tensor] } };
    await model.run(i % 2 ? x : x.subarray(0, x.length / 2), ask);
  }
  global.gc?.();
  const growthMb = (process.memoryUsage().rss - rss0) / 2 ** 20;
  assert.ok(openSessionCount() - before <= 3, `sessions open: ${openSessionCount() - before}`);
  await model.dispose();
  assert.equal(openSessionCount(), before);
  assert.ok(growthMb < 64, `RSS grew by ${growthMb.toFixed(1)} MB over 1,000 calls`);
});

test('bad input gets a clear error', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sl-'));
  const corrupt = join(dir, 'corrupt.onnx');
  writeFileSync(corrupt, readFileSync(join(FIXTURES, manifest.models[0].file)).subarray(0, 500));
  await assert.rejects(loadOnnxModel(corrupt), /not a readable ONNX model/);
  await assert.rejects(loadOnnxModel(join(dir, 'missing.onnx')), /model file not found/);
  const text = join(dir, 'text.onnx');
  writeFileSync(text, 'hello, this is not a model');
  await assert.rejects(loadOnnxModel(text), /ONNX/);

  const m = manifest.models[0];
  const model = await loadOnnxModel(join(FIXTURES, m.file));
  try {
    const x = npy(m.name, 'input');
    await assert.rejects(model.run(x.subarray(1), { outputs: ['logits'] }), /whole number of examples/);
    const bad = x.slice();
    bad[5] = NaN;
    await assert.rejects(model.run(bad, { outputs: ['logits'] }), /non-finite value \(NaN\) at index 5/);
    await assert.rejects(model.run(x, { outputs: ['no_such_layer'] }), /no tap named 'no_such_layer'/);
    await assert.rejects(model.run(x, { gradients: { seed: classLogit(10, 10), wrt: ['input'] } }), /out of range/);
    await assert.rejects(model.run(x, { gradients: { seed: new Float32Array(3), wrt: ['input'] } }), /expected 2 x 10/);
  } finally {
    await model.dispose();
  }
});

test('inspect lists inputs, outputs, ops and taps with their shapes', async () => {
  const m = manifest.models.find((x) => x.name === 'tiny_resnet') ?? manifest.models[0];
  const model = await loadOnnxModel(join(FIXTURES, m.file));
  try {
    const info = model.inspect();
    assert.deepEqual(info.inputShape, m.inputShape.slice(1));
    assert.deepEqual(info.outputShape, [10]);
    assert.deepEqual(info.opsWithoutGradient, []);
    const tap = info.taps.find((t) => t.name === m.tap.tensor);
    assert.ok(tap, 'the fixture tap is listed');
    assert.deepEqual(tap!.shape, m.tap.shape.slice(1));
    assert.equal(tap!.node, m.tap.node);
    assert.deepEqual(model.shapeOf(m.tap.node), m.tap.shape.slice(1));
  } finally {
    await model.dispose();
  }
});

test("bias-gradients (FullGrad): summed over positions they equal bias x d target / d bias, by finite differences", async () => {
  const m = manifest.models[0];
  const x = npy(m.name, 'input');
  const model = await loadOnnxModel(join(FIXTURES, m.file));
  const layer = model.biasLayers()[1];
  const c = 2;
  try {
    const target = classLogit(4, 10);
    const r = await model.run(x, { gradients: { seed: target, wrt: [`bias:${layer.node}`] } });
    const g = r[`grad:bias:${layer.node}`];
    const [channels, ...spatial] = model.shapeOf(layer.tensor);
    assert.equal(channels, layer.bias.length);
    const inner = spatial.reduce((a, b) => a * b, 1);
    let total = 0; // over both examples and all positions of channel c
    for (let i = 0; i < 2; i++) for (let k = 0; k < inner; k++) total += g[(i * channels + c) * inner + k];
    // finite differences on the bias parameter itself
    const eps = 1e-3;
    const shifted = async (delta: number) => {
      const graph = loadOnnx(join(FIXTURES, m.file));
      const name = graph.nodes.find((n) => n.name === layer.node)!.inputs[2];
      const b = Float32Array.from(graph.initializers.get(name)!.value().data as Float32Array);
      b[c] += delta;
      graph.initializers.set(name, initializerFromTensor(name, { dtype: 'float32', dims: [b.length], data: b }));
      const shiftedModel = new OnnxModel(graph);
      const out = await shiftedModel.run(x, { outputs: ['logits'] });
      await shiftedModel.dispose();
      return out['logits'][4] + out['logits'][14];
    };
    const fd = ((await shifted(eps)) - (await shifted(-eps))) / (2 * eps);
    assert.ok(Math.abs(total - fd * layer.bias[c]) < 1e-3 * Math.max(1, Math.abs(total)), `${total} vs ${fd * layer.bias[c]}`);
    assert.throws(() => model.resolve('bias:nope'), /no layer with a constant bias named 'nope'/);
  } finally {
    await model.dispose();
  }
});

test('weights in an external data file load like embedded ones', async () => {
  const m = manifest.models[0];
  const dir = mkdtempSync(join(tmpdir(), 'sl-ext-'));
  const proto = onnx.ModelProto.decode(readFileSync(join(FIXTURES, m.file)));
  const chunks: Buffer[] = [];
  let offset = 0;
  for (const t of proto.graph!.initializer!) {
    const raw = t.rawData!;
    if (raw.length < 256) continue;
    chunks.push(Buffer.from(raw));
    t.externalData = [
      { key: 'location', value: 'weights.bin' },
      { key: 'offset', value: String(offset) },
      { key: 'length', value: String(raw.length) },
    ];
    t.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
    t.rawData = new Uint8Array(0);
    offset += raw.length;
  }
  assert.ok(chunks.length >= 2, 'several initializers moved out');
  writeFileSync(join(dir, 'weights.bin'), Buffer.concat(chunks));
  writeFileSync(join(dir, 'model.onnx'), onnx.ModelProto.encode(proto).finish());
  const external = await loadOnnxModel(join(dir, 'model.onnx'));
  const embedded = await loadOnnxModel(join(FIXTURES, m.file));
  try {
    const x = npy(m.name, 'input');
    const ask = { gradients: { seed: classLogit(1, 10), wrt: ['input'] } };
    const a = await external.run(x, ask);
    const b = await embedded.run(x, ask);
    assert.deepEqual(a['grad:input'], b['grad:input']);
  } finally {
    await external.dispose();
    await embedded.dispose();
  }
  rmSync(join(dir, 'weights.bin'));
  await assert.rejects(loadOnnxModel(join(dir, 'model.onnx')), /external file 'weights.bin', which is missing/);
});
