/**
 * The registry entries of this folder and of regions/: each runs with its defaults alone
 * (an 8x8 model too), its cost matches the examples the model saw, names are lowercase.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import type { AnyMethodDescriptor, OptionSpec } from '../descriptor.js';
import { load, pseudoRandom, smallCnnOnnx } from '../testing.js';
import { descriptor as blurig } from './blurIG.js';
import { descriptor as guidedig } from './guidedIG.js';
import { descriptor as ggig } from './geometricallyGuidedIG.js';
import { descriptor as xrai } from '../regions/xrai.js';

const defaults = (d: AnyMethodDescriptor) => Object.fromEntries(Object.entries(d.options as Record<string, OptionSpec>).map(([k, o]) => [k, o.default]));

test('blurig, guidedig, ggig and xrai run with their defaults; cost counts the gradient examples', async () => {
  const model = await load(smallCnnOnnx(), { batchSize: 32 });
  try {
    const x = pseudoRandom(3 * 8 * 8, 31);
    for (const d of [blurig, guidedig, ggig, xrai] as AnyMethodDescriptor[]) {
      assert.match(d.name, /^[a-z]+$/);
      assert.equal(d.family, 'path');
      const opts = defaults(d);
      const r = await d.run(model, x, opts, { target: 1, seed: 0 });
      assert.ok(r.values.every(Number.isFinite), `${d.name}: non-finite values`);
      assert.equal(r.timings.backwardExamples, d.cost(1, opts, { randomBaseline: false, inputShape: model.inputShape }), d.name);
    }
  } finally {
    await model.dispose();
  }
});
