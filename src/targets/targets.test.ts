/**
 * Targets beyond one class logit (issue 16) through the real ONNX engine: detection class
 * scores and box coordinates against central finite differences of a float64 twin of the
 * model, segmentation on a per-pixel linear model, cosine similarity to a reference embedding.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { Builder, load } from '../methods/testing.js';
import { int64Tensor } from '../graph/ir.js';
import { openSessionCount } from '../engine/onnx.js';
import { integratedGradients } from '../methods/integratedGradients.js';
import {
  boxCoordinate, detectionScore, detectionsOf, selectDetection, iou, BOX_COORDINATES, segmentRegion, predictedMask, cosineSimilarity,
  type DetectionLayout, type Target,
} from './index.js';

const wave = (n: number, a: number, b: number, s = 1) => Array.from({ length: n }, (_, i) => Math.sin(i * a + b) * s);

/** y = tanh(W x + b) reshaped to [3 detections, 7 values], x of 6 values; and its float64 twin. */
const D = 3, S = 7, X = 6;
const W = wave(D * S * X, 1.37, 0.2, 0.6);
const B = wave(D * S, 0.71, 1.3, 0.5);
function detectorOnnx(): Uint8Array {
  const b = new Builder();
  const x = b.input([X]);
  const y = b.op('Tanh', [b.op('Gemm', [x, b.floats(W, [D * S, X]), b.floats(B, [D * S])], { transB: { kind: 'int', value: 1 } })]);
  return b.output(b.op('Reshape', [y, b.init(int64Tensor([-1, D, S]))]));
}
const detector64 = (x: ArrayLike<number>) => Float32Array.from({ length: D * S }, (_, r) => Math.tanh(B[r] + W.slice(r * X, (r + 1) * X).reduce((s, w, j) => s + w * x[j], 0)));

/** Gradient of the target through the engine, and by central differences of the float64 twin. */
async function gradients(target: Target, x: Float32Array, forward: (x: ArrayLike<number>) => Float32Array, bytes: Uint8Array) {
  const model = await load(bytes);
  try {
    const r = await model.run(x, { gradients: { seed: target, wrt: ['input'] } });
    const h = 1e-3;
    const fd = Array.from(x, (_, j) => {
      const at = (d: number) => target.value(forward(Array.from(x, (v, k) => (k === j ? v + d : v))), 0);
      return (at(h) - at(-h)) / (2 * h);
    });
    return { engine: Array.from(r['grad:input']), fd, value: r['target'][0] };
  } finally {
    await model.dispose();
  }
}

function close(a: number[], b: number[], tol: number, what: string) {
  const scale = Math.max(...b.map(Math.abs), 1e-3);
  a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) <= tol * scale, `${what}[${i}]: engine ${v}, finite differences ${b[i]}`));
}

test('detection: every box coordinate and class score (with and without objectness) match finite differences', async () => {
  const sessions = openSessionCount();
  const x = Float32Array.from(wave(X, 0.9, 0.4));
  const layouts: DetectionLayout[] = [
    { detections: D, stride: S },
    { detections: D, stride: S, boxFormat: 'cxcywh' },
    { detections: D, stride: S, boxFormat: 'xywh', objectness: 4 },
  ];
  for (const layout of layouts) {
    for (const t of [...BOX_COORDINATES.map((c) => boxCoordinate(layout, 1, c)), detectionScore(layout, 2, 1)]) {
      const g = await gradients(t, x, detector64, detectorOnnx());
      assert.ok(Math.abs(g.value - t.value(detector64(x), 0)) < 1e-5, `${t.label}: value`);
      assert.ok(g.engine.some((v) => Math.abs(v) > 1e-3), `${t.label}: a zero gradient proves nothing`);
      close(g.engine, g.fd, 1e-3, `${layout.boxFormat ?? 'xyxy'} ${t.label}`);
    }
  }
  assert.equal(openSessionCount(), sessions);
});

