/**
 * `evaluate --dataset`: the per-image scores a dataset run stores equal the library's
 * evaluate() on the same images in one batch; a worker pool and a resumed run give the same
 * bytes (random metrics included: they draw from the chunk's seed); bad metric settings are
 * refused before anything runs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluateDataset } from '../../cli/dataset.js';
import { openSessionCount } from '../../engine/onnx.js';
import { openDataset } from '../../io/dataset.js';
import { evaluate } from '../../metrics/evaluate.js';
import { getMethod } from '../../methods/registry.js';
import { openModel, resolveFor } from '../model.js';
import { predict } from '../predict.js';
import { checkWorkItem } from './spec.js';
import { ResultStore } from './store.js';
import { assertSameResults, IDX, MODEL } from './testing.js';

const skip = existsSync(IDX) ? false : 'needs Debian dataset-fashion-mnist';
const FLAGS = { model: MODEL, dataset: IDX, methods: ['gradient'], baselines: ['black'], options: {}, seed: '0', chunkSize: '4', limit: '8', quiet: true } as const;

test('evaluate --dataset: stored scores equal evaluate() on the same images; pool and resume give the same bytes', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ds-eval-'));
  try {
    const sessions = openSessionCount();
    const metrics = ['deletion', 'sparseness', 'max-sensitivity'];
    const metricOptions = { 'deletion-steps': '7', 'max-sensitivity-samples': '3' };
    const one = join(dir, 'one');
    const r = await evaluateDataset({ ...FLAGS, out: one, workers: 1, metrics, metricOptions });
    assert.equal(openSessionCount(), sessions);
    const rows = new ResultStore(one).rows();
    assert.equal(rows.length, 8);
    for (const row of rows) assert.deepEqual(Object.keys(row.scores).sort(), ['deletion', 'max-sensitivity', 'sparseness']);
    assert.deepEqual(Object.keys(r.summary!.runs[0].metrics!).sort(), ['deletion', 'max-sensitivity', 'sparseness']);
    assert.equal(r.summary!.runs[0].metrics!['deletion'].count, 8);
    // summary.html: a histogram per metric (the gradient has no completeness delta to plot)
    assert.equal(readFileSync(join(one, 'summary.html'), 'utf8').match(/class="histogram"/g)?.length, 3);

    // the deterministic metrics, by the library on the same 8 images in one batch
    const opened = await openModel(MODEL, {});
    try {
      const prep = resolveFor(opened);
      const { batch } = await openDataset(IDX, prep).read(0, 8);
      const { ranked } = await predict(opened.model, batch, prep.labels, 1);
      const target = ranked.map((r) => r[0].class);
      const a = await getMethod('gradient').run(opened.model, batch, {}, { target, preprocessing: prep, seed: 0 });
      const e = await evaluate(opened.model, batch, { gradient: a.values }, ['deletion', 'sparseness'], { target, preprocessing: prep, seed: 0, metricOptions: { deletion: { steps: 7 } } });
      for (const metric of ['deletion', 'sparseness']) {
        const expected = e.rows.find((x) => x.metric === metric)!.scores;
        rows.forEach((row, i) => assert.ok(Math.abs(row.scores[metric] - expected[i]) <= 1e-6 * Math.max(1, Math.abs(expected[i])), `${metric} image ${i}: ${row.scores[metric]} vs ${expected[i]}`));
      }
    } finally {
      await opened.dispose();
    }

    const pooled = join(dir, 'pool');
    await evaluateDataset({ ...FLAGS, out: pooled, workers: 2, metrics, metricOptions });
    assertSameResults(one, pooled);

    // stopped after one chunk, then resumed
    const resumed = join(dir, 'resumed');
    const { runDataset } = await import('./run.js');
    const spec = JSON.parse(readFileSync(join(one, 'run.json'), 'utf8')).spec;
    const first = await runDataset({ spec, out: resumed, workers: 1, stopAfter: 1 });
    assert.equal(first.summary, undefined);
    await runDataset({ spec, out: resumed, workers: 1 });
    assertSameResults(one, resumed);
    assert.equal(openSessionCount(), sessions);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('evaluate --dataset refuses what it cannot score, before running', { skip }, async () => {
  await assert.rejects(evaluateDataset({ ...FLAGS, out: join(tmpdir(), 'never'), metrics: ['pointing-game'] }), /ground-truth masks: give --mask/);
  await assert.rejects(evaluateDataset({ ...FLAGS, out: join(tmpdir(), 'never'), metrics: ['nonsense'] }), /nonsense/);
  const spec = { model: MODEL, dataset: IDX, methods: ['ig'], baselines: ['black'], options: {}, target: 'top1', seed: 0, chunkSize: 8 };
  assert.equal(checkWorkItem({ spec: { ...spec, metrics: ['deletion'], metricOptions: { deletion: { steps: 5 } } }, chunk: 0 }).chunk, 0);
  assert.throws(() => checkWorkItem({ spec: { ...spec, metrics: ['__proto__'] }, chunk: 0 }), /unknown metric/);
  assert.throws(() => checkWorkItem({ spec: { ...spec, metrics: ['pointing-game'] }, chunk: 0 }), /ground-truth/);
  assert.throws(() => checkWorkItem({ spec: { ...spec, metrics: ['deletion'], metricOptions: { deletion: { steps: { $gt: 1 } } } }, chunk: 0 }), /metricOptions values/);
});
