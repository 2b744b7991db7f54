import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { encodeIdx, parseIdx, readIdx } from './idx.js';

test('IDX round trip for every type, plain and gzipped', () => {
  const arrays = [
    { shape: [2, 3], data: Uint8Array.from([0, 1, 2, 253, 254, 255]) },
    { shape: [3], data: Int8Array.from([-128, 0, 127]) },
    { shape: [2], data: Int16Array.from([-30000, 1234]) },
    { shape: [2], data: Int32Array.from([-2e9, 7]) },
    { shape: [1, 2], data: Float32Array.from([1.5, -0.25]) },
    { shape: [2], data: Float64Array.from([Math.PI, -1e300]) },
  ];
  for (const a of arrays) {
    const bytes = encodeIdx(a);
    for (const b of [bytes, gzipSync(bytes)]) {
      const back = parseIdx(b);
      assert.deepEqual(back.shape, a.shape);
      assert.equal(back.data.constructor, a.data.constructor);
      assert.deepEqual(Array.from(back.data), Array.from(a.data));
    }
  }
  // big-endian on disk: int16 1234 = 0x04 0xd2
  assert.deepEqual(Array.from(encodeIdx({ shape: [1], data: Int16Array.from([1234]) })), [0, 0, 0x0b, 1, 0, 0, 0, 1, 0x04, 0xd2]);
});

test('bad IDX bytes are refused with the source named', () => {
  assert.throws(() => parseIdx(Uint8Array.from([1, 2, 3, 4]), 'x.idx'), /x\.idx is not an IDX file/);
  assert.throws(() => parseIdx(Uint8Array.from([0, 0, 0x07, 1, 0, 0, 0, 1, 5]), 'x.idx'), /unknown IDX type code 0x7/);
  assert.throws(() => parseIdx(Uint8Array.from([0, 0, 8, 1, 0, 0, 0, 3, 5]), 'x.idx'), /needs 11 bytes, the file has 9/);
  assert.throws(() => readIdx('/nonexistent/t10k.idx'), /cannot read IDX file \/nonexistent\/t10k\.idx/);
});

const FM = '/usr/share/datasets/fashion-mnist';
test("Debian's Fashion-MNIST test split reads as 10000 28x28 images with labels 0-9", { skip: !existsSync(`${FM}/t10k-labels-idx1-ubyte.gz`) && 'dataset-fashion-mnist is not installed' }, () => {
  const images = readIdx(`${FM}/t10k-images-idx3-ubyte.gz`);
  const labels = readIdx(`${FM}/t10k-labels-idx1-ubyte.gz`);
  assert.deepEqual(images.shape, [10000, 28, 28]);
  assert.deepEqual(labels.shape, [10000]);
  assert.ok(images.data instanceof Uint8Array);
  const counts = new Array(10).fill(0);
  for (const l of labels.data) counts[l]++;
  assert.deepEqual(counts, new Array(10).fill(1000));
  // test image 0 is an ankle boot (class 9), as models/fashion-mnist/images/index.json records
  assert.equal(labels.data[0], 9);
});

const SHIPPED = new URL('../../models/fashion-mnist/images/', import.meta.url).pathname;
test('the shipped Fashion-MNIST PNGs are the recorded test-split images, pixel for pixel', {
  skip: !(existsSync(`${FM}/t10k-images-idx3-ubyte.gz`) && existsSync(`${SHIPPED}index.json`)) && 'dataset or shipped images missing',
}, async () => {
  const { readFileSync } = await import('node:fs');
  const { readPng } = await import('./image.js');
  const images = readIdx(`${FM}/t10k-images-idx3-ubyte.gz`);
  const labels = readIdx(`${FM}/t10k-labels-idx1-ubyte.gz`);
  const index = JSON.parse(readFileSync(`${SHIPPED}index.json`, 'utf8')) as { images: { file: string; label: number; testIndex: number }[] };
  assert.equal(index.images.length, 10);
  for (const im of index.images) {
    assert.equal(labels.data[im.testIndex], im.label, im.file);
    const png = await readPng(`${SHIPPED}${im.file}`);
    assert.deepEqual([png.width, png.height], [28, 28]);
    const grey = Array.from({ length: 784 }, (_, p) => png.data[p * 4]);
    assert.deepEqual(grey, Array.from(images.data.subarray(im.testIndex * 784, (im.testIndex + 1) * 784)), im.file);
  }
});
