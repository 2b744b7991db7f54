import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sagSvg } from './sag.js';
import { createRgba } from './rgba.js';

test('sagSvg: one node group per node with its patches and score, one edge per parent-child pair, kept patches in colour', () => {
  const image = createRgba(4, 4, [255, 0, 0, 255]);
  const graph = {
    grid: [2, 2] as const,
    nodes: [
      { id: 0, patches: [0, 3], relative: 0.95, children: [1, 2], root: true },
      { id: 1, patches: [3], relative: 0.5, children: [], root: false },
      { id: 2, patches: [0], relative: 0.2, children: [], root: false },
    ],
  };
  const svg = sagSvg(graph, image, { detail: 1, title: 'a < b' });
  assert.equal((svg.match(/<g class="node/g) ?? []).length, 3);
  assert.equal((svg.match(/class="edge"/g) ?? []).length, 2);
  assert.match(svg, /data-patches="0 3" data-score="0.9500"/);
  assert.match(svg, />95%</);
  assert.match(svg, /a &lt; b/);
  // node 1 keeps patch 3 only: one red cell, three dimmed
  const node1 = svg.split('data-id="1"')[1].split('</g>')[0];
  assert.equal((node1.match(/#ff0000/g) ?? []).length, 1);
  assert.equal((node1.match(/#202020/g) ?? []).length, 3);
});

test('sagStatsSvg: one bar per model and bin, heights proportional to counts', async () => {
  const { sagStatsSvg } = await import('./sagStats.js');
  const svg = sagStatsSvg([
    { model: 'cnn', rootsHistogram: [0, 2, 1], sizeHistogram: [0, 0, 4] },
    { model: 'vit', rootsHistogram: [1, 0, 2], sizeHistogram: [0, 1] },
  ]);
  assert.equal((svg.match(/class="bar"/g) ?? []).length, 3 + 3 + 3 + 2);
  assert.match(svg, /data-model="vit" data-bin="2" data-count="2"/);
  const h = (m: string, b: number, name: string) => Number(svg.split(`data-name="${name}"`)[1].split(`data-model="${m}" data-bin="${b}"`)[1].match(/height="([0-9.]+)"/)![1]);
  assert.ok(Math.abs(h('cnn', 1, 'roots') - 2 * h('cnn', 2, 'roots')) < 0.02);
});
