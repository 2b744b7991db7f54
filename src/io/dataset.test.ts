import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { openDataset } from './dataset.js';
import { encodeIdx } from './idx.js';
import { encodeNpy } from './npy.js';
import { resolvePreprocessing } from './preprocess.js';

const prep = resolvePreprocessing({ size: [2, 3], channels: 'L', layout: 'NCHW', pixelRange: [0, 1], mean: 0.5, std: 0.25, resize: 'stretch' });
const pixels = (k: number) => Uint8Array.from({ length: 6 }, (_, i) => (k * 40 + i * 7) % 256);
const model = (b: number) => (b / 255 - 0.5) / 0.25;

async function png(path: string, k: number) {
  await sharp(Buffer.from(pixels(k)), { raw: { width: 3, height: 2, channels: 1 } }).png().toFile(path);
}

test('an IDX file is read a range at a time, with labels from its sibling labels file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ds-idx-'));
  try {
    const n = 5;
    const images = new Uint8Array(n * 6);
    for (let k = 0; k < n; k++) images.set(pixels(k), k * 6);
    writeFileSync(join(dir, 'x-images-idx3-ubyte'), encodeIdx({ shape: [n, 2, 3], data: images }));
    writeFileSync(join(dir, 'x-labels-idx1-ubyte'), encodeIdx({ shape: [n], data: Uint8Array.from([3, 1, 4, 1, 5]) }));
    const src = openDataset(join(dir, 'x-images-idx3-ubyte'), prep);
    assert.equal(src.kind, 'idx');
    assert.equal(src.size, 5);
    const b = await src.read(2, 4);
    assert.deepEqual(b.ok.map((i) => [i.index, i.label]), [[2, 4], [3, 1]]);
    assert.deepEqual(Array.from(b.batch), [...pixels(2), ...pixels(3)].map((v) => Math.fround(model(v))));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a folder: recursive, labels from subfolders (or labels.csv), an undecodable file recorded and skipped', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ds-folder-'));
  try {
    mkdirSync(join(dir, 'cat'));
    mkdirSync(join(dir, 'dog', 'deep'), { recursive: true });
    await png(join(dir, 'cat', 'a.png'), 1);
    writeFileSync(join(dir, 'cat', 'b.png'), 'not a png');
    await png(join(dir, 'dog', 'deep', 'c.png'), 2);
    const src = openDataset(dir, prep);
    assert.equal(src.kind, 'folder');
    assert.deepEqual(src.classNames, ['cat', 'dog']);
    const b = await src.read(0, 3);
    assert.deepEqual(b.ok.map((i) => [i.name, i.label]), [['cat/a.png', 0], ['dog/deep/c.png', 1]]);
    assert.equal(b.failed.length, 1);
    assert.equal(b.failed[0].name, 'cat/b.png');
    assert.match(b.failed[0].error, /cannot read image/);
    assert.deepEqual(Array.from(b.batch), [...pixels(1), ...pixels(2)].map((v) => Math.fround(model(v))));
    const named = openDataset(dir, { ...prep, labels: ['dog', 'bird', 'cat'] });
    assert.deepEqual((await named.read(0, 3)).ok.map((i) => i.label), [2, 0], "subfolders named as the model's labels take its indices");
    writeFileSync(join(dir, 'labels.csv'), 'file,label\ncat/a.png,7\ncat/b.png,7\ndog/deep/c.png,2\n');
    const csv = openDataset(`folder:${dir}`, prep);
    assert.deepEqual((await csv.read(0, 3)).ok.map((i) => i.label), [7, 2]);
    writeFileSync(join(dir, 'list.txt'), '# images\ndog/deep/c.png,dog\ncat/a.png,cat\n');
    const list = openDataset(join(dir, 'list.txt'), prep);
    assert.equal(list.kind, 'list');
    assert.deepEqual((await list.read(0, 2)).ok.map((i) => [i.name, i.label]), [['dog/deep/c.png', 1], ['cat/a.png', 0]]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a .npy of model inputs is read by offset; a wrong shape names both shapes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ds-npy-'));
  try {
    const data = Float32Array.from({ length: 4 * 6 }, (_, i) => i / 10);
    writeFileSync(join(dir, 'x.npy'), encodeNpy({ shape: [4, 1, 2, 3], data }));
    const src = openDataset(join(dir, 'x.npy'), prep);
    assert.equal(src.size, 4);
    assert.deepEqual(Array.from((await src.read(1, 3)).batch), Array.from(data.subarray(6, 18)));
    writeFileSync(join(dir, 'y.npy'), encodeNpy({ shape: [2, 5], data: new Float32Array(10) }));
    assert.throws(() => openDataset(join(dir, 'y.npy'), prep), /shape \[2, 5\]; the model takes \[n, 1, 2, 3\]/);
    assert.throws(() => openDataset(join(dir, 'nope'), prep), /no such file/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
