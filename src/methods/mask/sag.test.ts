import { test } from 'node:test';
import assert from 'node:assert/strict';
import { structuredAttentionGraph, type SagGraph } from './sag.js';
import { diverseRoots } from './sagSubsets.js';
import { regionModel, texturedImage } from './synthetic.js';
import { Upsampler } from './upsample.js';

const A = { top: 2, left: 2, size: 2 }, B = { top: 8, left: 8, size: 2 };
const opts = { target: 0, patches: 14, maxSize: 10 };

/** Independent score of a patch set: the probability of class 0 with only those patches kept (black elsewhere). */
async function scoreOf(model: ReturnType<typeof regionModel>, x: Float32Array, patches: number[], grid: [number, number]): Promise<number> {
  const up = new Upsampler(grid[0], grid[1], 14, 14);
  const cells = new Float64Array(grid[0] * grid[1]);
  for (const p of patches) cells[p] = 1;
  const u = up.up(cells);
  const point = x.map((v, i) => v * u[i % 196]);
  const z = (await model.run(point, { outputs: ['logits'] }))['logits'];
  return 1 / (1 + Math.exp(z[1] - z[0]));
}

async function graph(batchSize?: number): Promise<{ g: SagGraph; model: ReturnType<typeof regionModel>; x: Float32Array }> {
  const model = regionModel(14, 14, [A, B]);
  const x = texturedImage(14, 14);
  return { g: await structuredAttentionGraph(model, x, { ...opts, batchSize }), model, x };
}

test('SAG: two disjoint sufficient regions give two roots, each sufficient and minimal', async () => {
  const { g, model, x } = await graph();
  assert.equal(g.roots.length, 2);
  const [r0, r1] = g.roots.map((id) => g.nodes[id].patches);
  assert.equal(r0.filter((p) => r1.includes(p)).length, 0, 'the roots are disjoint');
  const enough = g.threshold * g.fullScore;
  for (const r of g.allRoots) {
    assert.ok((await scoreOf(model, x, r, g.grid)) >= enough, `root ${r} is sufficient`);
    for (const p of r) {
      const s = await scoreOf(model, x, r.filter((q) => q !== p), g.grid);
      assert.ok(s < enough, `root ${r} without ${p} still scores ${s} >= ${enough}`);
    }
  }
});

test('SAG: children drop one patch of their parent, nothing below expandBelow is expanded, scores are true', async () => {
  const { g, model, x } = await graph();
  assert.ok(g.nodes.length > 4);
  assert.equal(g.truncated, false);
  for (const n of g.nodes) {
    for (const c of n.children) {
      const child = g.nodes[c].patches;
      assert.equal(child.length, n.patches.length - 1);
      assert.ok(child.every((p) => n.patches.includes(p)));
      assert.ok(g.nodes[c].parents.includes(n.id));
    }
    if (n.relative < g.expandBelow) assert.equal(n.children.length, 0, `node ${n.patches} at ${n.relative} was expanded`);
    else if (n.patches.length > 1) assert.equal(n.children.length, n.patches.length);
    assert.ok(Math.abs(n.score - (await scoreOf(model, x, n.patches, g.grid))) < 1e-6);
  }
});

test('SAG: batched equals one at a time, and no call holds more than batchSize sets', async () => {
  const a = (await graph(1)).g, b = (await graph(7)).g;
  assert.deepEqual(a.nodes, b.nodes);
  assert.deepEqual(a.allRoots, b.allRoots);
  const model = regionModel(14, 14, [A, B]);
  let max = 0;
  const spy = Object.create(model);
  spy.run = async (batch: Float32Array, ask: never) => ((max = Math.max(max, batch.length / 588)), model.run(batch, ask));
  await structuredAttentionGraph(spy, texturedImage(14, 14), { ...opts, batchSize: 5 });
  assert.ok(max <= 5 && max > 1, `largest call ${max}`);
});

test('diverse roots: the largest subset with pairwise overlap <= 1, first found on ties', () => {
  const roots = [[1, 2, 3], [3, 4], [2, 3, 5], [6, 7], [4, 8]];
  assert.deepEqual(diverseRoots(roots, 1), [[1, 2, 3], [3, 4], [6, 7], [4, 8]]);
  assert.deepEqual(diverseRoots(roots, 0), [[1, 2, 3], [6, 7], [4, 8]]);
  assert.deepEqual(diverseRoots([], 1), []);
  // 60 compatible roots: all kept, without enumerating 2^60 subsets
  const singles = Array.from({ length: 60 }, (_, i) => [i]);
  assert.equal(diverseRoots(singles, 0).length, 60);
});

test('SAG statistics: roots, sizes and coverage per image, histograms over the dataset', async () => {
  const { sagImageStats, sagDatasetStats } = await import('./sagStats.js');
  const { g } = await graph();
  const s = sagImageStats('two.png', g);
  assert.equal(s.roots, g.allRoots.length);
  assert.equal(s.coverage, new Set(g.allRoots.flat()).size / 196);
  const empty = { ...g, allRoots: [], roots: [] };
  const d = sagDatasetStats('m', [s, sagImageStats('none.png', empty)]);
  assert.equal(d.withoutRoots, 1);
  assert.equal(d.rootsHistogram[0], 1);
  assert.equal(d.rootsHistogram[Math.min(s.roots, 10)], 1);
  assert.equal(d.sizeHistogram.reduce((a, b) => a + b, 0), g.allRoots.length);
  assert.equal(d.meanRoots, s.roots / 2);
});

test('SAG: a baseline that alone keeps the prediction has nothing to explain; maxNodes bounds the graph', async () => {
  const always = regionModel(14, 14, [A], { gain: 0, bias: -5 });
  const g = await structuredAttentionGraph(always, texturedImage(14, 14), opts);
  assert.equal(g.baselineSufficient, true);
  assert.deepEqual(g.allRoots, []);
  assert.equal(g.nodes.length, 0);
  const model = regionModel(14, 14, [A, B]);
  const small = await structuredAttentionGraph(model, texturedImage(14, 14), { ...opts, maxNodes: 6 });
  assert.ok(small.nodes.length <= 6 && small.truncated, `${small.nodes.length} nodes`);
});
