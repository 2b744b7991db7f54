import test from 'node:test';
import assert from 'node:assert/strict';
import { linePlot, niceTicks, formatNumber } from './svg.js';
import { ablationPlot, convergencePlot, pathCurves, saturationPlot } from './pathPlots.js';
import { gridSvg, gridLayout } from './grid.js';

const count = (svg: string, re: RegExp) => (svg.match(re) ?? []).length;
const pointsOf = (svg: string) => [...svg.matchAll(/<polyline class="series" data-name="([^"]*)"[^>]* points="([^"]*)"/g)].map((m) => ({ name: m[1], n: m[2].split(' ').length }));

test('nice ticks are round and cover the range', () => {
  assert.deepEqual(niceTicks(0, 1, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(niceTicks(-3, 7, 5), [-2, 0, 2, 4, 6]);
  assert.equal(formatNumber(0.000012345), '1.23e-5');
  assert.equal(formatNumber(1234.5), '1230'); // three significant digits
  assert.equal(formatNumber(-0.25), '-0.25');
});

test('a line plot has one polyline per series with every point, two axes with ticks, and labels', () => {
  const x = Float64Array.from({ length: 51 }, (_, i) => i / 50);
  const svg = linePlot(
    [
      { name: 'a', x, y: x.map((v) => v * v) },
      { name: 'b <&>', x: [0, 1], y: [1, 0] },
    ],
    { title: 'T', xLabel: 'alpha', yLabel: 'value', references: [{ y: 0.5, label: 'half' }] },
  );
  assert.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'));
  assert.deepEqual(pointsOf(svg), [
    { name: 'a', n: 51 },
    { name: 'b &lt;&amp;&gt;', n: 2 },
  ]);
  assert.equal(count(svg, /<g class="axis x">/g), 1);
  assert.equal(count(svg, /<g class="axis y">/g), 1);
  assert.ok(count(svg, /<g class="tick">/g) >= 8);
  assert.equal(count(svg, /class="reference"/g), 1);
  assert.match(svg, />alpha</);
  assert.match(svg, /class="legend"/);
  assert.throws(() => linePlot([{ name: 'bad', x: [1, 2], y: [1] }]), /2 x values and 1 y values/);
});

test('the IG convergence and saturation plots draw the path curves', () => {
  const M = 20;
  const alphas = Float64Array.from({ length: M + 1 }, (_, j) => j / M);
  // two examples; f along the path saturates: f = 1 - (1 - a)^4 (+ offset per example)
  const output = new Float64Array(2 * (M + 1));
  const sum = new Float64Array(2 * (M + 1));
  for (let e = 0; e < 2; e++) {
    for (let j = 0; j <= M; j++) {
      output[e * (M + 1) + j] = e + 1 - (1 - alphas[j]) ** 4;
      sum[e * (M + 1) + j] = 1 - (1 - alphas[j]) ** 4 + 0.01 * alphas[j];
    }
  }
  const path = { curve: { alphas, output, attributionSum: sum }, fx: Float64Array.from([1, 2]), fBaseline: Float64Array.from([0, 1]) };
  const c = pathCurves(path, 1);
  assert.equal(c.fx, 2);
  assert.equal(c.output[0], 1);
  const conv = convergencePlot(c);
  assert.deepEqual(pointsOf(conv).map((s) => s.n), [M + 1, M + 1]);
  assert.equal(count(conv, /class="reference"/g), 1);
  assert.match(conv, /sum\(phi\) = 1\.01 vs f\(x\) - f\(x&#39;\) = 1/);
  const sat = saturationPlot(c);
  assert.deepEqual(pointsOf(sat).map((s) => s.n), [M + 1]);
  assert.equal(count(sat, /class="reference"/g), 2);
  assert.throws(() => pathCurves(path, 2), /out of range/);
  const abl = ablationPlot([
    { name: 'IG', x: [0, 0.1, 0.2, 0.3], y: [1, 0.6, 0.3, 0.1] },
    { name: 'random', x: [0, 0.1, 0.2, 0.3], y: [1, 0.9, 0.8, 0.7] },
  ]);
  assert.deepEqual(pointsOf(abl), [
    { name: 'IG', n: 4 },
    { name: 'random', n: 4 },
  ]);
  assert.equal(count(abl, /<circle /g), 8);
});

test('the comparison grid places one image per cell with its caption', () => {
  const image = { href: 'data:image/png;base64,AAAA', width: 28, height: 28 };
  const spec = {
    title: 'IG baselines',
    columns: ['input', 'black', 'blur(sigma=5)'],
    rows: [
      { label: 'coat', cells: [{ image }, { image, caption: ['pred: Coat 0.97', 'delta 1e-3'] }, null] },
      { label: 'bag\n(test 18)', cells: [{ image }, { image, caption: ['x'] }, { image, caption: ['y'] }] },
    ],
  };
  const svg = gridSvg(spec);
  assert.equal(count(svg, /<image /g), 5);
  assert.equal(count(svg, /class="caption"/g), 4);
  assert.equal(count(svg, /class="column"/g), 3);
  assert.match(svg, /pred: Coat 0\.97/);
  const L = gridLayout(spec);
  assert.equal(L.cells.length, 2);
  assert.ok(L.cells[1][0].y > L.cells[0][0].y + 160);
  assert.ok(L.width >= 120 + 3 * 160);
  assert.throws(() => gridSvg({ columns: ['a'], rows: [{ label: 'r', cells: [] }] }), /0 cells for 1 columns/);
});
