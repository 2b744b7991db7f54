import test from 'node:test';
import assert from 'node:assert/strict';
import { interpolatePiYG, interpolateInferno, interpolateRdBu } from 'd3-scale-chromatic';
import { colourScale, colourise, parseColour, interpolator, colourBar } from './colormap.js';
import { heatmap } from './heatmap.js';
import { pixelAt } from './rgba.js';

test('colours come from d3-scale-chromatic', () => {
  assert.deepEqual(colourScale('inferno').at(1), parseColour(interpolateInferno(1)));
  assert.deepEqual(colourScale('RdBu').at(0), parseColour(interpolateRdBu(0)));
  assert.deepEqual(colourScale('rdbu', true).at(0), parseColour(interpolateRdBu(1)));
  assert.deepEqual(parseColour('#0a0b0c'), [10, 11, 12]);
  assert.deepEqual(parseColour('rgb(1, 2, 3)'), [1, 2, 3]);
  assert.throws(() => interpolator('nope'), /unknown colour scale 'nope'.*Viridis/);
});

test('a constant attribution map gives a uniform image', () => {
  for (const c of [0, 0.3, -7]) {
    const values = new Float32Array(3 * 5 * 4).fill(c);
    const { image } = heatmap(values, [3, 5, 4]);
    assert.equal(image.width, 4);
    assert.equal(image.height, 5);
    const first = pixelAt(image, 0, 0);
    for (let y = 0; y < 5; y++) for (let x = 0; x < 4; x++) assert.deepEqual(pixelAt(image, x, y), first);
  }
});

test('signed maps: negative one hue, positive the other, zero the centre colour', () => {
  const img = colourise([-1, -0.5, 0, 0.5, 1], 5, 1, { signed: true });
  const [neg, , zero, , pos] = [0, 1, 2, 3, 4].map((x) => pixelAt(img, x, 0));
  assert.deepEqual(zero.slice(0, 3), parseColour(interpolatePiYG(0.5)));
  assert.deepEqual(neg.slice(0, 3), parseColour(interpolatePiYG(0)));
  assert.deepEqual(pos.slice(0, 3), parseColour(interpolatePiYG(1)));
  // PiYG: negative is pink/magenta (red > green), positive is green (green > red)
  assert.ok(neg[0] > neg[1] && pixelAt(img, 1, 0)[0] > pixelAt(img, 1, 0)[1]);
  assert.ok(pos[1] > pos[0] && pixelAt(img, 3, 0)[1] > pixelAt(img, 3, 0)[0]);
  // through the whole pipeline: a signed attribution keeps its sign per pixel
  const { image } = heatmap([-3, 0, 3, 1], [2, 2], { signed: true, percentile: 100 });
  assert.ok(pixelAt(image, 0, 0)[0] > pixelAt(image, 0, 0)[1]);
  assert.deepEqual(pixelAt(image, 1, 0).slice(0, 3), parseColour(interpolatePiYG(0.5)));
  assert.ok(pixelAt(image, 0, 1)[1] > pixelAt(image, 0, 1)[0]);
});

test('channels are summed before the magnitude (opposite channels cancel), and layouts agree', () => {
  // pixel 0: channels +1 and -1 cancel; pixel 1: +1 and +1
  const chw = [1, 1, -1, 1]; // [2, 1, 2]
  const hwc = [1, -1, 1, 1]; // [1, 2, 2]
  const a = heatmap(chw, [2, 1, 2], { layout: 'NCHW', percentile: 100 });
  const b = heatmap(hwc, [1, 2, 2], { layout: 'NHWC', percentile: 100 });
  assert.deepEqual(Array.from(a.map.data), [0, 1]);
  assert.deepEqual(Array.from(b.map.data), [0, 1]);
  assert.deepEqual(Array.from(a.image.data), Array.from(b.image.data));
});

test('a colour bar runs from one end of the scale to the other', () => {
  const bar = colourBar(9, 2, { signed: true, scale: 'RdBu' });
  assert.deepEqual(pixelAt(bar, 0, 1).slice(0, 3), parseColour(interpolateRdBu(0)));
  assert.deepEqual(pixelAt(bar, 4, 0).slice(0, 3), parseColour(interpolateRdBu(0.5)));
});
