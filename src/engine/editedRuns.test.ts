/**
 * runEdited (independent and chained edits) against run() on the explicitly built images, on
 * the small mobilenet-like net of testing.ts: boxes of different sizes at the corners, edges and
 * inside, chains longer than a chunk (the running image and cut activation cross chunks),
 * through forced cuts, the cost model's choice and full runs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OnnxModel, openSessionCount } from './onnx.js';
import { localConvNet } from './testing.js';
import { maxAbsDiff, relativeL2 } from './numeric.js';
import type { ImageBox, ImageEdit } from './model.js';
import type { IncrementalMode } from './editedRuns.js';
import { evenChunks } from './incremental.js';

function wave(size: number, seed: number): Float32Array {
  return Float32Array.from({ length: size }, (_, i) => Math.sin(i * 0.731 + seed) * 1.5 + Math.cos(i * 0.0173 * seed));
}

/** Boxes of several sizes (1-14 px) at corners, edges and inside, overlapping one another. */
function editBoxes(h: number, w: number): ImageBox[] {
  return [
    { y: 0, x: 0, h: 5, w: 7 }, { y: h - 3, x: w - 9, h: 3, w: 9 }, { y: 4, x: 3, h: 12, w: 10 }, { y: 10, x: w - 1, h: 1, w: 1 },
    { y: h - 14, x: 0, h: 14, w: 6 }, { y: 6, x: 8, h: 2, w: 2 }, { y: 0, x: w - 5, h: 9, w: 5 }, { y: 12, x: 12, h: 8, w: 11 },
    { y: 3, x: 4, h: 6, w: 6 }, { y: h - 1, x: 0, h: 1, w: w }, { y: 9, x: 9, h: 4, w: 3 }, { y: 1, x: 14, h: 13, w: 4 }, { y: 5, x: 5, h: 7, w: 7 },
  ];
}

function editsFor(c: number, boxes: ImageBox[], seed: number): ImageEdit[] {
  return boxes.map((box, k) => ({ box, values: wave(c * box.h * box.w, seed + k).map((v) => v * 0.7 + 0.3) }));
}

/** The images the edits make: each from the base, or (chained) from the image before it. */
function editedImages(shape: readonly number[], base: Float32Array, edits: ImageEdit[], chained: boolean): Float32Array {
  const [c, h, w] = shape;
  const per = base.length;
  const images = new Float32Array(edits.length * per);
  let current = Float32Array.from(base);
  edits.forEach(({ box, values }, k) => {
    if (!chained) current = Float32Array.from(base);
    for (let ch = 0; ch < c; ch++) for (let y = 0; y < box.h; y++) for (let x = 0; x < box.w; x++) current[(ch * h + box.y + y) * w + box.x + x] = values[(ch * box.h + y) * box.w + x];
    images.set(current, k * per);
  });
  return images;
}

const rows = (a: Float32Array, k: number) => Array.from({ length: a.length / k }, (_, i) => a.subarray(i * k, (i + 1) * k));

function assertRowsClose(got: Float32Array, want: Float32Array, what: string): void {
  rows(got, 10).forEach((g, i) => {
    const wv = want.subarray(i * 10, (i + 1) * 10);
    assert.ok(relativeL2(g, wv) <= 1e-5 && maxAbsDiff(g, wv) < 1e-5, `${what}, edit ${i}: relative L2 ${relativeL2(g, wv)}, max ${maxAbsDiff(g, wv)}`);
  });
}

