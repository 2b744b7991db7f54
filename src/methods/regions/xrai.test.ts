/**
 * XRAI against PAIR saliency (fixtures/regions/xrai*, scripts/make_region_fixtures.py xrai):
 * the candidate regions, the ranking given the same attribution and regions (exact), and
 * the whole method on tiny_resnet (IG and map within 1e-4 relative L2, same ranks).
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { loadOnnxModel, openSessionCount } from '../../engine/onnx.js';
import { readNpy } from '../../io/npy.js';
import { xraiSegments, type Region } from '../../masks/xraiSegments.js';
import { relativeL2 } from '../testing.js';
import { xrai } from './xrai.js';
import { xraiRanking } from './xraiRanking.js';

const DIR = new URL('../../../fixtures/', import.meta.url).pathname;
const R = `${DIR}regions/`;
const npy = (name: string) => readNpy(`${R}${name}`);
type Summary = { pixels: number; indexSum: number };
const summary = (regions: Region[]): Summary[] => regions.map((r) => ({ pixels: r.length, indexSum: r.reduce((a, b) => a + b, 0) }));

function photoRegions(): Region[] {
  const img = npy('chelsea.image.npy');
  return xraiSegments(Float64Array.from(img.data as Int32Array, (v) => v / 255), img.shape);
}

test("XRAI's candidate regions equal PAIR's (Felzenszwalb at 6 scales, dilated by disk(5))", () => {
  const photo = JSON.parse(readFileSync(`${R}xrai_photo.json`, 'utf8'));
  assert.deepEqual(summary(photoRegions()), photo.segments);
  const tiny = JSON.parse(readFileSync(`${R}xrai.json`, 'utf8'));
  const x = npy('xrai.input.npy');
  assert.deepEqual(summary(xraiSegments(x.data as Float32Array, x.shape.slice(1))), tiny.segments);
});

test('XRAI ranking equals PAIR _xrai and _xrai_fast given the same attribution and regions', () => {
  const regions = photoRegions();
  const attr = npy('xrai_photo.attr.npy').data as Float64Array;
  for (const algorithm of ['full', 'fast'] as const) {
    const r = xraiRanking(attr, regions, { algorithm });
    assert.deepEqual(Array.from(r.ranks), Array.from(npy(`xrai_photo.${algorithm}.ranks.npy`).data as Int32Array), `${algorithm} ranks`);
    assert.deepEqual(Array.from(r.map), Array.from(npy(`xrai_photo.${algorithm}.map.npy`).data as Float64Array), `${algorithm} map`);
    assert.ok(r.gains.length >= 9);
    for (let i = 1; i < r.gains.length - 1; i++) assert.ok(r.gains[i] <= r.gains[i - 1], 'gains by rank');
  }
});

test('XRAI end to end on tiny_resnet agrees with PAIR (IG and map 1e-4 relative L2, same ranks)', async () => {
  const before = openSessionCount();
  const model = await loadOnnxModel(`${DIR}torch/tiny_resnet.onnx`, { threads: 1, batchSize: 8 });
  try {
    const x = npy('xrai.input.npy').data as Float32Array;
    for (const algorithm of ['full', 'fast'] as const) {
      const r = await xrai(model, x, { target: 3, steps: 20, algorithm });
      const ig = relativeL2(r.base, npy('xrai.ig.npy').data as Float32Array);
      const map = relativeL2(r.values, Float32Array.from(npy(`xrai.${algorithm}.map.npy`).data as Float64Array));
      console.log(`  ${algorithm}: IG relative L2 ${ig.toExponential(2)}, map ${map.toExponential(2)}`);
      assert.ok(ig < 1e-4 && map < 1e-4, `${algorithm}: IG ${ig}, map ${map}`);
      assert.deepEqual(Array.from(r.ranks), Array.from(npy(`xrai.${algorithm}.ranks.npy`).data as Int32Array));
      assert.deepEqual(r.shape, [1, 32, 32]);
    }
    const two = new Float32Array(2 * x.length);
    two.set(x);
    two.set(x.map((v) => 1 - v), x.length);
    const batched = await xrai(model, two, { target: [3, 3], steps: 6, segments: 'slic:n=20' });
    const single = await loadOnnxModel(`${DIR}torch/tiny_resnet.onnx`, { threads: 1, batchSize: 1 });
    const one = await xrai(single, two.subarray(x.length), { target: 3, steps: 6, segments: 'slic:n=20' });
    await single.dispose();
    assert.deepEqual(batched.values.subarray(1024), one.values);
    assert.deepEqual(batched.ranks.subarray(1024), one.ranks);
  } finally {
    await model.dispose();
  }
  assert.equal(openSessionCount(), before);
});
