/**
 * The CAM family on TensorFlow.js models (taps in NHWC). On a LayersModel conv -> global
 * average pooling -> dense, everything above the feature map is linear, so CAM, Grad-CAM
 * (= CAM / hw), Ablation-CAM (drop = W[k, c] mean(A_c)) and layer IG ((a - a') W[k, c] / hw)
 * are computed by hand from the dense kernel. FullGrad's completeness holds exactly on the
 * engine's test LayersModel (BatchNormalization, depthwise and conv biases, a ReLU inside
 * a conv layer, the dense head's bias). Tap overrides on a GraphModel agree with the
 * engine's tap offsets.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { loadTfjsModel, type TfjsModel } from '../../engine/tfjs/model.js';
import { useBackend } from '../../engine/tfjs/backend.js';
import { seededValues } from '../../engine/tfjs/testing.js';
import { relativeL2 } from '../testing.js';
import { resolveCamLayer } from './layers.js';
import { gradCam } from './gradCam.js';
import { ablationCam } from './ablationCam.js';
import { fullGrad } from './fullGrad.js';
import { cam } from './cam.js';
import { layerIntegratedGradients } from './layerIntegratedGradients.js';
import { writeTestLayersModel, writeTestGraphModel, LAYERS_INPUT, GRAPH_INPUT } from '../../engine/tfjs/testing.js';
import { openSessionCount } from '../../engine/onnx.js';
import * as catalog from '../catalog.js';
import type { AnyMethodDescriptor, OptionSchema } from '../descriptor.js';

const dir = mkdtempSync(join(tmpdir(), 'saliency-cam-tfjs-'));
const KERNEL = seededValues(4 * 5, 7, -1, 1); // dense kernel [4 channels, 5 units]
let model: TfjsModel;

async function writeGapModel(path: string): Promise<string> {
  const input = tfl.input({ shape: [6, 6, 3] });
  let h = tfl.layers.conv2d({ name: 'features', filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(input) as tfl.SymbolicTensor;
  h = tfl.layers.globalAveragePooling2d({ name: 'gap' }).apply(h) as tfl.SymbolicTensor;
  const out = tfl.layers.dense({ name: 'head', units: 5 }).apply(h) as tfl.SymbolicTensor;
  const m = tfl.model({ inputs: input, outputs: out });
  const values = m.weights.map((w, i) => tf.tensor(w.name.includes('head') && w.name.includes('kernel') ? KERNEL : seededValues(w.shape.reduce((a, b) => a! * b!, 1)!, 40 + i, -0.5, 0.5), w.shape as number[]));
  m.setWeights(values);
  tf.dispose(values);
  let saved: tf.io.ModelArtifacts | undefined;
  await m.save(tf.io.withSaveHandler(async (a) => ((saved = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
  m.dispose();
  mkdirSync(path, { recursive: true });
  writeFileSync(join(path, 'weights.bin'), new Uint8Array(saved!.weightData as ArrayBuffer));
  const json = { modelTopology: saved!.modelTopology, format: 'layers-model', weightsManifest: [{ paths: ['weights.bin'], weights: saved!.weightSpecs! }] };
  writeFileSync(join(path, 'model.json'), JSON.stringify(json));
  return join(path, 'model.json');
}

before(async () => {
  await useBackend('wasm');
  model = await loadTfjsModel(await writeGapModel(join(dir, 'gap')));
});
after(async () => {
  await model.dispose();
  rmSync(dir, { recursive: true, force: true });
});

test('tfjs Layers model: auto finds the NHWC feature map, and Grad-CAM = CAM / hw', async () => {
  const layer = resolveCamLayer(model, 'auto');
  assert.deepEqual([layer.name, layer.layout, layer.channels, layer.height, layer.width], ['features', 'NHWC', 4, 6, 6]);
  const x = seededValues(2 * 108, 9, 0, 1);
  const g = await gradCam(model, x, { target: [1, 3] });
  assert.deepEqual(g.shape, [2, 6, 6]);
  const feats = (await model.run(x, { outputs: ['features'] }))['features']; // [2, 6, 6, 4]
  const expected = new Float32Array(72);
  for (let e = 0; e < 2; e++) for (let p = 0; p < 36; p++) {
    let s = 0;
    for (let c = 0; c < 4; c++) s += (KERNEL[c * 5 + [1, 3][e]] / 36) * feats[(e * 36 + p) * 4 + c];
    expected[e * 36 + p] = s;
  }
  const err = relativeL2(g.layerMap, expected);
  assert.ok(err < 1e-5, `Grad-CAM vs CAM / hw: ${err}`);
});

/** Hand computation on the GAP model: features [n, 36, 4] (NHWC) and the class of each example. */
async function features(x: Float32Array): Promise<Float32Array> {
  return (await model.run(x, { outputs: ['features'] }))['features'];
}