for (const [h, w] of [[32, 32], [30, 37]]) {
  test(`chained and independent edits of a ${h}x${w} image equal run on the built images, through cuts, the cost model's choice and full runs`, async () => {
    const before = openSessionCount();
    const shape = [3, h, w];
    const base = wave(3 * h * w, 3);
    const edits = editsFor(3, editBoxes(h, w), 7);
    const plain = new OnnxModel(localConvNet(), { threads: 1, batchSize: 13, inputShape: shape });
    const want = { chained: (await plain.run(editedImages(shape, base, edits, true), { outputs: ['logits'] }))['logits'], independent: (await plain.run(editedImages(shape, base, edits, false), { outputs: ['logits'] }))['logits'] };
    // chaining matters: the chained images differ from the independent ones (else the test could not tell them apart)
    assert.ok(relativeL2(want.chained.subarray(30), want.independent.subarray(30)) > 1e-2);
    const modes: IncrementalMode[] = [{ cut: 'r1' }, { cut: 'add' }, { cut: 'cat' }, { cut: 'c3' }, { cut: 'mp' }, 'auto', 'always', 'never'];
    for (const incremental of modes) {
      const model = new OnnxModel(localConvNet(), { threads: 1, batchSize: 4, inputShape: shape, incremental });
      try {
        const what = `incremental ${JSON.stringify(incremental)}`;
        // 13 edits in chunks of at most 4 (default) or 5: the running activation crosses chunks
        assertRowsClose(await model.runEdited(base, edits, { chained: true }), want.chained, `${what}, chained`);
        assertRowsClose(await model.runEdited(base, edits, { chained: true, batchSize: 5 }), want.chained, `${what}, chained, chunks of 5`);
        const independent = await model.runEdited(base, edits);
        assertRowsClose(independent, want.independent, `${what}, independent`);
        // a fill holding each edit's values in its box: runPatched gives the same rows
        const fill = editedImages(shape, new Float32Array(base.length), [edits[2]], false);
        const patched = await model.runPatched(base, fill, [edits[2].box, { y: 5, x: 4, h: 3, w: 3 }]);
        const asEdits = await model.runEdited(base, [edits[2], { box: { y: 5, x: 4, h: 3, w: 3 }, values: Float32Array.from({ length: 27 }, (_, i) => fill[Math.floor(i / 9) * h * w + (5 + Math.floor((i % 9) / 3)) * w + 4 + (i % 3)]) }]);
        assert.ok(maxAbsDiff(patched, asEdits) === 0, `${what}: runPatched and runEdited differ by ${maxAbsDiff(patched, asEdits)}`);
        const sessions = openSessionCount();
        for (let i = 0; i < 2; i++) await model.runEdited(base, edits, { chained: true });
        assert.equal(openSessionCount(), sessions);
      } finally {
        await model.dispose();
      }
    }
    await plain.dispose();
    assert.equal(openSessionCount(), before);
  });
}

test('runEdited refuses edits whose values do not fill their box, boxes outside the image and non-finite values; no edits give no rows', async () => {
  const model = new OnnxModel(localConvNet(), { threads: 1, inputShape: [3, 16, 16] });
  try {
    const base = wave(768, 1);
    assert.equal((await model.runEdited(base, [], { chained: true })).length, 0);
    await assert.rejects(model.runEdited(base, [{ box: { y: 0, x: 0, h: 2, w: 2 }, values: new Float32Array(4) }]), /edit 0 holds 4 values; its box 2x2 over 3 channels needs 12/);
    await assert.rejects(model.runEdited(base, [{ box: { y: 15, x: 0, h: 2, w: 2 }, values: new Float32Array(12) }]), /does not lie inside the 16x16 image/);
    const nan = new Float32Array(12);
    nan[5] = NaN;
    await assert.rejects(model.runEdited(base, [{ box: { y: 0, x: 0, h: 2, w: 2 }, values: new Float32Array(12) }, { box: { y: 0, x: 0, h: 2, w: 2 }, values: nan }], { chained: true }), /edit 1 holds a non-finite value \(NaN\) at index 5/);
    await assert.rejects(model.runEdited(base.subarray(1), []), /the base image holds 767 values/);
  } finally {
    await model.dispose();
  }
});

test('edits are cut into even chunks of at most the batch size, in order', () => {
  assert.deepEqual(evenChunks(49, 16), [{ start: 0, count: 12 }, { start: 12, count: 12 }, { start: 24, count: 12 }, { start: 36, count: 13 }]);
  assert.deepEqual(evenChunks(13, 4).map((c) => c.count), [3, 3, 3, 4]);
  assert.deepEqual(evenChunks(5, 16), [{ start: 0, count: 5 }]);
  assert.deepEqual(evenChunks(0, 16), []);
});
