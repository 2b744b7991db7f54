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