test('tfjs Layers model: CAM reads the dense kernel (= Grad-CAM x hw); a head of another shape is named', async () => {
  const x = seededValues(2 * 108, 9, 0, 1);
  const c = await cam(model, x, { target: [1, 3] });
  const g = await gradCam(model, x, { target: [1, 3] });
  const scaled = g.layerMap.map((v) => v * 36);
  assert.ok(relativeL2(c.layerMap, scaled) < 1e-5, `CAM vs Grad-CAM x hw: ${relativeL2(c.layerMap, scaled)}`);
  assert.deepEqual([...c.channelWeights!.subarray(0, 4)].map((v) => v.toFixed(5)), [0, 1, 2, 3].map((k) => KERNEL[k * 5 + 1].toFixed(5)));
  const other = await loadTfjsModel(await writeTestLayersModel(join(dir, 'other')));
  try {
    await assert.rejects(cam(other, seededValues(360, 3, 0, 1), { target: 0, layer: 'down' }), /CAM needs a conv -> GlobalAveragePooling2D .*feeds UpSampling2D 'up'/);
  } finally {
    await other.dispose();
  }
});

test('tfjs Layers model: Ablation-CAM is exact on the linear head (drop = W[k, c] mean(A_c))', async () => {
  const x = seededValues(2 * 108, 11, 0, 1);
  const classes = [2, 4];
  const a = await ablationCam(model, x, { target: classes, batchSize: 3 });
  const feats = await features(x);
  const logits = (await model.run(x, { outputs: ['logits'] }))['logits'];
  for (let e = 0; e < 2; e++) for (let c = 0; c < 4; c++) {
    let mean = 0;
    for (let p = 0; p < 36; p++) mean += feats[(e * 36 + p) * 4 + c] / 36;
    const y = logits[e * 5 + classes[e]];
    const expected = (KERNEL[c * 5 + classes[e]] * mean) / y;
    assert.ok(Math.abs(a.channelWeights![e * 4 + c] - expected) < 1e-4 * Math.max(1, Math.abs(expected)), `example ${e} channel ${c}: ${a.channelWeights![e * 4 + c]} vs ${expected}`);
  }
});

test('tfjs Layers model: layer IG at the feature map is (a - a\') W[k, c] / hw, batched as unbatched', async () => {
  const x = seededValues(3 * 108, 13, 0, 1);
  const classes = [0, 2, 4];
  const r = await layerIntegratedGradients(model, x, { target: classes, layer: 'features', steps: 5, batchSize: 4 });
  const a = await features(x);
  const base = await features(new Float32Array(3 * 108)); // the black baseline of a model without preprocessing
  const expected = new Float32Array(a.length);
  for (let j = 0; j < a.length; j++) expected[j] = ((a[j] - base[j]) * KERNEL[(j % 4) * 5 + classes[Math.floor(j / 144)]]) / 36;
  assert.ok(relativeL2(r.values, expected) < 1e-5, `layer IG vs hand: ${relativeL2(r.values, expected)}`);
  for (let e = 0; e < 3; e++) assert.ok(Math.abs(r.delta![e]) < 1e-4, `completeness delta ${r.delta![e]}`);
  const one = await layerIntegratedGradients(model, x.subarray(108, 216), { target: 2, layer: 'features', steps: 5 });
  assert.ok(relativeL2(one.values, r.values.subarray(144, 288)) < 1e-6);
});

test('tfjs Layers model: FullGrad completeness (BatchNorm, depthwise, conv-with-ReLU and dense biases), batched as unbatched', async () => {
  const other = await loadTfjsModel(await writeTestLayersModel(join(dir, 'fullgrad')));
  try {
    const per = LAYERS_INPUT[0] * LAYERS_INPUT[1] * LAYERS_INPUT[2];
    const biases = other.inspect().biases!.map((b) => b.node);
    assert.deepEqual(biases, ['stem_bn', 'dw', 'down', 'head']);
    const x = seededValues(3 * per, 17, 0, 1);
    const r = await fullGrad(other, x, { target: [0, 3, 4], components: true, batchSize: 2 });
    for (let e = 0; e < 3; e++) {
      const { input, biases: b, output } = r.completeness;
      const err = Math.abs(input[e] + b[e] - output[e]) / Math.max(1, Math.abs(output[e]));
      assert.ok(err < 1e-5, `example ${e}: ${input[e]} + ${b[e]} vs f(x) = ${output[e]}`);
      assert.ok(Math.abs(b[e]) > 1e-3, 'the bias terms take part');
    }
    assert.deepEqual(r.components!.biases.map((c) => c.shape), [[3, 12, 10, 4], [3, 12, 10, 4], [3, 5, 4, 6], [3, 5]]);
    const one = await fullGrad(other, x.subarray(per, 2 * per), { target: 3 });
    assert.ok(relativeL2(one.values, r.values.subarray(120, 240)) < 1e-6);
  } finally {
    await other.dispose();
  }
});

