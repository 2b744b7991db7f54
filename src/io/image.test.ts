import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, writeFileSync, rmSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { loadImage, loadImages, writePng, readPng, encodePng, svgToPng, gridImage, ImageError } from './image.js';
import { resolvePreprocessing, preprocessingFor } from './preprocess.js';
import { inputSpace } from '../engine/space.js';
import { loadOnnxModel } from '../engine/onnx.js';

const dir = mkdtempSync(join(tmpdir(), 'saliency-image-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

// a 4 x 2 RGB image with known pixels: row 0 red, green, blue, white; row 1 black, (10, 20, 30), grey 128, (255, 0, 255)
const PIXELS = [255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255, 0, 0, 0, 10, 20, 30, 128, 128, 128, 255, 0, 255];
async function writeRgb(name: string): Promise<string> {
  const path = join(dir, name);
  await sharp(Buffer.from(PIXELS), { raw: { width: 4, height: 2, channels: 3 } }).toFile(path);
  return path;
}

test('an image loads to known values after range and mean/std normalisation (NCHW, RGB)', async () => {
  const path = await writeRgb('known.png');
  const prep = resolvePreprocessing({ size: [2, 4], resize: 'stretch', pixelRange: [0, 1], mean: [0.5, 0.25, 0], std: [0.5, 0.25, 2] }, [3, 2, 4]);
  const im = await loadImage(path, prep);
  assert.deepEqual(im.shape, [3, 2, 4]);
  assert.deepEqual(im.source, { path, width: 4, height: 2, format: 'png' });
  const expect = (c: number, p: number) => (PIXELS[p * 3 + c] / 255 - [0.5, 0.25, 0][c]) / [0.5, 0.25, 2][c];
  for (let c = 0; c < 3; c++) for (let p = 0; p < 8; p++) assert.ok(Math.abs(im.data[c * 8 + p] - expect(c, p)) < 1e-6, `c${c} p${p}`);
  assert.equal(im.data[0], 1); // red channel of a red pixel: (1 - 0.5) / 0.5
  // the same numbers as the baselines' pixel -> model conversion
  const pixels = Float32Array.from({ length: 24 }, (_, i) => PIXELS[(i % 8) * 3 + Math.floor(i / 8)] / 255);
  const viaSpace = inputSpace([3, 2, 4], prep).toModel(pixels);
  for (let i = 0; i < 24; i++) assert.ok(Math.abs(viaSpace[i] - im.data[i]) < 1e-6);
  // the picture is the resized image as RGBA
  assert.deepEqual(Array.from(im.picture.data.subarray(20, 24)), [10, 20, 30, 255]);
});

test('NHWC, BGR, [0, 255] and grey ([H, W] models) follow the description', async () => {
  const path = await writeRgb('known2.png');
  const nhwc = await loadImage(path, resolvePreprocessing({ resize: 'stretch', channels: 'BGR', layout: 'NHWC', pixelRange: [0, 255] }, [2, 4, 3]));
  assert.deepEqual(Array.from(nhwc.data.subarray(0, 6)), [0, 0, 255, 0, 255, 0]); // red pixel as B, G, R; then green
  const grey = await loadImage(path, resolvePreprocessing({ resize: 'stretch', channels: 'L', pixelRange: [0, 255] }, [2, 4]));
  assert.deepEqual(grey.shape, [2, 4]);
  assert.equal(grey.data[3], 255); // white
  assert.equal(grey.data[4], 0); // black
  assert.equal(grey.data[6], 128);
  const batch = await loadImages([path, path], resolvePreprocessing({ resize: 'stretch' }, [3, 2, 4]));
  assert.deepEqual(batch.shape, [2, 3, 2, 4]);
  assert.deepEqual(Array.from(batch.batch.subarray(24)), Array.from(batch.batch.subarray(0, 24)));
});

test('crop covers and takes the centre; pad fits and fills with black', async () => {
  // 6 x 2 image, columns valued 0, 50, 100, 150, 200, 250 (grey)
  const path = join(dir, 'wide.png');
  const cols = [0, 50, 100, 150, 200, 250];
  await sharp(Buffer.from(Array.from({ length: 12 }, (_, i) => cols[i % 6])), { raw: { width: 6, height: 2, channels: 1 } }).toFile(path);
  const crop = await loadImage(path, resolvePreprocessing({ size: 2, resize: 'crop', channels: 'L', pixelRange: [0, 255] }));
  assert.deepEqual(Array.from(crop.data), [100, 150, 100, 150]);
  const pad = await loadImage(path, resolvePreprocessing({ size: [4, 6], resize: 'pad', channels: 'L', pixelRange: [0, 255] }));
  assert.deepEqual(Array.from(pad.data.subarray(0, 6)), [0, 0, 0, 0, 0, 0]); // padding rows on top
});

test('PNG round trip keeps every RGBA byte; writes are atomic', async () => {
  const width = 5;
  const height = 3;
  const data = Uint8ClampedArray.from({ length: width * height * 4 }, (_, i) => (i * 53) % 256);
  const path = join(dir, 'round.png');
  await writePng(path, { width, height, data });
  const back = await readPng(path);
  assert.equal(back.width, width);
  assert.equal(back.height, height);
  assert.deepEqual(Array.from(back.data), Array.from(data));
  assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
  assert.deepEqual(readFileSync(path).subarray(1, 4).toString(), 'PNG');
  assert.deepEqual((await encodePng({ width, height, data })).subarray(0, 8), readFileSync(path).subarray(0, 8));
  await assert.rejects(writePng(join(dir, 'no-such-dir', 'x.png'), { width, height, data }), /ENOENT/);
});

test('an unreadable image is refused with a message naming the file', async () => {
  const bad = join(dir, 'broken.png');
  writeFileSync(bad, 'this is not an image');
  const prep = resolvePreprocessing({ size: 4 });
  await assert.rejects(loadImage(bad, prep), (e: Error) => e instanceof ImageError && e.message.startsWith(`cannot read image ${bad}:`) && /unsupported image format/.test(e.message));
  await assert.rejects(loadImage(join(dir, 'missing.jpg'), prep), /cannot read image .*missing\.jpg: no such file/);
  await assert.rejects(loadImage(dir, prep), /is a directory/);
  // a truncated PNG
  const good = readFileSync(await writeRgb('trunc-src.png'));
  const truncated = join(dir, 'truncated.png');
  writeFileSync(truncated, good.subarray(0, good.length - 30));
  await assert.rejects(loadImage(truncated, resolvePreprocessing({ size: 2, resize: 'stretch' })), new RegExp(`cannot read image ${truncated}:`));
});

test('SVG renders to PNG at one pixel per unit, with embedded grid images', async () => {
  const cell = await gridImage({ width: 2, height: 2, data: new Uint8ClampedArray(16).fill(255) }, 10);
  assert.equal(cell.width, 10);
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="20" height="12"><rect width="20" height="12" fill="#000"/><image x="0" y="0" width="10" height="10" href="${cell.href}"/></svg>`;
  const out = join(dir, 'fig.png');
  await svgToPng(svg, out);
  const back = await readPng(out);
  assert.equal(back.width, 20);
  assert.equal(back.height, 12);
  assert.deepEqual(Array.from(back.data.subarray((5 * 20 + 5) * 4, (5 * 20 + 5) * 4 + 4)), [255, 255, 255, 255]);
  assert.deepEqual(Array.from(back.data.subarray((5 * 20 + 15) * 4, (5 * 20 + 15) * 4 + 4)), [0, 0, 0, 255]);
});

const FM = new URL('../../models/fashion-mnist/', import.meta.url).pathname;
test('the shipped Fashion-MNIST model classifies its shipped test images as recorded', { skip: !existsSync(join(FM, 'model.onnx')) }, async () => {
  const index = JSON.parse(readFileSync(join(FM, 'images', 'index.json'), 'utf8')) as { images: { file: string; label: number; logits: number[] }[] };
  const model = await loadOnnxModel(join(FM, 'model.onnx'));
  try {
    const prep = resolvePreprocessing(preprocessingFor(join(FM, 'model.onnx')), model.inputShape);
    assert.deepEqual(prep.shape, [1, 28, 28]);
    assert.equal(prep.labels?.length, 10);
    const { batch } = await loadImages(index.images.map((i) => join(FM, 'images', i.file)), prep);
    const logits = (await model.run(batch, { outputs: ['logits'] }))['logits'];
    index.images.forEach((im, e) => {
      const row = Array.from(logits.subarray(e * 10, e * 10 + 10));
      assert.equal(row.indexOf(Math.max(...row)), im.label, `${im.file}`);
      for (let k = 0; k < 10; k++) assert.ok(Math.abs(row[k] - im.logits[k]) < 1e-3, `${im.file} logit ${k}: ${row[k]} vs ${im.logits[k]}`);
    });
  } finally {
    await model.dispose();
  }
});
