/**
 * Every perturbation method streams (no model call holds more than one batch, whatever the
 * number of perturbations), keeps the session count bounded when run again and again, and
 * runs from its descriptor with the default options (a 28x28 model gets windows, grids and
 * cells that fit it).
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { openSessionCount } from '../../engine/onnx.js';
import { functionModel } from '../../engine/function.js';
import { load, pseudoRandom, smallCnnOnnx, spyModel } from '../testing.js';
import type { AnyMethodDescriptor } from '../descriptor.js';
import * as catalog from '../catalog.js';
import { occlusion } from './occlusion.js';
import { featureAblation } from './featureAblation.js';
import { featurePermutation } from './featurePermutation.js';
import { shapleySampling } from './shapleySampling.js';
import { kernelShap } from './kernelShap.js';
import { lime } from './lime.js';
import { rise } from './rise.js';
import { sobolAttribution } from './sobol.js';

const NAMES = ['occlusion', 'featureablation', 'featurepermutation', 'shapleysampling', 'kernelshap', 'lime', 'rise', 'sobol'];

test('perturbation methods stream one batch at a time and keep sessions bounded', async () => {
  const before = openSessionCount();
  const model = spyModel(await load(smallCnnOnnx(), { batchSize: 6, maxSessions: 4 }));
  const x = pseudoRandom(2 * 192, 21);
  const runAll = async () => {
    await occlusion(model, x, { window: 2, stride: 1 });
    await featureAblation(model, x);
    await featurePermutation(model, x);
    await shapleySampling(model, x, { samples: 2 });
    await kernelShap(model, x, { samples: 30 });
    await lime(model, x, { samples: 30 });
    await rise(model, x, { masks: 40, cell: 2 });
    await sobolAttribution(model, x, { grid: 2, designs: 4 });
  };
  await runAll();
  const sessions = openSessionCount();
  assert.ok(model.maxExamples <= 6, `a call received ${model.maxExamples} examples`);
  for (let round = 0; round < 3; round++) await runAll();
  assert.equal(openSessionCount(), sessions);
  assert.ok(sessions - before <= 4);
  await model.dispose();
  assert.equal(openSessionCount(), before);
});

test('every perturbation descriptor is in the catalog and runs with its defaults on a 28x28 model', async () => {
  const all = catalog as unknown as Record<string, AnyMethodDescriptor>;
  const w = pseudoRandom(784, 3, -1, 1);
  const model = functionModel({ inputShape: [1, 28, 28], outputShape: [2], batchSize: 64, forward: (x) => [x.reduce((s, v, i) => s + w[i] * v, 0), 0] });
  const x = pseudoRandom(2 * 784, 5);
  for (const name of NAMES) {
    const d = all[name];
    assert.ok(d, `${name} is in the catalog`);
    assert.equal(d.name, name);
    assert.equal(d.family, 'perturbation');
    assert.equal(d.needs.gradients, false);
    const defaults = Object.fromEntries(Object.entries(d.options as Record<string, { default: string | number | boolean }>).map(([k, o]) => [k, o.default]));
    const cost = d.cost(2, defaults, { randomBaseline: false, inputShape: [1, 28, 28] });
    const calls = model.forwardCount;
    const r = await d.run(model, x, defaults, { target: 0, seed: 0 });
    assert.equal(r.values.length, x.length);
    assert.ok(r.values.every(Number.isFinite), `${name}: finite values`);
    const evaluated = model.forwardCount - calls;
    // KernelSHAP's cost is the expected number of distinct coalitions (repeats are not evaluated)
    assert.ok(Math.abs(evaluated - cost) <= (name === 'kernelshap' ? 0.02 * cost : 4), `${name}: cost ${cost}, evaluated ${evaluated}`);
  }
});
