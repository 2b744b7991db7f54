import test from 'node:test';
import assert from 'node:assert/strict';
import { pathFigure } from './pathFigure.js';
import { pixelAt } from './rgba.js';

test('the path figure draws inputs, gradients and cumulative attributions per alpha on shared scales', () => {
  // one example, 3 alphas, input [1, 2, 2]
  const G = 3;
  const per = 4;
  const alphas = [0, 0.5, 1];
  const inputs = new Float32Array(G * per);
  const gradients = new Float32Array(G * per);
  const cumulative = new Float32Array(G * per);
  for (let k = 0; k < G; k++) {
    for (let j = 0; j < per; j++) {
      inputs[k * per + j] = alphas[k]; // black -> white
      gradients[k * per + j] = 1 / (k + 1); // shrinking gradients (saturation)
      cumulative[k * per + j] = alphas[k] * (j + 1);
    }
  }
  const fig = pathFigure({ alphas, shape: [1, G, 1, 2, 2], inputs, gradients, cumulative });
  assert.deepEqual(fig.alphas, alphas);
  assert.equal(fig.inputs.length, 3);
  assert.deepEqual(pixelAt(fig.inputs[0], 0, 0), [0, 0, 0, 255]);
  assert.deepEqual(pixelAt(fig.inputs[2], 1, 1), [255, 255, 255, 255]);
  // one cap for all gradient maps: later (smaller) gradients are drawn fainter
  const caps = new Set(fig.gradients.map((h) => h.cap));
  assert.equal(caps.size, 1);
  assert.ok(Math.abs(fig.gradients[0].map.data[0] - 1) < 1e-6);
  assert.ok(Math.abs(fig.gradients[2].map.data[0] - 1 / 3) < 1e-2);
  assert.ok(fig.cumulative[0].map.data.every((v) => v === 0));
  assert.throws(() => pathFigure({ alphas, shape: [1, G, 1, 2, 2], inputs, gradients, cumulative }, 1), /out of range/);
});
