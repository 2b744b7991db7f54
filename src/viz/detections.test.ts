import test from 'node:test';
import assert from 'node:assert/strict';
import { DETECTION_COLOURS, detectionPicture, mergeDetectionMaps } from './detections.js';
import { toGrey } from './input.js';
import { createRgba, pixelAt } from './rgba.js';

test('merged detection maps: each map scaled by its maximum, each pixel owned by the largest', () => {
  const a = Float32Array.from([2, 1, 0, -1]);   // max 2 -> 1, 0.5, 0, -0.5
  const b = Float32Array.from([0, 10, 5, -3]);  // max 10 -> 0, 1, 0.5, -0.3
  const c = Float32Array.from([-1, -1, -1, -1]); // never positive: owns nothing
  const m = mergeDetectionMaps([a, b, c]);
  assert.deepEqual(Array.from(m.value), [1, 1, 0.5, 0]);
  assert.deepEqual(Array.from(m.owner), [0, 1, 1, -1]);
  assert.throws(() => mergeDetectionMaps([a, new Float32Array(3)]), /differ in size/);
});

test('detection picture: owned pixels tinted with their detection colour, boxes outlined, the rest grey', () => {
  const photo = createRgba(6, 6, [200, 100, 50, 255]);
  const value = new Float32Array(36);
  const owner = new Int32Array(36).fill(-1);
  value[2 * 6 + 3] = 1; // pixel (3, 2): detection 1 at full strength
  owner[2 * 6 + 3] = 1;
  const pic = detectionPicture(photo, { value, owner }, [[0, 0, 5, 5], [2, 1, 4, 4]], 1);
  assert.deepEqual(pixelAt(pic, 0, 3), [...DETECTION_COLOURS[0], 255], 'box 0 edge');
  assert.deepEqual(pixelAt(pic, 2, 3), [...DETECTION_COLOURS[1], 255], 'box 1 edge');
  const inside = pixelAt(pic, 3, 2);
  const g = pixelAt(toGrey(photo), 3, 2);
  for (let j = 0; j < 3; j++) assert.equal(inside[j], Math.round(0.15 * g[j] + 0.85 * DETECTION_COLOURS[1][j]));
  assert.deepEqual(pixelAt(pic, 3, 3), pixelAt(toGrey(photo), 3, 3), 'unowned, off the boxes: the grey photo');
  assert.throws(() => detectionPicture(photo, { value: new Float32Array(4), owner: new Int32Array(4) }, []), /4 pixels; the photo 6 x 6/);
});
