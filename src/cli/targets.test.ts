/**
 * `explain --target` with the targets beyond a class (issue 16), through the library entry
 * (no child process): a tiny detector (3 detections x [box, 2 class scores]) and a per-pixel
 * segmentation model built in the graph IR; the written attributions equal the gradient of the
 * chosen target computed directly.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Builder, load } from '../methods/testing.js';
import { int64Tensor } from '../graph/ir.js';
import { readNpy, writeNpy } from '../io/npy.js';
import { boxCoordinate, detectionScore, segmentRegion, type Target } from '../targets/index.js';
import { openSessionCount } from '../engine/onnx.js';
import { explain } from './explain.js';
import { noProgress } from '../app/progress.js';

const dir = mkdtempSync(join(tmpdir(), 'saliency-targets-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

function detector(): string {
  const b = new Builder();
  const x = b.input([12]);
  const W = Array.from({ length: 18 * 12 }, (_, i) => Math.sin(i * 1.37) * 0.8);
  const y = b.op('Sigmoid', [b.op('Gemm', [x, b.floats(W, [18, 12])], { transB: { kind: 'int', value: 1 } })]);
  const path = join(dir, 'det.onnx');
  writeFileSync(path, b.output(b.op('Reshape', [y, b.init(int64Tensor([-1, 3, 6]))])));
  return path;
}

async function direct(modelPath: string, x: Float32Array, target: Target): Promise<Float32Array> {
  const model = await load(readNpyBytes(modelPath));
  try {
    return (await model.run(x, { gradients: { seed: target, wrt: ['input'] } }))['grad:input'];
  } finally {
    await model.dispose();
  }
}
const readNpyBytes = (p: string) => new Uint8Array(readFileSync(p));

test('explain --target detection:N and box:N:COORD write the gradient of that detection', async () => {
  const sessions = openSessionCount();
  const model = detector();
  const x = Float32Array.from({ length: 12 }, (_, i) => Math.cos(i * 0.9));
  const input = join(dir, 'x.npy');
  writeNpy(input, { shape: [1, 12], data: x });
  const layout = { detections: 3, stride: 6 };
  for (const [text, target] of [['box:1:x2', boxCoordinate(layout, 1, 'x2')], ['detection:2', null]] as const) {
    const out = join(dir, text.replace(/:/g, '_'));
    const r = await explain({ model, input, methods: ['gradient'], target: text, out, progress: noProgress });
    // the record names the target (which detection, its class and score, the coordinate), not a class
    assert.match(r.record.inputs[0].target.label, text === 'box:1:x2' ? /^detection 1 \(class \d -?[\d.]+\): box x2 = -?[\d.]+$/ : /^detection 2 \(class \d -?[\d.]+\): class score$/);
    assert.equal(r.record.inputs[0].target.kind, text === 'box:1:x2' ? 'box' : 'detection');
    assert.equal(r.record.inputs[0].target.class, undefined);
    const written = readNpy(join(out, 'attributions.gradient.npy')).data as Float32Array;
    const t = target ?? detectionScore(layout, 2, Number(/class (\d)/.exec(r.record.inputs[0].target.label)![1]));
    const expected = await direct(model, x, t);
    assert.deepEqual(Array.from(written), Array.from(expected));
    assert.ok(expected.some((v) => Math.abs(v) > 1e-4));
  }
  await assert.rejects(explain({ model, input, methods: ['gradient'], target: 'box:0:q', out: join(dir, 'bad'), progress: noProgress }), /COORDINATE one of x1, y1, x2, y2/);
  assert.equal(openSessionCount(), sessions);
});

test('explain --target segment:class=N --mask FILE: the class weights inside the mask, zero outside', async () => {
  const b = new Builder();
  const W = Array.from({ length: 3 * 16 }, (_, i) => Math.sin(i * 0.77));
  const model = join(dir, 'seg.onnx');
  writeFileSync(model, b.output(b.op('Mul', [b.input([1, 4, 4]), b.floats(W, [1, 3, 4, 4])])));
  const input = join(dir, 's.npy');
  writeNpy(input, { shape: [1, 1, 4, 4], data: new Float32Array(16).fill(1) });
  const mask = new Float32Array(16);
  [0, 1, 4, 5].forEach((p) => (mask[p] = 1));
  const maskPath = join(dir, 'm.npy');
  writeNpy(maskPath, { shape: [4, 4], data: mask });
  const out = join(dir, 'seg');
  await explain({ model, input, methods: ['gradient'], target: 'segment:class=2', mask: maskPath, out, progress: noProgress });
  const written = readNpy(join(out, 'attributions.gradient.npy')).data as Float32Array;
  const expected = await direct(model, new Float32Array(16).fill(1), segmentRegion({ classes: 3, height: 4, width: 4 }, 2, mask));
  assert.deepEqual(Array.from(written), Array.from(expected));
  assert.deepEqual(Array.from(written).map((v, p) => (mask[p] ? Math.fround(W[32 + p]) : 0)), Array.from(written));
});

test('a trained segmentation model (fixtures/seg): segment:class=disc --mask gives the gradient of the disc logits summed over the mask, concentrated on the disc', async () => {
  const sessions = openSessionCount();
  const model = 'fixtures/seg/shapes_seg.onnx';
  const pictures = readNpy('fixtures/seg/shapes_seg.input.npy');
  const truth = readNpy('fixtures/seg/shapes_seg.truth.npy').data as Float32Array;
  const x = (pictures.data as Float32Array).slice(0, 3 * 32 * 32);
  const input = join(dir, 'shapes.npy');
  writeNpy(input, { shape: [1, 3, 32, 32], data: x });
  const mask = Float32Array.from(truth.subarray(0, 1024), (c) => (c === 1 ? 1 : 0));
  const maskPath = join(dir, 'disc.npy');
  writeNpy(maskPath, { shape: [32, 32], data: mask });
  const withMask = await explain({ model, input, methods: ['gradient'], target: 'segment:class=disc', mask: maskPath, out: join(dir, 'seg-mask'), progress: noProgress });
  const t = withMask.record.inputs[0].target;
  assert.equal(t.kind, 'segment');
  assert.match(t.label, new RegExp(`^segment 'disc' \\(class 1\\): summed over ${mask.reduce((s, v) => s + v, 0)} pixels of the mask$`));
  const g = readNpy(join(dir, 'seg-mask', 'attributions.gradient.npy')).data as Float32Array;
  assert.deepEqual(Array.from(g), Array.from(await direct(model, x, segmentRegion({ classes: 3, height: 32, width: 32 }, 1, mask))));
  // most of the gradient's mass lies on the disc and a 3-pixel ring around it
  const near = new Uint8Array(1024);
  for (let p = 0; p < 1024; p++) if (mask[p]) for (let dy = -3; dy <= 3; dy++) for (let dx = -3; dx <= 3; dx++) {
    const [yy, xx] = [Math.floor(p / 32) + dy, (p % 32) + dx];
    if (yy >= 0 && yy < 32 && xx >= 0 && xx < 32) near[yy * 32 + xx] = 1;
  }
  let inside = 0;
  let total = 0;
  for (let j = 0; j < g.length; j++) {
    total += Math.abs(g[j]);
    if (near[j % 1024]) inside += Math.abs(g[j]);
  }
  console.log(`segmentation gradient: ${(100 * inside / total).toFixed(1)}% of |g| on the disc and its 3-pixel ring (${near.reduce((s, v) => s + v, 0)} of 1024 pixels)`);
  assert.ok(inside / total > 0.6, `${inside / total}`);
  // without --mask the region is the pixels predicted as the class: the model segments the test picture exactly
  const predicted = await explain({ model, input, methods: ['gradient'], target: 'segment:class=1', out: join(dir, 'seg-pred'), progress: noProgress });
  assert.match(predicted.record.inputs[0].target.label, /predicted as the class$/);
  assert.deepEqual(Array.from(readNpy(join(dir, 'seg-pred', 'attributions.gradient.npy')).data as Float32Array), Array.from(g));
  assert.equal(openSessionCount(), sessions);
});
