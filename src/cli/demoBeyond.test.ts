/**
 * The demo's similarity section (light variant) on the real FaceRes model: its columns, the
 * cosine similarity of the two crops, and captions naming the target. (The detection section
 * costs about 12 CPU-seconds of CenterNet gradients: it runs in `saliency demo`, not here.)
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { LIGHT, similaritySection } from './demoBeyond.js';

test('demo similarity section: gradient and Grad-CAM of cos(f(A), f(B)) for two crops of one face', async () => {
  const { section, result } = await similaritySection(new URL('../../fixtures/images/', import.meta.url).pathname, LIGHT);
  assert.deepEqual(section.columns.map((c) => c.id), ['gradient', 'gradcam']);
  assert.equal(section.rows.length, 1);
  assert.ok(result.similarity! > 0.9 && result.similarity! <= 1, `${result.similarity}`);
  assert.equal(section.rows[0].target, 'cosine similarity to B');
  for (const cell of section.rows[0].cells) {
    assert.ok(cell && cell.overlay.href.startsWith('data:image/') && cell.caption[0].endsWith('of cosine similarity to B'));
  }
  assert.deepEqual(result.runs.map((r) => r.id), ['gradient-A', 'gradcam-A']);
});
