/**
 * @vladmandic/human's CenterNet opened by path gets its preprocessing and the COCO class names
 * the package ships, so detection targets can name classes (`detection:class=person`).
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { openModel, resolveFor } from './model.js';
import { COCO_CLASSES, humanLabels } from '../engine/tfjs/index.js';
import { buildTarget, parseTargetText } from '../targets/spec.js';

const CENTERNET = 'node_modules/@vladmandic/human/models/centernet.json';

test("the package's label list is read in class-id order and agrees with COCO_CLASSES", () => {
  const labels = humanLabels();
  assert.ok(labels, 'src/object/labels.ts of @vladmandic/human is read');
  assert.equal(labels.length, 80);
  assert.deepEqual(labels, [...COCO_CLASSES]);
});

test('CenterNet opened by path: built-in preprocessing with the COCO names; a detection target selects by class name', async () => {
  const opened = await openModel(CENTERNET);
  try {
    assert.deepEqual(opened.preprocessingFrom, ['built in (@vladmandic/human centernet)']);
    const prep = resolveFor(opened);
    assert.deepEqual(prep.shape, [512, 512, 3]);
    assert.deepEqual(prep.pixelRange, [0, 255]);
    assert.equal(prep.labels?.[0], 'person');
    // two made-up detections: rows x1, y1, x2, y2, score, class id
    const output = Float32Array.from({ length: 600 }, () => 0);
    output.set([1, 2, 30, 40, 0.4, 17], 0);
    output.set([5, 5, 50, 60, 0.9, 0], 6);
    assert.deepEqual(opened.model.outputShape, [100, 6]);
    const ctx = { outputShape: opened.model.outputShape, output, labels: prep.labels, detections: opened.detections };
    const target = buildTarget(parseTargetText('detection:class=horse')!, ctx);
    assert.match(target.label, /^detection 0 \(horse 0\.40\): class score$/);
    assert.equal(target.value(output, 0), Math.fround(0.4), 'the score column, not the class id');
    const person = buildTarget(parseTargetText('detection:class=person')!, ctx);
    assert.match(person.label, /^detection 1 \(person 0\.90\)/);
  } finally {
    await opened.dispose();
  }
  // flags still win over the built-in description
  const flagged = await openModel(CENTERNET, { flags: { range: '0,1' } });
  try {
    assert.deepEqual(resolveFor(flagged).pixelRange, [0, 1]);
  } finally {
    await flagged.dispose();
  }
});
