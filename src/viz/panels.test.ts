import test from 'node:test';
import assert from 'node:assert/strict';
import { caption, panels } from './panels.js';
import { createRgba, pixelAt } from './rgba.js';

test('panels: heat map, signed map, overlay and masked view of one attribution', () => {
  const values = Float32Array.from({ length: 3 * 4 * 4 }, (_, i) => (i % 16 === 5 ? 10 : 0)); // one hot pixel (1, 1) in every channel
  const picture = createRgba(4, 4, [200, 100, 50, 255]);
  const p = panels(values, [3, 4, 4], picture, { maskPercent: 100 / 16 });
  assert.equal(p.heatmap.map.data[5], 1);
  assert.equal(p.signed.map.data[5], 1);
  assert.ok(p.overlay && p.masked);
  // no attribution: the (grey) picture shows through; the hot pixel takes the heat colour at opacity 0.8
  assert.deepEqual(pixelAt(p.overlay, 0, 0).slice(0, 3), [124, 124, 124]);
  assert.notDeepEqual(pixelAt(p.overlay, 1, 1), pixelAt(p.overlay, 0, 0));
  assert.deepEqual(pixelAt(p.masked, 1, 1), [200, 100, 50, 255]);
  assert.deepEqual(pixelAt(p.masked, 0, 0), [0, 0, 0, 255]);
  // a coarse map (a CAM) is drawn at the picture's size
  const cam = panels([0, 1, 2, 3], [2, 2], picture);
  assert.equal(cam.heatmap.image.width, 4);
  assert.equal(panels(values, [3, 4, 4]).overlay, undefined);
});

test('captions show the prediction and the completeness delta', () => {
  assert.deepEqual(caption({ label: 'Coat', probability: 0.9712, delta: -0.00123 }), ['Coat 97.1%', 'delta -0.00123']);
  assert.deepEqual(caption({ label: 'logit 3', extra: ['64 steps'] }), ['logit 3', '64 steps']);
});
