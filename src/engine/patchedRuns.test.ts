/**
 * runPatched (incremental inference) against run() on the full patched images, on a small
 * mobilenet-like net (strides 2, padding, depthwise conv, residual Add, BN, Clip, MaxPool):
 * boxes at the corners, edges and interior, of several sizes, at image sizes that are and
 * are not multiples of the cut's jump.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OnnxModel, openSessionCount } from './onnx.js';
import { localConvNet } from './testing.js';
import { planCrops } from './incremental.js';
import { localPrefix } from '../graph/localPrefix.js';
import { inferShapes } from '../graph/shapes.js';
import { maxAbsDiff, relativeL2 } from './numeric.js';
import type { ImageBox } from './model.js';

function image(size: number, seed: number): Float32Array {
  return Float32Array.from({ length: size }, (_, i) => Math.sin(i * 0.731 + seed) * 1.5 + Math.cos(i * 0.0173 * seed));
}

function boxesFor(h: number, w: number, side: number): ImageBox[] {
  const ys = [0, 1, Math.floor(h / 2) - 1, h - side - 1, h - side];
  const xs = [0, 3, Math.floor(w / 2), w - side - 2, w - side];
  const boxes = ys.flatMap((y) => xs.map((x) => ({ y, x, h: side, w: side })));
  boxes.push({ y: 5, x: 2, h: 3, w: side + 2 }, { y: h - 2, x: w - 1, h: 2, w: 1 }); // uneven and cut-off boxes
  return boxes;
}

async function patchedByRun(model: OnnxModel, base: Float32Array, fill: Float32Array, boxes: ImageBox[]): Promise<Float32Array> {
  const [c, h, w] = model.inputShape;
  const images = new Float32Array(boxes.length * base.length);
  boxes.forEach((b, k) => {
    const img = images.subarray(k * base.length, (k + 1) * base.length);
    img.set(base);
    for (let ch = 0; ch < c; ch++) for (let y = b.y; y < b.y + b.h; y++) for (let x = b.x; x < b.x + b.w; x++) img[(ch * h + y) * w + x] = fill[(ch * h + y) * w + x];
  });
  return (await model.run(images, { outputs: ['logits'] }))['logits'];
}

const CUTS = ['r1', 'add', 'cat', 'c3', 'mp'];

for (const [h, w] of [[32, 32], [30, 37]]) {
  test(`runPatched equals run on the patched ${h}x${w} images, boxes at corners, edges and inside, through each cut`, async () => {
    const model = new OnnxModel(localConvNet(), { threads: 1, batchSize: 9, inputShape: [3, h, w] });
    const base = image(3 * h * w, 3);
    const fill = image(3 * h * w, 4);
    const boxes = boxesFor(h, w, 5);
    const want = await patchedByRun(model, base, fill, boxes);
    await model.dispose();
    const prefix = localPrefix(model.graph, inferShapes(model.graph, { input: [1, 3, h, w] }), 'input');
    assert.deepEqual(prefix.cuts.map((c) => c.tensor), ['c1', 'bn1', ...CUTS.slice(0, 2), 'cat', 'c3', 'hs', 'mp', 'sc']);
    for (const cut of CUTS) {
      const forced = new OnnxModel(localConvNet(), { threads: 1, batchSize: 9, inputShape: [3, h, w], incremental: { cut } });
      const got = await forced.runPatched(base, fill, boxes);
      await forced.dispose();
      assert.ok(relativeL2(got, want) <= 1e-5 && maxAbsDiff(got, want) < 1e-5, `cut ${cut}: ${relativeL2(got, want)} / ${maxAbsDiff(got, want)}`);
    }
    const wrong = new OnnxModel(localConvNet(), { threads: 1, inputShape: [3, h, w], incremental: { cut: 'dw' } });
    await assert.rejects(wrong.runPatched(base, fill, boxes), /'dw' is not a cut.*the cuts: c1, bn1, r1, add/);
    await wrong.dispose();
  });

  test(`runPatched picks a cut for the patched ${h}x${w} images, boxes of several sizes`, async () => {
    const before = openSessionCount();
    const model = new OnnxModel(localConvNet(), { threads: 1, batchSize: 7, inputShape: [3, h, w], incremental: 'always' });
    try {
      const base = image(3 * h * w, 1);
      const fill = image(3 * h * w, 2).map((v) => v * 0.5 - 0.2);
      const prefix = localPrefix(model.graph, inferShapes(model.graph, { input: [1, 3, h, w] }), 'input');
      for (const side of [2, 4, 6]) {
        const boxes = boxesFor(h, w, side);
        const plan = planCrops(prefix, h, w, boxes, -Infinity);
        assert.ok(plan, `a worthwhile cut for ${side}x${side} boxes`);
        const got = await model.runPatched(base, fill, boxes);
        const want = await patchedByRun(model, base, fill, boxes);
        for (let k = 0; k < boxes.length; k++) {
          const a = got.subarray(k * 10, (k + 1) * 10);
          const b = want.subarray(k * 10, (k + 1) * 10);
          assert.ok(relativeL2(a, b) <= 1e-5 && maxAbsDiff(a, b) < 1e-5, `box ${JSON.stringify(boxes[k])} (cut ${plan.cut.tensor}): ${relativeL2(a, b)} / ${maxAbsDiff(a, b)}`);
        }
      }
      // the boxes change the output (a fill equal to the base would make the test vacuous)
      const plain = (await model.run(base, { outputs: ['logits'] }))['logits'];
      const patched = await model.runPatched(base, fill, [{ y: 0, x: 0, h: 4, w: 4 }]);
      assert.ok(maxAbsDiff(plain, patched) > 1e-3);
      const sessions = openSessionCount();
      for (let i = 0; i < 3; i++) await model.runPatched(base, fill, boxesFor(h, w, 4));
      assert.equal(openSessionCount(), sessions);
    } finally {
      await model.dispose();
    }
    assert.equal(openSessionCount(), before);
  });
}

test('without a worthwhile cut runPatched runs the patched images in full, with the same outputs; boxes outside the image and non-finite images are refused', async () => {
  const model = new OnnxModel(localConvNet(), { threads: 1, batchSize: 4, inputShape: [3, 16, 16] });
  try {
    const base = image(768, 3);
    const fill = new Float32Array(768);
    const boxes = [{ y: 0, x: 0, h: 12, w: 12 }, { y: 4, x: 2, h: 12, w: 14 }];
    const prefix = localPrefix(model.graph, inferShapes(model.graph, { input: [1, 3, 16, 16] }), 'input');
    assert.equal(planCrops(prefix, 16, 16, boxes), undefined);
    const got = await model.runPatched(base, fill, boxes);
    assert.ok(maxAbsDiff(got, await patchedByRun(model, base, fill, boxes)) < 1e-6);
    await assert.rejects(model.runPatched(base, fill, [{ y: 10, x: 0, h: 8, w: 2 }]), /does not lie inside the 16x16 image/);
    const nan = Float32Array.from(fill);
    nan[700] = NaN;
    await assert.rejects(model.runPatched(base, nan, boxes), /the fill holds a non-finite value \(NaN\) at index 700/);
    await assert.rejects(model.runPatched(nan, fill, boxes), /the base image holds a non-finite value/);
    const never = new OnnxModel(localConvNet(), { threads: 1, inputShape: [3, 16, 16], incremental: 'never' });
    const small = [{ y: 0, x: 0, h: 2, w: 2 }, { y: 7, x: 9, h: 3, w: 2 }];
    assert.ok(maxAbsDiff(await never.runPatched(base, fill, small), await patchedByRun(model, base, fill, small)) < 1e-6);
    await never.dispose();
  } finally {
    await model.dispose();
  }
});
