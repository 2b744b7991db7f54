/**
 * Guided backprop and deconvnet on TensorFlow.js models: y = v . act(W x) with act = ReLU,
 * ReLU6 (maxValue 6) and LeakyReLU layers gives guided = W^T relu(v * act'(Wx)) and
 * deconvnet = W^T relu(v), as the ONNX rule sets; the gradient registry is restored after
 * each run (the plain gradient is unchanged) and LRP/DeepLIFT are refused with a clear error.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { loadTfjsModel } from './model.js';
import { useBackend } from './backend.js';
import { seededValues } from './testing.js';
import { classLogit } from '../../targets/index.js';

const D = 6;
const K = 5;
const W = seededValues(D * K, 1); // [D, K] (Keras kernel layout)
const V = seededValues(K, 2);

before(async () => {
  await useBackend('wasm');
});

async function actModel(act: (h: tfl.SymbolicTensor) => tfl.SymbolicTensor) {
  const input = tfl.input({ shape: [D] });
  const z = tfl.layers.dense({ units: K, useBias: false, kernelInitializer: 'zeros' }).apply(input) as tfl.SymbolicTensor;
  const y = tfl.layers.dense({ units: 1, useBias: false, kernelInitializer: 'zeros' }).apply(act(z)) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: y });
  const weights = [tf.tensor(W, [D, K]), tf.tensor(V, [K, 1])];
  model.setWeights(weights);
  tf.dispose(weights);
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (a) => ((saved = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
  model.dispose();
  return loadTfjsModel({ artifacts: saved!, format: 'layers', source: 'test' }, { backend: 'wasm' });
}

const ACTS = [
  { name: 'ReLU', layer: () => tfl.layers.reLU(), d: (z: number) => (z > 0 ? 1 : 0) },
  { name: 'ReLU6', layer: () => tfl.layers.reLU({ maxValue: 6 }), d: (z: number) => (z > 0 && z < 6 ? 1 : 0) },
  { name: 'LeakyReLU', layer: () => tfl.layers.leakyReLU({ alpha: 0.1 }), d: (z: number) => (z > 0 ? 1 : 0.1) },
];

for (const act of ACTS) {
  test(`tfjs ${act.name}: guided = W^T relu(v act'(Wx)), deconvnet = W^T relu(v), gradient unchanged`, async () => {
    const model = await actModel((h) => act.layer().apply(h) as tfl.SymbolicTensor);
    try {
      const x = seededValues(3 * D, 3, -8, 8);
      const run = async (rule: string) => (await model.run(x, { gradients: { seed: classLogit(0, 1), wrt: ['input'], rule } }))['grad:input'];
      const registry = tf.getGradient('Relu');
      const [guided, deconv, plain] = [await run('guided'), await run('deconvnet'), await run('gradient')];
      assert.equal(tf.getGradient('Relu'), registry, 'the gradient registry is restored');
      for (let e = 0; e < 3; e++) {
        const z = Array.from({ length: K }, (_, k) => Array.from({ length: D }, (_, j) => W[j * K + k] * x[e * D + j]).reduce((a, b) => a + b, 0));
        for (let j = 0; j < D; j++) {
          let g = 0;
          let gd = 0;
          let gp = 0;
          for (let k = 0; k < K; k++) {
            g += W[j * K + k] * Math.max(0, V[k] * act.d(z[k]));
            gd += W[j * K + k] * Math.max(0, V[k]);
            gp += W[j * K + k] * V[k] * act.d(z[k]);
          }
          assert.ok(Math.abs(guided[e * D + j] - g) < 1e-4, `guided [${e},${j}] ${guided[e * D + j]} vs ${g}`);
          assert.ok(Math.abs(deconv[e * D + j] - gd) < 1e-4, `deconvnet [${e},${j}]`);
          assert.ok(Math.abs(plain[e * D + j] - gp) < 1e-4, `gradient [${e},${j}]`);
        }
      }
      await assert.rejects(model.run(x, { gradients: { seed: classLogit(0, 1), wrt: ['input'], rule: 'lrp/x' } }), /LRP and DeepLIFT need the ONNX engine/);
    } finally {
      await model.dispose();
    }
  });
}
