/**
 * The CAM pipeline on a TensorFlow.js LayersModel (taps in NHWC): conv -> global average
 * pooling -> dense, where Grad-CAM must equal CAM / hw with CAM computed from the dense
 * kernel by hand; Ablation-CAM and FullGrad refuse with a clear error (no tap overrides,
 * no bias gradients on tfjs models).
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

test('tfjs: Ablation-CAM and FullGrad refuse, naming what is missing', async () => {
  const x = seededValues(108, 9, 0, 1);
  await assert.rejects(ablationCam(model, x, { target: 0 }), /cannot replace a tap's values/);
  await assert.rejects(fullGrad(model, x, { target: 0 }), /FullGrad needs the gradients of the biases/);
});