test('detection: selection by index, by class, by IoU with a box', () => {
  const layout: DetectionLayout = { detections: 3, stride: 6 };
  // rows: box x1 y1 x2 y2, scores of 2 classes
  const out = Float32Array.from([0, 0, 10, 10, 0.9, 0.1, 20, 20, 30, 30, 0.2, 0.7, 5, 5, 15, 15, 0.1, 0.8]);
  assert.deepEqual(detectionsOf(layout, out).map((d) => d.class), [0, 1, 1]);
  assert.equal(selectDetection(layout, out, { index: 1 }).index, 1);
  assert.equal(selectDetection(layout, out, { class: 1 }).index, 2, 'the best-scoring detection of class 1');
  assert.equal(selectDetection(layout, out, { box: [19, 19, 29, 29] }).index, 1);
  assert.equal(selectDetection(layout, out, { box: [4, 4, 14, 14], class: 1 }).index, 2, 'overlap among class 1 only');
  assert.equal(selectDetection(layout, out, { box: [1, 1, 11, 11] }).index, 0, 'IoU 0.68 with row 0, 0.22 with row 2');
  assert.equal(selectDetection(layout, out, { box: [3, 3, 13, 13], minIoU: 0.3 }).index, 0, 'rows 0 (IoU 0.32, score 0.9) and 2 (0.47, 0.8) qualify: the higher score');
  assert.equal(selectDetection(layout, out, { box: [3, 3, 13, 13], minIoU: 0.3, class: 1 }).index, 2);
  assert.throws(() => selectDetection(layout, out, { box: [3, 3, 13, 13] }), /IoU >= 0.5 \(best 0.47\)/);
  assert.throws(() => selectDetection(layout, out, { class: 5 }), /no detection has class 5/);
  assert.throws(() => selectDetection(layout, out, { box: [100, 100, 110, 110] }), /overlaps/);
  assert.ok(Math.abs(iou([0, 0, 10, 10], [5, 5, 15, 15]) - 25 / 175) < 1e-12);
  assert.throws(() => boxCoordinate(layout, 3, 'x1'), /detection 3 is out of range/);
});

test('segmentation: on a per-pixel linear model the map is the class weights inside the mask, zero outside', async () => {
  const classes = 3, h = 4, w = 5;
  const weights = wave(classes * h * w, 0.77, 0.1, 2);
  const b = new Builder();
  const bytes = b.output(b.op('Mul', [b.input([1, h, w]), b.floats(weights, [1, classes, h, w])]));
  const mask: number[] = Array.from({ length: h * w }, (_, p) => (p % 3 === 0 ? 1 : 0));
  const x = Float32Array.from(wave(h * w, 0.3, 0.5));
  const model = await load(bytes);
  try {
    const target = segmentRegion({ classes, height: h, width: w }, 2, mask);
    const r = await model.run(x, { gradients: { seed: target, wrt: ['input'] } });
    const g = r['grad:input'];
    for (let p = 0; p < h * w; p++) assert.equal(g[p], mask[p] ? Math.fround(weights[2 * h * w + p]) : 0, `pixel ${p}`);
    const expected = mask.reduce((s, m, p) => s + m * Math.fround(x[p] * Math.fround(weights[2 * h * w + p])), 0);
    assert.ok(Math.abs(r['target'][0] - expected) < 1e-5);
  } finally {
    await model.dispose();
  }
  const out = Float32Array.from([1, 0, 0, 1, 0, 2, 0, 0]); // 2 classes, 1 x 4 pixels
  assert.deepEqual(Array.from(predictedMask(out, { classes: 2, height: 1, width: 4 }, 1)), [0, 1, 0, 0]);
  assert.throws(() => segmentRegion({ classes: 2, height: 1, width: 4 }, 1, [0, 0, 0, 0]), /selects no pixel/);
});