test('tfjs Graph model: a tap override equals the forward pass with the difference added at the tap', async () => {
  const graph = await loadTfjsModel(writeTestGraphModel(join(dir, 'graph')));
  try {
    const per = GRAPH_INPUT[0] * GRAPH_INPUT[1] * GRAPH_INPUT[2];
    const x = seededValues(2 * per, 19, 0, 1);
    const actual = (await graph.run(x, { outputs: ['dw'] }))['dw'];
    const replaced = seededValues(actual.length, 23, -1, 1);
    const r = await graph.run(x, { outputs: ['logits'], overrides: { dw: replaced } });
    const expected = await graph.logitsWithTapOffset(x, 'dw', replaced.map((v, j) => v - actual[j]));
    assert.ok(relativeL2(r['logits'], expected) < 1e-6, `override vs offset: ${relativeL2(r['logits'], expected)}`);
    const plain = (await graph.run(x, { outputs: ['logits'] }))['logits'];
    assert.ok(relativeL2(r['logits'], plain) > 1e-2, 'the override changes the output');
  } finally {
    await graph.dispose();
  }
});

test('tfjs Graph model: CAM reads the Mean + _FusedMatMul head (= Grad-CAM x hw); FullGrad refuses, naming the fused nodes and the fixes', async () => {
  const graph = await loadTfjsModel(writeTestGraphModel(join(dir, 'graph-head')));
  try {
    const [h, w, c] = GRAPH_INPUT;
    const x = seededValues(2 * h * w * c, 37, 0, 1);
    const W3 = seededValues(20, 5, -1, 1); // the test graph's head kernel [4 channels, 5 classes]
    const targets = [1, 4];
    const m = await cam(graph, x, { target: targets });
    const g = await gradCam(graph, x, { target: targets });
    assert.equal(m.layer, 'res');
    for (let e = 0; e < 2; e++) for (let ch = 0; ch < 4; ch++) {
      assert.ok(Math.abs(m.channelWeights![e * 4 + ch] - W3[ch * 5 + targets[e]]) < 1e-6, `example ${e} channel ${ch}`);
    }
    const hw = m.layerShape[1] * m.layerShape[2];
    assert.ok(relativeL2(g.layerMap, m.layerMap.map((v) => v / hw)) < 1e-5, `Grad-CAM vs CAM / hw: ${relativeL2(g.layerMap, m.layerMap.map((v) => v / hw))}`);
    await assert.rejects(cam(graph, x, { target: targets, layer: 'conv1' }), /CAM needs a conv -> Mean.*'conv1' feeds.*not a Mean/);
    await assert.rejects(fullGrad(graph, x, { target: 0 }), /_FusedConv2D.*LayersModel.*tf2onnx\.convert --tfjs model\.json/);
  } finally {
    await graph.dispose();
  }
});

test('tfjs Layers model: every CAM-family method runs from its descriptor defaults (what the CLI passes)', async () => {
  const all = catalog as unknown as Record<string, AnyMethodDescriptor>;
  const names = ['cam', 'gradcam', 'gradcampp', 'xgradcam', 'hirescam', 'layercam', 'eigencam', 'ablationcam', 'scorecam', 'fullgrad', 'guidedgradcam', 'layergradientxactivation', 'layerig'];
  const defaults = (schema: OptionSchema) => Object.fromEntries(Object.entries(schema).map(([k, spec]) => [k, spec.default]));
  const x = seededValues(2 * 108, 31, 0, 1);
  for (const name of names) {
    const d = all[name];
    const r = await d.run(model, x, defaults(d.options), { target: [1, 2], seed: 0 });
    assert.ok(r.values.length > 0 && r.values.every(Number.isFinite), name);
    assert.ok(r.values.some((v) => v !== 0), `${name} gives a map that is not all zero`);
  }
});

test('tfjs: repeated CAM calls leave no tensors or sessions behind', async () => {
  const x = seededValues(108, 29, 0, 1);
  await ablationCam(model, x, { target: 0 });
  await fullGrad(model, x, { target: 0 });
  const tensors = tf.memory().numTensors;
  const sessions = openSessionCount();
  for (let i = 0; i < 100; i++) {
    await ablationCam(model, x, { target: 0 });
    await fullGrad(model, x, { target: 0 });
    await layerIntegratedGradients(model, x, { target: 0, steps: 2 });
  }
  assert.equal(tf.memory().numTensors, tensors);
  assert.equal(openSessionCount(), sessions);
});
