import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadFashionMnist } from '../training/data.js';
import { addArtifact } from './artifacts.js';

const d = loadFashionMnist('test', { limit: 12, seed: 0 });

test('the tag: 15 bright pixels in a corner, on the marked images only, seeded', () => {
  const { data, masks } = addArtifact(d, 'tag', 1, (label) => label === d.labels[0]);
  for (let i = 0; i < 12; i++) {
    const m = masks.subarray(i * 784, (i + 1) * 784);
    const count = m.reduce((a, b) => a + b, 0);
    if (d.labels[i] !== d.labels[0]) {
      assert.equal(count, 0);
      assert.deepEqual(data.images.subarray(i * 784, (i + 1) * 784), d.images.subarray(i * 784, (i + 1) * 784));
      continue;
    }
    assert.ok(count <= 15 && count >= 10, `${count} tag pixels changed (15 drawn; some may already be bright)`);
    for (let p = 0; p < 784; p++) {
      if (m[p]) {
        assert.equal(data.images[i * 784 + p], 1);
        const [y, x] = [Math.floor(p / 28), p % 28];
        assert.ok((y <= 4 || y >= 23) && (x <= 5 || x >= 22), `tag pixel (${y}, ${x}) lies in a corner`);
      }
    }
  }
  assert.deepEqual(addArtifact(d, 'tag', 1).data.images, addArtifact(d, 'tag', 1).data.images);
});

test('stripes add 0.3 on every fourth row; blur keeps the mean and changes the edges', () => {
  const s = addArtifact(d, 'stripes', 0);
  for (let p = 0; p < 784; p++) {
    const want = Math.floor(p / 28) % 4 === 1 ? Math.min(1, d.images[p] + 0.3) : d.images[p];
    assert.ok(Math.abs(s.data.images[p] - want) < 1e-6);
  }
  const b = addArtifact(d, 'blur', 0);
  const sum = (a: Float32Array) => a.subarray(0, 784).reduce((x, y) => x + y, 0);
  assert.ok(Math.abs(sum(b.data.images) - sum(d.images)) < 0.05 * sum(d.images), 'a blur moves intensity, it adds little');
  const changed = b.masks.subarray(0, 784).reduce((x, y) => x + y, 0);
  assert.ok(changed > 20 && changed < 600, `${changed} pixels changed by the blur`);
});
