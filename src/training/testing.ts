/**
 * For tests: the batch-norm CNN case of fixtures/weight-gradients/bn_cnn.json
 * (scripts/make_weight_gradient_fixtures.py): the fixture, its 8 real Fashion-MNIST training
 * images (flat backgrounds: tied maxima in the pooling windows), and the trainer's
 * parameters set to the fixture's weights.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseIdx } from '../io/idx.js';
import { FASHION_MNIST_DIR } from './data.js';
import { initParams, type Architecture, type Param } from './network.js';

/** `fixture` is the parsed JSON as the tests read it (labels, normalisation, params, the PyTorch gradients and statistics). */
export function bnCnnCase(): { fixture: ReturnType<typeof JSON.parse>; images: Float32Array; arch: Architecture; params: Param[] } {
  const fixture = JSON.parse(readFileSync('fixtures/weight-gradients/bn_cnn.json', 'utf8'));
  const raw = parseIdx(readFileSync(join(FASHION_MNIST_DIR, 'train-images-idx3-ubyte.gz')), 'train images');
  const images = Float32Array.from({ length: 8 * 784 }, (_, i) => Number(raw.data[i]) / 255);
  const arch: Architecture = { name: 'bn-test', channels: [4, 8], batchNorm: true };
  const params = initParams(arch, [1, 28, 28], 10, 0);
  for (const p of params) if (p.trainable) p.data.set(fixture.params[p.name].data);
  return { fixture, images, arch, params };
}
