import test from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadOnnxModel, openSessionCount } from '../../engine/onnx.js';
import { readNpy } from '../../io/npy.js';
import { relativeL2 } from '../testing.js';
import { guidedGradCam } from './guidedGradCam.js';
import { gradCam } from './gradCam.js';
import { guidedBackprop } from '../propagation/guidedBackprop.js';

const ROOT = new URL('../../../fixtures/', import.meta.url).pathname;
const TARGETS = [3, 7];

test('Guided Grad-CAM agrees with Captum GuidedGradCam on tiny_resnet', async () => {
  const model = await loadOnnxModel(join(ROOT, 'torch', 'tiny_resnet.onnx'), { threads: 1 });
  try {
    const x = readNpy(join(ROOT, 'torch', 'tiny_resnet.input.npy')).data as Float32Array;
    const a = await guidedGradCam(model, x, { target: TARGETS, layer: '/layer2/layer2.0/relu_1/Relu_output_0' });
    const ref = readNpy(join(ROOT, 'cam', 'tiny_resnet.captum_guidedgradcam.npy')).data as Float32Array;
    const err = relativeL2(a.values, ref);
    console.log(`Guided Grad-CAM vs Captum: relative L2 ${err.toExponential(2)}`);
    assert.ok(err < 1e-4, `relative L2 ${err}`);
  } finally {
    await model.dispose();
  }
});

test('Guided Grad-CAM is guided backprop times the positive Grad-CAM map, in every channel; batched equals unbatched; no sessions left', async () => {
  const sessions = openSessionCount();
  const big = await loadOnnxModel(join(ROOT, 'torch', 'tiny_mobilenet.onnx'), { threads: 1, batchSize: 2 });
  const one = await loadOnnxModel(join(ROOT, 'torch', 'tiny_mobilenet.onnx'), { threads: 1, batchSize: 1 });
  try {
    const x = readNpy(join(ROOT, 'torch', 'tiny_mobilenet.input.npy')).data as Float32Array;
    const a = await guidedGradCam(big, x, { target: TARGETS });
    const b = await guidedGradCam(one, x, { target: TARGETS });
    assert.deepEqual(a.values, b.values);
    const cam = await gradCam(big, x, { target: TARGETS, relu: true, upsample: 'nearest' });
    const gb = await guidedBackprop(big, x, { target: TARGETS });
    const hw = 32 * 32;
    let nonzero = 0;
    for (let e = 0; e < 2; e++) {
      for (let ch = 0; ch < 3; ch++) {
        for (let p = 0; p < hw; p++) {
          const i = (e * 3 + ch) * hw + p;
          assert.equal(a.values[i], Math.fround(gb.values[i] * cam.values[e * hw + p]));
          if (a.values[i] !== 0) nonzero++;
        }
      }
    }
    assert.ok(nonzero > 100, `only ${nonzero} nonzero values`);
  } finally {
    await big.dispose();
    await one.dispose();
  }
  assert.equal(openSessionCount(), sessions);
});
