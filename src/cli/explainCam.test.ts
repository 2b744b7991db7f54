/**
 * `saliency explain --method gradcam --layer auto --relu --upsample bilinear --normalize minmax`
 * writes the input-sized map and, next to it, the raw signed map at the layer's
 * resolution (before ReLU, upsampling and min-max), from which the written map follows.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { explain } from './explain.js';
import { parseNpy } from '../io/npy.js';
import { noProgress } from '../app/progress.js';
import { minMaxInPlace, resize } from '../methods/cam/resize.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MODEL = join(ROOT, 'models/fashion-mnist/model.onnx');
const COAT = join(ROOT, 'models/fashion-mnist/images/04-coat.png');
const work = mkdtempSync(join(tmpdir(), 'saliency-explain-cam-'));
after(() => rmSync(work, { recursive: true, force: true }));

test('explain gradcam --relu --normalize minmax writes the raw signed layer map as <stem>.gradcam.layer.npy', async () => {
  const out = join(work, 'out');
  const r = await explain({ model: MODEL, images: [COAT], methods: ['gradcam'], target: 4, out, options: { layer: 'auto', relu: true, upsample: 'bilinear', normalize: 'minmax' }, progress: noProgress });
  const files = r.record.runs[0].results[0].files!;
  assert.deepEqual([files['npy'], files['layerNpy']], ['04-coat.gradcam.npy', '04-coat.gradcam.layer.npy']);
  const map = { ...parseNpy(readFileSync(join(out, files['npy']))) } as { shape: number[]; data: Float32Array };
  const raw = { ...parseNpy(readFileSync(join(out, files['layerNpy']))) } as { shape: number[]; data: Float32Array };
  assert.ok(map.data instanceof Float32Array && raw.data instanceof Float32Array);
  assert.deepEqual(map.shape, [1, 28, 28]);
  assert.deepEqual(raw.shape, [1, 7, 7]);
  assert.ok(Math.min(...map.data) === 0 && Math.max(...map.data) <= 1, 'the input-sized map is min-max scaled');
  assert.ok(Math.min(...raw.data) < 0, 'the raw map keeps its negative values');
  // the written map is the raw one through ReLU, bilinear upsampling and min-max
  const expected = resize(raw.data.map((v) => Math.max(0, v)), 1, 7, 7, 28, 28, 'bilinear');
  minMaxInPlace(expected, 1);
  let err = 0;
  for (let j = 0; j < 784; j++) err = Math.max(err, Math.abs(map.data[j] - expected[j]));
  assert.ok(err < 1e-6, `map vs minmax(upsample(relu(raw))): ${err}`);
});
