/**
 * Every CAM descriptor runs from its own defaults (what the CLI will pass) and gives the
 * same numbers as its library function; names are the CLI names.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import * as catalog from '../catalog.js';
import type { AnyMethodDescriptor, OptionSchema } from '../descriptor.js';
import { load, pseudoRandom } from '../testing.js';
import { gapHeadOnnx } from './testing.js';
import { gradCam } from './gradCam.js';

const NAMES = ['cam', 'gradcam', 'gradcampp', 'xgradcam', 'hirescam', 'layercam', 'eigencam', 'ablationcam', 'scorecam', 'fullgrad', 'layergradientxactivation', 'layerig'];

function defaults(schema: OptionSchema): Record<string, string | number | boolean> {
  return Object.fromEntries(Object.entries(schema).map(([k, spec]) => [k, spec.default]));
}

test('CAM descriptors: CLI names, family, and runs from their defaults', async () => {
  const all = catalog as unknown as Record<string, AnyMethodDescriptor>;
  const model = await load(gapHeadOnnx());
  try {
    const x = pseudoRandom(2 * 108, 3, -1, 1);
    for (const name of NAMES) {
      const d = all[name];
      assert.ok(d, `catalog has ${name}`);
      assert.equal(d.name, name);
      assert.equal(d.family, 'cam');
      assert.ok('layer' in d.options, `${name} takes --layer`);
      const r = await d.run(model, x, defaults(d.options), { target: [1, 2], seed: 0 });
      assert.equal(r.values.length > 0 && r.values.every(Number.isFinite), true, name);
      assert.ok(d.cost(2, defaults(d.options), { randomBaseline: false, inputShape: [3, 6, 6] }) >= 2);
    }
    const viaDescriptor = await all['gradcam'].run(model, x, { ...defaults(all['gradcam'].options), relu: true }, { target: [1, 2], seed: 0 });
    const direct = await gradCam(model, x, { target: [1, 2], relu: true });
    assert.deepEqual(viaDescriptor.values, direct.values);
  } finally {
    await model.dispose();
  }
});
