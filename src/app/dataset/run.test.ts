/**
 * A dataset run killed mid-way (SIGKILL of the CLI process) and resumed gives exactly the
 * files of an uninterrupted run; a worker pool gives exactly the same files too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { explainDataset } from '../../cli/dataset.js';
import { openSessionCount } from '../../engine/onnx.js';
import { ResultStore } from './store.js';
import { assertSameResults, CLI_FLAGS, FLAGS, IDX, MODEL } from './testing.js';

const skip = existsSync(IDX) ? false : 'needs Debian dataset-fashion-mnist';

test('killed mid-run and resumed: the same rows and shards as an uninterrupted run, none twice', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ds-run-'));
  try {
    const whole = join(dir, 'whole');
    const sessions = openSessionCount();
    const r = await explainDataset({ ...FLAGS, out: whole, workers: 1 });
    assert.equal(openSessionCount(), sessions);
    assert.equal(r.summary!.images, 24);
    assert.equal(r.summary!.runs[0].images, 24);
    assert.ok(r.summary!.runs[0].accuracy! > 0.7, `accuracy ${r.summary!.runs[0].accuracy}`);
    assert.equal(new ResultStore(whole).rows().length, 24);

    // the CLI in a child process, killed (SIGKILL) once its second chunk is committed
    const killed = join(dir, 'killed');
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...CLI_FLAGS, '--workers', '1', '--out', killed], { stdio: 'ignore', env: { ...process.env, SALIENCY_DATASET_PACE_MS: '150' } });
    const exited = new Promise((res) => child.on('exit', res));
    while (!existsSync(join(killed, 'rows', 'rows-000001.arrow'))) {
      if (child.exitCode !== null) break;
      await new Promise((res) => setTimeout(res, 20));
    }
    child.kill('SIGKILL');
    await exited;
    const before = new ResultStore(killed).done().size;
    assert.ok(before >= 2 && before < 6, `the kill came after ${before} of 6 chunks`);
    // what a kill during a write leaves: a temporary file, removed on resume
    writeFileSync(join(killed, 'rows', `rows-000005.arrow.tmp-${child.pid}`), 'half a file');
    const resumed = await explainDataset({ ...FLAGS, out: killed, workers: 1 });
    assert.equal(resumed.chunksComputed, 6 - before);
    assertSameResults(whole, killed);
    const indices = new ResultStore(killed).rows().map((row) => row.index);
    assert.deepEqual(indices, Array.from({ length: 24 }, (_, i) => i));

    // a different setting in the same directory is refused
    await assert.rejects(explainDataset({ ...FLAGS, options: { steps: '5' }, out: killed, workers: 1 }), /holds a different run/);

    // two pool workers: the same bytes
    const pooled = join(dir, 'pool');
    const p = await explainDataset({ ...FLAGS, out: pooled, workers: 2 });
    assert.equal(p.summary!.timings.mode, 'worker pool');
    assertSameResults(whole, pooled);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
