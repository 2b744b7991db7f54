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
