import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convergencePlot, saturationPlot } from '../viz/index.js';
import { escapeHtml, formatMs, formatValue, plotLegend, renderReport } from './html.js';
import type { ReportData, ReportImage } from './types.js';

const PIXEL: ReportImage = { href: 'data:image/png;base64,iVBORw0KGgo=', width: 1, height: 1 };

function data(overrides: Partial<ReportData> = {}): ReportData {
  const curves = { alphas: [0, 0.5, 1], output: [0, 0.8, 1], attributionSum: [0, 0.7, 1], fx: 1, fBaseline: 0 };
  return {
    title: 'Report <test>',
    generated: '2026-11-22T08:00:00.000Z',
    legend: { magnitude: PIXEL.href, signed: PIXEL.href },
    sections: [
      {
        id: 'one',
        title: 'Model & images',
        model: { spec: 'm.onnx', format: 'onnx', inputShape: [1, 2, 2], outputShape: [3], details: [['opset', '17']] },
        columns: [
          { id: 'ig-black', title: 'Integrated Gradients', subtitle: 'black', method: 'integratedGradients', params: { steps: 64 }, timings: { wallMs: 12, modelMs: 10, evaluations: 66 }, meanAbsDelta: 0.01, meanRelativeDelta: 0.002 },
        ],
        rows: [
          {
            name: '<img src=x onerror=alert(1)>.png',
            input: PIXEL,
            target: 'cat',
            top: [{ class: 0, label: 'cat', probability: 0.9 }],
            cells: [{ overlay: PIXEL, heatmap: PIXEL, signed: PIXEL, caption: ['cat 90.0%', 'δ = 0.01'] }],
          },
        ],
        paths: [
          {
            name: 'a.png',
            baseline: 'black',
            target: 'cat',
            alphas: [0, 1],
            inputs: [PIXEL, PIXEL],
            gradients: [PIXEL, PIXEL],
            cumulative: [PIXEL, PIXEL],
            convergence: convergencePlot(curves, { legend: false }),
            saturation: saturationPlot(curves),
            fx: 1,
            fBaseline: 0,
            attributionSum: 1,
            open: true,
          },
        ],
      },
    ],
    ...overrides,
  };
}

test('one self-contained document: data URIs only, no scripts, no network', () => {
  const html = renderReport(data());
  assert.match(html, /^<!DOCTYPE html>/);
  assert.ok(!/<script/i.test(html));
  assert.ok(!/(src|href)="(?!data:|#)/.test(html), 'every src/href is a data URI or an anchor');
  assert.ok(!/https?:\/\/(?!www\.w3\.org\/2000\/svg)/.test(html), 'no URL but the SVG namespace');
  assert.match(html, /Content-Security-Policy" content="default-src 'none'; img-src data:/);
  assert.equal((html.match(/<svg role="img"/g) ?? []).length, 2, 'both path plots inlined');
});

test('text is escaped, foreign image sources are refused', () => {
  const html = renderReport(data());
  assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt;.png'));
  assert.ok(html.includes('<title>Report &lt;test&gt;</title>'));
  assert.ok(!html.includes('<img src=x'));
  const bad = data();
  bad.sections[0].rows[0].input = { href: 'https://example.com/x.png', width: 1, height: 1 };
  assert.throws(() => renderReport(bad), /data:image URIs/);
});

test('the grid: a column header per method, a cell per row and column, the view switch', () => {
  const html = renderReport(data());
  assert.match(html, /<span class="method">Integrated Gradients<\/span><span class="baseline">black<\/span>/);
  assert.equal((html.match(/<td class="cell"/g) ?? []).length, 1);
  assert.match(html, /id="v-overlay-one" class="view-overlay" checked/);
  const grey = data();
  grey.sections[0].defaultView = 'heatmap';
  assert.match(renderReport(grey), /id="v-heatmap-one" class="view-heatmap" checked/);
  assert.match(html, /0\.2% of \|f\(x\) − f\(x′\)\|/);
});

test('plot legends are read back from the SVG (names, colours, dashes)', () => {
  const svg = convergencePlot({ alphas: [0, 1], output: [0, 1], attributionSum: [0, 1], fx: 1, fBaseline: 0 }, { legend: false });
  const legend = plotLegend(svg);
  assert.match(legend, /sum of attributions up to alpha/);
  assert.match(legend, /stroke-dasharray="6 3"/);
  assert.match(legend, /f\(x\) - f\(x&#39;\)/);
});

test('numbers read well', () => {
  assert.equal(formatMs(12.4), '12 ms');
  assert.equal(formatMs(1534), '1.53 s');
  assert.equal(formatMs(125000), '2 min 5 s');
  assert.equal(formatValue(0.000123), '1.23e-4');
  assert.equal(formatValue({ steps: 64, auto: false }), 'steps: 64, auto: no');
  assert.equal(escapeHtml(`a<b>&"'`), 'a&lt;b&gt;&amp;&quot;&#39;');
});

test('figure blocks (SAG graphs, statistics plots): inlined SVG with caption, in the navigation; scripts refused', () => {
  const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><image href="data:image/png;base64,AA==" width="4" height="4"/><text>root 0.93</text></svg>';
  const html = renderReport(data({ figures: [{ id: 'sag', title: 'Structured Attention Graph', figures: [{ svg, caption: 'a <b>.png' }], notes: ['3 roots'] }] }));
  assert.match(html, /<section id="sag" class="figures"><h2>Structured Attention Graph<\/h2>/);
  assert.match(html, /<figure class="figure"><svg role="img" aria-label="a &lt;b&gt;.png"[^>]*>.*root 0\.93.*<\/svg><figcaption>a &lt;b&gt;.png<\/figcaption><\/figure>/);
  assert.match(html, /<a href="#sag">Structured Attention Graph<\/a>/);
  assert.match(html, /<li>3 roots<\/li>/);
  const bad = data({ figures: [{ id: 'x', title: 'x', figures: [{ svg: '<svg onload="alert(1)"></svg>', caption: 'x' }] }] });
  assert.throws(() => renderReport(bad), /refusing to inline SVG/);
});
