/**
 * Through Redis: a coordinator and two `saliency worker` processes; one worker is killed
 * (SIGKILL) after its first job, its job goes to the other, and the merged results equal a
 * single-process run byte for byte. A hostile work item is rejected, recorded, and the
 * worker goes on. Redis is started here on a free loopback port and stopped.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { explainDataset } from '../../cli/dataset.js';
import { QUEUE, redisConnection } from './queue.js';
import { assertSameResults, FLAGS, IDX } from './testing.js';
import { checkWorkItem } from './spec.js';

const hasRedis = spawnSync('redis-server', ['--version']).status === 0;
const skip = !existsSync(IDX) ? 'needs Debian dataset-fashion-mnist' : !hasRedis ? 'needs redis-server (Debian redis-server)' : false;

const freePort = () =>
  new Promise<number>((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => res(p));
    });
  });

test('checkWorkItem names what is wrong with a hostile item', () => {
  const spec = { model: 'models/fashion-mnist/model.onnx', dataset: IDX, methods: ['ig'], baselines: ['black'], options: {}, target: 'top1', seed: 0, chunkSize: 8 };
  assert.equal(checkWorkItem({ spec, chunk: 3 }).chunk, 3);
  assert.throws(() => checkWorkItem('rm -rf /'), /not an object/);
  assert.throws(() => checkWorkItem({ spec, chunk: -1 }), /chunk must be a non-negative integer/);
  assert.throws(() => checkWorkItem({ spec: { ...spec, model: '/etc/passwd' }, chunk: 0 }), /\.onnx file/);
  assert.throws(() => checkWorkItem({ spec: { ...spec, methods: ['__proto__'] }, chunk: 0 }), /unknown method/);
  assert.throws(() => checkWorkItem({ spec: { ...spec, chunkSize: 1e9 }, chunk: 0 }), /chunkSize/);
  assert.throws(() => checkWorkItem({ spec: { ...spec, options: { steps: { $gt: 1 } } }, chunk: 0 }), /options values/);
});

test('coordinator + 2 queue workers, one killed mid-run: the same results as one process; a hostile item is recorded', { skip, timeout: 120000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ds-queue-'));
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  const workers: ChildProcess[] = [];
  const logs: string[] = ['', ''];
  try {
    const local = join(dir, 'local');
    await explainDataset({ ...FLAGS, out: local, workers: 1 });

    for (let w = 0; w < 2; w++) {
      const p = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'worker', '--redis', url, '--threads', '1', '--lock-ms', '1500'], { stdio: ['ignore', 'ignore', 'pipe'] });
      p.stderr!.on('data', (d) => (logs[w] += String(d)));
      workers.push(p);
    }
    // a hostile item first: rejected by whichever worker takes it, which then goes on
    const q = new Queue(QUEUE, { connection: redisConnection(url) });
    await q.add('chunk', { spec: { model: '/etc/passwd', dataset: '/etc/shadow' }, chunk: -1 }, { jobId: 'hostile' });

    // kill the first worker that finishes a job (it then holds the next one); whichever it is,
    // as one worker may take every job while the other is still starting on a loaded machine
    let finished = false;
    let killed = -1;
    const killer = (async () => {
      while (!finished && killed < 0) {
        const k = logs.findIndex((l) => /job \S+ done/.test(l));
        if (k >= 0) {
          workers[k].kill('SIGKILL');
          killed = k;
        } else await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const queued = join(dir, 'queued');
    const r = await explainDataset({ ...FLAGS, out: queued, redis: url }).finally(() => (finished = true));
    await killer;
    assert.ok(killed >= 0, 'a worker was killed after its first job');
    assert.equal(workers[killed].exitCode ?? workers[killed].signalCode, 'SIGKILL');
    assert.equal(r.summary!.timings.mode, 'queue');
    assertSameResults(local, queued);

    const hostile = await q.getJob('hostile');
    assert.equal(await hostile!.getState(), 'failed');
    assert.match(hostile!.failedReason, /rejected work item: chunk must be a non-negative integer/);
    assert.match(logs.join(''), /job hostile failed: rejected work item/);
    assert.equal(workers[1 - killed].exitCode, null, 'the surviving worker still runs');
    await q.obliterate({ force: true });
    await q.close();
  } finally {
    for (const w of workers) w.kill('SIGTERM');
    await Promise.all(workers.map((w) => (w.exitCode === null && w.signalCode === null ? new Promise((r) => w.on('exit', r)) : undefined)));
    redis.kill('SIGTERM');
    await new Promise((r) => redis.on('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
});
