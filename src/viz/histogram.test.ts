import { test } from 'node:test';
import assert from 'node:assert/strict';
import { histogramBins, histogramSvg } from './histogram.js';

test('histogramBins counts every finite value once, the maximum in the last bin', () => {
  const b = histogramBins([0, 0.1, 0.5, 0.99, 1, NaN, Infinity], 4, [0, 1]);
  assert.deepEqual(b.counts, [2, 0, 1, 2]);
  assert.equal(histogramBins([2, 3, 5], 3).counts.reduce((a, c) => a + c, 0), 3);
});

test('histogramSvg draws one bar per bin and the marks', () => {
  const svg = histogramSvg([1, 2, 2, 3], { bins: 5, marks: [{ label: 'mean', value: 2 }], title: 'a <b>' });
  assert.equal(svg.match(/class="bar"/g)!.length, 5);
  assert.equal(svg.match(/class="mark"/g)!.length, 1);
  assert.ok(svg.includes('a &lt;b&gt;'));
});
