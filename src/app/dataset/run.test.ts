/**
 * A dataset run killed mid-way (SIGKILL of the CLI process) and resumed gives exactly the
 * files of an uninterrupted run; a worker pool gives exactly the same files too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { explainDataset } from '../../cli/dataset.js';
import { openSessionCount } from '../../engine/onnx.js';
import { ResultStore } from './store.js';

export const IDX = '/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz';
export const MODEL = 'models/fashion-mnist/model.onnx';
export const FLAGS = { model: MODEL, dataset: IDX, methods: ['ig'], baselines: ['black'], options: { steps: '4' }, seed: '0', chunkSize: '8', limit: '40', quiet: true } as const;
export const CLI_FLAGS = ['explain', '-m', MODEL, '--dataset', IDX, '--method', 'ig', '--steps', '4', '--chunk-size', '8', '--limit', '40'];
const skip = existsSync(IDX) ? false : 'needs Debian dataset-fashion-mnist';

/** Every file of a results directory except the timings (summary), by relative path. */
export function resultFiles(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const e of readdirSync(join(dir, d), { withFileTypes: true })) {
      const p = d ? join(d, e.name) : e.name;
      if (e.isDirectory()) walk(p);
      else if (!p.startsWith('summary')) out.set(p, readFileSync(join(dir, p)));
    }
  };
  walk('');
  return out;
}

export function assertSameResults(a: string, b: string): void {
  const fa = resultFiles(a);
  const fb = resultFiles(b);
  assert.deepEqual([...fb.keys()].sort(), [...fa.keys()].sort());
  for (const [k, v] of fa) assert.ok(v.equals(fb.get(k)!), `${k} differs`);
}

test('killed mid-run and resumed: the same rows and shards as an uninterrupted run, none twice', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ds-run-'));
  try {
    const whole = join(dir, 'whole');
    const sessions = openSessionCount();
    const r = await explainDataset({ ...FLAGS, out: whole, workers: 1 });
    assert.equal(openSessionCount(), sessions);
    assert.equal(r.summary!.images, 40);
    assert.equal(r.summary!.runs[0].images, 40);
    assert.ok(r.summary!.runs[0].accuracy! > 0.7, `accuracy ${r.summary!.runs[0].accuracy}`);
    assert.equal(new ResultStore(whole).rows().length, 40);

    // the CLI in a child process, killed (SIGKILL) once its second chunk is committed
    const killed = join(dir, 'killed');
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...CLI_FLAGS, '--workers', '1', '--out', killed], { stdio: 'ignore' });
    const exited = new Promise((res) => child.on('exit', res));
    while (!existsSync(join(killed, 'rows', 'rows-000001.arrow'))) {
      if (child.exitCode !== null) break;
      await new Promise((res) => setTimeout(res, 20));
    }
    child.kill('SIGKILL');
    await exited;
    const before = new ResultStore(killed).done().size;
    assert.ok(before >= 2 && before < 5, `the kill came after ${before} of 5 chunks`);
    const resumed = await explainDataset({ ...FLAGS, out: killed, workers: 1 });
    assert.equal(resumed.chunksComputed, 5 - before);
    assertSameResults(whole, killed);
    const indices = new ResultStore(killed).rows().map((row) => row.index);
    assert.deepEqual(indices, Array.from({ length: 40 }, (_, i) => i));

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
