/**
 * The attribution methods, written against the Model contract, run unchanged on
 * TensorFlow.js models: gradient, Integrated Gradients (completeness), SmoothGrad.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTfjsModel, type TfjsModel } from './model.js';
import { writeTestGraphModel, writeTestLayersModel, seededValues, relL2, LAYERS_INPUT, GRAPH_INPUT } from './testing.js';
import { useBackend } from './backend.js';
import { gradient } from '../../methods/gradient.js';
import { integratedGradients } from '../../methods/integratedGradients.js';
import { smoothGrad } from '../../methods/smooth.js';
import { sizeOfShape } from '../model.js';
import { classLogit } from '../../targets/index.js';

const dir = mkdtempSync(join(tmpdir(), 'saliency-tfjs-methods-'));
const models: Record<string, TfjsModel> = {};
before(async () => {
  await useBackend('wasm');
  models['layers'] = await loadTfjsModel(await writeTestLayersModel(join(dir, 'layers')), { inputRange: [0, 1] });
  models['graph'] = await loadTfjsModel(writeTestGraphModel(join(dir, 'graph')), { inputRange: [0, 1] });
});
after(async () => {
  for (const m of Object.values(models)) await m.dispose();
  rmSync(dir, { recursive: true, force: true });
});

for (const kind of ['layers', 'graph'] as const) {
  const shape = kind === 'layers' ? LAYERS_INPUT : GRAPH_INPUT;
  const per = sizeOfShape(shape);
  const x = seededValues(2 * per, 5, 0, 1);

  test(`${kind}: gradient() is the model's input gradient`, async () => {
    const model = models[kind];
    const a = await gradient(model, x, { target: [1, 4] });
    const r = await model.run(x, { gradients: { seed: classLogit([1, 4], 5), wrt: ['input'] } });
    assert.deepEqual(a.shape, [2, ...shape]);
    assert.ok(relL2(a.values, r['grad:input']) < 1e-6);
  });

  test(`${kind}: Integrated Gradients is complete (sum of attributions = f(x) - f(baseline))`, async () => {
    const model = models[kind];
    const ig = await integratedGradients(model, x, { target: 3, baseline: 0, steps: 128 });
    for (let e = 0; e < 2; e++) {
      const gap = ig.outputs!.input[e] - ig.outputs!.baseline[e];
      // the IG paper's 5% (the path crosses ReLU6 and max-pool kinks)
      assert.ok(Math.abs(ig.delta![e]) < 0.05 * Math.abs(gap), `example ${e}: delta ${ig.delta![e]} against f(x) - f(x') = ${gap}`);
    }
  });

  test(`${kind}: SmoothGrad runs with the same seed to the same map`, async () => {
    const model = models[kind];
    const a = await smoothGrad(model, x, { target: 0, samples: 4, seed: 3 });
    const b = await smoothGrad(model, x, { target: 0, samples: 4, seed: 3 });
    assert.deepEqual(a.values, b.values);
  });
}
