/**
 * Architectures beyond plain CNNs (issue 16) against PyTorch autograd: Swin-like (window
 * attention, roll, shifted-window mask, patch merging), ConvNeXt-like (LayerNorm, GELU, layer
 * scale), EfficientNet-like (SiLU, squeeze-excitation), DenseNet-like (concatenation). Fixtures
 * written by scripts/make_arch_fixtures.py into fixtures/arch/.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadOnnxModel, openSessionCount } from './onnx.js';
import { readNpy } from '../io/npy.js';
import { relativeL2 } from './numeric.js';

const FIXTURES = new URL('../../fixtures/arch/', import.meta.url).pathname;
interface FixtureModel {
  name: string;
  file: string;
  opset: number;
  tap: { tensor: string; node: string };
}
const manifest = JSON.parse(readFileSync(join(FIXTURES, 'manifest.json'), 'utf8')) as { models: FixtureModel[] };
const npy = (model: string, what: string) => readNpy(join(FIXTURES, `${model}.${what}.npy`)).data as Float32Array;

for (const m of manifest.models) {
  test(`${m.name}: logits, input gradient and tap gradient match PyTorch autograd`, async () => {
    const sessions = openSessionCount();
    const model = await loadOnnxModel(join(FIXTURES, m.file));
    try {
      const x = npy(m.name, 'input');
      const r = await model.run(x, {
        outputs: ['logits', m.tap.tensor],
        gradients: { seed: npy(m.name, 'seed'), wrt: ['input', m.tap.tensor] },
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
      console.log(`${m.name}: ${Object.entries(errors).map(([k, v]) => `${k} ${v.toExponential(2)}`).join(', ')}`);
    } finally {
      await model.dispose();
    }
    assert.equal(openSessionCount(), sessions);
  });
}