test('similarity: cosine gradient matches finite differences; an input against its own embedding gives a zero IG map', async () => {
  const E = 5;
  const We = wave(E * X, 1.1, 0.7, 0.8);
  const b = new Builder();
  const bytes = b.output(b.op('Tanh', [b.op('MatMul', [b.input([X]), b.floats(We, [X, E])])]));
  const embed64 = (x: ArrayLike<number>) => Float32Array.from({ length: E }, (_, e) => Math.tanh(Array.from({ length: X }, (_, j) => x[j] * We[j * E + e]).reduce((s, v) => s + v, 0)));
  const x = Float32Array.from(wave(X, 0.9, 0.4));
  const other = embed64(wave(X, 0.5, 2.0));
  const g = await gradients(cosineSimilarity(other), x, embed64, bytes);
  assert.ok(g.engine.some((v) => Math.abs(v) > 1e-3));
  close(g.engine, g.fd, 1e-3, 'cosine similarity');

  const self = cosineSimilarity(embed64(x));
  assert.ok(Math.abs(self.value(embed64(x), 0) - 1) < 1e-6);
  const model = await load(bytes);
  try {
    const ig = await integratedGradients(model, x, { target: self, baseline: x, steps: 8 });
    assert.ok(ig.values.every((v) => v === 0), `IG from the input itself: ${Array.from(ig.values)}`);
    // and the similarity is at its maximum there: the gradient itself vanishes (to float32 rounding)
    const r = await model.run(x, { gradients: { seed: self, wrt: ['input'] } });
    assert.ok(r['grad:input'].every((v) => Math.abs(v) < 1e-6), `gradient at the reference: ${Array.from(r['grad:input'])}`);
  } finally {
    await model.dispose();
  }
});

test('--target texts: detection, box, segment and similarity specs parse and build against the output', async () => {
  const { parseTargetText, buildTarget } = await import('./spec.js');
  assert.deepEqual(parseTargetText('detection:0'), { kind: 'detection', select: { index: 0 } });
  assert.deepEqual(parseTargetText('detection:class=person'), { kind: 'detection', select: { class: 'person' } });
  assert.deepEqual(parseTargetText('box:0:x1'), { kind: 'box', select: { index: 0 }, coordinate: 'x1' });
  assert.deepEqual(parseTargetText('box:box=1,2,3,4:y2'), { kind: 'box', select: { box: [1, 2, 3, 4] }, coordinate: 'y2' });
  assert.deepEqual(parseTargetText('segment:class=15'), { kind: 'segment', class: 15 });
  assert.deepEqual(parseTargetText('similarity:ref.png'), { kind: 'similarity', reference: 'ref.png' });
  assert.equal(parseTargetText('top1'), undefined);
  assert.throws(() => parseTargetText('box:0:z9'), /COORDINATE one of x1, y1, x2, y2/);
  assert.throws(() => parseTargetText('detection:dog'), /class=NAME/);

  // 3 detections x (box + 2 class scores): 'cat' is class 1, best in rows 1 and 2, row 2 scores higher
  const out = Float32Array.from([0, 0, 10, 10, 0.9, 0.1, 20, 20, 30, 30, 0.2, 0.7, 5, 5, 15, 15, 0.1, 0.8]);
  const ctx = { outputShape: [3, 6], output: out, labels: ['dog', 'cat'] };
  const score = buildTarget(parseTargetText('detection:class=cat')!, ctx);
  assert.equal(score.value(out, 0), out[2 * 6 + 5]);
  const y2 = buildTarget(parseTargetText('box:class=cat:y2')!, ctx);
  assert.equal(y2.value(out, 0), 15);
  assert.throws(() => buildTarget(parseTargetText('detection:class=horse')!, ctx), /no class named 'horse'/);
  // segmentation: 2 classes x 1 x 3 pixels, default region = pixels predicted as the class
  const seg = Float32Array.from([1, 0, 3, 0, 2, 1]);
  const s = buildTarget(parseTargetText('segment:class=1')!, { outputShape: [2, 1, 3], output: seg });
  assert.equal(s.value(seg, 0), 2, 'only pixel 1 is predicted as class 1');
  assert.throws(() => buildTarget(parseTargetText('segment:class=1')!, { outputShape: [6], output: seg }), /\[classes, height, width\]/);
  const sim = buildTarget(parseTargetText('similarity:ref.png')!, { outputShape: [2], output: new Float32Array(2), reference: Float32Array.from([1, 0]) });
  assert.ok(Math.abs(sim.value(Float32Array.from([1, 1]), 0) - Math.SQRT1_2) < 1e-7);
});

test('target kinds by output shape (saliency inspect)', async () => {
  const { targetKindsFor } = await import('./spec.js');
  assert.deepEqual(targetKindsFor([10]).map((k) => k.split(/[ :(]/)[0]), ['class', 'similarity']);
  assert.deepEqual(targetKindsFor([100, 6]).map((k) => k.split(/[ :(]/)[0]), ['detection', 'box']);
  assert.deepEqual(targetKindsFor([21, 64, 64]).map((k) => k.split(/[ :(]/)[0]), ['segment']);
});
