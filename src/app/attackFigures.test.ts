/**
 * The fragility figures: one per (method, input) with the perturbed input and both maps as
 * pictures, captioned with the metric's numbers; rendered by the report under "Attacks";
 * nothing for an evaluation without fragility.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { attackFigures } from './attackFigures.js';
import { renderReport } from '../report/index.js';
import type { Evaluation } from '../metrics/evaluate.js';

const detail = (shift: number) => ({
  spearman: 0.25,
  centreShift: shift,
  perturbed: Array.from({ length: 16 }, (_, i) => i / 16),
  originalMap: Array.from({ length: 16 }, (_, i) => (i === 5 ? 1 : 0)),
  perturbedMap: Array.from({ length: 16 }, (_, i) => (i === 10 ? -2 : 0)),
});

const evaluation = (withFragility: boolean): Evaluation => ({
  methods: ['gradient'],
  metrics: withFragility ? ['fragility'] : ['sparseness'],
  inputs: 2,
  rows: [],
  results: { gradient: withFragility ? { fragility: { metric: 'fragility', scores: Float64Array.from([0.5, 0]), details: { inputs: [detail(1.5), detail(3)] } } } : { sparseness: { metric: 'sparseness', scores: Float64Array.from([0.1, 0.2]) } } },
});

test('fragility figures: the perturbed input and both maps per input, captioned; rendered under Attacks', async () => {
  const figures = await attackFigures(evaluation(true), { inputShape: [1, 4, 4], names: ['a', 'b'], titles: { gradient: 'Gradient' } });
  assert.equal(figures.length, 2);
  assert.equal(figures[1].title, 'Gradient · b');
  assert.match(figures[1].caption, /top-k intersection 0\.000, Spearman 0\.250, centre of mass moved 3\.00 px/);
  assert.deepEqual(figures[0].images.map((i) => i.label), ['perturbed input', 'map of the input', 'map of the perturbed input']);
  for (const im of figures[0].images) assert.match(im.src, /^data:image\/png;base64,/);
  assert.notEqual(figures[0].images[1].src, figures[0].images[2].src);
  assert.equal((await attackFigures(evaluation(true), { inputShape: [1, 4, 4], names: ['a', 'b'], maxInputs: 1 })).length, 1);
  assert.deepEqual(await attackFigures(evaluation(false), { inputShape: [1, 4, 4], names: ['a', 'b'] }), []);
  const html = renderReport({
    title: 't', generated: '2026-11-26T00:00:00Z', sections: [], legend: { magnitude: '', signed: '' },
    evaluations: [{ id: 'ev', title: 'Evaluation', inputs: 2, metrics: [{ name: 'fragility', title: 'Fragility', higherIsBetter: true }], methods: [{ id: 'gradient', title: 'Gradient' }], scores: [[{ mean: 0.25, sd: 0.35, count: 2 }]], plots: [], figures }],
  });
  assert.match(html, /<h3>Attacks<\/h3>/);
  assert.equal((html.match(/<figure class="attack">/g) ?? []).length, 2);
});
